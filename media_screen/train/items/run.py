"""Train the police-item head end to end: photos -> crops -> examples -> thresholds -> head -> figures."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from media_screen.detectors.police_items import CropGroup, CropPlanSettings, FeatureSet, LinearHead
from media_screen.train.items.calibrate import Gate, Operating, choose_gate, choose_thresholds, out_of_fold_scores
from media_screen.train.items.data import OTHER_SETS, ItemClass, LabelledPhoto, load_photos
from media_screen.train.items.features import CropComputer, PhotoCrops, cached_crops, decode_bgr, save_arrays
from media_screen.train.items.head import CLASSES, Example, fit_head
from media_screen.train.items.graphics import drawn_negative
from media_screen.train.items.insignia import close_up
from media_screen.train.items.redress import redressed_photos
from media_screen.errors import UsageError
from media_screen.train.split import Part
from media_screen.userdirs import cache_dir

@dataclass(frozen=True)
class ItemsSettings:
    eval_root: Path
    work_dir: Path
    output: Path  # the head's .npz
    drawn_insignia: int = 300
    seed: int = 7
    l2: float = 0.05
    train_fraction: float = 1.0  # < 1: a learning-curve point (a fixed subset of the training photos)
    # with train_fraction < 1: only photos of this category (or CATEGORY:GROUP, e.g. negatives_uniform:military)
    # are cut ("": every photo, drawn ones too)
    curve_category: str = ""
    plan: CropPlanSettings = field(default_factory=CropPlanSettings)
    features: FeatureSet = FeatureSet.AVERAGE_CONTEXT
    proposal_gate: bool = True  # frames that look like nothing police skip the people-and-vehicle search
    other_sets: tuple[str, ...] = OTHER_SETS  # sets whose every photo is background
    uniform_weight: float = 1.0  # the other uniforms' photos count this many times (1: as every photo)
    extra_sets: tuple[str, ...] = ()  # whose photos labelled by eye (data.EXTRA_LABELS) train too: none shipped
    drawn_uniforms: int = 0  # training photos of officers re-dressed as soldiers (redress.py): none shipped
    redress_categories: tuple[str, ...] = ("officers_uniform",)  # whose people are re-dressed


@dataclass(frozen=True)
class ItemsReport:
    head: LinearHead
    operating: dict[ItemClass, Operating]
    gate: Gate | None  # the proposal gate, when the recipe has one
    photos: list[LabelledPhoto]  # every labelled photo, with its part
    crops: dict[Path, PhotoCrops]
    training_photos: int
    drawn_insignia: int
    minutes: float


DEFAULT_EVAL = Path(__file__).resolve().parents[3].parent / "shared" / "eval"


def default_settings(work_dir: Path | None, eval_root: Path | None, output: Path | None) -> ItemsSettings:
    """The shipped head's recipe; folders default to ../shared/eval and the user cache."""
    work = work_dir or cache_dir() / "train" / "police_items"
    return ItemsSettings(eval_root=eval_root or DEFAULT_EVAL, work_dir=work, output=output or work / "police_items_head.npz")


def _embedded(path: Path, make: Callable[[], list[np.ndarray]], computer_factory) -> tuple[np.ndarray, np.ndarray]:
    """Whole-frame embeddings and sizes of drawn pictures, cached in `path`."""
    if path.is_file():
        with np.load(path) as data:
            return data["embeddings"].astype(np.float32), data["sizes"]
    computer = computer_factory()
    pictures = make()
    embeddings = np.stack([computer.embedder(picture) for picture in pictures])
    sizes = np.array([picture.shape[1::-1] for picture in pictures])
    save_arrays(path, {"embeddings": embeddings.astype(np.float16), "sizes": sizes})
    return embeddings, sizes


def _whole_frame_examples(embeddings: np.ndarray, sizes: np.ndarray, truth: ItemClass) -> list[Example]:
    return [
        Example(PhotoCrops(np.array([[0, 0, w, h]], np.float32), (CropGroup.WHOLE,), np.ones(1, np.float32), e[None], int(w), int(h)), truth)
        for e, (w, h) in zip(embeddings, sizes)
    ]


def drawn_examples(settings: ItemsSettings, backgrounds: list[Path], computer_factory) -> tuple[list[Example], list[Example]]:
    """Drawn insignia close-ups over the training part's negative photos, and drawn look-alike graphics."""

    pictures: list[np.ndarray] = []

    def photos() -> list[np.ndarray]:
        if not pictures:
            pictures.extend(p for p in (decode_bgr(path) for path in backgrounds[:60]) if p is not None)
        return pictures

    def insignia() -> list[np.ndarray]:
        rng = np.random.default_rng(settings.seed)
        pictures = photos()
        return [
            close_up(rng, pictures[int(rng.integers(len(pictures)))], int(rng.integers(200, 480)))
            for _ in range(settings.drawn_insignia)
        ]

    def graphics() -> list[np.ndarray]:
        rng = np.random.default_rng(settings.seed + 1)
        return [drawn_negative(rng, photos()) for _ in range(settings.drawn_insignia)]

    tag = f"{settings.drawn_insignia}-{settings.seed}"
    positives = _whole_frame_examples(*_embedded(settings.work_dir / f"drawn-insignia-{tag}-v3.npz", insignia, computer_factory), ItemClass.INSIGNIA)
    negatives = _whole_frame_examples(*_embedded(settings.work_dir / f"drawn-graphics-{tag}-v6.npz", graphics, computer_factory), ItemClass.BACKGROUND)
    return positives, negatives


