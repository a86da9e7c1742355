"""The labelled photos the police-item head learns from, each in its fixed split part.

Labels are per image ("this photo shows at least one uniformed officer"), from the `category` column of
`police_real` (full-size photos) and `police` (about 224 px crops). Nothing here reads pixels.
"""

from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from pathlib import Path

from media_screen.train.split import Part, part_of

SALT = "media-screen/police-items-v1"
HOLDOUT_FRACTION = 0.35
TUNE_FRACTION = 0.15


class ItemClass(str, enum.Enum):
    """What the head tells apart; BACKGROUND is everything else, look-alikes included."""

    BACKGROUND = "background"
    POLICE_OFFICER = "police_officer"
    POLICE_VEHICLE = "police_vehicle"
    INSIGNIA = "insignia"


POSITIVE_CATEGORIES = {
    "officers_uniform": ItemClass.POLICE_OFFICER,
    "police_vehicles": ItemClass.POLICE_VEHICLE,
    "insignia_closeup": ItemClass.INSIGNIA,
}
NEGATIVE_CATEGORIES = (
    "negatives_uniform",
    "negatives_people",
    "negatives_vehicles",
    "negatives_emergency_not_police",
    "negatives_weapons",
)
# Real close-ups are too few to learn from: they are only measured (the head learns insignia from drawn ones).
MEASURED_ONLY = ("insignia_closeup",)
SETS = ("police_real", "police")
# Photos of anything else (faces, crowds, signs, documents, plates): more background for the head.
OTHER_SETS = ("faces", "text_signs")
# Photos of other sets labelled here by eye (extra_labels.csv): soldiers in the weapons category of
# police_real, which takes its part from the split like any police_real photo, and close-ups of generals in
# uniform from faceid, which are training only (four people: too few to hold some back) and fold by person.
# Measured, not in the shipped recipe (bench/police_items_extra_labels.py, README).
EXTRA_LABELS = Path(__file__).with_name("extra_labels.csv")
EXTRA_SETS = ("police_real", "faceid")  # the sets extra_labels.csv labels photos of
TRAINING_ONLY_SETS = ("faceid",)


@dataclass(frozen=True)
class LabelledPhoto:
    path: Path
    dataset: str  # police_real or police
    category: str
    truth: ItemClass  # BACKGROUND for a negative
    part: Part
    region: str  # country_or_region where known, else ""
    boxes: tuple[tuple[float, float, float, float, str], ...]  # source box labels, where it had them
    label: str = ""  # the finer label (military_navy, security_guard, ...)

    @property
    def label_group(self) -> str:
        """Finer negatives folded into the groups the figures are reported by."""
        for prefix in ("military", "security", "fire", "paramedic", "medical", "rescue", "hi_vis", "coast_guard"):
            if self.label.startswith(prefix):
                return prefix
        return "other"

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.path.name}"

    @property
    def fold_key(self) -> str:
        """What out-of-fold scoring keeps together: one person's photos in faceid, else the photo."""
        return f"faceid/{self.path.parent.name}" if self.dataset == "faceid" else self.key


def _boxes(cell: str) -> tuple[tuple[float, float, float, float, str], ...]:
    import json

    if not cell.strip():
        return ()
    return tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3]), str(b[4])) for b in json.loads(cell))


def _extra_photos(eval_root: Path, sets: tuple[str, ...]) -> list[LabelledPhoto]:
    """The photos of extra_labels.csv from `sets` that exist under `eval_root`: all background."""
    photos = []
    with EXTRA_LABELS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = eval_root / row["dataset"] / row["file"]
            if row["dataset"] not in sets or not path.is_file():
                continue
            key = f"{row['dataset']}/{row['file']}"
            part = Part.TRAIN if row["dataset"] in TRAINING_ONLY_SETS else part_of(key, SALT, HOLDOUT_FRACTION, TUNE_FRACTION)
            photos.append(LabelledPhoto(path, row["dataset"], row["category"], ItemClass.BACKGROUND, part, "", (), row["label"]))
    return photos


def load_photos(
    eval_root: Path, extra_sets: tuple[str, ...] = (), other_sets: tuple[str, ...] = OTHER_SETS
) -> list[LabelledPhoto]:
    """Every positive and negative photo of the police sets under `eval_root`, with its part, every photo of
    `other_sets` as background, and the photos of `extra_sets` that extra_labels.csv labels."""
    photos = []
    for dataset in SETS + other_sets:
        table = eval_root / dataset / "ground_truth.csv"
        if not table.is_file():
            continue
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                category = row["category"]
                if dataset in other_sets:
                    truth, category = ItemClass.BACKGROUND, f"{dataset}/{category}"
                elif category in POSITIVE_CATEGORIES:
                    truth = POSITIVE_CATEGORIES[category]
                elif category in NEGATIVE_CATEGORIES:
                    truth = ItemClass.BACKGROUND
                else:
                    continue
                key = f"{dataset}/{row['file']}"
                part = Part.HOLDOUT if category in MEASURED_ONLY else part_of(key, SALT, HOLDOUT_FRACTION, TUNE_FRACTION)
                photos.append(
                    LabelledPhoto(
                        path=eval_root / dataset / row["file"],
                        dataset=dataset,
                        category=category,
                        truth=truth,
                        part=part,
                        region=row.get("country_or_region", "") or "",
                        boxes=_boxes(row.get("boxes", "") or ""),
                        label=row.get("label", ""),
                    )
                )
    return photos + (_extra_photos(eval_root, extra_sets) if photos else [])
