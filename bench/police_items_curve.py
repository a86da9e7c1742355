"""Learning curve of the police-item head: held-back figures against the number of training photos.

    python bench/police_items_curve.py [--eval-dir DIR] [--fractions 0.25 0.5 1.0] [--only CATEGORY]

Each point trains the head as `media-screen train --items` does (out-of-fold thresholds, multiple-instance
rounds) on a fixed subset of the training photos (and the same share of drawn close-ups), then scores the
whole held-back part. If recall still climbs at the full size, more photos of that kind would close the gap;
if it is flat, the features are the limit. Recall at the operating point moves with the threshold each
point chooses on its own out-of-fold scores; the ranking AUC of each class against its look-alikes
(officers against other uniforms, marked vehicles against civilian and emergency ones) does not, so it
is the figure to read the curve by. With --only CATEGORY (e.g. officers_uniform, negatives_uniform) only
the training photos of that category are cut to each fraction and every other photo stays: a curve of one
kind of data, which says which kind more of would close a gap; CATEGORY:GROUP (e.g. negatives_uniform:military)
cuts only one group of a category's labels (data.LabelledPhoto.label_group). Crops are cached under the user cache, so only the first run
pays for the networks. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.train.items.data import ItemClass  # noqa: E402
from media_screen.train.items.measure import holdout_rows, separation  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, default_settings, train_items  # noqa: E402

SHOWN = {
    ItemClass.POLICE_OFFICER: ("police_real / officers_uniform", "police / officers_uniform"),
    ItemClass.POLICE_VEHICLE: ("police_real / police_vehicles", "police / police_vehicles"),
    ItemClass.INSIGNIA: ("police_real / insignia_closeup",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--fractions", type=float, nargs="*", default=[0.25, 0.5, 1.0])
    parser.add_argument("--only", default="", help="cut only the training photos of this category (or CATEGORY:GROUP)")
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    base = default_settings(None, args.eval_dir, None)
    print("fraction  photos  " + "  ".join(f"{g:>34s}" for groups in SHOWN.values() for g in groups) + "  worst negative FP" + "  AUC officer/uniform  AUC vehicle/look-alike")
    for fraction in args.fractions:
        with tempfile.TemporaryDirectory() as out:
            settings = replace(base, train_fraction=fraction, curve_category=args.only, output=Path(out) / "head.npz")
            report = train_items(settings)
        rows = {row.group: row for row in holdout_rows(report.head, report.photos, report.crops)}
        cells = []
        for groups in SHOWN.values():
            for group in groups:
                row = rows.get(group)
                cells.append(f"{row.rate:.2f} ({row.flagged:>2d}/{row.photos:<3d})" if row else "-")
        negatives = [r for r in rows.values() if r.measure == "false_positive_rate" and r.photos >= 5 and ":" not in r.group]
        worst = max(negatives, key=lambda r: r.rate)
        auc = separation(report.head, report.photos, report.crops)
        print(f"{fraction:8.2f}  {report.training_photos:6d}  " + "  ".join(f"{c:>34s}" for c in cells)
              + f"  {worst.rate:.2f} ({worst.group})"
              + f"  {auc[ItemClass.POLICE_OFFICER]:19.3f}  {auc[ItemClass.POLICE_VEHICLE]:22.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
