"""One RapidOCR engine per process, shared by every detector that reads text.

The text detector and the police-vehicle detector both need what is written in a
frame; `read_lines` runs OCR once per frame content and keeps the last few results,
so the second caller gets the first caller's lines for free.

Text *detection* (finding where text is) runs on a copy scaled down to at most
`detect_max_side` pixels: on a 12 MP photo that is several times faster and finds
the same lines. Text *recognition* then reads each line from a full-resolution crop,
so small print such as a licence plate keeps every pixel it has.

A line read with little confidence, or as letters and digits mixed (a plate, or mirrored
letters read as digits), is read mirrored as well, and the mirrored reading
added when it is clearly surer: text seen in a mirror (the POLICE shirt of a mirror
selfie) or from behind (tape, a window) reads as nothing, or as a false plate, otherwise.
The first reading stays: a real plate misread unsurely must not be lost to a confident
reading of its mirror image.

RapidOCR's tuples never leave this module: callers get `TextLine`s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from media_screen.detectors.frame_cache import FrameCache
from media_screen.detectors.model_files import package_model, package_version
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box
from media_screen.sanitize import clean_text

PACKAGE = "rapidocr_onnxruntime"
DISTRIBUTION = "rapidocr-onnxruntime"
MODEL_FILES = (
    "models/ch_PP-OCRv4_det_infer.onnx",
    "models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "models/ch_PP-OCRv4_rec_infer.onnx",
)
DEFAULT_DETECT_MAX_SIDE = 1600
DEFAULT_MIN_SCORE = 0.5
MIRROR_BELOW = 0.8  # a line read with less confidence (or as letters and digits) is read mirrored too (0: never)
MIRROR_MARGIN = 0.1  # the mirrored reading is kept when its confidence is at least this much higher


@dataclass(frozen=True)
class TextLine:
    """One line of text read in a frame: the (sanitized) text, the recogniser's confidence and where it is."""

    text: str
    score: float
    quad: tuple[tuple[float, float], ...]  # four corners, clockwise from top-left, in frame pixels
    mirrored: bool = False  # read from the mirrored line: seen in a mirror or from behind

    @property
    def box(self) -> Box:
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return Box(min(xs), min(ys), max(xs), max(ys))

    def quad_list(self) -> list[list[float]]:
        return [[round(x, 1), round(y, 1)] for x, y in self.quad]


def model_paths() -> list[str]:
    """The PP-OCR model files inside the installed package (ModelUnavailableError when missing)."""
    return [str(package_model(PACKAGE, name)) for name in MODEL_FILES]


def version() -> str:
    return package_version(DISTRIBUTION)


