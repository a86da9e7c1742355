"""The police-vehicle detector on real pixels: a marked car drawn onto NASA's rocket photo, and look-alikes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from media_screen.detectors.light_bar import find_light_bars
from media_screen.detectors.police_vehicle import PoliceVehicleDetector, probability
from media_screen.model import DetectionKind, Frame

BODY = (60, 230, 420, 330)  # x1, y1, x2, y2 of the car body in the 480 x 360 scene
BAR = (190, 182, 290, 196)  # the roof light bar


def scene(body_colour=(236, 236, 232), wording: str | None = "POLICE", light_bar: bool = True) -> np.ndarray:
    """A car-like shape (body, cabin, wheels) on the rocket photo, optionally lettered and with a light bar."""
    image = cv2.resize(np.ascontiguousarray(data.rocket()[:, :, ::-1]), (480, 360), interpolation=cv2.INTER_AREA)
    x1, y1, x2, y2 = BODY
    cv2.rectangle(image, (x1, y1), (x2, y2), body_colour, -1)
    cabin = np.array([[130, y1], [175, 196], [320, 196], [370, y1]], np.int32)
    cv2.fillPoly(image, [cabin], body_colour)
    cv2.fillPoly(image, [np.array([[148, y1 - 4], [182, 204], [318, 204], [352, y1 - 4]], np.int32)], (70, 78, 90))
    for cx in (130, 350):
        cv2.circle(image, (cx, y2), 34, (25, 25, 25), -1)
        cv2.circle(image, (cx, y2), 16, (150, 150, 150), -1)
    if wording:
        cv2.putText(image, wording, (150, 300), cv2.FONT_HERSHEY_DUPLEX, 1.6, (90, 40, 20), 3, cv2.LINE_AA)
    if light_bar:
        bx1, by1, bx2, by2 = BAR
        middle = (bx1 + bx2) // 2
        cv2.rectangle(image, (bx1 - 3, by1 - 3), (bx2 + 3, by2 + 5), (40, 40, 40), -1)  # the bar's housing
        cv2.rectangle(image, (bx1, by1), (middle, by2), (30, 20, 230), -1)  # red lamp (BGR)
        cv2.rectangle(image, (middle, by1), (bx2, by2), (235, 70, 20), -1)  # blue lamp
    return cv2.GaussianBlur(image, (0, 0), 0.7)


@pytest.fixture(scope="module")
def detector(profile) -> PoliceVehicleDetector:
    return PoliceVehicleDetector.from_profile(profile)


def test_a_lettered_car_with_a_light_bar_is_a_police_vehicle(detector):
    # given a white car with POLICE on the door and red/blue lamps on the roof
    frame = Frame(scene())
    # when the detector fuses its cues
    found = detector.detect(frame)
    # then one police vehicle, from both cues, confident, boxed around the car
    assert len(found) == 1
    vehicle = found[0]
    assert vehicle.kind == DetectionKind.POLICE_VEHICLE
    assert vehicle.evidence["cues"] == ["police_text", "light_bar"]
    assert vehicle.evidence["text"] == ["POLICE"]
    assert vehicle.score > 0.7
    assert vehicle.box.x1 <= BAR[0] and vehicle.box.x2 >= BAR[2] and vehicle.box.y1 <= BAR[1]


def test_the_light_bar_cue_finds_the_lamps_and_the_vehicle_region_below():
    bars = find_light_bars(scene(wording=None))
    assert len(bars) == 1
    bar = bars[0]
    assert abs(bar.box.x1 - BAR[0]) <= 3 and abs(bar.box.x2 - BAR[2]) <= 3
    assert bar.vehicle.y1 >= bar.box.y2 - 1 and bar.vehicle.y2 > BODY[1]
    assert bar.red.x2 <= bar.blue.x1 + 2  # red on the left, blue on the right


def test_a_red_body_under_the_lamps_is_a_fire_engine_not_a_light_bar():
    assert find_light_bars(scene(body_colour=(30, 30, 200), wording=None)) == []


def test_wording_alone_is_left_to_the_text_detector(detector):
    # POLICE on a shape without a light bar: the text detector reports the wording; no vehicle claim
    assert detector.detect(Frame(scene(light_bar=False))) == ()


def test_the_photo_alone_gives_nothing(detector):
    background = cv2.resize(np.ascontiguousarray(data.rocket()[:, :, ::-1]), (480, 360))
    assert detector.detect(Frame(background)) == ()


def test_the_fitted_weights_rank_the_cue_combinations():
    # a light bar alone is weak evidence; wording is strong; both together stronger; an enrolled decal decisive
    assert probability(0.0, 1.0, 0.0) < 0.5 < probability(0.95, 0.0, 0.0) < probability(0.95, 1.0, 0.0)
    assert probability(0.0, 0.0, 0.99) > 0.9


@pytest.mark.parametrize("shape", [(1, 65535, 3), (65535, 1, 3)])
def test_a_one_pixel_strip_has_no_light_bar_and_does_not_crash(shape):
    # given a picture one pixel high (or wide) and 65,535 long (found by bench/fuzz_inputs.py: scaling it
    # down made a 0-pixel image, and OpenCV's resize assertion ended the file in the pipeline's catch-all)
    pixels = np.zeros(shape, dtype=np.uint8)
    # when light bars are looked for, then there are none
    assert find_light_bars(pixels) == []
