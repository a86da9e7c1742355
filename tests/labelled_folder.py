"""A tiny labelled evaluation folder for the training tests: `police_real/` with a ground_truth.csv.

Each entry's picture is written in several variants (every other one mirrored, each a little smaller),
so a split by name puts some of each category in every part.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np


@dataclass(frozen=True)
class Entry:
    category: str  # the folder and the `category` column
    label: str
    picture: Callable[[int], np.ndarray]  # variant index -> BGR picture
    name: str  # file name in its folder, formatted with the variant's `index`


def labelled_folder(root: Path, entries: list[Entry], variants: int, shrink: float, **columns: str) -> Path:
    """`root` holding police_real/<category>/<name> for every entry and variant; `columns` are added to each row."""
    folder = root / "police_real"
    rows = []
    for index in range(variants):
        for entry in entries:
            picture = entry.picture(index)
            picture = cv2.flip(picture, 1) if index % 2 else picture
            picture = cv2.resize(picture, None, fx=1 - shrink * index, fy=1 - shrink * index)
            name = f"{entry.category}/{entry.name.format(index=index)}"
            (folder / entry.category).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / name), picture)
            rows.append({"file": name, "category": entry.category, "label": entry.label, "boxes": "", **columns})
    with (folder / "ground_truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root
