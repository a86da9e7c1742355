"""The text detector: reads what is written in a frame and applies the department's text rules.

OCR is RapidOCR (PP-OCRv4 models inside the installed `rapidocr-onnxruntime` package),
shared with the police-vehicle detector through `detectors/ocr.py`. What each line means
comes from `detectors/text_rules.py`, configured by the profile's `[detectors.text]` table.
Licence plates are also looked for as plate-shaped regions and read from a close-up
(`detectors/plates.py`), which finds plates the line finder misses and vanity or all-digit plates; a
region that reads as one of the rules' keywords (POLICE on a vest's patch or a door panel) is wording, not a plate.
"""

from __future__ import annotations

from typing import Any, Mapping

from media_screen.config import Profile
from media_screen.detectors import ocr, plates
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.text_rules import TextMatch, TextRules, rules_from_profile
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

NAME = "text"
KIND_LABELS = {
    DetectionKind.POLICE_TEXT: "police wording",
    DetectionKind.IDENTIFYING_TEXT: "identifying text",
    DetectionKind.PLATE: "licence plate",
    DetectionKind.INVESTIGATION_TEXT: "investigation text",
    DetectionKind.CONFIDENTIAL_TEXT: "confidential marking",
    DetectionKind.INTERNAL_TEXT: "internal-matters text",
    DetectionKind.DEROGATORY_TEXT: "derogatory text",
    DetectionKind.TEXT: "text",
}
_LABEL_TEXT = 60
_UNIT_NUMBER_REACH = 4.0  # a number counts as a unit number within this many police-text heights
MIRRORED_WORD_SCORE = 0.9  # a mirrored reading this sure, of letters alone, is a word seen from behind
PLATE_REGIONS_VERSION = "plate regions 2"  # detectors/plates.py: changes here change cached results


