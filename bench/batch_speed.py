#!/usr/bin/env python3
"""How fast batch scans go on a folder of real-sized (12 MP) photos.

Builds a folder of --count 4000x3000 JPEGs in a temporary folder outside the repository
(reused between runs), each a 2x2 mosaic of evaluation photos (../shared/eval, when present)
and images of the sample media, scaled up; every fifth one carries the EXIF block (with GPS)
of an evaluation photo. Then prints, for the library's batch scan (worker processes,
cache, approvals and audit log, as `media-screen scan` runs it):

- a cold scan with every detector that can run here: images/s, and the median time per photo
  spent in a worker (`timings.total`, measured while all workers share the cores);
- a cold metadata-only scan (`--detectors metadata`): images/s;
- a warm re-scan of the unchanged folder from the cache: images/s, and the re-scan time of
  10,000 unchanged files extrapolated from it (or measured, with --warm-links 10000: that many
  hard links to the photos, each its own path in the cache);
- with --warm-small N: a first and a warm scan of N small files (hard links to 50 small 64x48 photos, so
  the first scan analyses 50), for the per-file cost of the batch machinery itself (few detections);
- the same warm re-scan through the command line (`--format jsonl > /dev/null`), process start included.

Goals on the 2-core machine: full screen <= 0.35 s median per 12 MP photo; warm re-scan of
10,000 unchanged files <= 3 s. Figures are printed, not asserted.

With --ray (issue 16): only a cold scan by the local pool and one by Ray actors on a local Ray instance, same
folder, one run: images/s of each and the driver's own CPU per file.

With --set KEY=VALUE (the built-in profile with its line `KEY = ...` changed) and --detectors a,b,...: what a
setting or a subset of the detectors costs, e.g. `--cold-only --set published_min_face_px=24 --detectors faces`.

Run:  ~/.venvs/media-screen/bin/python bench/batch_speed.py [--count 500] [--jobs N] [--warm-links 10000]
                                                           [--warm-small 10000] [--set KEY=VALUE] [--detectors ...]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
sys.path.insert(0, str(REPO))

from PIL import Image, ImageOps  # noqa: E402

from media_screen import detectors as registry  # noqa: E402
from media_screen.store.approvals import ApprovalRegister  # noqa: E402
from media_screen.store.audit import AuditLog  # noqa: E402
from media_screen.batch.scan import BatchScan, available_cores  # noqa: E402
from media_screen.store.cache import ResultCache  # noqa: E402
from media_screen.config import (  # noqa: E402
    PublishTarget, ScanOptions, default_profile_text, load_profile, parse_profile,
)

SIZE = (4000, 3000)
TILE = (SIZE[0] // 2, SIZE[1] // 2)
EVAL_SETS = ("faces", "police", "text_signs", "exif_gps")


def source_images() -> tuple[list[Path], list[Path]]:
    """(pictures to tile, JPEGs whose EXIF to borrow)."""
    pictures: list[Path] = []
    for name in EVAL_SETS:
        folder = EVAL / name
        if folder.is_dir():
            pictures += sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    pictures += sorted(p for p in (REPO / "sample_media").rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    exif_donors = sorted((EVAL / "exif_gps" / "with_gps").glob("*.jp*g")) if (EVAL / "exif_gps").is_dir() else []
    if not pictures:
        import numpy as np

        fallback = Path(tempfile.gettempdir()) / "media-screen-bench-noise.png"
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 800, 3), dtype=np.uint8)).save(fallback)
        pictures = [fallback]
    return pictures, exif_donors


def _tile(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            image.draft("RGB", TILE)
            return ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), TILE)
    except OSError:
        return Image.new("RGB", TILE, (128, 128, 128))


def make_photo(job: tuple[Path, list[Path], Path | None]) -> None:
    target, sources, exif_donor = job
    canvas = Image.new("RGB", SIZE)
    for (x, y), source in zip(itertools.product((0, TILE[0]), (0, TILE[1])), sources):
        canvas.paste(_tile(source), (x, y))
    exif = b""
    if exif_donor is not None:
        try:
            with Image.open(exif_donor) as donor:
                exif = donor.info.get("exif", b"")
        except OSError:
            exif = b""
    partial = target.with_suffix(".part")
    canvas.save(partial, "JPEG", quality=90, exif=exif)
    partial.rename(target)


def build_folder(folder: Path, count: int, jobs: int) -> None:
    pictures, donors = source_images()
    folder.mkdir(parents=True, exist_ok=True)
    work = []
    for number in range(count):
        target = folder / f"mosaic_{number:05d}.jpg"
        if target.exists():
            continue
        # four pictures drawn at random per photo (seeded by its number): no two photos share content,
        # so a cold scan analyses every one (a repeating cycle would let the cache answer the repeats)
        picks = random.Random(number).sample(range(len(pictures)), min(4, len(pictures)))
        sources = [pictures[pick] for pick in picks * (4 // len(picks) + 1)][:4]
        donor = donors[number % len(donors)] if donors and number % 5 == 0 else None
        work.append((target, sources, donor))
    if work:
        print(f"building {len(work)} 12 MP photos in {folder} ...", flush=True)
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            pool.map(make_photo, work, chunksize=4)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def timed_scan(paths, profile, options, jobs, cache_path: Path, data_dir: Path, setup: list | None = None):
    """Seconds for the whole scan, and its results; `setup` receives the seconds spent before the first file."""
    os.environ["MEDIA_SCREEN_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    with ResultCache(cache_path) as cache, ApprovalRegister() as approvals, AuditLog() as audit:
        with BatchScan(paths, profile, options, jobs=jobs, cache=cache, approvals=approvals, audit=audit) as batch:
            if setup is not None:
                setup.append(time.perf_counter() - started)
            results = list(batch)
    return time.perf_counter() - started, results


def runnable_detectors(profile) -> tuple[str, ...]:
    return tuple(info.name for info in registry.describe_all(profile) if info.available)


def report(label: str, seconds: float, results) -> float:
    rate = len(results) / seconds
    errors = sum(1 for r in results if r.report.error)
    cached = sum(1 for r in results if r.cached)
    print(f"{label:<34} {len(results):>6} files {seconds:>8.2f} s {rate:>9.1f} images/s  "
          f"({cached} from the cache, {errors} ERROR)")
    return rate


def cold_run(paths, profile, options, jobs, cache: Path, work: Path) -> None:
    """One cold scan with every detector: wall time per photo (all workers busy) and where a worker's time goes."""
    seconds, results = timed_scan(paths, profile, options, jobs, cache, work / "data")
    report("cold scan, all detectors", seconds, results)
    per_photo = [r.report.timings.get("total", 0.0) for r in results if not r.cached]
    if len(per_photo) > 1:
        print(f"{'':<34} median {statistics.median(per_photo):.3f} s per photo in a worker "
              f"(p90 {statistics.quantiles(per_photo, n=10)[-1]:.3f} s); wall {seconds / len(results):.3f} s per photo")
        stages: dict[str, list[float]] = {}
        for r in results:
            for stage, value in r.report.timings.items():
                stages.setdefault(stage, []).append(value)
        print(f"{'':<34} median per stage: "
              + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in stages.items() if k != "total"))


