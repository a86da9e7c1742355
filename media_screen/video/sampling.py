"""Choose and decode the frames of a video that the detectors look at.

One frame every `interval` seconds, plus frames where the picture changes
abruptly (a scene change: the luma histograms of two small thumbnails differ
by more than a threshold). When the container has a keyframe index, the decoder
seeks to the keyframe before the next wanted time instead of decoding every
frame in between, whenever that skips enough frames to pay for the seek; the
keyframes it would skip are still decoded (one frame each) so that cuts, where
encoders put keyframes, are still seen. `Progress` records how far decoding got.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator

import av
import numpy as np

SCENE_THRESHOLD = 0.35  # total-variation distance between two 32-bin luma histograms (0..1)
SCENE_MIN_GAP = 0.25  # of the sampling interval, between a scene-change frame and the frame sampled before it
SEEK_MIN_SKIP_FRAMES = 12  # seek only when it skips at least this many frames
PROBE_MIN_KEYFRAME_SPACING_S = 0.25  # denser keyframes (all-intra video): no keyframe probes
HISTOGRAM_BINS = 32
THUMB_ROWS = 36
_PLANAR_8BIT = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p", "yuv410p",
                "yuv440p", "yuvj440p", "nv12", "nv21", "gray"}

TARGET, PROBE = 0, 1


@dataclass(frozen=True)
class StreamTiming:
    """What the container says about the video stream's time line (times relative to its first frame)."""

    start_pts: int
    time_base: Fraction
    duration_s: float | None
    duration_from_stream: bool  # False: the container's duration (may include longer audio)
    fps: float | None
    keyframes_s: tuple[float, ...]  # from the container index; empty when there is none

    @classmethod
    def of(cls, container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> "StreamTiming":
        time_base = stream.time_base or Fraction(1, 90000)
        start = stream.start_time or 0
        duration, from_stream = None, False
        if stream.duration:
            duration, from_stream = float(stream.duration * time_base), True
        elif container.duration:
            duration = container.duration / av.time_base
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate and 0 < float(rate) < 1000 else None
        return cls(start, time_base, duration if duration and duration > 0 else None, from_stream, fps,
                   _keyframe_times(stream, start, time_base))

    @property
    def frame_s(self) -> float:
        return 1.0 / self.fps if self.fps else 1 / 30


def _keyframe_times(stream: av.video.stream.VideoStream, start_pts: int, time_base: Fraction) -> tuple[float, ...]:
    """Keyframe presentation times from the container index (empty without one).

    Index timestamps are decode times: with B-frames they run ahead of presentation
    times by the reorder delay. The first entry is the first frame, shown at the
    stream's start, which gives the offset between the two.
    """
    try:
        entries = list(stream.index_entries)
    except (AttributeError, TypeError, av.error.FFmpegError):
        return ()
    if not entries or not entries[0].is_keyframe:
        return ()
    offset = start_pts - entries[0].timestamp
    times = {float((e.timestamp + offset - start_pts) * time_base) for e in entries if e.is_keyframe}
    return tuple(sorted(t for t in times if t >= 0))


@dataclass(frozen=True, eq=False)
class Sample:
    frame: av.VideoFrame
    time_s: float
    index: int  # frame number (estimated from the time when seeking)
    reason: str  # "interval" or "scene change"


@dataclass
class Progress:
    """How far decoding got; filled in while `sample_frames` runs."""

    decoded_to_s: float | None = None  # end of the last decoded frame
    frames_decoded: int = 0
    seeks: int = 0
    scene_changes: int = 0
    sample_interval_s: float = 1.0
    error: str | None = None  # why decoding stopped before the end of the stream
    transient: bool = False  # it stopped for a time-out or an I/O error, not for the content: may not repeat
    verb: str = "decoded"  # "read" when packets were only demuxed (no pixel detectors)


def plan_interval(duration_s: float | None, every_s: float, max_frames: int) -> tuple[float, int | None]:
    """(interval, number of interval samples): spread over the whole video when the cap would cut it short."""
    every_s = max(every_s, 0.001)
    if duration_s is None:
        return every_s, None
    interval = max(every_s, duration_s / max(max_frames, 1))
    return interval, max(1, min(max_frames, int(duration_s / interval + 1e-9) + 1))


def sample_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    timing: StreamTiming,
    every_s: float,
    max_frames: int,
    check: Callable[[str], None],
    progress: Progress,
) -> Iterator[Sample]:
    """Yield the sampled frames in time order; stop quietly at the end of the stream or a decoding error."""
    interval, targets = plan_interval(timing.duration_s, every_s, max_frames)
    progress.sample_interval_s = interval
    scene_budget = max_frames - targets if targets is not None else None
    decoder = _Decoder(container, stream, timing, progress)
    keyframes = list(timing.keyframes_s)
    target_times = (i * interval for i in (range(targets) if targets is not None else itertools.count()))
    points = heapq.merge(((t, TARGET) for t in target_times), ((k, PROBE) for k in _probes(keyframes)))
    previous_histogram = None
    last_sample_s = -math.inf
    yielded = 0
    for point_s, kind in itertools.chain(points, [(math.inf, PROBE)]):  # the last point drains the stream
        if kind == TARGET and point_s <= last_sample_s + timing.frame_s / 2:
            continue  # a scene-change frame already covers this time
        decoder.seek_towards(point_s, keyframes)
        while True:
            check("video decoding")
            frame, time_s = decoder.next()
            if frame is None:
                return
            histogram = luma_histogram(frame)
            changed = previous_histogram is not None and (
                histogram_distance(previous_histogram, histogram) > SCENE_THRESHOLD
            )
            previous_histogram = histogram
            reached = time_s >= point_s - timing.frame_s / 2
            if reached and kind == TARGET:
                if yielded >= max_frames:
                    break
                yielded += 1
                last_sample_s = time_s
                yield Sample(frame, time_s, _index(time_s, timing), "interval")
                break
            spaced = time_s - last_sample_s >= SCENE_MIN_GAP * interval
            if changed and spaced and _budget_left(scene_budget, progress, yielded, max_frames):
                progress.scene_changes += 1
                yielded += 1
                last_sample_s = time_s
                yield Sample(frame, time_s, _index(time_s, timing), "scene change")
            if reached:
                break


