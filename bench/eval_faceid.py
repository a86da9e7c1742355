#!/usr/bin/env python3
"""Protected-faces recognition against ../shared/eval/faceid (identity-labelled photos).

The photos are split by a salted hash of the identity into a tune half and a held-back half (no
person is in both). The tune half sets the threshold: the largest embedding distance at which at
most 1 in 1,000 impostor pairs match (what [detectors.protected] threshold holds). Every figure
below the "held-back" line comes from people the threshold never saw:

* true-match rate at false-match rates of 1e-2 and 1e-3 (all genuine and all impostor pairs; the
  operating point chosen on the held-back pairs themselves, the usual ROC reading), and the true-
  and false-match rates at the tuned threshold (the honest figure: what the shipped setting does);
* rank-1 identification from three enrolment photos per person (nearest enrolled embedding), closed
  set and open set (the nearest must also be within the threshold);
* results by face size: genuine pairs by the smaller face's height, and a shrinking test in which
  each probe photo is scaled down until its face is 24..72 px tall (sets min_face_px);
* milliseconds per face (alignment + embedding), besides CenterFace's time per photo;
* the group photos: every person enrolled from three single photos must be found where they appear.

Embeddings are cached under the user's cache folder (keyed by file content and model), so a rerun
only recomputes what changed. Skips cleanly when the evaluation set is absent.

With --by-size it only measures how much identity a face 8..32 px tall still carries when its box is known
(the legible size at the published size, README "Published size"), then stops.

With --variants it then shows what limits the false-match rate and measures the designs tried against it
(bench/faceid_variants.py): one table, the same split.

Run:  ~/.venvs/media-screen/bin/python bench/eval_faceid.py [EVAL_DIR] [--no-shrink] [--by-size] [--variants]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors.faces import FaceDetector  # noqa: E402
from media_screen.detectors.protected import ProtectedSettings  # noqa: E402
from media_screen.faceid.embedder import FaceEmbedder, model_info, model_paths  # noqa: E402
from media_screen.faceid.quality import FaceQuality  # noqa: E402
from media_screen.model import Box, Detection, Frame  # noqa: E402
from media_screen.store.watchlist import Watchlist  # noqa: E402
from media_screen.faceid.matching import closest  # noqa: E402
from media_screen.userdirs import cache_dir  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "faceid"
SPLIT_SALT = b"media-screen faceid split v1"
TARGET_FMR = 1e-3
ENROL_PHOTOS = 3
SHRINK_TO_PX = (24, 32, 40, 48, 56, 64, 72)
IDENTIFY_AT_PX = (8, 10, 12, 16, 20, 24, 32)  # --by-size: face heights at which identity is measured, box known
SIZE_BINS = ((0, 60), (60, 70), (70, 80), (80, 120), (120, 100_000))


def split_of(identity: str) -> str:
    """'tune' or 'held-back', by a salted hash of the identity (stable, and no person in both)."""
    return "tune" if hashlib.sha256(SPLIT_SALT + identity.encode()).digest()[0] < 128 else "held-back"


@dataclass
class Photo:
    file: str
    identity: str
    face_px: float  # height of the labelled face's box
    embedding: np.ndarray = field(repr=False)
    quality: FaceQuality | None = None


def labelled_face(faces: tuple[Detection, ...], width: int, height: int) -> Detection:
    """The photo's labelled person: the largest face, discounted by its distance from the centre."""
    def weight(face: Detection) -> float:
        dx, dy = face.box.center[0] - width / 2, face.box.center[1] - height / 2
        return face.box.area / (1 + 4 * (dx * dx + dy * dy) / (width * height))

    return max(faces, key=weight)