def photo_runs(paths, profile, full, jobs, work) -> None:
    seconds, results = timed_scan(paths, profile, full, jobs, work / "full.sqlite3", work / "data")
    report("cold scan, all detectors", seconds, results)
    per_photo = [r.report.timings.get("total", 0.0) for r in results if not r.cached]
    if len(per_photo) > 1:
        print(f"{'':<34} median {statistics.median(per_photo):.3f} s per photo in a worker "
              f"(p90 {statistics.quantiles(per_photo, n=10)[-1]:.3f} s); wall {seconds / len(results):.3f} s per photo")
        stages: dict[str, list[float]] = {}
        for r in results:
            for stage, value in r.report.timings.items():
                stages.setdefault(stage, []).append(value)
        print(f"{'':<34} median per stage: "
              + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in stages.items() if k != "total"))

    metadata_only = ScanOptions(detectors=("metadata",))
    seconds, results = timed_scan(paths, profile, metadata_only, jobs, work / "meta.sqlite3", work / "data")
    report("cold scan, metadata only", seconds, results)

    setup: list[float] = []
    seconds, results = timed_scan(paths, profile, full, jobs, work / "full.sqlite3", work / "data", setup)
    report("warm re-scan from the cache", seconds, results)
    counts = sorted(len(r.report.detections) for r in results)
    print(f"{'':<34} detections per photo: median {statistics.median(counts):g}, max {counts[-1]}, "
          f"{sum(counts)} in all (each is read back from the cache and judged again)")
    per_file = (seconds - setup[0]) / len(results)
    print(f"{'':<34} extrapolated warm re-scan of 10,000 unchanged files: {setup[0] + 10_000 * per_file:.2f} s "
          f"({setup[0]:.2f} s setup + {per_file * 1e3:.2f} ms per file)")