class OcrEngine:
    """RapidOCR's detector, orientation classifier and recogniser, driven stage by stage."""

    def __init__(self, detect_max_side: int = DEFAULT_DETECT_MAX_SIDE, min_score: float = DEFAULT_MIN_SCORE,
                 mirror_below: float = MIRROR_BELOW):
        model_paths()  # a clear error naming the package before RapidOCR's own
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # pragma: no cover - model_paths() found the package
            raise ModelUnavailableError(f"cannot import {PACKAGE}: {exc}; pip install {DISTRIBUTION}") from exc
        self._ocr = RapidOCR(print_verbose=False)
        self.detect_max_side = int(detect_max_side)
        self.min_score = float(min_score)
        self.mirror_below = float(mirror_below)  # fixed for the engine's life: read_lines caches by engine
        self._lock = threading.Lock()  # onnxruntime sessions are thread-safe; RapidOCR's pre/post state is not

    def read(self, pixels: np.ndarray) -> tuple[TextLine, ...]:
        """Every line read with at least `min_score` confidence, top to bottom."""
        if pixels.ndim != 3 or pixels.shape[0] < 8 or pixels.shape[1] < 8:
            return ()
        with self._lock:
            quads = self._find_lines(pixels)
            if not quads:
                return ()
            crops = self._ocr.get_crop_img_list(pixels, [q.astype(np.float32) for q in quads])
            upright, _, _ = self._ocr.text_cls(crops)  # turned copies: `crops` stay as cut, for _add_mirrored
            results, _ = self._ocr.text_rec(upright)
            readings = [[(str(r[0]), float(r[1]), False)] for r in results]
            self._add_mirrored(crops, readings)
        lines = []
        for quad, line_readings in zip(quads, readings):
            corners = tuple((float(x), float(y)) for x, y in quad)
            for raw, score, mirrored in line_readings:
                text = clean_text(raw)
                if text and score >= self.min_score:
                    lines.append(TextLine(text, min(max(score, 0.0), 1.0), corners, mirrored))
        return tuple(lines)

    def _add_mirrored(self, crops: list[np.ndarray], readings: list[list[tuple[str, float, bool]]]) -> None:
        """To each unsure reading, the mirrored line's reading when it is surer by MIRROR_MARGIN. The line is
        mirrored as cut (`crops`, before the orientation classifier), then turned upright by the classifier: tape
        seen from behind is often upside down as well."""
        if self.mirror_below <= 0:  # re-reading off
            return
        unsure = [i for i, line in enumerate(readings) if line[0][1] < self.mirror_below or _mixed(line[0][0])]
        if not unsure:
            return
        mirrored, _, _ = self._ocr.text_cls([np.ascontiguousarray(crops[i][:, ::-1]) for i in unsure])
        again, _ = self._ocr.text_rec(mirrored)
        for i, (text, score) in zip(unsure, ((str(r[0]), float(r[1])) for r in again)):
            first, first_score, _ = readings[i][0]
            # a sure reading of letters and digits mixed needs only to be matched: it is kept beside the mirrored one
            margin = 0.0 if _mixed(first) and first_score >= self.mirror_below else MIRROR_MARGIN
            if score >= first_score + margin:
                readings[i].append((text, score, True))

    def read_line(self, crop: np.ndarray) -> tuple[str, float]:
        """The recogniser alone on a crop that holds one line (a plate's characters): (sanitized text, score).

        The recogniser scales the crop to its input height itself, so a small line is read upscaled.
        """
        if crop.ndim != 3 or crop.shape[0] < 4 or crop.shape[1] < 4:
            return "", 0.0
        with self._lock:
            results, _ = self._ocr.text_rec([np.ascontiguousarray(crop)])
        text, score = clean_text(results[0][0]), float(results[0][1])
        return (text, min(max(score, 0.0), 1.0)) if text else ("", 0.0)

    def _find_lines(self, pixels: np.ndarray) -> list[np.ndarray]:
        height, width = pixels.shape[:2]
        scale = min(1.0, self.detect_max_side / max(height, width))
        small = pixels
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        boxes, _ = self._ocr.text_det(small)
        if boxes is None or len(boxes) == 0:
            return []
        quads = []
        for box in self._ocr.sorted_boxes(boxes):
            quad = np.asarray(box, dtype=np.float64) / scale
            quad[:, 0] = np.clip(quad[:, 0], 0, width - 1)
            quad[:, 1] = np.clip(quad[:, 1], 0, height - 1)
            quads.append(quad)
        return quads


def _mixed(text: str) -> bool:
    """Letters and digits in one reading: a plate, or mirrored letters read as digits ("POLITIA" as "AITIJO9")."""
    return any(c.isalpha() for c in text) and any(c.isdigit() for c in text)


_engines: dict[tuple[int, float], OcrEngine] = {}
_engines_lock = threading.Lock()
_results = FrameCache()


def shared_engine(detect_max_side: int = DEFAULT_DETECT_MAX_SIDE, min_score: float = DEFAULT_MIN_SCORE) -> OcrEngine:
    """The process-wide engine for these settings, loaded on first use."""
    key = (int(detect_max_side), float(min_score))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = OcrEngine(*key)
        return engine


def read_lines(engine: OcrEngine, pixels: np.ndarray) -> tuple[TextLine, ...]:
    """`engine.read(pixels)`, remembered for the last few frames (keyed by pixel content)."""
    return _results.get_or_compute(id(engine), pixels, lambda: engine.read(pixels))
