"""Test-only detectors that react to one colour, for batch tests that must work across processes.

Tests register them (`REGISTRY["slow"] = "fake_detectors:SlowDetector"`); batch workers receive the
parent's registry, so the same detectors run inside them. The top-left pixel decides (use PNG so
the colour is exact):
- SlowDetector hangs on pure magenta (RGB 255, 0, 255), far longer than any test's time bound;
- DawdleDetector takes DAWDLE_SECONDS over every picture, whatever it shows, and finds nothing (a long video);
- BadgeDetector sees a police badge (B.2) in the middle of a pure green (RGB 0, 255, 0) picture;
- OfficerDetector sees a uniformed officer wherever navy pixels (UNIFORM_RGB) are, whatever the top-left pixel;
- WeaponDetector sees a long gun (B.5; no redaction target masks weapons) in the middle of a picture whose top-left
  pixel is pure blue (RGB 0, 0, 255);
- CrashDetector kills its process on pure red (RGB 255, 0, 0), like a native crash would;
- BrokenDetector cannot load its model;
- ThreadsDetector reports, on every picture, how many threads OpenCV uses in the process that screens it,
  and whether it runs on one of the detector lanes' threads.
"""

from __future__ import annotations

import os
import threading
import time

from media_screen.detectors.base import DetectorInfo
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

HANG_RGB = (255, 0, 255)
BADGE_RGB = (0, 255, 0)
CRASH_RGB = (255, 0, 0)
WEAPON_RGB = (0, 0, 255)
UNIFORM_RGB = (20, 30, 110)
HANG_SECONDS = 600
DAWDLE_SECONDS = 0.05


def _top_left_rgb(frame: Frame) -> tuple[int, int, int]:
    blue, green, red = (int(v) for v in frame.pixels[0, 0])
    return red, green, blue


class _Fake:
    name = "fake"
    kinds: tuple[DetectionKind, ...] = (DetectionKind.TEXT,)

    @classmethod
    def describe(cls, profile) -> DetectorInfo:
        return DetectorInfo(cls.name, "test only", cls.kinds, "none", "test-1", True)

    @classmethod
    def from_profile(cls, profile):
        return cls()

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        return ()


class SlowDetector(_Fake):
    name = "slow"

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        if _top_left_rgb(frame) == HANG_RGB:
            time.sleep(HANG_SECONDS)
        return ()


class DawdleDetector(_Fake):
    name = "dawdle"
    kinds = (DetectionKind.FACE,)  # a redaction target's kind, so that redact runs it

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        time.sleep(DAWDLE_SECONDS)
        return ()


class _CornerColourDetector(_Fake):
    """Sees its one object, at `where` (fractions of the frame's sides), when the top-left pixel is `corner`."""

    corner: tuple[int, int, int]
    label: str
    where: tuple[float, float, float, float]
    evidence: dict = {}

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        if _top_left_rgb(frame) != self.corner:
            return ()
        w, h = frame.width, frame.height
        left, top, right, bottom = self.where
        box = Box(w * left, h * top, w * right, h * bottom)
        return (Detection(self.kinds[0], self.label, 0.9, box, self.name, evidence=self.evidence),)


class BadgeDetector(_CornerColourDetector):
    name = "badge_stub"
    kinds = (DetectionKind.BADGE,)
    corner, label, where, evidence = BADGE_RGB, "police badge", (0.25, 0.25, 0.75, 0.75), {"cue": "<b>star</b>"}


class OfficerDetector(_Fake):
    name = "officer_stub"
    kinds = (DetectionKind.POLICE_OFFICER,)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        blue, green, red = (frame.pixels[..., i].astype(int) for i in range(3))
        navy = ((abs(red - UNIFORM_RGB[0]) < 12) & (abs(green - UNIFORM_RGB[1]) < 12)
                & (abs(blue - UNIFORM_RGB[2]) < 12))
        if navy.sum() < 20:
            return ()
        rows, cols = navy.nonzero()
        box = Box(float(cols.min()), float(rows.min()), float(cols.max() + 1), float(rows.max() + 1))
        return (Detection(DetectionKind.POLICE_OFFICER, "police_officer", 0.9, box, self.name),)


class WeaponDetector(_CornerColourDetector):
    name = "weapon_stub"
    kinds = (DetectionKind.WEAPON,)
    corner, label, where = WEAPON_RGB, "long_gun", (0.1, 0.6, 0.4, 0.9)


class BrokenDetector(_Fake):
    name = "broken"

    @classmethod
    def from_profile(cls, profile):
        raise ModelUnavailableError("broken: model file missing; install it with `make models`")


class CrashDetector(_Fake):
    name = "crash"

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        if _top_left_rgb(frame) == CRASH_RGB:
            os._exit(70)
        return ()


class ThreadsDetector(_Fake):
    name = "threads"

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        import cv2

        box = Box(0, 0, frame.width, frame.height)
        threads = cv2.getNumThreads()
        lane = threading.current_thread().name.startswith("media-screen-detector")  # detectors/lanes.py's threads
        return (Detection(DetectionKind.TEXT, f"threads {threads}", 0.9, box, self.name,
                          evidence={"threads": threads, "on_lane": lane}),)
