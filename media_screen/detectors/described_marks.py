"""The built-in enrolled marks, described ahead of time and shipped with the package.

Describing a reference (SIFT keypoints, outline, appearance template: insignia.describe_image) takes
0.03-0.08 s per image, 0.34 s for the built-in profile's seven at every process start. Their descriptions
are stored in DESCRIBED by `scripts/describe_references.py`, under the image's sha256 and the side it is
described at, with the method that made them (insignia.METHOD: the OpenCV version and the describing code's
version). A reference is taken from the file only when all three match; anything else (a department's own
marks, another OpenCV, a changed method, a missing or damaged file) is described as before. Reading the file
never fails a scan: at worst a process pays the 0.34 s again. The file is package data, never written at
run time.

A test describes the built-in references afresh and compares them with the shipped ones (same keypoints,
descriptors within rounding), so a stale file is caught.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import numpy as np

DESCRIBED = Path(str(resources.files("media_screen") / "assets" / "references" / "described.npz"))  # as police_items' head
FIELDS = ("points", "descriptors", "outline", "area", "template", "template_mask", "angles")

_shipped: dict[str, dict[str, np.ndarray]] | None = None
_shipped_lock = threading.Lock()


def lookup(sha256: str, side: int, method: str) -> dict[str, np.ndarray] | None:
    """The shipped description of the image with this sha256 at this side, made by `method`; None when
    there is none (or the file cannot be read)."""
    global _shipped
    with _shipped_lock:
        if _shipped is None:
            _shipped = _read(DESCRIBED)
    found = _shipped.get(_key(sha256, side, method))
    return None if found is None else dict(found)  # read-only arrays: shared, never copied


def write(path: Path, described: dict[tuple[str, str, int], dict[str, np.ndarray]]) -> None:
    """Store descriptions {(method, sha256, side): {field: array}} (scripts/describe_references.py)."""
    arrays = {f"{_key(sha, side, method)}/{name}": np.asarray(fields[name])
              for (method, sha, side), fields in sorted(described.items()) for name in FIELDS}
    temporary = path.with_suffix(".tmp.npz")
    np.savez_compressed(temporary, **arrays)
    temporary.replace(path)


def _key(sha256: str, side: int, method: str) -> str:
    return f"{method}|{side}|{sha256}"


def _read(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """{key: {field: array}} of every complete description in the file; {} when it is missing or damaged."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except Exception:  # noqa: BLE001 - missing, not a zip, a member that does not inflate: only a slower start
        return {}
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for name, array in arrays.items():
        key, _, field = name.rpartition("/")
        array.flags.writeable = False
        grouped.setdefault(key, {})[field] = array
    return {key: fields for key, fields in grouped.items() if _whole(fields)}


def _whole(fields: dict[str, np.ndarray]) -> bool:
    """Every field there, with the shapes a description has (N keypoints of 128 values, a 4-corner outline,
    a 2-D template and its mask)."""
    if not set(FIELDS) <= set(fields):
        return False
    count = len(fields["points"])
    return (fields["points"].shape == (count, 2) and fields["descriptors"].shape == (count, 128)
            and fields["angles"].shape == (count,) and fields["outline"].shape == (4, 2) and fields["area"].shape == ()
            and fields["template"].ndim == 2 and fields["template_mask"].shape == fields["template"].shape)