def twice(label: str, paths, profile, full, jobs, cache: Path, work: Path) -> None:
    """A first scan and a warm re-scan of the same files."""
    seconds, results = timed_scan(paths, profile, full, jobs, cache, work / "data")
    report(f"first scan of {len(paths)} {label}", seconds, results)
    seconds, results = timed_scan(paths, profile, full, jobs, cache, work / "data")
    report(f"warm re-scan of {len(paths)} {label}", seconds, results)


def links_to(paths: list[Path], folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for number in range(count):
        link = folder / f"link_{number:05d}.jpg"
        if not link.exists():
            os.link(paths[number % len(paths)], link)
    return sorted(folder.glob("link_*.jpg"))[:count]


def small_photos(folder: Path, count: int, distinct: int = 50) -> list[Path]:
    """`count` small files: hard links to `distinct` small photos, so a first scan analyses only those."""
    originals = folder / "originals"
    originals.mkdir(parents=True, exist_ok=True)
    sources = []
    for number in range(distinct):
        path = originals / f"small_{number:03d}.jpg"
        if not path.exists():
            Image.new("RGB", (64, 48), (number * 5 % 256, 90, 160)).save(path, quality=90)
        sources.append(path)
    return links_to(sources, folder, count)


def command_line_run(paths, detectors, work: Path) -> None:
    """The warm re-scan again, as `media-screen scan ... --format jsonl`, process start included."""
    cli = [str(Path(sys.executable).parent / "media-screen"), "scan", *map(str, paths), "--format", "jsonl",
           "--quiet", "--detectors", ",".join(detectors) or "metadata"]
    env = {**os.environ, "MEDIA_SCREEN_CACHE_DIR": str(work / "cli-cache"), "MEDIA_SCREEN_DATA_DIR": str(work / "data")}
    os.makedirs(work / "cli-cache", exist_ok=True)
    os.link(work / "full.sqlite3", work / "cli-cache" / "results.sqlite3")  # the warm cache from above
    started = time.perf_counter()
    finished = subprocess.run(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode not in (0, 1):  # 1: findings, as expected
        print(f"command line failed ({finished.returncode}): {finished.stderr.strip()[:300]}")
        return
    print(f"{'warm re-scan, command line':<34} {len(paths):>6} files {seconds:>8.2f} s "
          f"{len(paths) / seconds:>9.1f} images/s  (process start and imports included)")


def ray_runs(paths, profile, detectors, jobs, work: Path) -> None:
    """`--ray` (issue 16): the same cold scan by the local pool and by Ray actors on a local Ray instance, in one run.

    images/s of each (the Ray instance is started first and timed apart; actors load their models inside the
    timed scan, as local workers do), and the driver's own CPU per file (cache lookup, dispatch, result
    handling, Ray's client threads): the process CPU time of this process during the scan over the files.
    """
    from media_screen.cluster import start_local_ray
    from media_screen.config import Engine

    started = time.perf_counter()
    start_local_ray(available_cores(), 256 * 2**20)
    print(f"local Ray instance started in {time.perf_counter() - started:.1f} s", flush=True)
    rates = {}
    for engine in (Engine.LOCAL, Engine.RAY):
        options = ScanOptions(detectors=detectors, engine=engine)
        load = os.getloadavg()[0]
        cpu = time.process_time()
        seconds, results = timed_scan(paths, profile, options, jobs, work / f"{engine.value}.sqlite3", work / "data")
        driver_ms = (time.process_time() - cpu) / len(results) * 1000
        rates[engine] = report(f"cold scan, {engine.value} ({jobs} workers)", seconds, results)
        print(f"{'':<34} driver CPU {driver_ms:.2f} ms per file; load average before {load:.1f}, "
              f"after {os.getloadavg()[0]:.1f}", flush=True)
    print(f"Ray's overhead: {100 * (1 - rates[Engine.RAY] / rates[Engine.LOCAL]):+.1f} % images/s against the local pool")


def adjusted_profile(settings: list[str]):
    """The built-in profile with each `KEY=VALUE` replacing the value on its line `KEY = ...` (one such line)."""
    text = default_profile_text()
    for setting in settings:
        key, _, value = setting.partition("=")
        pattern = re.compile(rf"^{re.escape(key.strip())}\s*=.*$", re.MULTILINE)
        if len(pattern.findall(text)) != 1:
            raise SystemExit(f"--set {setting}: the built-in profile needs exactly one line `{key.strip()} = ...`")
        text = pattern.sub(f"{key.strip()} = {value.strip()}", text)
    return parse_profile(text, Path(str(resources.files("media_screen"))), "built-in profile, adjusted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="12 MP photos in the folder (default 500; 0: none)")
    parser.add_argument("--jobs", type=int, default=available_cores(), help="worker processes (default: cores)")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "media-screen-batch-bench")
    parser.add_argument("--warm-links", type=int, default=0, help="also time a real warm re-scan of N hard links")
    parser.add_argument("--warm-small", type=int, default=0,
                        help="also time a first and a warm scan of N small files (links to 50 small photos)")
    parser.add_argument("--publish", nargs="+", choices=[t.value for t in PublishTarget], default=None,
                        help="analyse at these platforms' sizes, one cold scan each (default: the profile's)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold full scan(s) (issue 13 figures)")
    parser.add_argument("--detectors", type=lambda v: tuple(filter(None, v.split(","))), default=None,
                        help="comma-separated detectors instead of every one that can run (what a subset costs)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="the built-in profile with its line `KEY = ...` replaced (e.g. published_min_face_px=24)")
    parser.add_argument("--ray", action="store_true", help="only the cold scan by the local pool and by Ray (issue 16)")
    args = parser.parse_args()

    profile = adjusted_profile(args.settings) if args.settings else load_profile()
    detectors = args.detectors if args.detectors is not None else runnable_detectors(profile)
    full = ScanOptions(detectors=detectors)
    work = Path(tempfile.mkdtemp(prefix="media-screen-bench-"))
    photos = args.folder / "photos"
    build_folder(photos, args.count, args.jobs)
    paths = sorted(photos.glob("mosaic_*.jpg"))[: args.count]
    print(f"{len(paths)} photos of {SIZE[0]}x{SIZE[1]}, {args.jobs} worker(s) on {available_cores()} core(s); "
          f"detectors: {', '.join(detectors) or 'none'}"
          + "".join(f"; {setting}" for setting in args.settings))
    if paths and args.ray:
        ray_runs(paths, profile, detectors, args.jobs, work)
        return
    if paths and args.cold_only:
        for target in args.publish or [profile.publish_default.value]:
            options = ScanOptions(detectors=detectors, publish=PublishTarget(target))
            print(f"--publish {target} (long side {profile.publish_long_side(PublishTarget(target)) or 'original'}), "
                  f"load average before {os.getloadavg()[0]:.1f}", flush=True)
            cold_run(paths, profile, options, args.jobs, work / f"{target}.sqlite3", work)
            print(f"{'':<34} load average after: {', '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
        return
    if paths:
        photo_runs(paths, profile, full, args.jobs, work)
        if args.warm_links:
            linked = links_to(paths, args.folder / f"mosaic-links-{args.warm_links}", args.warm_links)
            twice("links", linked, profile, full, args.jobs, work / "full.sqlite3", work)
    if args.warm_small:
        tiny = small_photos(args.folder / f"small-{args.warm_small}", args.warm_small)
        twice("small photos", tiny, profile, full, args.jobs, work / "small.sqlite3", work)
    if paths:
        command_line_run(paths, detectors, work)


if __name__ == "__main__":
    main()
