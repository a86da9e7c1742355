"""Join things whose regions overlap, pairwise, until no two do.

Used where nearby pieces must be handled as one: the police-vehicle cues that fall on one vehicle
(detectors/police_vehicle.py) and the crops the redaction check looks at (redact/recheck.py).
"""

from __future__ import annotations

import itertools
from typing import Callable, TypeVar

T = TypeVar("T")


def merge_overlapping(items: list[T], overlap: Callable[[T, T], bool], join: Callable[[T, T], T]) -> list[T]:
    """`items` with every overlapping pair replaced by their join (in the first one's place), until none overlap."""
    items = list(items)
    joined = True
    while joined:
        joined = False
        for i, j in itertools.combinations(range(len(items)), 2):
            if overlap(items[i], items[j]):
                items[i] = join(items[i], items[j])
                del items[j]
                joined = True
                break
    return items