class Embeddings:
    """Detect + embed each photo once; cached on disk by file content, model version and recipe (the
    shipped recipe's key has no recipe part), with the face's quality beside it."""

    def __init__(self, faces: FaceDetector, embedder: FaceEmbedder, recipe: str = "") -> None:
        self.faces, self.embedder, self.recipe = faces, embedder, recipe
        self.path = cache_dir() / "eval_faceid_embeddings.npz"
        self.tag = model_info().tag
        self.store: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                self.store = {key: data[key] for key in data.files}
        self.detect_s, self.embed_s, self.embed_cpu_s, self.embedded, self.photos = 0.0, 0.0, 0.0, 0, 0

    def of(self, path: Path) -> tuple[float, np.ndarray, FaceQuality] | None:
        content = path.read_bytes()
        key = hashlib.sha256(self.recipe.encode() + self.tag.encode() + content).hexdigest()
        quality_key = "quality-" + hashlib.sha256(content).hexdigest()
        if key in self.store and (self.store[key].size == 0 or quality_key in self.store):
            row = self.store[key]
            return None if row.size == 0 else (float(row[0]), row[1:], FaceQuality(*map(float, self.store[quality_key])))
        pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
        started = time.perf_counter()
        found = self.faces.detect(Frame(pixels))
        self.detect_s += time.perf_counter() - started
        self.photos += 1
        if not found:
            self.store[key] = np.zeros(0, np.float32)
            return None
        face = labelled_face(found, pixels.shape[1], pixels.shape[0])
        aligned = self.embedder.align(pixels, face.box)
        quality = aligned.quality
        self.store[quality_key] = np.array([quality.face_px, quality.sharpness, quality.yaw], np.float32)
        if key in self.store:  # embedded before the quality was kept
            return float(self.store[key][0]), self.store[key][1:], quality
        started, cpu = time.perf_counter(), time.process_time()
        vector = self.embedder.embed_aligned([aligned])[0]
        self.embed_s += time.perf_counter() - started
        self.embed_cpu_s += time.process_time() - cpu
        self.embedded += 1
        self.store[key] = np.concatenate([[face.box.height], vector]).astype(np.float32)
        return face.box.height, vector, quality

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, **self.store)


