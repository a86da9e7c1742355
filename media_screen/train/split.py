"""A fixed, deterministic split of evaluation images into train / tune / holdout parts.

Each file's part depends only on a salted hash of its key (set name and path inside the set), so it
never changes when files are added or removed, and the holdout part is never used for training. The
tune part is what ultralytics validates on during training (best epoch, score threshold); every figure
we report is on the holdout part.
"""

from __future__ import annotations

import enum
import hashlib


class Part(str, enum.Enum):
    TRAIN = "train"
    TUNE = "tune"  # validation during training, threshold choice
    HOLDOUT = "holdout"  # never trained or tuned on; reported figures only


def unit_hash(key: str, salt: str) -> float:
    """A number in [0, 1) fixed by `salt` and `key`."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def part_of(key: str, salt: str, holdout_fraction: float, tune_fraction: float) -> Part:
    if not (0.0 <= holdout_fraction and 0.0 <= tune_fraction and holdout_fraction + tune_fraction <= 1.0):
        raise ValueError("holdout_fraction and tune_fraction must be >= 0 and sum to at most 1")
    u = unit_hash(key, salt)
    if u < holdout_fraction:
        return Part.HOLDOUT
    if u < holdout_fraction + tune_fraction:
        return Part.TUNE
    return Part.TRAIN
