#!/usr/bin/env python3
"""Where the time of one photo goes at the published size and at full size, measured side by side.

Screens each 12 MP photo of a folder (default: the one bench/batch_speed.py builds) in this process, one
thread, alternately at `--publish facebook` (or --publish TARGET) and `--publish full`, so that whatever
else runs on the shared machine weighs on both alike; prints the median seconds per stage for each and
their ratio, with the load average. A measurement for issue 13, not a test: nothing is asserted.

Run:  ~/.venvs/media-screen/bin/python bench/publish_stages.py [--folder DIR] [--count 12] [--publish facebook]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import PublishTarget, ScanOptions, load_profile  # noqa: E402
from media_screen.pipeline import Screener  # noqa: E402
from media_screen.batch.worker import limit_threads  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "media-screen-batch-bench")
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--publish", choices=[t.value for t in PublishTarget if t != PublishTarget.FULL],
                        default="facebook")
    args = parser.parse_args()
    paths = sorted((args.folder / "photos").glob("mosaic_*.jpg"))[: args.count + 1]
    if len(paths) < 2:
        print(f"no photos in {args.folder / 'photos'}: run bench/batch_speed.py --count N --folder ... first")
        return
    limit_threads(1)
    profile = load_profile()
    targets = (PublishTarget(args.publish), PublishTarget.FULL)
    screeners = {t: Screener(profile, ScanOptions(publish=t)) for t in targets}
    for screener in screeners.values():
        screener.scan_file(paths[0])  # models load, networks warm up
    stages: dict[PublishTarget, dict[str, list[float]]] = {t: {} for t in targets}
    before = os.getloadavg()
    for path in paths[1:]:
        for target in targets:
            for stage, seconds in screeners[target].scan_file(path).timings.items():
                stages[target].setdefault(stage, []).append(seconds)
    after = os.getloadavg()
    print(f"{len(paths) - 1} photos from {args.folder / 'photos'}, one thread, alternating; "
          f"load average before {before[0]:.1f}, after {', '.join(f'{v:.1f}' for v in after)}")
    print(f"{'stage':<16} {args.publish + ' (s)':>16} {'full (s)':>10} {'ratio':>7}")
    for stage in stages[PublishTarget.FULL]:
        small = statistics.median(stages[targets[0]].get(stage, [0.0]))
        full = statistics.median(stages[PublishTarget.FULL][stage])
        ratio = f"{small / full:.2f}" if full > 0.0005 else "-"
        print(f"{stage:<16} {small:>16.3f} {full:>10.3f} {ratio:>7}")


if __name__ == "__main__":
    main()
