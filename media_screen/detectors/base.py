"""The one protocol every pixel detector implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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
