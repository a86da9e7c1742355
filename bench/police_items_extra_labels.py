"""Does the head gain from more non-police uniforms taken from the other sets (labelled by eye)?

    python bench/police_items_extra_labels.py [--eval-dir DIR] [--variants none police_real faceid both]

The learning curve by category (bench/police_items_curve.py --only negatives_uniform) says more photos of
other uniforms would lift officers against look-alikes most. The shared sets hold a few more that the police
labels leave out: soldiers in camouflage filed under police_real's `weapons`, and close-ups of generals in
uniform in `faceid` (media_screen/train/items/extra_labels.csv, looked at one by one). Each variant trains the
head exactly as `media-screen train --items` does with those photos as background, and scores the same
held-back part. Crops are cached under the user cache, so only the first run pays for the networks. Prints
figures; asserts nothing.
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

VARIANTS = {"none": (), "police_real": ("police_real",), "faceid": ("faceid",), "both": ("police_real", "faceid")}
SHOWN = (
    "police_real / officers_uniform",
    "police / officers_uniform",
    "police_real / police_vehicles",
    "police_real / insignia_closeup",
    "police_real / negatives_uniform",
    "police_real / negatives_uniform: military",
    "police / negatives_uniform",
    "police_real / weapons_military",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--variants", nargs="*", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    base = default_settings(None, args.eval_dir, None)
    for name in args.variants:
        with tempfile.TemporaryDirectory() as out:
            report = train_items(replace(base, extra_sets=VARIANTS[name], output=Path(out) / "head.npz"))
        rows = {row.group: row for row in holdout_rows(report.head, report.photos, report.crops)}
        auc = separation(report.head, report.photos, report.crops)
        print(f"extra photos from: {name} ({report.training_photos} training photos)")
        print(f"  officer threshold {report.operating[ItemClass.POLICE_OFFICER].threshold:.3f}, out-of-fold officer recall "
              f"{report.operating[ItemClass.POLICE_OFFICER].recall:.2f}")  # fmt: skip
        for group in SHOWN:
            row = rows.get(group)
            if row:
                print(f"  {group:46s} {row.measure:20s} {row.flagged:3d}/{row.photos:<3d} {row.rate:.2f}")
        print(f"  AUC officers vs other uniforms {auc[ItemClass.POLICE_OFFICER]:.3f}, vehicles vs look-alikes {auc[ItemClass.POLICE_VEHICLE]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
