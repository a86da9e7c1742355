"""Compare weapons-head designs on the held-back photos and print the figures (nothing is asserted).

    python bench/weapons_designs.py [--eval-dir DIR] [--work-dir DIR]

Each design (what the head reads, which crops it judges, with or without composites) is trained on the
training part exactly as `media-screen train --weapons` trains the shipped one, with its own out-of-fold
operating point, and measured on the held-back part: recall of weapon photos, false positives pooled and
on the look-alikes, and the ranking AUC of weapons against look-alikes and against all negatives (which
does not depend on the threshold). Crop features come from the training cache (computed on first use).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.detectors.weapons import HeadDesign, Views  # noqa: E402
from media_screen.train.weapons.measure import holdout_rows, separation  # noqa: E402
from media_screen.train.weapons.run import default_settings, prepared, train_weapons  # noqa: E402

DESIGNS = [
    (HeadDesign.IMAGENET, Views.WHOLE, 0),
    (HeadDesign.IMAGENET, Views.WHOLE_TILES_PEOPLE, 0),
    (HeadDesign.EMBEDDING, Views.WHOLE, 0),
    (HeadDesign.EMBEDDING, Views.WHOLE_TILES_PEOPLE, 0),
    (HeadDesign.EMBEDDING_IMAGENET, Views.WHOLE, 0),
    (HeadDesign.EMBEDDING_IMAGENET, Views.WHOLE_TILES, 0),
    (HeadDesign.EMBEDDING_IMAGENET, Views.WHOLE_TILES_PEOPLE, 0),
    (HeadDesign.EMBEDDING_IMAGENET, Views.WHOLE_TILES_PEOPLE, 120),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=None)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--l2", type=float, nargs="*", default=[0.05])
    args = parser.parse_args(argv)
    base = default_settings(args.work_dir, args.eval_dir, None)
    if not base.eval_root.is_dir():
        print(f"no evaluation folder at {base.eval_root}: skipped")
        return 0
    started = time.monotonic()
    data = prepared(base, lambda message: print(message, file=sys.stderr))
    print(f"features ready in {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")
    print("design | views | composites | l2 | threshold | held-back recall | FP pooled | FP look-alikes | AUC look-alikes | AUC all negatives")
    for design, views, composites in DESIGNS:
        for l2 in args.l2:
            settings = replace(base, design=design, views=views, composites=composites, l2=l2,
                               output=base.work_dir / "designs" / f"{design.value}-{views.value}-{composites}-{l2}.npz")  # fmt: skip
            report = train_weapons(settings, prepared_data=data)
            rows = {row.group: row for row in holdout_rows(report.head, report.photos, report.features)}
            looks = [r for g, r in rows.items() if g.startswith("look-alikes")]
            look_flagged, look_photos = sum(r.flagged for r in looks), sum(r.photos for r in looks)
            auc = separation(report.head, report.photos, report.features)
            recall, pooled = rows["all weapon photos"], rows["all negative photos"]
            print(
                f"{design.value} | {views.value} | {composites} | {l2} | {report.operating.threshold:.3f} | "
                f"{recall.flagged}/{recall.photos} {recall.rate:.2f} | {pooled.flagged}/{pooled.photos} {pooled.rate:.3f} | "
                f"{look_flagged}/{look_photos} | {auc['look-alikes']:.3f} | {auc['all negatives']:.3f}",
                flush=True,
            )
    print(f"total {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
