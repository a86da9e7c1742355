"""Shared helpers for the video tests: tiny clips made on the fly, and a marker detector.

The clip writer is the one in scripts/make_video_samples.py (loaded from there, so
the samples and the tests encode the same way). `MarkerDetector` finds a pure red
square: a deterministic detector that lets the tests check sampling, seeking,
rotation and time ranges without depending on a model's judgement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from media_screen.detectors.base import DetectorInfo
from media_screen.model import Box, Detection, DetectionKind, Frame
from repo_scripts import repo_script

RED = (255, 0, 0)  # RGB


def samples_script():
    return repo_script("scripts/make_video_samples.py")


def write_clip(path: Path, frames, **kwargs) -> Path:
    return samples_script().write_clip(path, frames, **kwargs)


def solid(width: int, height: int, rgb=(40, 90, 140)) -> np.ndarray:
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = rgb
    return frame


def with_marker(frame: np.ndarray, x: int, y: int, size: int = 16) -> np.ndarray:
    marked = frame.copy()
    marked[y : y + size, x : x + size] = RED
    return marked


def marker_clip(
    path: Path,
    seconds: float,
    fps: int = 10,
    visible: tuple[float, float] | None = None,
    size: tuple[int, int] = (96, 64),
    position: tuple[int, int] = (8, 8),
    moving: bool = False,
    **kwargs,
) -> Path:
    """A plain clip; the red marker is drawn while visible[0] <= t < visible[1] (always when None).

    `moving` slides the marker one pixel a frame (and the background shade with it), so that every
    frame carries new data and the media data grows steadily through the file.
    """
    width, height = size
    frames = []
    for i in range(int(round(seconds * fps))):
        t = i / fps
        x, y = position
        frame = solid(width, height, (40 + (i * 3 if moving else 0) % 120, 90, 140))
        if moving:
            x = (x + i) % (width - 16)
        if visible is None or visible[0] <= t < visible[1]:
            frame = with_marker(frame, x, y)
        frames.append(frame)
    return write_clip(path, frames, fps=fps, **kwargs)


class MarkerDetector:
    """Finds the red marker (BGR frames): one FACE-kind detection around the red pixels."""

    name = "marker"

    @classmethod
    def describe(cls, profile) -> DetectorInfo:
        return DetectorInfo("marker", "test marker", (DetectionKind.FACE,), "colour threshold", "1", True)

    @classmethod
    def from_profile(cls, profile) -> "MarkerDetector":
        return cls()

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        blue, green, red = (frame.pixels[..., i].astype(int) for i in range(3))
        mask = (red > 180) & (green < 80) & (blue < 80)
        if mask.sum() < 20:
            return ()
        ys, xs = np.nonzero(mask)
        box = Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        return (Detection(DetectionKind.FACE, "marker", 0.9, box, self.name),)


def remux(path: Path, inputs: list[Path], container_format: str = "matroska") -> Path:
    """The first stream of each of `inputs` copied into one file (PyAV, no re-encoding), packets interleaved by time."""
    import av

    sources = [av.open(str(p)) for p in inputs]
    try:
        with av.open(str(path), "w", format=container_format) as out:
            copies = [(source, out.add_stream_from_template(source.streams[0])) for source in sources]  # all first
            packets = [(packet, copy) for source, copy in copies for packet in source.demux(source.streams[0])
                       if packet.size]  # not the flush packets
            for packet, copy in sorted(packets, key=lambda pair: float((pair[0].dts if pair[0].dts is not None else
                                                                        pair[0].pts) * pair[0].time_base)):
                packet.stream = copy
                out.mux(packet)
    finally:
        for source in sources:
            source.close()
    return path


def with_subtitles(folder: Path, cues: list[tuple[str, str, str]], seconds: float = 2.0) -> Path:
    """A Matroska marker clip with an SRT subtitle track of `cues` (start, end, text; times as "00:00:00,500"),
    muxed by PyAV: `folder / "subtitled.mkv"`."""
    clip = marker_clip(folder / "clip.mkv", seconds=seconds, container_format="matroska", codec="mpeg4")  # no B-frames
    srt = folder / "cues.srt"
    srt.write_text("".join(f"{n}\n{start} --> {end}\n{text}\n\n" for n, (start, end, text) in enumerate(cues, 1)))
    return remux(folder / "subtitled.mkv", [clip, srt])


def clip_with_audio(path: Path, seconds: float = 1.0, fps: int = 10) -> Path:
    """A plain 64x48 H.264 clip with a silent mono AAC track, written by PyAV."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=Fraction(fps))
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=16000)
        for _ in range(int(seconds * fps)):
            container.mux(video.encode(av.VideoFrame.from_ndarray(solid(64, 48), format="rgb24")))
        frame = av.AudioFrame.from_ndarray(np.zeros((1, int(16000 * seconds)), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 16000
        container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
        container.mux(video.encode(None))
    return path