def pair_distances(photos: list[Photo]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distance, same person, smaller face height) of every unordered pair."""
    vectors = np.stack([p.embedding for p in photos])
    ids = np.array([p.identity for p in photos])
    heights = np.array([p.face_px for p in photos])
    upper = np.triu_indices(len(photos), 1)
    distances = np.linalg.norm(vectors[:, None, :] - vectors[None, :, :], axis=2)[upper]
    same = (ids[:, None] == ids[None, :])[upper]
    smaller = np.minimum(heights[:, None], heights[None, :])[upper]
    return distances, same, smaller


def threshold_at(impostor: np.ndarray, fmr: float) -> float:
    """The largest distance at which at most `fmr` of impostor pairs match (match: distance <= t)."""
    ordered = np.sort(impostor)
    allowed = int(np.floor(fmr * len(ordered)))  # impostor pairs that may fall at or under t
    return float(ordered[allowed] - 1e-6) if allowed < len(ordered) else float(ordered[-1])


def rates(distances, same, threshold) -> tuple[float, float, int, int]:
    genuine, impostor = distances[same], distances[~same]
    return float(np.mean(genuine <= threshold)), float(np.mean(impostor <= threshold)), len(genuine), len(impostor)


def gallery(photos: list[Photo]) -> tuple[Watchlist, list[Photo]]:
    """Three enrolment photos per person with at least four (first by file name), the rest as probes."""
    by_person: dict[str, list[Photo]] = defaultdict(list)
    for photo in sorted(photos, key=lambda p: p.file):
        by_person[photo.identity].append(photo)
    watchlist, probes = Watchlist(model_info().name), []
    for identity, own in by_person.items():
        if len(own) <= ENROL_PHOTOS:
            continue
        watchlist = watchlist.with_person(identity, np.stack([p.embedding for p in own[:ENROL_PHOTOS]]))
        probes += own[ENROL_PHOTOS:]
    return watchlist, probes


def identification(photos: list[Photo], threshold: float) -> None:
    watchlist, probes = gallery(photos)
    closed = opened = 0
    for probe in probes:
        match = closest(probe.embedding, watchlist, threshold)
        closed += match.name == probe.identity
        opened += match.name == probe.identity and match.is_match
    print(f"  rank-1 identification, {ENROL_PHOTOS} enrolment photos x {len(watchlist.people)} people, "
          f"{len(probes)} probes: closed set {closed / len(probes):.4f}; within the threshold {opened / len(probes):.4f}")


def false_alarms(photos: list[Photo], threshold: float) -> None:
    """Faces of people NOT enrolled against a watchlist of K people (3 photos each): how often one is named."""
    watchlist, _ = gallery(photos)
    people = sorted(watchlist.names())
    enrolled, strangers = set(people[::2]), set(people[1::2])  # every other person enrolled, the rest are strangers
    probes = [p for p in photos if p.identity in strangers]
    for size in (5, 10, len(enrolled)):
        chosen = sorted(enrolled)[:size]
        subset = Watchlist(watchlist.model, tuple(p for p in watchlist.people if p.name in chosen))
        named = sum(closest(p.embedding, subset, threshold).is_match for p in probes)
        print(f"  strangers named as one of {size} enrolled people (3 photos each): {named}/{len(probes)} faces "
              f"({named / len(probes):.4f})")


def speed(root: Path, photos: list[Photo], faces: FaceDetector, embedder: FaceEmbedder, count: int = 40) -> None:
    """Wall and CPU time of CenterFace per photo and of alignment + embedding per face, on `count` photos."""
    sample = sorted(photos, key=lambda p: p.file)[:count]
    detect = embed = embed_cpu = 0.0
    for photo in sample:
        pixels = cv2.imread(str(root / photo.file), cv2.IMREAD_COLOR)
        started = time.perf_counter()
        found = faces._detect(Frame(pixels))  # uncached: the shared per-frame result would hide the cost
        detect += time.perf_counter() - started
        face = labelled_face(found, pixels.shape[1], pixels.shape[0])
        started, cpu = time.perf_counter(), time.process_time()
        embedder.embed(pixels, face.box)
        embed += time.perf_counter() - started
        embed_cpu += time.process_time() - cpu
    print(f"  speed on {len(sample)} photos: CenterFace {1000 * detect / len(sample):.0f} ms per photo; alignment + "
          f"embedding {1000 * embed / len(sample):.0f} ms per face ({1000 * embed_cpu / len(sample):.0f} ms of CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def shrinking(root: Path, photos: list[Photo], faces: FaceDetector, embedder: FaceEmbedder, threshold: float) -> None:
    """Each probe (face >= 64 px) scaled down so its face is N px tall, matched against the gallery."""
    watchlist, probes = gallery(photos)
    probes = [p for p in probes if p.face_px >= 64][:200]
    print(f"  shrinking test: {len(probes)} probes scaled down, matched against {len(watchlist.people)} people "
          f"(3 full-size photos each) at the tuned threshold")
    print("    face px  found  true match  false match (another person within the threshold)")
    for target in SHRINK_TO_PX:
        found = true = false = 0
        for probe in probes:
            pixels = cv2.imread(str(root / probe.file), cv2.IMREAD_COLOR)
            scale = min(1.0, target / probe.face_px)
            small = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            detected = faces.detect(Frame(small))
            if not detected:
                continue
            found += 1
            face = labelled_face(detected, small.shape[1], small.shape[0])
            vector = embedder.embed(small, face.box)
            others = Watchlist(watchlist.model, tuple(p for p in watchlist.people if p.name != probe.identity))
            own = Watchlist(watchlist.model, tuple(p for p in watchlist.people if p.name == probe.identity))
            true += closest(vector, own, threshold).is_match
            false += closest(vector, others, threshold).is_match
        n = len(probes)
        print(f"    {target:7d}  {found / n:5.3f}  {true / n:10.3f}  {false / n:11.4f}")


def identity_by_size(root: Path, photos: list[Photo], faces: FaceDetector, embedder: FaceEmbedder,
                     threshold: float) -> None:
    """How much identity a face N px tall still carries, apart from finding it: each probe (face >= 64 px) is
    found at full size, then the photo is shrunk so that face is N px tall (area averaging, as a platform
    shrinks) and embedded from the full-size box scaled with it. Prints, per size, the true-match rate at the
    tuned threshold, the closed-set rank-1 rate among the enrolled people (chance: 1 in their number), and
    the false-match rate (another person within the threshold). A face that the embedder still names well
    above chance identifies someone to a machine; people who know the person need less (README)."""
    watchlist, probes = gallery(photos)
    probes = [p for p in probes if p.face_px >= 64][:200]
    print(f"  identity by face size (box known): {len(probes)} probes shrunk, against {len(watchlist.people)} people "
          f"(chance of rank-1: {1 / len(watchlist.people):.3f}); load average {os.getloadavg()[0]:.1f}")
    print("    face px  true match  rank-1 (closed set)  false match")
    found = {}
    for probe in probes:
        pixels = cv2.imread(str(root / probe.file), cv2.IMREAD_COLOR)
        detected = faces.detect(Frame(pixels))
        if detected:
            found[probe.file] = (pixels, labelled_face(detected, pixels.shape[1], pixels.shape[0]).box)
    for target in IDENTIFY_AT_PX:
        true = rank_one = false = 0
        for probe in probes:
            if probe.file not in found:
                continue
            pixels, box = found[probe.file]
            scale = min(1.0, target / box.height)
            small = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            vector = embedder.embed(small, Box(box.x1 * scale, box.y1 * scale, box.x2 * scale, box.y2 * scale))
            others = Watchlist(watchlist.model, tuple(p for p in watchlist.people if p.name != probe.identity))
            own = Watchlist(watchlist.model, tuple(p for p in watchlist.people if p.name == probe.identity))
            true += closest(vector, own, threshold).is_match
            rank_one += closest(vector, watchlist, threshold).name == probe.identity
            false += closest(vector, others, threshold).is_match
        n = len(probes)
        print(f"    {target:7d}  {true / n:10.3f}  {rank_one / n:19.3f}  {false / n:11.4f}")


def groups(root: Path, rows: list[dict], photos: list[Photo], faces: FaceDetector, embedder: FaceEmbedder,
           settings: ProtectedSettings) -> None:
    """Everyone who appears in any group photo enrolled at once (first three single photos each); every
    face in every group photo checked against all of them, at the profile's threshold for its size."""
    min_face_px = float(settings.min_face_px)
    by_person: dict[str, list[Photo]] = defaultdict(list)
    for photo in sorted(photos, key=lambda p: p.file):
        by_person[photo.identity].append(photo)
    present_in = {row["file"]: [name for name in row["identities_present"].split(";") if name] for row in rows}
    everyone = sorted({name for names in present_in.values() for name in names})
    watchlist = Watchlist(model_info().name)
    for name in everyone:
        watchlist = watchlist.with_person(name, np.stack([p.embedding for p in by_person[name][:ENROL_PHOTOS]]))
    print(f"  group photos ({len(everyone)} people enrolled together, three single photos each, either half):")
    appearances = found_total = wrong_total = 0
    for row in rows:
        present = present_in[row["file"]]
        pixels = cv2.imread(str(root / row["file"]), cv2.IMREAD_COLOR)
        recognised, small = [], 0
        for face in faces.detect(Frame(pixels)):
            if face.score < 0.5:
                continue
            if face.box.height < min_face_px:
                small += 1
                continue
            match = closest(embedder.embed(pixels, face.box), watchlist, settings.threshold_for(face.box.height))
            if match.is_match:
                recognised.append((face.box.x1, match.name, match.distance))
        recognised.sort()
        names = [name for _, name, _ in recognised]
        missed = [name for name in present if name not in names]
        wrong = [name for name in names if name not in present] + [n for n in set(names) if names.count(n) > 1]
        appearances += len(present)
        found_total += len(present) - len(missed)
        wrong_total += len(wrong)
        shown = ", ".join(f"{name} {distance:.2f}" for _, name, distance in recognised)
        print(f"    {Path(row['file']).name}: {len(present) - len(missed)}/{len(present)} found "
              f"(left to right: {shown}); missed: {', '.join(missed) or 'none'}; "
              f"wrong names: {', '.join(wrong) or 'none'}; faces too small to check: {small}")
    print(f"    total: {found_total}/{appearances} appearances recognised; {wrong_total} wrong names")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--no-shrink", action="store_true", help="skip the shrinking test (the slow part)")
    parser.add_argument("--by-size", action="store_true",
                        help="only: how much identity a face 8-32 px tall carries, its box known (the legible size)")
    parser.add_argument("--variants", action="store_true",
                        help="then what limits the false-match rate, and the designs tried (bench/faceid_variants.py)")
    args = parser.parse_args()
    truth = args.eval_dir / "ground_truth.csv"
    if not truth.is_file():
        print(f"no evaluation set at {args.eval_dir}; nothing to measure")
        return 0
    rows = list(csv.DictReader(truth.open(encoding="utf-8")))
    profile = load_profile()
    settings = ProtectedSettings.from_table(profile.detector_settings("protected"))
    faces, embedder = FaceDetector.from_profile(profile), FaceEmbedder.from_installed()
    cache = Embeddings(faces, embedder)
    halves, no_face = load_halves(args.eval_dir, rows, cache)
    print(f"model: {model_info().tag}; {len(rows)} rows, no face found in {no_face} photo(s)")
    if cache.embedded:
        print(f"speed (this run, {cache.photos} photos): CenterFace {1000 * cache.detect_s / cache.photos:.0f} ms per "
              f"photo; alignment + embedding {1000 * cache.embed_s / cache.embedded:.0f} ms per face "
              f"({1000 * cache.embed_cpu_s / cache.embedded:.0f} ms of CPU; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores)")
    for name in ("tune", "held-back"):
        people = {p.identity for p in halves[name]}
        print(f"{name}: {len(halves[name])} photos of {len(people)} people")
    if args.by_size:
        print("\nheld-back half:")
        identity_by_size(args.eval_dir, halves["held-back"], faces, embedder, float(settings.threshold))
        return 0

    distances, same, _ = pair_distances(halves["tune"])
    threshold = threshold_at(distances[~same], TARGET_FMR)
    tmr, fmr, genuine, impostor = rates(distances, same, threshold)
    print(f"\ntune half: threshold at FMR <= {TARGET_FMR:g}: {threshold:.4f} (TMR {tmr:.4f}, FMR {fmr:.5f}; "
          f"{genuine} genuine, {impostor} impostor pairs); the profile holds {settings.threshold}")
    shipped = float(settings.threshold)

    print("\nheld-back half (people the threshold never saw):")
    held = halves["held-back"]
    distances, same, smaller = pair_distances(held)
    for target in (1e-2, 1e-3):
        t = threshold_at(distances[~same], target)
        tmr, fmr, genuine, impostor = rates(distances, same, t)
        print(f"  TMR at FMR {target:g}: {tmr:.4f} (distance {t:.4f}; {genuine} genuine, {impostor} impostor pairs)")
    tmr, fmr, _, _ = rates(distances, same, shipped)
    print(f"  at the profile's threshold {shipped}: TMR {tmr:.4f}, FMR {fmr:.5f}")
    if settings.large_face_px > 0 and settings.large_threshold > 0:
        by_size = np.where(smaller >= settings.large_face_px, settings.large_threshold, shipped)
        matched = distances <= by_size
        large = smaller >= settings.large_face_px
        print(f"  at the profile's thresholds by size ({shipped}; {settings.large_threshold} for faces >= "
              f"{settings.large_face_px:g} px): TMR {matched[same].mean():.4f}, FMR {matched[~same].mean():.5f}; "
              f"faces >= {settings.large_face_px:g} px: TMR {matched[same & large].mean():.4f}, "
              f"FMR {matched[~same & large].mean():.5f} ({int((~same & large).sum())} impostor pairs)")
    print("  by the smaller face's height (profile threshold):")
    for low, high in SIZE_BINS:
        inside = (smaller >= low) & (smaller < high)
        if inside.any():
            tmr, fmr, genuine, impostor = rates(distances[inside], same[inside], shipped)
            print(f"    {low:4d}-{high if high < 100_000 else '':<4} px: TMR {tmr:.4f} ({genuine} genuine), "
                  f"FMR {fmr:.5f} ({impostor} impostor)")
    big = smaller >= 80
    if big.any():
        tmr, fmr, genuine, impostor = rates(distances[big], same[big], shipped)
        print(f"    faces >= 80 px: TMR {tmr:.4f} ({genuine} genuine), FMR {fmr:.5f} ({impostor} impostor)")
    identification(held, shipped)
    false_alarms(held, shipped)
    speed(args.eval_dir, held, faces, embedder)
    if not args.no_shrink:
        shrinking(args.eval_dir, held, faces, embedder, shipped)
    group_rows = [row for row in rows if row["file"].startswith("_groups/")]
    groups(args.eval_dir, group_rows, halves["tune"] + held, faces, embedder, settings)
    if args.variants:
        variants(args.eval_dir, rows, halves, faces, shipped)
    return 0