def read_packets(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    timing: StreamTiming,
    check: Callable[[str], None],
    progress: Progress,
) -> av.VideoFrame | None:
    """Without pixel detectors: demux to the end (how far the data goes), decoding only the first frame."""
    progress.verb = "read"
    first = None
    try:
        for packet in container.demux(stream):
            check("video reading")
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if packet.is_corrupt:
                progress.error = f"damaged packet at {_packet_time(packet, timing):.3f} s (truncated file?)"
                break
            if first is None:
                first = next(iter(packet.decode()), None)
            if packet.pts is not None:
                end = (packet.pts - timing.start_pts + (packet.duration or 0)) * timing.time_base
                progress.decoded_to_s = max(progress.decoded_to_s or 0.0, float(end))
            progress.frames_decoded += 1
    except av.error.FFmpegError as exc:
        progress.error = f"reading failed: {exc}"
        progress.transient = isinstance(exc, OSError)  # an errno from the system, not invalid data
    return first


def _budget_left(scene_budget: int | None, progress: Progress, yielded: int, max_frames: int) -> bool:
    if scene_budget is None:
        return yielded < max_frames
    return progress.scene_changes < scene_budget and yielded < max_frames


def _probes(keyframes: list[float]) -> list[float]:
    """Keyframes worth a look for cuts: none when keyframes are too dense to be cuts (all-intra video)."""
    if len(keyframes) < 2:
        return []
    spacing = (keyframes[-1] - keyframes[0]) / (len(keyframes) - 1)
    return keyframes if spacing >= PROBE_MIN_KEYFRAME_SPACING_S else []


def _index(time_s: float, timing: StreamTiming) -> int:
    return int(round(time_s * timing.fps)) if timing.fps else 0


