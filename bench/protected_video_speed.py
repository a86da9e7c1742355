#!/usr/bin/env python3
"""Protected faces in a video: matched once per track (shipped) against once per sampled frame.

Makes a clip from photos that ship in installed packages (scikit-image's astronaut, enrolled, drifting
across the frame beside matplotlib's Grace Hopper), enrols the astronaut in a temporary watchlist and
scans the clip both ways with the `protected` detector alone. Prints, for each: faces run through the
descriptor, the protected detector's time, the matches and their time spans, and the load average.

Run:  ~/.venvs/media-screen/bin/python bench/protected_video_speed.py [SECONDS]
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from media_screen.config import ScanOptions, load_profile, parse_profile  # noqa: E402
from media_screen.detectors.protected import ProtectedFacesDetector  # noqa: E402
from media_screen.faceid.embedder import FaceEmbedder, model_info  # noqa: E402
from media_screen.faceid.enrolment import embed_enrolment_photos  # noqa: E402
from media_screen.model import Audience, DetectionKind  # noqa: E402
from media_screen.pipeline import Screener  # noqa: E402
from media_screen.store import watchlist as store  # noqa: E402

FPS = 10


def package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    return Path(list(spec.submodule_search_locations)[0]) / relative


def clip_frames(seconds: int) -> list[np.ndarray]:
    astronaut = cv2.imread(str(package_file("skimage", "data/astronaut.png")))[:, ::-1, ::-1]
    hopper = cv2.imread(str(package_file("matplotlib", "mpl-data/sample_data/grace_hopper.jpg")))
    other = cv2.resize(hopper, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)[:, :, ::-1]
    frames = []
    for index in range(seconds * FPS):
        frame = np.full((560, 1200, 3), 70, np.uint8)
        left = 20 + int(200 * index / (seconds * FPS))
        frame[14:526, left : left + 512] = astronaut
        frame[40 : 40 + other.shape[0], 800 : 800 + other.shape[1]] = other
        frames.append(frame)
    return frames


def write_clip(path: Path, frames: list[np.ndarray]) -> Path:
    spec = importlib.util.spec_from_file_location("make_video_samples", REPO / "scripts" / "make_video_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_clip(path, frames, fps=FPS)


def scan(profile, clip: Path, per_frame: bool) -> None:
    counted = []
    original_embed, original_session = FaceEmbedder.embed_aligned, ProtectedFacesDetector.video_session

    def counting(self, faces):
        counted.append(len(faces))
        return original_embed(self, faces)

    FaceEmbedder.embed_aligned = counting
    if per_frame:  # the detector's per-frame path: every face of every analysed frame is matched
        ProtectedFacesDetector.video_session = lambda self, max_gap_s: None
    try:
        options = ScanOptions(audience=Audience.OFFICIAL, detectors=("protected",), reuse_unchanged_frames=False)
        started = time.perf_counter()
        report = Screener(profile, options).scan_file(clip)
        wall = time.perf_counter() - started
    finally:
        FaceEmbedder.embed_aligned, ProtectedFacesDetector.video_session = original_embed, original_session
    matches = [d for d in report.detections if d.kind == DetectionKind.PROTECTED_PERSON]
    spans = ", ".join(f"{d.label} {d.time_s:.1f}-{(d.end_s or d.time_s):.1f} s" for d in matches)
    way = "once per sampled frame" if per_frame else "once per track (shipped)"
    print(f"  {way:<26}: {report.frames_analysed} frames analysed, {sum(counted):3d} faces embedded, protected "
          f"{report.timings.get('protected', 0.0):.2f} s, scan {wall:.2f} s wall; {len(matches)} finding(s): {spans}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as folder:
        os.environ[store.PASSPHRASE_VARIABLE] = "bench passphrase, not a secret"
        watchlist = Path(folder) / "watchlist.bin"
        base = load_profile()
        text = (Path(str(base.base_dir)) / "default_profile.toml").read_text("utf-8")
        profile = parse_profile(text.replace('\nwatchlist = ""\n', f"\nwatchlist = {str(watchlist)!r}\n"), base.base_dir)
        photos = embed_enrolment_photos([package_file("skimage", "data/astronaut.png")], profile)
        store.save(store.Watchlist(model_info().name).with_person("Officer A", np.stack([p.embedding for p in photos])),
                   watchlist, os.environ[store.PASSPHRASE_VARIABLE].encode())
        clip = write_clip(Path(folder) / "clip.mp4", clip_frames(seconds))
        print(f"{seconds} s clip, {FPS} fps, two faces (one enrolled):")
        scan(profile, clip, per_frame=False)
        scan(profile, clip, per_frame=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
