"""The labelled photos the weapons head learns from and is measured on, each in its fixed part.

Positives are `police_real/weapons` (guns and knives; boxes where the source had them) and, from the other
categories and sets, photos whose checked description says a rifle, gun or firearm is visible (armed
officers, soldiers with rifles). Negatives are `negatives_weapons` (tools, phones, remotes, hair dryers:
the hard look-alikes), toy guns, and every other labelled photo (officers, vehicles, uniforms, crowds,
faces, signs and documents). A photo whose description mentions only a holster is left out: a holstered
gun may or may not show. Nothing here reads pixels.

The part is fixed by a salted hash of the file's bytes (a copy of a photo under another name lands in the
same part): HOLDOUT_FRACTION held back, the rest trained on.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from media_screen.train.split import Part

SALT = "media-screen/weapons-v1"
HOLDOUT_FRACTION = 0.4
SETS = ("police_real", "police", "faces", "text_signs")
WEAPON_CATEGORY = "weapons"
LOOK_ALIKE_CATEGORY = "negatives_weapons"
_ARMED = re.compile(r"\b(rifles?|firearms?|guns?|pistols?|handguns?|revolvers?|knife|knives)\b", re.IGNORECASE)
_TOY = re.compile(r"\btoy\b", re.IGNORECASE)
_HOLSTER = re.compile(r"\bholster", re.IGNORECASE)
# negatives_weapons labels by the kind of look-alike they are
PHONES_AND_DEVICES = ("iPod", "remote", "mouse", "phone", "microphone")


class WeaponType(str, enum.Enum):
    """What the source label says the weapon is; FIREARM when it does not say which kind."""

    HANDGUN = "handgun"
    LONG_GUN = "long_gun"
    KNIFE = "knife"
    FIREARM = "firearm"
    NONE = "none"


_TYPE_OF_LABEL = {"handgun": WeaponType.HANDGUN, "rifle": WeaponType.LONG_GUN, "knife": WeaponType.KNIFE}


@dataclass(frozen=True)
class WeaponPhoto:
    path: Path
    dataset: str
    category: str
    weapon: WeaponType  # NONE for a negative
    group: str  # what the figures are reported by: "weapons", "armed in other photos", "look-alikes: tools" ...
    part: Part
    boxes: tuple[tuple[float, float, float, float], ...]  # weapon boxes in the photo's pixels, where known

    @property
    def positive(self) -> bool:
        return self.weapon is not WeaponType.NONE

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.path.name}"


def part_of_file(path: Path) -> Part:
    """HOLDOUT or TRAIN, fixed by a salted hash of the file's bytes."""
    digest = hashlib.sha256(SALT.encode("utf-8") + b"\x00" + path.read_bytes()).digest()
    return Part.HOLDOUT if int.from_bytes(digest[:8], "big") / 2**64 < HOLDOUT_FRACTION else Part.TRAIN


def _boxes(cell: str) -> tuple[tuple[float, float, float, float], ...]:
    if not cell.strip():
        return ()
    return tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in json.loads(cell))


def _labelled(dataset: str, row: dict[str, str]) -> tuple[WeaponType, str] | None:
    """(weapon type, report group) of one table row; None when it cannot be labelled."""
    category, label = row.get("category", ""), row.get("label", "")
    if dataset == "police_real" and category == WEAPON_CATEGORY:
        return _TYPE_OF_LABEL.get(label, WeaponType.FIREARM), "weapons"
    if dataset == "police_real" and category == LOOK_ALIKE_CATEGORY:
        kind = "phones and devices" if any(w.lower() in label.lower() for w in PHONES_AND_DEVICES) else "tools"
        return WeaponType.NONE, f"look-alikes: {kind}"
    text = f"{row.get('description', '')} {label}"
    if _TOY.search(text) and _ARMED.search(text):
        return WeaponType.NONE, "look-alikes: toy guns"
    if _ARMED.search(text):
        return WeaponType.FIREARM, "armed, in other categories"
    if _HOLSTER.search(text):
        return None
    return WeaponType.NONE, f"{dataset} / {category}"


def load_photos(eval_root: Path) -> list[WeaponPhoto]:
    """Every labelled photo of the sets under `eval_root`, with its part."""
    photos = []
    for dataset in SETS:
        table = eval_root / dataset / "ground_truth.csv"
        if not table.is_file():
            continue
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                path = eval_root / dataset / row["file"]
                labelled = _labelled(dataset, row)
                if labelled is None or not path.is_file():
                    continue
                weapon, group = labelled
                boxes = _boxes(row.get("boxes", "") or "") if weapon is not WeaponType.NONE else ()
                photos.append(WeaponPhoto(path, dataset, row.get("category", ""), weapon, group, part_of_file(path), boxes))
    return photos
