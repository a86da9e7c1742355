"""The police-vehicle detector: a marked patrol car, from cues that agree on one vehicle region.

Cues, each placed in the frame:
  * police wording read on the body (POLICE, SHERIFF, GARDA, ...): the text detector's OCR
    lines and rules, shared per frame through `detectors/ocr.py` (OCR runs once per frame);
  * an enrolled decal or livery mark (the insignia detector's matches, shared per frame);
  * a roof light bar: red and blue lamps side by side above a vehicle-like region
    (`detectors/light_bar.py`).
Cues whose vehicle regions overlap are fused; the confidence is a logistic combination

    p = 1 / (1 + exp(-(B0 + B_TEXT * t + B_BAR * l + B_BOTH * t * l + B_MARK * m)))

with t the best police-wording score (0..1), l = 1 when a light bar is present, m the best
enrolled-mark score (0..1).

How the coefficients were fitted: `bench/fit_police_vehicle.py` computes (t, l) on every
image of the development half of ../shared/eval/police, splits it by a fixed hash of the
file name into a fitting part and a checking part, and fits B0, B_TEXT, B_BAR, B_BOTH by
L2-regularised logistic regression (lambda 1.0) on the fitting part, with marked vehicles
as positives and everything else (officers on foot, ordinary cars, ambulances and fire
engines, other uniforms) as negatives. B_MARK cannot be fitted there (no photo in the set
shows an enrolled mark); it is set so that a mark alone gives p >= 0.9, because an
enrolled decal on a vehicle identifies the department's own car by construction.

What the fit says: on these mostly 224-pixel photos the light bar alone is weak evidence
(it fires on 7 of 39 marked vehicles but also on 22 of 231 other photos: flags, patches,
clothes), so a bar alone stays far below 0.5; police wording alone gives about 0.67, and
wording with a bar about 0.8. A region is reported only when it has a vehicle cue (a light
bar or an enrolled mark): wording alone is the text detector's finding, not a vehicle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from media_screen.config import Profile
from media_screen.detectors import ocr
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.insignia import InsigniaDetector, shared_detector
from media_screen.detectors.light_bar import LightBar, find_light_bars
from media_screen.detectors.text import shared_ocr_engine
from media_screen.detectors.text_rules import TextRules, rules_from_settings
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame
from media_screen.overlap import merge_overlapping

NAME = "police_vehicle"
# Fitted by bench/fit_police_vehicle.py on 2026-11-25 (see the module docstring); B_MARK set by hand.
B0, B_TEXT, B_BAR, B_BOTH, B_MARK = -2.11, 2.96, 0.09, 0.64, 5.0
MIN_REPORTED = 0.3  # fused regions below this probability are not reported at all
# marks worn by people are not vehicle cues, nor is a hate symbol (not a department's mark at all)
WORN_MARKS = (DetectionKind.BADGE, DetectionKind.PATCH, DetectionKind.HATE_SYMBOL)
TEXT_REACH = (1.5, 3.0)  # a text line's vehicle region: its width x1.5 to each side, its height x3 up and down
MARK_REACH = (1.0, 1.5)  # an enrolled mark's vehicle region, likewise


@dataclass
class _Group:
    region: Box
    text: list[tuple[ocr.TextLine, float]] = field(default_factory=list)
    bars: list[LightBar] = field(default_factory=list)
    marks: list[tuple[Any, float]] = field(default_factory=list)  # (InsigniaMatch, score)


def probability(text: float, bar: float, mark: float) -> float:
    z = B0 + B_TEXT * text + B_BAR * bar + B_BOTH * text * bar + B_MARK * mark
    return 1.0 / (1.0 + math.exp(-z))


class PoliceVehicleDetector:
    """Fuses police wording, an enrolled decal and a roof light bar on one vehicle region."""

    name = NAME
    reuses = ("text", "insignia")  # the frame's OCR lines and enrolled-mark matches (lanes.py)

    def __init__(self, engine: ocr.OcrEngine, rules: TextRules, insignia: InsigniaDetector | None) -> None:
        self.engine = engine
        self.rules = rules
        self.insignia = insignia

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        problem = None
        try:
            ocr.model_paths()
        except ModelUnavailableError as exc:
            problem = str(exc)
        return DetectorInfo(
            name=NAME,
            description="marked patrol car: police wording + enrolled decal + roof light bar, fused",
            kinds=(DetectionKind.POLICE_VEHICLE,),
            model="RapidOCR PP-OCRv4 + SIFT references + HSV light-bar cue",
            version=f"rapidocr-onnxruntime {ocr.version()}; coefficients fitted on eval/police dev split",
            available=problem is None,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "PoliceVehicleDetector":
        text_settings = profile.detector_settings("text")
        engine = shared_ocr_engine(text_settings)
        rules = rules_from_settings(text_settings, profile.department, profile.city)
        use_marks = bool(profile.detector_settings(NAME).get("use_enrolled_marks", True))
        insignia = shared_detector(profile) if use_marks and profile.detector_settings("insignia") else None
        return cls(engine, rules, insignia)

    def cues(self, frame: Frame) -> list[_Group]:
        """The cues found in the frame, grouped by overlapping vehicle regions."""
        width, height = frame.width, frame.height
        groups: list[_Group] = []
        for line in ocr.read_lines(self.engine, frame.pixels):
            police = [m for m in self.rules.classify(line.text) if m.kind == DetectionKind.POLICE_TEXT]
            if police:
                score = line.score * max(m.weight for m in police)
                region = _around(line.box, *TEXT_REACH, width, height)
                groups.append(_Group(region, text=[(line, score)]))
        for bar in find_light_bars(frame.pixels):
            region = Box(min(bar.box.x1, bar.vehicle.x1), bar.box.y1, max(bar.box.x2, bar.vehicle.x2), bar.vehicle.y2)
            groups.append(_Group(region, bars=[bar]))
        if self.insignia is not None:
            for match in self.insignia.matches(frame.pixels):
                if match.reference.kind not in WORN_MARKS:
                    region = _around(match.box, *MARK_REACH, width, height)
                    groups.append(_Group(region, marks=[(match, self.insignia.score(match.inliers))]))
        return _merge(groups)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        detections = []
        for group in self.cues(frame):
            text = max((score for _, score in group.text), default=0.0)
            bar = 1.0 if group.bars else 0.0
            mark = max((score for _, score in group.marks), default=0.0)
            p = probability(text, bar, mark)
            if (bar or mark) and p >= MIN_REPORTED:
                detections.append(_detection(frame, group, p, text, bar, mark))
        return tuple(detections)


def _detection(frame: Frame, group: _Group, p: float, text: float, bar: float, mark: float) -> Detection:
    cues = [name for name, value in (("police_text", text), ("light_bar", bar), ("enrolled_mark", mark)) if value]
    evidence: dict[str, Any] = {"cues": cues, "cue_scores": {"text": round(text, 3), "light_bar": bar, "mark": round(mark, 3)}}
    if group.text:
        evidence["text"] = [line.text for line, _ in group.text]
    if group.bars:
        evidence["light_bar"] = [b.box.as_list() for b in group.bars]
    if group.marks:
        evidence["marks"] = [{"reference": m.reference.name, "inliers": m.inliers} for m, _ in group.marks]
    return Detection(
        kind=DetectionKind.POLICE_VEHICLE,
        label=f"marked police vehicle ({' + '.join(cues)})",
        score=round(p, 4),
        box=group.region.clip(frame.width, frame.height),
        detector=NAME,
        time_s=frame.time_s,
        evidence=evidence,
    )


def _around(box: Box, reach_x: float, reach_y: float, width: int, height: int) -> Box:
    dx, dy = box.width * reach_x, box.height * reach_y
    return Box(box.x1 - dx, box.y1 - dy, box.x2 + dx, box.y2 + dy).clip(width, height)


def _merge(groups: list[_Group]) -> list[_Group]:
    """Union groups whose regions overlap, until none do."""
    return merge_overlapping(groups, lambda a, b: _intersect(a.region, b.region), _joined)


def _joined(a: _Group, b: _Group) -> _Group:
    region = Box(min(a.region.x1, b.region.x1), min(a.region.y1, b.region.y1),
                 max(a.region.x2, b.region.x2), max(a.region.y2, b.region.y2))
    return _Group(region, a.text + b.text, a.bars + b.bars, a.marks + b.marks)


def _intersect(a: Box, b: Box) -> bool:
    return a.x1 <= b.x2 and b.x1 <= a.x2 and a.y1 <= b.y2 and b.y1 <= a.y2
