"""The one protocol every pixel detector implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from media_screen.config import Profile
from media_screen.model import Detection, DetectionKind, Frame


@dataclass(frozen=True)
class DetectorInfo:
    """What `media-screen detectors` shows about one detector."""

    name: str
    description: str
    kinds: tuple[DetectionKind, ...]
    model: str  # model file or algorithm
    version: str
    available: bool
    problem: str | None = None  # why it cannot run here, and what to install


@runtime_checkable
class Detector(Protocol):
    """A callable object that loads its model once and finds things in frames.

    Implementations convert their backend's output (onnx arrays, ultralytics
    results, OCR tuples) to `Detection`s inside their own module. Boxes are in
    the frame's pixel coordinates, scores in 0..1, and a blank frame gives ().
    A detector that reuses another's per-frame work (frame_cache.py) names it in
    an optional class attribute `reuses`, so that it is started after it (lanes.py);
    one whose `from_profile` takes longest says so with `load_first = True`, so that a
    worker loading on two threads starts it first. `from_profile` may run at the same
    time as another detector's: a model shared between detectors is made under a lock.
    `detect` may run at the same time as other detectors' (on another thread, when
    a scan has cores to spare), and a detector that another one calls into
    (protected asks faces for the frame's faces) may be called from two threads
    at once: state kept between calls needs a lock.
    """

    name: str

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        """Model file, version and availability, without loading the model."""
        ...

    @classmethod
    def from_profile(cls, profile: Profile) -> "Detector":
        """Load the model; raise ModelUnavailableError naming what to install."""
        ...

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        ...


@runtime_checkable
class VideoSession(Protocol):
    """Optional: the per-video state of a detector that decides once per tracked object rather than per frame.

    A detector offering it has `video_session(max_gap_s) -> VideoSession | None` (None: nothing to do in
    this video); video.py then calls `observe` instead of `detect` on each analysed frame, `repeat` for a
    sampled frame unchanged from the last analysed one, and `finish` once at the end, whose detections
    already span their tracks (time_s .. end_s). The protected-faces detector is the one user.
    """

    def observe(self, frame: Frame) -> tuple[Detection, ...]:
        """Follow what the frame shows; returns the per-frame detections (linked by tracking.py as usual)."""
        ...

    def repeat(self, time_s: float) -> None:
        ...

    def finish(self, check: Callable[[str], None]) -> tuple[Detection, ...]:
        """The once-per-track detections; `check(stage)` raises AnalysisTimeoutError when out of time."""
        ...
