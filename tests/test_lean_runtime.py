"""Screening and redaction never import torch or ultralytics: the shipped YOLO models run with onnxruntime.

`pip install media-screen` alone is a complete screening and redaction tool; ultralytics (with torch)
comes with the `train` extra, for `media-screen train` and .pt models. The commands run in a fresh
process (this one may have imported torch for other tests), in that process (`--jobs 0`), with every
detector that can run here, the opt-in YOLO model included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_media"

SCRIPT = """
import json, sys
from typer.testing import CliRunner
from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.config import load_profile

names = ",".join(i.name for i in registry.describe_all(load_profile()) if i.available)
runner = CliRunner()
scan = runner.invoke(app, ["scan", *sys.argv[1:3], "--jobs", "0", "--no-cache", "--detectors", names,
                           "--format", "json"])
redact = runner.invoke(app, ["redact", sys.argv[1], "--out", sys.argv[3], "--format", "json"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision", "ultralytics"))
print(json.dumps({"detectors": names, "scan": scan.exit_code, "redact": redact.exit_code,
                  "verdicts": [f["verdict"] for f in json.loads(scan.stdout)["files"]], "heavy": heavy}))
"""


def test_scan_and_redact_with_every_detector_import_neither_torch_nor_ultralytics(tmp_path: Path):
    # given a photo with police items and a clip with a face, screened and redacted in one fresh process
    photo, clip = SAMPLES / "detectors" / "coffee_badge.jpg", SAMPLES / "video" / "face_2s_to_4s.mp4"
    env_private = {"MEDIA_SCREEN_CACHE_DIR": str(tmp_path / "cache"), "MEDIA_SCREEN_DATA_DIR": str(tmp_path / "data")}
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(photo), str(clip), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=1200, env={**os.environ, **env_private},
    )
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    # then both ran with the YOLO models, found what they should, and no torch or ultralytics module was loaded
    assert "yolo" in result["detectors"] and "explicit" in result["detectors"]
    assert result["verdicts"] == ["PERMISSION_REQUIRED", "CLEAR"] and result["scan"] == 1
    assert result["redact"] == 0
    assert result["heavy"] == []
