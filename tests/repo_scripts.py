"""The repository's own scripts and benches, loaded as modules: tests reuse what makes the samples."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def repo_script(relative: str) -> ModuleType:
    """`relative` (e.g. "scripts/draw_weapon.py") loaded once per session, under its file's stem."""
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