def load_halves(eval_dir: Path, rows: list[dict], cache: Embeddings) -> tuple[dict[str, list[Photo]], int]:
    """The labelled photos with a face, embedded (cached), by half; and how many had no face."""
    halves: dict[str, list[Photo]] = defaultdict(list)
    no_face = 0
    for row in rows:
        if not row["identity"]:
            continue
        result = cache.of(eval_dir / row["file"])
        if result is None:
            no_face += 1
            continue
        halves[split_of(row["identity"])].append(Photo(row["file"], row["identity"], *result))
    cache.save()
    return halves, no_face


def variants(eval_dir: Path, rows: list[dict], halves: dict[str, list[Photo]], faces: FaceDetector,
             shipped: float) -> None:
    import faceid_variants as fv

    tune, held = halves["tune"], halves["held-back"]
    fv.what_limits(tune + held, held, shipped)
    sample = sorted(held, key=lambda p: p.file)[:20]

    def embedder_for(mirror: bool, jitters: int) -> FaceEmbedder:
        return FaceEmbedder(*model_paths(), mirror=mirror, jitters=jitters)

    def halves_of(embedder: FaceEmbedder, recipe: dict) -> tuple[list[Photo], list[Photo]]:
        shipped_recipe = recipe == dict(mirror=True, jitters=0)
        tag = "" if shipped_recipe else f"mirror={recipe['mirror']},jitters={recipe['jitters']};"
        found, _ = load_halves(eval_dir, rows, Embeddings(faces, embedder, tag))
        return found["tune"], found["held-back"]

    def speed_of(embedder: FaceEmbedder) -> float:
        chips = []
        for photo in sample:
            pixels = cv2.imread(str(eval_dir / photo.file), cv2.IMREAD_COLOR)
            found = faces.detect(Frame(pixels))
            chips.append(embedder.align(pixels, labelled_face(found, pixels.shape[1], pixels.shape[0]).box))
        return fv.descriptor_ms(embedder, chips)

    table = fv.recipe_rows(halves_of, embedder_for, speed_of)
    table += fv.gate_rows(tune, held)
    table.append(fv.size_threshold_row(tune, held))
    table += fv.template_rows(tune, held, "shipped recipe")
    fv.print_table(table)


if __name__ == "__main__":
    raise SystemExit(main())
