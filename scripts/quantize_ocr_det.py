"""RapidOCR's text-line detector (PP-OCRv4 det) quantised to int8 for onnxruntime: issue 13's OCR lever.

    python scripts/quantize_ocr_det.py [--out FILE] [--calibration DIR ...]

Writes an ONNX model with int8 weights (per output channel) and uint8 activations in QDQ form, made by
onnxruntime's static quantisation: the float model inside the installed `rapidocr-onnxruntime` wheel is moved
from opset 12 to 13 (per-channel DequantizeLinear needs it), fused by onnxruntime's pre-processing, and its
activation ranges are calibrated (min/max) on the repository's own sample pictures (`sample_media`, made by
its scripts: pages, signs, plates, a marked car), each prepared exactly as RapidOCR prepares a picture for
detection after the scan has scaled it to `detect_max_side`. Deterministic for the same inputs and
onnxruntime version. Needs `onnx` (the `dev` extra); nothing at run time imports it, and nothing in the
package runs the result: it reads plates worse (README, "Faster since 2026-12-06").
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.detectors.model_files import package_model  # noqa: E402
from media_screen.detectors.ocr import PACKAGE  # noqa: E402

FLOAT_MODEL = "models/ch_PP-OCRv4_det_infer.onnx"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "ocr_det_int8.onnx"
DETECT_MAX_SIDE = 1280  # the default profile's [detectors.text] detect_max_side


def calibration_feeds(folders: list[Path]) -> list[dict[str, np.ndarray]]:
    """RapidOCR's detection input for each picture: scaled to the scan's detection size, then its own
    pre-processing (sides to multiples of 32, normalised to [-1, 1], NCHW)."""
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    prepare = DetPreProcess(736, "min", [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    feeds = []
    for path in sorted(p for folder in folders for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".png")):
        image = cv2.imread(str(path))
        if image is None or min(image.shape[:2]) < 32:
            continue
        scale = min(1.0, DETECT_MAX_SIDE / max(image.shape[:2]))
        if scale < 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        feeds.append({"x": prepare(image)})
    return feeds


def quantised_detector(folders: list[Path], out: Path, exclude: tuple[str, ...] = ()) -> Path:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    feeds = calibration_feeds(folders)
    if not feeds:
        raise SystemExit(f"no calibration pictures under {', '.join(map(str, folders))}")
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser prints its advice through the root logger
    source = package_model(PACKAGE, FLOAT_MODEL)
    pending = iter(feeds)

    class Reader(CalibrationDataReader):
        def get_next(self):
            return next(pending, None)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        opset13, fused, written = Path(folder) / "opset13.onnx", Path(folder) / "fused.onnx", Path(folder) / "int8.onnx"
        onnx.save(version_converter.convert_version(onnx.load(str(source)), 13), str(opset13))
        quant_pre_process(str(opset13), str(fused), skip_symbolic_shape=True)
        quantize_static(str(fused), str(written), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=list(exclude))
        written.replace(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--calibration", type=Path, nargs="+", default=[REPO / "sample_media"])
    parser.add_argument("--exclude", nargs="*", default=[], help="nodes left in float (e.g. p2o.ConvTranspose.0)")
    args = parser.parse_args()
    print(quantised_detector(args.calibration, args.out, tuple(args.exclude)))


if __name__ == "__main__":
    main()
