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


def _boxes(cell: str) -> tuple[tuple[float, float, float, float, str], ...]:
    import json

    if not cell.strip():
        return ()
    return tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3]), str(b[4])) for b in json.loads(cell))


def load_photos(eval_root: Path) -> list[LabelledPhoto]:
    """Every positive and negative photo of the police sets under `eval_root`, with its part."""
    photos = []
    for dataset in SETS + OTHER_SETS:
        table = eval_root / dataset / "ground_truth.csv"
        if not table.is_file():
            continue
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                category = row["category"]
                if dataset in OTHER_SETS:
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
    return photos