class TextDetector:
    """OCR plus the profile's text rules: police wording, numbers and names, plates, investigation, confidential,
    internal-matters and derogatory text."""

    name = NAME

    def __init__(self, engine: ocr.OcrEngine, rules: TextRules, report_other_text: bool = False,
                 plate_regions: int = plates.MAX_REGIONS) -> None:
        self.engine = engine
        self.rules = rules
        self.report_other_text = report_other_text
        self.plate_regions = plate_regions  # plate regions read per frame (detectors/plates.py); 0: none

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        problem = None
        try:
            model = f"{ocr.model_paths()[0]} (+ the cls and rec models beside it)"
        except ModelUnavailableError as exc:
            model, problem = ", ".join(ocr.MODEL_FILES), str(exc)
        lexicon = profile.detector_settings(NAME).get("derogatory_lexicon")
        if lexicon:  # named here so that the result cache's key follows edits of the department's lexicon
            model += f", {profile.resolve_asset(str(lexicon))}"
        return DetectorInfo(
            name=NAME,
            description="OCR (RapidOCR PP-OCRv4) with the profile's text rules",
            kinds=tuple(KIND_LABELS),
            model=model,
            version=f"rapidocr-onnxruntime {ocr.version()}, {PLATE_REGIONS_VERSION}",
            available=problem is None,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "TextDetector":
        settings = profile.detector_settings(NAME)
        engine = shared_ocr_engine(settings)
        rules = rules_from_profile(profile)
        plate = dict(settings.get("plate", {}))
        regions = int(plate.get("max_regions", plates.MAX_REGIONS)) if plate.get("regions", True) else 0
        return cls(engine, rules, bool(settings.get("report_other_text", False)), regions)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        lines = ocr.read_lines(self.engine, frame.pixels)
        detections: list[Detection] = []
        police_boxes = []
        classified = [(line, self.rules.classify(line.text)) for line in lines]
        # a line whose mirror image reads as wording, or surely as a word ("TCROSS" at 0.99 where the line
        # as it is read "22083T": tape seen from behind), is that text, not a plate
        worded = {line.quad for line, matches in classified
                  if line.mirrored and (any(m.kind != DetectionKind.PLATE for m in matches) or _sure_word(line))}
        for line, matches in classified:
            if not line.mirrored and line.quad in worded:
                matches = [m for m in matches if m.kind != DetectionKind.PLATE]
            for match in matches:
                detections.append(_detection(frame, line, match))
                if match.kind == DetectionKind.POLICE_TEXT:
                    police_boxes.append(line.box)
            if not matches and self.report_other_text:
                detections.append(_detection(frame, line, TextMatch(DetectionKind.TEXT, "other text", line.text)))
        for line in lines:
            if any(_near(line.box, police) for police in police_boxes):
                for number in self.rules.unit_numbers(line.text):
                    match = TextMatch(DetectionKind.IDENTIFYING_TEXT, "unit number near police wording", number)
                    detections.append(_detection(frame, line, match))
        return tuple(self._with_plate_regions(frame, detections))

    def _with_plate_regions(self, frame: Frame, detections: list[Detection]) -> list[Detection]:
        """Plates read from plate-shaped regions (detectors/plates.py). Where a line read in the frame already
        gave a plate inside the region, the surer of the two readings is kept."""
        if self.rules.plate is None or self.plate_regions <= 0:
            return detections
        for reading in plates.read_plates(self.engine, frame.pixels, self.rules.plate, self.plate_regions):
            if self.rules.is_wording(reading.plate):
                continue  # POLICE on a patch or a door panel: police wording (read from the lines), not a plate
            region = reading.region.box
            same = [d for d in detections if d.kind == DetectionKind.PLATE and region.contains(d.box.center)]
            if any(d.score >= reading.score for d in same):
                continue
            detections = [d for d in detections if all(d is not other for other in same)]
            detections.append(_region_plate(frame, reading))
        return detections


def shared_ocr_engine(settings: Mapping[str, Any]) -> ocr.OcrEngine:
    """The process-wide OCR engine configured by a `[detectors.text]` table."""
    return ocr.shared_engine(
        int(settings.get("detect_max_side", ocr.DEFAULT_DETECT_MAX_SIDE)),
        float(settings.get("min_score", ocr.DEFAULT_MIN_SCORE)),
    )


def _detection(frame: Frame, line: ocr.TextLine, match: TextMatch) -> Detection:
    shown = line.text if len(line.text) <= _LABEL_TEXT else line.text[: _LABEL_TEXT - 1] + "…"
    return Detection(
        kind=match.kind,
        label=f'{KIND_LABELS[match.kind]} "{shown}"' + (" (read mirrored)" if line.mirrored else ""),
        score=round(line.score * match.weight, 4),
        box=line.box.clip(frame.width, frame.height),
        detector=NAME,
        time_s=frame.time_s,
        evidence={
            "text": line.text,
            "rule": match.rule,
            "matched": match.matched,
            "ocr_score": round(line.score, 4),
            "quad": line.quad_list(),
            **({"mirrored": True} if line.mirrored else {}),
        },
    )


def _region_plate(frame: Frame, reading: plates.PlateReading) -> Detection:
    box = reading.region.box
    return Detection(
        kind=DetectionKind.PLATE,
        label=f'{KIND_LABELS[DetectionKind.PLATE]} "{reading.plate}"',
        score=round(reading.score, 4),
        box=box.clip(frame.width, frame.height),
        detector=NAME,
        time_s=frame.time_s,
        evidence={
            "text": reading.text,
            "rule": "plate region",
            "matched": reading.plate,
            "ocr_score": round(reading.score, 4),
            "quad": [[round(x, 1), round(y, 1)] for x, y in
                     ((box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2))],
            "characters": reading.region.blobs,
        },
    )


def _sure_word(line: ocr.TextLine) -> bool:
    """Letters alone, four or more, read at least MIRRORED_WORD_SCORE sure: a word, not a plate seen mirrored
    (a plate's mirror image still holds its digits)."""
    letters = [c for c in line.text if not c.isspace()]
    return line.score >= MIRRORED_WORD_SCORE and len(letters) >= 4 and all(c.isalpha() for c in letters)


def _near(box: Box, police: Box) -> bool:
    reach = _UNIT_NUMBER_REACH * max(police.height, 1.0)
    dx = max(police.x1 - box.x2, box.x1 - police.x2, 0.0)
    dy = max(police.y1 - box.y2, box.y1 - police.y2, 0.0)
    return dx <= reach and dy <= reach
