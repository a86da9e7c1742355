#!/usr/bin/env python3
"""Is one recipe of the police-item head better than another on the held-back photos? A paired comparison.

    python bench/police_items_paired.py [--eval-dir DIR] [--rounds 2000] CHANGE [CHANGE ...]

Each CHANGE is one variant of the shipped recipe, given as `FIELD=VALUE` of `ItemsSettings` or of its crop
plan, several joined by ",": `features=average` (no whole-frame context), `person_margin=0.1` (people cut
tight, as before 2026-12-05), `l2=0.2`, `extra_sets=police_real+faceid` (the uniforms labelled by eye),
`drawn_uniforms=138` (officers re-dressed as drawn soldiers; `redress_categories=...` for other photos'),
`other_sets=faces+text_signs+exif_gps` (more sets as background; both heads score the held-back photos of each). The
shipped recipe and each variant are trained as `media-screen train --items` trains (heads written to a
temporary folder, the crop cache shared) and score the same held-back photos.

A single held-back AUC has a wide interval (bench/police_items_ceiling.py: officers against other uniforms 0.948,
0.909-0.976), but two heads scored on the same photos find the same photos hard, so their difference varies
less than either AUC. Per variant and per comparison (officers against other uniforms, marked vehicles against
civilian and emergency vehicles) it prints both AUCs, the difference and its paired 95 % bootstrap interval
(one resampling of the positives and the negatives per round, both heads scored on it), and at each head's own
threshold the photos on which the two disagree: positives found by one head only, negatives flagged by one
only; then each held-back category's photos flagged as the detector flags them (insignia close-ups too). An
interval that holds 0 says these photos cannot tell the two recipes apart.

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.train.items.data import ItemClass  # noqa: E402
from media_screen.train.items.head import photo_scores  # noqa: E402
from media_screen.train.items.measure import LOOK_ALIKES, holdout_rows, ranking_auc  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, ItemsReport, ItemsSettings, default_settings, train_items  # noqa: E402
from media_screen.train.split import Part  # noqa: E402


def paired_auc_difference(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], rounds: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """AUC(b) - AUC(a) and the 2.5th and 97.5th percentiles of it over `rounds` paired resamplings.

    `a` and `b` are (positive scores, negative scores) of two heads, the i-th score of each array belonging
    to the same photo in both; each round draws one set of photo indices and scores both heads on it."""
    (pos_a, neg_a), (pos_b, neg_b) = a, b
    if len(pos_a) != len(pos_b) or len(neg_a) != len(neg_b):
        raise ValueError("the two heads must be scored on the same photos")
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(rounds):
        pos, neg = rng.integers(0, len(pos_a), len(pos_a)), rng.integers(0, len(neg_a), len(neg_a))
        differences.append(ranking_auc(list(pos_b[pos]), list(neg_b[neg])) - ranking_auc(list(pos_a[pos]), list(neg_a[neg])))
    low, high = np.percentile(differences, [2.5, 97.5])
    difference = ranking_auc(list(pos_b), list(neg_b)) - ranking_auc(list(pos_a), list(neg_a))
    return float(difference), float(low), float(high)


def changed(settings: ItemsSettings, change: str) -> ItemsSettings:
    """The settings with each `FIELD=VALUE` of `change` (joined by ",") applied; plan fields by their name."""
    for assignment in change.split(","):
        name, _, text = assignment.partition("=")
        name = name.strip()
        if name in ItemsSettings.__dataclass_fields__:
            settings = dataclasses.replace(settings, **{name: _parsed(getattr(settings, name), text)})
        elif name in type(settings.plan).__dataclass_fields__:
            plan = dataclasses.replace(settings.plan, **{name: _parsed(getattr(settings.plan, name), text)})
            settings = dataclasses.replace(settings, plan=plan)
        else:
            raise SystemExit(f"unknown field {name!r} in {change!r}")
    return settings


def _parsed(current: object, text: str) -> object:
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(current, enum.Enum):
        return type(current)(text)
    if isinstance(current, tuple):
        return tuple(part for part in text.split("+") if part)
    return type(current)(text)


def held_scores(report: ItemsReport, item: ItemClass) -> dict[Path, float]:
    """Each held-back photo's best score for the class."""
    column = report.head.classes.index(item.value)
    return {p.path: float(photo_scores(report.head, report.crops[p.path])[column])
            for p in report.photos if p.part is Part.HOLDOUT and p.path in report.crops}