def redressed_examples(settings: ItemsSettings, training: list[LabelledPhoto], crops: dict[Path, PhotoCrops]) -> tuple[list[Example], list[str]]:
    """Training photos (of officers, unless `redress_categories` says otherwise) with their people re-dressed in
    drawn uniforms, and their fold keys."""
    if settings.drawn_uniforms <= 0:
        return [], []
    sources = [
        (p.fold_key, p.path, crops[p.path]) for p in training
        if p.category in settings.redress_categories and CropGroup.PERSON in crops[p.path].groups
    ]  # fmt: skip
    if not sources:
        return [], []
    digest = hashlib.sha256("|".join(key for key, _, _ in sources).encode()).hexdigest()[:12]
    cache = settings.work_dir / f"drawn-uniforms-{settings.drawn_uniforms}-{settings.seed}-{digest}-v2.npz"
    made = redressed_photos(sources, settings.drawn_uniforms, settings.seed + 2, cache, lambda: CropComputer(settings.plan))
    return [Example(r.crops, ItemClass.BACKGROUND, r.labels) for r in made], [r.source for r in made]


def _in_curve(photo: LabelledPhoto, category: str) -> bool:
    """Whether a learning-curve point cuts `photo`: "" every photo, "CATEGORY" or "CATEGORY:GROUP" (label group)."""
    wanted, _, group = category.partition(":")
    return not wanted or (photo.category == wanted and (not group or photo.label_group == group))


def _weight(photo: LabelledPhoto, settings: ItemsSettings) -> float:
    """A training photo's weight: the look-alike uniforms count `uniform_weight` times, every other photo once."""
    return settings.uniform_weight if photo.category == "negatives_uniform" else 1.0


def train_items(settings: ItemsSettings, progress: Callable[[str], None] = lambda _: None) -> ItemsReport:
    started = time.monotonic()
    photos = load_photos(settings.eval_root, settings.extra_sets, settings.other_sets)
    if not photos:
        raise UsageError(f"no labelled police photos under {settings.eval_root} (give --eval-dir)")
    progress(f"{len(photos)} labelled photos; computing crops (cached in {settings.work_dir})")
    crops = cached_crops([p.path for p in photos], settings.work_dir / "crops", settings.plan)
    usable = [p for p in photos if p.path in crops]
    training = [p for p in usable if p.part in (Part.TRAIN, Part.TUNE)]
    if settings.train_fraction < 1.0:
        from media_screen.train.split import unit_hash

        cut = {p.key for p in training if _in_curve(p, settings.curve_category)}
        training = [p for p in training if p.key not in cut or unit_hash(p.key, "media-screen/items-curve") < settings.train_fraction]
    backgrounds = [p.path for p in training if p.truth is ItemClass.BACKGROUND]
    drawn, graphics = drawn_examples(settings, backgrounds, lambda: CropComputer(settings.plan))
    keep = max(1, int(len(drawn) * (1.0 if settings.curve_category else settings.train_fraction)))
    drawn, graphics = drawn[:keep], graphics[:keep]
    uniforms, uniform_keys = redressed_examples(settings, training, crops)
    examples = [Example(crops[p.path], p.truth, weight=_weight(p, settings)) for p in training] + drawn + graphics + uniforms
    keys = [p.fold_key for p in training] + [f"drawn/{i}" for i in range(len(drawn))] + [f"graphics/{i}" for i in range(len(graphics))] + uniform_keys
    progress(
        f"fitting on {len(training)} photos, {len(drawn)} drawn close-ups, {len(graphics)} drawn graphics"
        + (f" and {len(uniforms)} photos re-dressed in drawn uniforms" if uniforms else "")
    )
    out_of_fold = out_of_fold_scores(examples, keys, settings.l2, settings.features)
    truths = [e.truth for e in examples]
    categories = (
        [f"{p.dataset}/{p.category}" for p in training] + ["drawn_insignia"] * len(drawn) + ["drawn_graphics"] * len(graphics)
        + ["drawn_uniforms"] * len(uniforms)
    )  # fmt: skip
    operating = choose_thresholds(out_of_fold.photo, truths, categories)
    head = fit_head(examples, settings.l2, settings.features)
    thresholds = np.full(len(CLASSES), 0.5, np.float32)
    for item, op in operating.items():
        thresholds[CLASSES.index(item.value)] = op.threshold
    head = replace(head, thresholds=thresholds, person_margin=settings.plan.person_margin)
    gate = choose_gate(head, out_of_fold, truths, categories) if settings.proposal_gate else None
    head = replace(head, proposal_gate=gate.threshold if gate else 0.0)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    temporary = settings.output.with_name(settings.output.stem + ".tmp.npz")
    head.save(temporary)
    temporary.replace(settings.output)
    return ItemsReport(head, operating, gate, usable, crops, len(training), len(drawn), (time.monotonic() - started) / 60)
