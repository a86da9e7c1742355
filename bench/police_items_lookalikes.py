"""Ablation: does the police-item head tell police from look-alikes better when they are classes of their own?

    python bench/police_items_lookalikes.py [--eval-dir DIR] [VARIANT ...]

The shipped head has four classes (background, officer, marked vehicle, insignia); military, security,
fire and EMS uniforms, ambulances and civilian cars are all "background", pooled with streets, faces and
signs. With class-balanced weights the hundred or so uniform photos are then a small part of one class.
A variant here gives some look-alike categories a class of their own, which the head must tell from the
police class directly (a softmax puts the officer's score against the other uniform's):

    none        the shipped recipe
    uniform     other uniforms (negatives_uniform): the whole frame and every person in it
    emergency   ambulances and fire engines (negatives_emergency_not_police): the whole frame and every vehicle
    vehicles    civilian vehicles (negatives_vehicles): the whole frame and every vehicle

joined by "+" (e.g. uniform+emergency). The extra classes are never reported: a crop reports only the
classes its group may (`police_items.ALLOWED`), with the same per-class thresholds chosen out of fold.
Every variant runs without the proposal gate (it changed no held-back figure: README), so that the gate,
which reads every class but background, does not differ between them. The package is patched inside this
process only. Prints one line per variant: held-back photos flagged per category and the ranking AUC of
officers against other uniforms and of marked vehicles against their look-alikes. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import media_screen.train.items.calibrate as calibrate  # noqa: E402
import media_screen.train.items.head as head_module  # noqa: E402
import media_screen.train.items.measure as measure  # noqa: E402
import media_screen.train.items.run as run  # noqa: E402
from media_screen.detectors.police_items import CropGroup  # noqa: E402
from media_screen.train.items.data import ItemClass, load_photos  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, default_settings, train_items  # noqa: E402

SHIPPED_CLASSES = head_module.CLASSES
SHIPPED_LABELS = head_module.certain_labels
SHIPPED_CACHED_CROPS = run.cached_crops
# look-alike class: (the negative category it takes, the crop group that takes the class beside the frame)
LOOK_ALIKES = {
    "uniform": ("negatives_uniform", CropGroup.PERSON),
    "emergency": ("negatives_emergency_not_police", CropGroup.VEHICLE),
    "vehicles": ("negatives_vehicles", CropGroup.VEHICLE),
}
SHOWN = ("police_real / officers_uniform", "police / officers_uniform", "police_real / police_vehicles",
         "police / police_vehicles", "police_real / insignia_closeup", "police_real / negatives_uniform",
         "police / negatives_uniform", "police_real / negatives_uniform: military",
         "police_real / negatives_emergency_not_police", "police_real / negatives_vehicles",
         "police / negatives_vehicles")  # fmt: skip


def patch(variant: list[str], eval_root: Path) -> None:
    """Give each named look-alike category a class of its own in this process's training code."""
    extra = [name for name in variant if name != "none"]
    classes = SHIPPED_CLASSES + tuple(f"lookalike_{name}" for name in extra)
    for module in (head_module, calibrate, run):
        module.CLASSES = classes
    category_of = {p.path: p.category for p in load_photos(eval_root)}
    crops_path: dict[int, Path] = {}

    def cached_crops(paths, folder, plan):
        crops = SHIPPED_CACHED_CROPS(paths, folder, plan)
        crops_path.update({id(c): p for p, c in crops.items()})
        return crops

    run.cached_crops = cached_crops

    def certain_labels(example):
        labels, pending = SHIPPED_LABELS(example)
        if example.truth is ItemClass.BACKGROUND:
            category = category_of.get(crops_path.get(id(example.crops)))
            for name in extra:
                wanted, group = LOOK_ALIKES[name]
                if category == wanted:
                    target = classes.index(f"lookalike_{name}")
                    for index, g in enumerate(example.crops.groups):
                        if g in (CropGroup.WHOLE, CropGroup.TILE, group):
                            labels[index] = target
        return labels, pending

    head_module.certain_labels = certain_labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("variants", nargs="*", default=["none", "uniform", "uniform+emergency", "uniform+emergency+vehicles"])
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    base = replace(default_settings(None, args.eval_dir, None), proposal_gate=False)
    print("variant | " + " | ".join(SHOWN) + " | AUC officers vs other uniforms | AUC vehicles vs look-alikes | thresholds")
    for variant in args.variants:
        patch(variant.split("+"), args.eval_dir)
        with tempfile.TemporaryDirectory() as out:
            report = train_items(replace(base, output=Path(out) / "head.npz"))
        rows = {row.group: row for row in measure.holdout_rows(report.head, report.photos, report.crops)}
        auc = measure.separation(report.head, report.photos, report.crops)
        cells = [f"{rows[g].flagged}/{rows[g].photos}" if g in rows else "-" for g in SHOWN]
        thresholds = " ".join(f"{item.value}={op.threshold:.3f}" for item, op in report.operating.items())
        print(f"{variant} | " + " | ".join(cells) + f" | {auc[ItemClass.POLICE_OFFICER]:.3f} | "
              f"{auc[ItemClass.POLICE_VEHICLE]:.3f} | {thresholds}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
