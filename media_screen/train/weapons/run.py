"""Train the weapons head end to end: photos -> crop features -> examples -> operating point -> head -> figures."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from media_screen.detectors.police_items import CropPlanSettings
from media_screen.detectors.weapons import DEFAULT_PLAN, HeadDesign, Views, WeaponHead
from media_screen.errors import UsageError
from media_screen.train.split import Part
from media_screen.train.weapons.composite import composite_examples
from media_screen.train.weapons.data import WeaponPhoto, load_photos
from media_screen.train.weapons.features import PhotoFeatures, photo_features
from media_screen.train.weapons.fit import Example, Operating, choose_threshold, fit_head, out_of_fold_scores
from media_screen.userdirs import cache_dir

DEFAULT_EVAL = Path(__file__).resolve().parents[3].parent / "shared" / "eval"


@dataclass(frozen=True)
class WeaponsTrainSettings:
    eval_root: Path
    work_dir: Path
    output: Path  # the head's .npz
    design: HeadDesign = HeadDesign.EMBEDDING_IMAGENET
    views: Views = Views.WHOLE_TILES  # people measured: no better (README, "Weapons (issue 14, item 3: B.5 violent material)")
    l2: float = 0.05
    composites: int = 0  # pasted weapons, and as many pasted look-alikes (measured: worse; README)
    seed: int = 11
    plan: CropPlanSettings = field(default_factory=lambda: DEFAULT_PLAN)


@dataclass(frozen=True)
class WeaponsReport:
    head: WeaponHead
    operating: Operating
    photos: list[WeaponPhoto]  # every labelled photo, with its part
    features: dict[Path, PhotoFeatures]  # of the readable ones, restricted to the settings' views
    training_photos: int
    composites: int
    minutes: float


def default_settings(work_dir: Path | None, eval_root: Path | None, output: Path | None) -> WeaponsTrainSettings:
    """The shipped head's recipe; folders default to ../shared/eval and the user cache."""
    work = work_dir or cache_dir() / "train" / "weapons"
    return WeaponsTrainSettings(eval_root=eval_root or DEFAULT_EVAL, work_dir=work, output=output or work / "weapons_head.npz")


def prepared(settings: WeaponsTrainSettings, progress: Callable[[str], None]) -> tuple[list[WeaponPhoto], dict[Path, PhotoFeatures]]:
    """The labelled photos and the features of the readable ones (all crops; cached)."""
    photos = load_photos(settings.eval_root)
    if not any(p.positive for p in photos) or all(p.positive for p in photos):
        raise UsageError(f"no weapon photos and negatives under {settings.eval_root} (give --eval-dir)")
    progress(f"{len(photos)} labelled photos; computing crop features (cached in {settings.work_dir})")
    return photos, photo_features([p.path for p in photos], settings.work_dir / "crops", settings.plan)


def train_weapons(
    settings: WeaponsTrainSettings,
    progress: Callable[[str], None] = lambda _: None,
    prepared_data: tuple[list[WeaponPhoto], dict[Path, PhotoFeatures]] | None = None,
) -> WeaponsReport:
    started = time.monotonic()
    photos, all_features = prepared_data or prepared(settings, progress)
    features = {path: f.only(settings.views) for path, f in all_features.items()}
    training = [p for p in photos if p.part is Part.TRAIN and p.path in features]
    examples = [Example(features[p.path], p.positive, p.boxes) for p in training]
    keys, groups = [p.key for p in training], [p.group for p in training]
    pasted = composite_examples(settings, training) if settings.composites else []
    for index, (example, group) in enumerate(pasted):
        examples.append(replace(example, features=example.features.only(settings.views)))
        keys.append(f"composite/{index}")
        groups.append(group)
    progress(f"fitting a {settings.design.value} head on {len(training)} photos and {len(pasted)} composites ({settings.views.value})")
    scores = out_of_fold_scores(examples, keys, settings.design, settings.views, settings.l2)
    operating = choose_threshold(scores, [e.positive for e in examples], groups)
    head = replace(fit_head(examples, settings.design, settings.views, settings.l2), threshold=operating.threshold)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    temporary = settings.output.with_name(settings.output.stem + ".tmp.npz")
    head.save(temporary)
    temporary.replace(settings.output)
    return WeaponsReport(head, operating, photos, features, len(training), len(pasted), (time.monotonic() - started) / 60)
