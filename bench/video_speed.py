#!/usr/bin/env python3
"""How fast `media-screen scan` screens video, next to `deface` on the same clips.

Makes a 720p30 and a 1080p30 clip (H.264, a keyframe every second like a phone)
in a temporary folder, from the face clip of ../shared/eval/video_meta/content_clips
when it is there (else from the sample clip's astronaut), then for each clip prints:

- media-screen, with every detector that can run here: wall time of the whole
  command (process start and model loading included) and of the file alone (its
  `timings_s.total`), as real-time factors (clip seconds per second of screening);
- decoding strategy: the sampling step alone (decode + upright frames, no detectors),
  seeking by keyframes versus decoding every frame;
- deface (its default settings) on the first seconds of the same clip (same frames,
  same encoding; deface is slow, so it gets a shorter cut): frames per second, and
  the ratio of media-screen's throughput (clip frames covered per second) to it;
- a still shot (a tripod-steady 1080p clip of the marked-car sample with sensor-like noise):
  media-screen with its default reuse of unchanged samples and with `--every-sample`.

Figures are printed, not asserted. Goal for screening: at least 10x real time.

With --detectors a,b,... (a subset; `metadata` for none) and --screen-only (only the media-screen line of each
clip): what a subset of the detectors costs, e.g. `--screen-only --detectors faces`. --sizes also makes a
2160p30 clip (a 4K phone video, analysed at 2048 px like a photo published for Facebook).

Run:  ~/.venvs/media-screen/bin/python bench/video_speed.py [--seconds 8] [--detectors ...] [--screen-only]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EVAL_CLIP = REPO.parent / "shared" / "eval" / "video_meta" / "content_clips" / "fr__short_hamilton_clip.mp4"
SAMPLE_CLIP = REPO / "sample_media" / "video" / "face_2s_to_4s.mp4"
SIZES = {"720p30": (1280, 720), "1080p30": (1920, 1080), "2160p30": (3840, 2160)}
DEFAULT_SIZES = ("720p30", "1080p30")
STILL_SAMPLE = REPO / "sample_media" / "detectors" / "marked_car.jpg"
FPS = 30


def source_frames(seconds: float) -> tuple[str, list[np.ndarray]]:
    """RGB frames of the source clip, looped to `seconds` at 30 fps."""
    source = EVAL_CLIP if EVAL_CLIP.exists() else SAMPLE_CLIP
    with av.open(str(source)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    wanted = int(seconds * FPS)
    return source.name, [frames[i % len(frames)] for i in range(wanted)]


def make_clip(path: Path, frames: list[np.ndarray], size: tuple[int, int]) -> Path:
    width, height = size
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = FPS  # a keyframe every second, as phones write
        stream.options = {"crf": "23", "preset": "veryfast"}
        for pixels in frames:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(width=width, height=height)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def available_detectors() -> list[str]:
    from media_screen import detectors as registry
    from media_screen.config import load_profile

    return [info.name for info in registry.describe_all(load_profile()) if info.available]


def run_media_screen(clip: Path, detectors: list[str], *extra: str) -> dict:
    started = time.perf_counter()
    command = [str(BIN / "media-screen"), "scan", str(clip), "--format", "json", "--no-cache",
               "--detectors", ",".join(detectors) or "metadata", *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if not done.stdout.strip():
        raise SystemExit(f"media-screen failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)["files"][0]
    return {"wall": wall, "file": report["timings_s"]["total"], "frames": report["frames_analysed"],
            "verdict": report["verdict"], "detections": len(report["detections"]), "timings": report["timings_s"]}


def make_still_shot(path: Path, seconds: float) -> Path:
    """A tripod shot: one sample photo at 1080p, every frame with fresh noise (sigma 2), H.264."""
    import cv2

    still = cv2.resize(cv2.imread(str(STILL_SAMPLE)), SIZES["1080p30"])[:, :, ::-1]
    rng = np.random.default_rng(0)
    frames = [np.clip(still + rng.normal(0, 2, still.shape), 0, 255).astype(np.uint8) for _ in range(int(seconds * FPS))]
    return make_clip(path, frames, SIZES["1080p30"])


def sampling_time(clip: Path, seek: bool) -> tuple[float, int]:
    """Seconds for the sampling step alone (decode, upright frames), and the frames decoded."""
    from media_screen.video import sampling
    from media_screen.video.orientation import upright_frame

    saved = sampling.SEEK_MIN_SKIP_FRAMES
    sampling.SEEK_MIN_SKIP_FRAMES = saved if seek else 10**9
    try:
        started = time.perf_counter()
        with av.open(str(clip)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            timing = sampling.StreamTiming.of(container, stream)
            progress = sampling.Progress()
            for sample in sampling.sample_frames(container, stream, timing, 1.0, 300, lambda stage: None, progress):
                upright_frame(sample)
        return time.perf_counter() - started, progress.frames_decoded
    finally:
        sampling.SEEK_MIN_SKIP_FRAMES = saved


def run_deface(clip: Path, out_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "deface"), str(clip), "-o", str(out_dir / f"{clip.stem}_deface.mp4")],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="clip length (default 8)")
    parser.add_argument("--deface-seconds", type=float, default=2.0, help="length of deface's cut (default 2)")
    parser.add_argument("--detectors", type=lambda v: [d for d in v.split(",") if d and d != "metadata"],
                        default=None, help="comma-separated detectors instead of every one that can run here")
    parser.add_argument("--screen-only", action="store_true", help="only media-screen's scan of each clip")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=list(DEFAULT_SIZES),
                        help="clip sizes (default 720p30 1080p30; 2160p30: a 4K phone clip, analysed at 2048 px)")
    args = parser.parse_args()
    detectors = available_detectors() if args.detectors is None else args.detectors
    print(f"machine: {os.cpu_count()} CPU cores; media-screen detectors: {', '.join(detectors) or 'none'}")
    with tempfile.TemporaryDirectory(prefix="video-speed-") as tmp:
        tmp_dir = Path(tmp)
        source, frames = source_frames(args.seconds)
        print(f"clips: {args.seconds:g} s at {FPS} fps made from {source}; media-screen defaults "
              f"(one frame a second plus scene changes)\n")
        for name in args.sizes:
            size = SIZES[name]
            clip = make_clip(tmp_dir / f"{name}.mp4", frames, size)
            cut = make_clip(tmp_dir / f"{name}_cut.mp4", frames[: int(args.deface_seconds * FPS)], size)
            total_frames, cut_frames = len(frames), int(args.deface_seconds * FPS)
            screen = run_media_screen(clip, detectors)
            if args.screen_only:
                print(f"== {name}: media-screen scan {screen['file']:.2f} s for the file "
                      f"({args.seconds / screen['file']:.1f}x real time), {screen['wall']:.2f} s wall; "
                      f"{screen['frames']} frames analysed; per stage (s): "
                      + ", ".join(f"{k} {v:.2f}" for k, v in screen["timings"].items() if k not in ("total", "hash")),
                      flush=True)
                continue
            seek_s, seek_frames = sampling_time(clip, seek=True)
            sequential_s, sequential_frames = sampling_time(clip, seek=False)
            deface_s = run_deface(cut, tmp_dir)
            deface_fps = cut_frames / deface_s
            screen_fps = total_frames / screen["file"]
            print(f"== {name} ({size[0]}x{size[1]}, {total_frames} frames, {clip.stat().st_size / 1e6:.1f} MB)")
            print(f"media-screen scan: {screen['wall']:.2f} s wall ({args.seconds / screen['wall']:.1f}x real time), "
                  f"{screen['file']:.2f} s for the file ({args.seconds / screen['file']:.1f}x real time); "
                  f"{screen['frames']} frames analysed, {screen['detections']} detections, {screen['verdict']}")
            stages = ", ".join(f"{k} {v:.2f}" for k, v in screen["timings"].items() if k not in ("total", "hash"))
            print(f"  per stage (s): {stages}")
            print(f"sampling step: seeking {seek_s:.2f} s ({seek_frames} frames decoded), "
                  f"decoding everything {sequential_s:.2f} s ({sequential_frames} frames decoded)")
            print(f"deface ({cut_frames} frames): {deface_s:.2f} s wall, {deface_fps:.2f} frames/s "
                  f"({cut_frames / FPS / deface_s:.2f}x real time)")
            print(f"ratio: media-screen covers {screen_fps:.1f} clip frames/s "
                  f"= {screen_fps / deface_fps:.1f}x deface's frames/s\n")
        if args.screen_only:
            return 0
        still = make_still_shot(tmp_dir / "still_1080p30.mp4", args.seconds)
        reused, every = run_media_screen(still, detectors), run_media_screen(still, detectors, "--every-sample")
        print(f"== still shot (1080p30, {args.seconds:g} s of {STILL_SAMPLE.name} with noise)")
        for label, run in (("unchanged samples reused", reused), ("--every-sample", every)):
            print(f"media-screen scan, {label}: {run['file']:.2f} s for the file "
                  f"({args.seconds / run['file']:.1f}x real time); {run['frames']} frames, {run['verdict']}, "
                  f"{run['detections']} detections")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
