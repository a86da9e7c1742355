"""The ultralytics backend stays offline: no socket, no download, analytics off, settings under our cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from media_screen.detectors.ultralytics_backend import BoxArrays

# Run in a fresh interpreter so that ultralytics is first imported with the network already cut.
OFFLINE_RUN = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(repr(args[:3]))
        raise OSError("network blocked by the test")
    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.create_connection = socket.getaddrinfo = refuse

    import numpy as np
    from skimage import data
    from media_screen.detectors.model_files import package_model
    from media_screen.detectors.ultralytics_backend import load_model

    model = load_model(package_model("nudenet", "320n.onnx"), task="detect")
    found = model.predict(np.ascontiguousarray(data.astronaut()[:, :, ::-1]), min_score=0.25, imgsz=320)
    from ultralytics import settings
    print(json.dumps({
        "attempts": attempts,
        "labels": found.labels(),
        "sync": settings["sync"],
        "settings_file": str(settings.file),
        "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("wandb", "clearml", "comet_ml", "mlflow")),
    }))
    """
)


def test_loading_and_running_a_model_opens_no_connection(tmp_path: Path):
    # given a fresh process whose every socket connection and name lookup raises
    env = {**os.environ, "MEDIA_SCREEN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("YOLO_CONFIG_DIR", None)
    # when it imports ultralytics, loads NudeNet's model and runs it on a photo
    run = subprocess.run([sys.executable, "-c", OFFLINE_RUN], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # then nothing tried the network, the model still ran (it sees the astronaut's face) ...
    assert result["attempts"] == []
    assert "FACE_FEMALE" in result["labels"]
    # ... analytics sync is off, in a settings file under our own cache, and no logger was imported
    assert result["sync"] is False
    assert Path(result["settings_file"]).is_relative_to(tmp_path / "cache")
    assert result["modules"] == []


def test_box_arrays_select_keeps_rows_together():
    boxes = BoxArrays(
        xyxy=np.array([[0, 0, 1, 1], [2, 2, 3, 3]], np.float32),
        scores=np.array([0.9, 0.4], np.float32),
        class_ids=np.array([1, 0]),
        names={0: "a", 1: "b"},
    )
    kept = boxes.select(np.array([False, True]))
    assert kept.labels() == ["a"]
    assert kept.scores.tolist() == [np.float32(0.4)] and kept.xyxy.tolist() == [[2, 2, 3, 3]]


def test_importing_ultralytics_leaves_pillow_open_alone(tmp_path):
    # given ultralytics imported through the backend
    from PIL import Image

    from media_screen.detectors.ultralytics_backend import yolo_class

    original = Image.open
    yolo_class()
    # then Pillow's own open is in place, and a non-image is still a plain UnidentifiedImageError
    assert Image.open is original
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(junk)
