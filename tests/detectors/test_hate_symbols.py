"""Hate symbols (B.5): the drawn references matched by the insignia detector, then the policy's verdicts."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from media_screen.detectors.insignia import InsigniaDetector
from media_screen.model import Audience, DetectionKind, Frame, Metadata, Verdict
from media_screen.policy import evaluate, verdict_of
from repo_scripts import repo_script

REPO = Path(__file__).resolve().parents[2]
HATE = REPO / "media_screen" / "assets" / "references" / "hate"

# (reference file, the name the profile gives it, side in the photo, turn in degrees)
SYMBOLS = [
    ("swastika_clockwise.png", "swastika (clockwise)", 160, 10),
    ("swastika_counterclockwise.png", "swastika (counter-clockwise)", 100, -20),
    ("ss_runes.png", "SS runes", 240, 0),
    ("celtic_cross_hate.png", "Celtic cross (white-power variant)", 160, 10),
]


@pytest.fixture(scope="module")
def detector(profile) -> InsigniaDetector:
    return InsigniaDetector.from_profile(profile)


def composited(background: np.ndarray, symbol_file: str, side: int, degrees: float) -> np.ndarray:
    """The drawn symbol (on its light square), scaled to `side`, turned, pasted into a copy of the photo."""
    symbol = cv2.resize(cv2.imread(str(HATE / symbol_file)), (side, side), interpolation=cv2.INTER_AREA)
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), degrees, 1.0)
    turned = cv2.warpAffine(symbol, turn, (side, side), borderValue=(255, 255, 255))
    inside = cv2.warpAffine(np.full((side, side), 255, np.uint8), turn, (side, side)) > 0
    photo = background.copy()
    region = photo[150 : 150 + side, 200 : 200 + side]
    region[inside] = turned[inside]
    return photo


def drawn_look_alike(background: np.ndarray, what: str) -> np.ndarray:
    """A plain (Latin) cross, a plus sign or a window grid, drawn in black on the photo."""
    photo, (x, y) = background.copy(), (280, 230)
    if what == "plus sign":
        cv2.rectangle(photo, (x - 60, y - 14), (x + 60, y + 14), (0, 0, 0), -1)
        cv2.rectangle(photo, (x - 14, y - 60), (x + 14, y + 60), (0, 0, 0), -1)
    elif what == "plain cross":
        cv2.rectangle(photo, (x - 50, y - 40), (x + 50, y - 14), (0, 0, 0), -1)
        cv2.rectangle(photo, (x - 13, y - 90), (x + 13, y + 90), (0, 0, 0), -1)
    else:  # a window: a light pane divided by dark bars into four, framed
        cv2.rectangle(photo, (x - 100, y - 100), (x + 100, y + 100), (240, 240, 240), -1)
        for k in (-100, 0, 100):
            cv2.line(photo, (x + k, y - 100), (x + k, y + 100), (30, 30, 30), 12)
            cv2.line(photo, (x - 100, y + k), (x + 100, y + k), (30, 30, 30), 12)
    return photo


@pytest.mark.parametrize(("symbol_file", "name", "side", "degrees"), SYMBOLS)
def test_a_drawn_symbol_on_a_photo_is_found_and_named(detector, coffee, symbol_file, name, side, degrees):
    # given a photo with the symbol on it, turned and scaled
    frame = Frame(composited(coffee, symbol_file, side, degrees))
    # when the insignia detector looks at it
    found = [d for d in detector.detect(frame) if d.kind == DetectionKind.HATE_SYMBOL]
    # then exactly that symbol, named, boxed where it was pasted
    assert [d.evidence["reference"] for d in found] == [name]
    assert found[0].label == f"hate symbol: {name}"
    cx, cy = found[0].box.center
    assert abs(cx - (200 + side / 2)) < side / 4 and abs(cy - (150 + side / 2)) < side / 4


def test_the_mirror_image_is_named_as_the_other_orientation(detector, coffee):
    # given a clockwise swastika flipped left to right
    frame = Frame(np.ascontiguousarray(composited(coffee, "swastika_clockwise.png", 160, 0)[:, ::-1]))
    # when matched, then it is the counter-clockwise reference that is named (mirrored matches are refused)
    found = [d.evidence["reference"] for d in detector.detect(frame) if d.kind == DetectionKind.HATE_SYMBOL]
    assert found == ["swastika (counter-clockwise)"]


def samples_script():
    """scripts/make_detector_samples.py, which paints a symbol on the wall of the hate-symbol sample."""
    return repo_script("scripts/make_detector_samples.py")


@pytest.mark.parametrize(("symbol_file", "name"), [(file, name) for file, name, _, _ in SYMBOLS])
def test_a_symbol_spray_painted_on_a_wall_is_found_and_named(detector, symbol_file, name):
    # given the sample's wall with the symbol spray-painted on it, drawn by scripts/draw_hate_symbols.py (seed 4:
    # before each symmetric mark's matches were split by turn, the clockwise swastika and the Celtic cross were
    # missed in this rendering, RANSAC settling first on a collapsed homography)
    samples = samples_script()
    wall = samples.hate_symbol_wall(samples.draw_hate_symbols.SYMBOLS[symbol_file](), seed=4)
    # when the insignia detector looks at it
    found = [d for d in detector.detect(Frame(wall)) if d.kind == DetectionKind.HATE_SYMBOL]
    # then that symbol, named, where it was painted (centre of the painted square about (754, 420)), with
    # inliers to spare
    assert [d.evidence["reference"] for d in found] == [name]
    cx, cy = found[0].box.center
    assert abs(cx - 754) < 60 and abs(cy - 420) < 60
    assert found[0].evidence["inliers"] >= detector.settings["min_inliers"] + 3


@pytest.mark.parametrize("what", ["plus sign", "plain cross", "window grid"])
def test_crosses_and_grids_are_not_hate_symbols(detector, coffee, what):
    # given a photo with an ordinary cross-shaped thing, when matched, then no hate symbol
    found = detector.detect(Frame(drawn_look_alike(coffee, what)))
    assert not [d for d in found if d.kind == DetectionKind.HATE_SYMBOL]


def test_the_photo_alone_has_no_hate_symbol(detector, coffee):
    assert not [d for d in detector.detect(Frame(coffee)) if d.kind == DetectionKind.HATE_SYMBOL]


def test_a_symbol_is_review_for_official_and_do_not_post_for_personal_with_the_reason(detector, coffee, profile):
    # given the detections of a photo with a swastika
    detections = detector.detect(Frame(composited(coffee, "swastika_clockwise.png", 160, 10)))
    verdicts = {}
    for audience in (Audience.OFFICIAL, Audience.PERSONAL, Audience.COVERT):
        # when the policy judges them for each audience
        findings = evaluate(Metadata(), detections, audience, profile)
        verdicts[audience] = verdict_of(findings)
        symbol = [f for f in findings if f.rule == "hate_symbol"]
        # then one B.5 finding that names the symbol and says why a person must look
        assert len(symbol) == 1 and symbol[0].section.value.startswith("B.5")
        assert "religious and historical uses" in symbol[0].message
        assert "swastika (clockwise)" in str(dict(symbol[0].evidence)) + symbol[0].message
    assert verdicts == {Audience.OFFICIAL: Verdict.REVIEW, Audience.PERSONAL: Verdict.DO_NOT_POST,
                        Audience.COVERT: Verdict.DO_NOT_POST}
