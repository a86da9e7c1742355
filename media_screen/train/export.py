"""Export the trained model to ONNX with float16 weights (float32 inputs and outputs).

The float32 ONNX is twice the size of the float16 .pt checkpoint; with float16 weights both files fit
the 15 MB budget of models/. The float16 graph is checked against the float32 one before it is kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

FLOAT16_BOX_TOLERANCE = 0.01  # of the image size, for box coordinates
FLOAT16_SCORE_TOLERANCE = 0.02  # absolute, for class scores


def export_onnx(weights: Path, imgsz: int, folder: Path) -> Path:
    """ONNX (float16 weights) of `weights` at a fixed `imgsz`, written into `folder`; returns its path."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16
    from ultralytics import YOLO

    folder.mkdir(parents=True, exist_ok=True)
    local = folder / weights.name
    shutil.copyfile(weights, local)
    model = YOLO(str(local), task="detect")
    float32_path = Path(model.export(format="onnx", imgsz=imgsz, simplify=False, device="cpu"))
    graph = onnx.load(str(float32_path))
    half = convert_float_to_float16(graph, keep_io_types=True)
    half_path = folder / f"{weights.stem}.fp16.onnx"
    onnx.save(half, str(half_path))
    box_difference, score_difference = _compare(float32_path, half_path, imgsz)
    if box_difference > FLOAT16_BOX_TOLERANCE * imgsz or score_difference > FLOAT16_SCORE_TOLERANCE:
        return float32_path  # keep full precision rather than a drifting model
    return half_path


def _compare(reference: Path, candidate: Path, imgsz: int) -> tuple[float, float]:
    """Largest differences of box coordinates (rows 0..3) and of class scores (rows 4..) on one input."""
    import onnxruntime

    x = np.random.default_rng(0).random((1, 3, imgsz, imgsz), dtype=np.float32)
    outputs = []
    for path in (reference, candidate):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        outputs.append(session.run(None, {session.get_inputs()[0].name: x})[0])
    difference = np.abs(outputs[0] - outputs[1])
    return float(difference[:, :4].max()), float(difference[:, 4:].max())
