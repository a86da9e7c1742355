"""The detector registry: the one place that lists every pixel detector.

Adding a detector touches one new module and one line here. Modules are imported
lazily so that a metadata-only sweep never loads torch, onnxruntime or OpenCV DNN.
"""

from __future__ import annotations

import importlib

from media_screen.config import Profile
from media_screen.detectors.base import Detector, DetectorInfo
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import UsageError

METADATA = "metadata"  # not a pixel detector: metadata is always read; alone it means "no pixel detectors"

REGISTRY: dict[str, str] = {
    # name: "module:Class"
    "faces": "media_screen.detectors.faces:FaceDetector",
    "text": "media_screen.detectors.text:TextDetector",
    "insignia": "media_screen.detectors.insignia:InsigniaDetector",
    "police_vehicle": "media_screen.detectors.police_vehicle:PoliceVehicleDetector",
    "explicit": "media_screen.detectors.explicit:ExplicitDetector",
    "police_items": "media_screen.detectors.police_items:PoliceItemsDetector",
    "protected": "media_screen.detectors.protected:ProtectedFacesDetector",
    "weapons": "media_screen.detectors.weapons:WeaponsDetector",
    "yolo": "media_screen.detectors.yolo:YoloDetector",
}
# Registered but run only when named (--detectors, or a profile that lists them): the first trained
# police model, kept for departments that trained their own YOLO; police_items replaced it by default
# (README, "Police items in real photos").
OPT_IN = frozenset({"yolo"})


def detector_class(name: str) -> type[Detector]:
    try:
        module_name, class_name = REGISTRY[name].split(":")
    except KeyError:
        known = ", ".join([METADATA, *REGISTRY])
        raise UsageError(f"unknown detector {name!r}; known: {known}") from None
    return getattr(importlib.import_module(module_name), class_name)


def describe_all(profile: Profile) -> list[DetectorInfo]:
    return [detector_class(name).describe(profile) for name in REGISTRY]


def resolve_names(requested: tuple[str, ...] | None) -> tuple[str, ...]:
    """Pixel detectors to run: all registered but the opt-in ones when None; `metadata` alone means none."""
    if requested is None:
        return tuple(name for name in REGISTRY if name not in OPT_IN)
    names = []
    for name in requested:
        if name == METADATA:
            continue
        detector_class(name)  # validates the name
        names.append(name)
    return tuple(dict.fromkeys(names))


def load_detectors(names: tuple[str, ...], profile: Profile, lanes: DetectorLanes | None = None) -> list[Detector]:
    """Instantiate (load the models of) the named detectors, once per process; on the lanes' threads when
    the worker has cores to spare (a one-file scan), slowest first (`load_first`), in the names' order."""
    classes = [detector_class(name) for name in names]
    first = [cls for cls in classes if getattr(cls, "load_first", False)]
    start = first + [cls for cls in classes if cls not in first]
    return (lanes or DetectorLanes()).map(lambda cls: cls.from_profile(profile), classes, start)