class _Decoder:
    """Sequential decoding with optional seeks; converts timestamps and records progress."""

    def __init__(self, container, stream, timing: StreamTiming, progress: Progress) -> None:
        self.container, self.stream, self.timing, self.progress = container, stream, timing, progress
        self.frames: Iterator[av.VideoFrame] | None = None
        self.position_s: float | None = None  # time of the last decoded frame
        self.can_seek = bool(timing.keyframes_s)
        self.damaged_at_s: float | None = None  # a packet the demuxer flagged as corrupt

    def _decode(self) -> Iterator[av.VideoFrame]:
        """What container.decode does, noting packets the demuxer flags as corrupt (cut short by the end
        of the file). Frame-threaded decoding drops such a packet, and the frames queued before it,
        without raising: the stream would seem to end early but cleanly."""
        for packet in self.container.demux(self.stream):
            if packet.is_corrupt and self.damaged_at_s is None:
                self.damaged_at_s = _packet_time(packet, self.timing)
            yield from packet.decode()

    def seek_towards(self, point_s: float, keyframes: list[float]) -> None:
        """Seek to the keyframe before `point_s` when that skips enough frames."""
        if not self.can_seek or math.isinf(point_s):
            if math.isinf(point_s) and self.can_seek and keyframes:
                point_s = keyframes[-1] + self.timing.frame_s / 2  # drain from the last keyframe
            else:
                return
        i = bisect.bisect_right(keyframes, point_s + self.timing.frame_s / 2) - 1
        if i < 0:
            return
        keyframe_s = keyframes[i]
        here = self.position_s if self.position_s is not None else -math.inf
        if here == -math.inf and keyframe_s == keyframes[0]:
            return  # decoding from the start anyway
        if (keyframe_s - here) * (self.timing.fps or 30) < SEEK_MIN_SKIP_FRAMES:
            return
        pts = self.timing.start_pts + int(round(keyframe_s / self.timing.time_base))
        try:
            self.container.seek(pts, stream=self.stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            self.can_seek = False  # keep decoding sequentially from where we are
            return
        self.frames = None
        self.progress.seeks += 1

    def next(self) -> tuple[av.VideoFrame | None, float]:
        if self.frames is None:
            self.frames = self._decode()
        try:
            frame = next(self.frames, None)
        except av.error.FFmpegError as exc:
            self.progress.error = f"decoding failed: {exc}"
            self.progress.transient = isinstance(exc, OSError)
            return None, 0.0
        if frame is None:
            if self.damaged_at_s is not None and self.progress.error is None:
                self.progress.error = f"damaged packet at {self.damaged_at_s:.3f} s (truncated file?)"
            return None, 0.0
        if frame.pts is not None:
            time_s = float((frame.pts - self.timing.start_pts) * self.timing.time_base)
        else:
            time_s = (self.position_s + self.timing.frame_s) if self.position_s is not None else 0.0
        self.position_s = time_s
        self.progress.frames_decoded += 1
        end = time_s + self.timing.frame_s
        self.progress.decoded_to_s = max(self.progress.decoded_to_s or 0.0, end)
        return frame, time_s


def _packet_time(packet: av.Packet, timing: StreamTiming) -> float:
    pts = packet.pts if packet.pts is not None else packet.dts
    return float((pts - timing.start_pts) * timing.time_base) if pts is not None else 0.0


def luma_histogram(frame: av.VideoFrame) -> np.ndarray:
    """A normalised 32-bin histogram of a small luma thumbnail (the Y plane, subsampled, when 8-bit planar)."""
    if frame.format.name in _PLANAR_8BIT:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        step = max(1, plane.height // THUMB_ROWS)
        thumb = rows[::step, ::step]
    else:
        width = max(1, round(THUMB_ROWS * frame.width / max(frame.height, 1)))
        thumb = frame.reformat(width=width, height=THUMB_ROWS, format="gray").to_ndarray()
    counts = np.bincount((thumb >> 3).ravel(), minlength=HISTOGRAM_BINS).astype(np.float32)
    return counts / max(float(counts.sum()), 1.0)


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total-variation distance: 0 identical, 1 disjoint."""
    return float(np.abs(a - b).sum() / 2)
