"""The one module that imports ultralytics: load a YOLO model once, run it, return plain arrays.

Screening runs exported .onnx models without it (yolo_onnx.py); ultralytics, with torch, comes with
the `train` extra and runs `media-screen train` and a profile's .pt checkpoints.

Ultralytics checks for updates, sends analytics, downloads fonts and weights and pip-installs
missing packages unless told not to. media_screen.offline sets YOLO_OFFLINE, YOLO_AUTOINSTALL=false
and a config folder under our cache before ultralytics is first imported; here the `sync`
(analytics) setting is also turned off in that config folder, and the fonts ultralytics would
download (its dataset check asks for Arial even with plots off) are provided from matplotlib's own
DejaVu Sans. No ultralytics `Results` object leaves this module: detectors get `BoxArrays`.
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import numpy as np

from media_screen import offline
from media_screen.detectors.model_files import package_version
from media_screen.detectors.yolo_onnx import BoxArrays  # noqa: F401 - the boxes both backends return
from media_screen.errors import ModelUnavailableError
from media_screen.sanitize import clean_text

INSTALL_HINT = "install it with: pip install 'media-screen[train]' (or re-run scripts/install.sh)"

_models: dict[tuple[Path, str], "YoloModel"] = {}
_models_lock = threading.Lock()


def ultralytics_available() -> bool:
    """Whether ultralytics can be imported, without importing it (that takes seconds)."""
    return importlib.util.find_spec("ultralytics") is not None


def ultralytics_version() -> str:
    return package_version("ultralytics")


class YoloModel:
    """A loaded ultralytics model. Calls are serialised: an ultralytics predictor is not re-entrant."""

    def __init__(self, path: Path, task: str) -> None:
        yolo = yolo_class()
        self.path = path
        try:
            self._model = yolo(str(path), task=task)
        except Exception as exc:  # noqa: BLE001 - ultralytics raises many types for a bad file; one clear error here
            raise ModelUnavailableError(
                f"cannot load the YOLO model {path}: {type(exc).__name__}: {exc}; "
                "replace it with a model file saved or exported by ultralytics"
            ) from exc
        # Class names come from the model file: cleaned like any other untrusted string.
        self.names: Mapping[int, str] = MappingProxyType({int(k): clean_text(v) for k, v in self._model.names.items()})
        self._lock = threading.Lock()

    def class_ids(self, wanted: Iterable[str]) -> list[int]:
        """The ids of the model's classes named in `wanted`."""
        wanted = set(wanted)
        return sorted(i for i, name in self.names.items() if name in wanted)

    def predict(
        self,
        bgr: np.ndarray,
        min_score: float,
        imgsz: int | None = None,
        class_ids: list[int] | None = None,
        iou: float = 0.45,
    ) -> BoxArrays:
        """Boxes scoring at least `min_score` in a BGR uint8 image; ultralytics letterboxes it to `imgsz`.

        `class_ids` (None: all) filters before non-maximum suppression and the per-image box limit,
        so that classes nobody asked for cannot crowd out the wanted ones.
        """
        options: dict[str, Any] = {"conf": min_score, "iou": iou, "verbose": False, "device": "cpu"}
        if imgsz is not None:
            options["imgsz"] = imgsz
        if class_ids is not None:
            options["classes"] = class_ids
        with self._lock:
            result = self._model.predict(bgr, **options)[0]
        boxes = result.boxes
        return BoxArrays(
            xyxy=boxes.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4),
            scores=np.clip(boxes.conf.cpu().numpy().astype(np.float32), 0.0, 1.0),
            class_ids=boxes.cls.cpu().numpy().astype(np.int64),
            names=self.names,
        )


def load_model(path: Path, task: str = "detect") -> YoloModel:
    """The model at `path`, loaded once per process."""
    key = (Path(path).resolve(), task)
    with _models_lock:
        if key not in _models:
            _models[key] = YoloModel(key[0], task)
        return _models[key]


def yolo_class():
    """ultralytics.YOLO, imported with the offline environment in place and analytics sync off."""
    offline.configure()
    from PIL import Image

    pillow_open = Image.open
    try:
        from ultralytics import YOLO, settings
    except ImportError as exc:
        raise ModelUnavailableError(f"the Python package 'ultralytics' cannot be imported ({exc}); {INSTALL_HINT}")
    finally:
        # ultralytics replaces PIL.Image.open process-wide with a version that, on an unidentified
        # file, tries to install and import pi_heif; our decoder must keep Pillow's own behaviour.
        Image.open = pillow_open
    if settings.get("sync", True):
        settings.update({"sync": False})
    provide_local_fonts()
    return YOLO


def provide_local_fonts() -> None:
    """Put the fonts ultralytics looks for into its config folder, so that it never downloads them.

    Its `check_font` (called by the dataset check in training, and by plotting) downloads Arial.ttf
    (Arial.Unicode.ttf for non-ASCII class names) unless the file is in its config folder;
    matplotlib's DejaVu Sans, copied there under those names, serves both.
    """
    import matplotlib
    from ultralytics.utils import USER_CONFIG_DIR

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = Path(USER_CONFIG_DIR) / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