def compare(shipped: ItemsReport, variant: ItemsReport, rounds: int) -> list[str]:
    lines = []
    for item, categories in LOOK_ALIKES.items():
        a, b = held_scores(shipped, item), held_scores(variant, item)
        both = [p for p in shipped.photos if p.path in a and p.path in b]
        positives = [p.path for p in both if p.truth is item]
        negatives = [p.path for p in both if p.truth is ItemClass.BACKGROUND and p.category in categories]
        scored = [(np.array([s[p] for p in positives]), np.array([s[p] for p in negatives])) for s in (a, b)]
        difference, low, high = paired_auc_difference(scored[0], scored[1], rounds)
        column = shipped.head.classes.index(item.value)
        cut_a, cut_b = float(shipped.head.thresholds[column]), float(variant.head.thresholds[column])
        found_a = {p for p in positives if a[p] >= cut_a}
        found_b = {p for p in positives if b[p] >= cut_b}
        flagged_a = {p for p in negatives if a[p] >= cut_a}
        flagged_b = {p for p in negatives if b[p] >= cut_b}
        lines.append(
            f"  {item.value:15s} AUC {ranking_auc(*map(list, scored[0])):.3f} -> {ranking_auc(*map(list, scored[1])):.3f}: "
            f"{difference:+.3f} (paired 95 % interval {low:+.3f} to {high:+.3f}; {len(positives)} positives, {len(negatives)} look-alikes); "
            f"at each head's threshold: found {len(found_a)} -> {len(found_b)} (only shipped {len(found_a - found_b)}, "
            f"only variant {len(found_b - found_a)}), look-alikes flagged {len(flagged_a)} -> {len(flagged_b)} "
            f"(only shipped {len(flagged_a - flagged_b)}, only variant {len(flagged_b - flagged_a)})"
        )
    # Photos only one recipe loads (a variant's other_sets) are scored by both heads, on the crops made for them.
    known = {p.path for p in shipped.photos}
    photos = shipped.photos + [p for p in variant.photos if p.path not in known]
    crops = {**variant.crops, **shipped.crops}
    rows = {(r.group, r.measure): r for r in holdout_rows(variant.head, photos, crops)}
    shown = []
    for row in holdout_rows(shipped.head, photos, crops):
        other = rows.get((row.group, row.measure))
        if "region:" not in row.group and other is not None:
            shown.append(f"{row.group.replace('negatives_', '')} {row.flagged}->{other.flagged}/{row.photos}")
    lines.append("  held back, flagged as the detector flags (shipped -> variant): " + ", ".join(shown))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("changes", nargs="+", help="FIELD=VALUE[,FIELD=VALUE...] per variant")
    args = parser.parse_args(argv)
    base = default_settings(None, args.eval_dir, None)
    variants = [changed(base, change) for change in args.changes]  # a typo fails before any training
    with tempfile.TemporaryDirectory() as folder:
        shipped = train_items(dataclasses.replace(base, output=Path(folder) / "shipped.npz"))
        print(f"shipped recipe: {shipped.training_photos} training photos, {shipped.minutes:.1f} min")
        for index, (change, settings) in enumerate(zip(args.changes, variants)):
            report = train_items(dataclasses.replace(settings, output=Path(folder) / f"variant{index}.npz"))
            print(f"{change} ({report.training_photos} training photos, {report.minutes:.1f} min), shipped -> variant, held back:")
            for line in compare(shipped, report, args.rounds):
                print(line)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
