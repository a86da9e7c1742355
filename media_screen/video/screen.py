"""Screen a video: sample frames, turn them upright, run the detectors, link detections over time.

A video whose stream cannot be decoded to its end is screened as far as it goes
and then reported as an error that says how far decoding got (fail closed): the
unseen part could hold anything.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Sequence

import av

from media_screen.config import ScanOptions
from media_screen.detectors.base import Detector, VideoSession
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import AnalysisTimeoutError, CorruptMediaError, MediaScreenError, UsageError, where
from media_screen.model import Detection, MediaInfo, MediaType
from media_screen.publish import to_original
from media_screen.inputs.source import Source
from media_screen.timing import timed
from media_screen.video.frame_change import ChangeGate
from media_screen.video.orientation import upright_frame, upright_size
from media_screen.video.sampling import Progress, StreamTiming, read_packets, sample_frames
from media_screen.video.stream import duration_text, incomplete_reason, refuse_huge_frames, video_stream, video_streams
from media_screen.video.tracking import link_detections

TRACK_GAP_SAMPLES = 2.5  # a track ends after this many sampling intervals unseen


@dataclass(frozen=True)
class VideoResult:
    media: MediaInfo
    detections: tuple[Detection, ...]  # tracked: one per object, with time_s (first seen) and end_s (last seen)
    frames_analysed: int
    decoded_to_s: float | None  # end of the last frame decoded
    sample_interval_s: float
    scene_changes: int  # frames sampled because the picture changed abruptly
    frames_decoded: int
    seeks: int
    frames_reused: int = 0  # sampled frames unchanged from an analysed one: its detections reused
    analysed_size: tuple[int, int] | None = None  # (width, height) of the frames the detectors saw
    tracks: int = 1  # real video streams in the file; this result is of one of them (screen_video's `track`)
    error: str | None = None  # the stream could not be decoded to its end: partial analysis
    error_will_repeat: bool = False  # the content stopped decoding (not a time-out or an I/O error)


def screen_video(
    source: Source,
    detectors: Sequence[Detector],
    options: ScanOptions,
    deadline,
    timings: dict[str, float],
    long_side: int | None = None,
    lanes: DetectorLanes | None = None,
    track: int = 0,
) -> VideoResult:
    """Sample, decode and screen one video. Raises CorruptMediaError when no frame can be decoded at all.

    Without pixel detectors the stream is only demuxed to its end (to notice truncation), which is fast.
    `long_side`: frames are scaled once, while converted from the decoder's format, to the published size
    (publish.py); detection boxes are mapped back to the frame's own pixels. `lanes`: how many detectors
    run at once on a frame (detectors/lanes.py; one after another by default). `track`: which of the file's
    video streams (0: the first, the one players and platforms show; screen_every_track screens them all).
    """
    if options.max_frames < 1 or not options.sample_every_s > 0:
        raise UsageError("video sampling needs --max-frames of at least 1 and --sample-every above 0")
    try:
        container = av.open(source.reader(), metadata_errors="replace")
    except OSError:
        raise  # the system's error (permission, I/O), not the content's: reported, never cached
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"video cannot be opened ({_reason(exc)}); decoded to 00:00:00.000") from exc
    progress = Progress()
    with container:
        stream = video_stream(container, track)
        tracks = len(video_streams(container))
        refuse_huge_frames(stream)
        timing = StreamTiming.of(container, stream)
        stream.thread_type = "AUTO"
        started, spent = time.perf_counter(), {"detectors": 0.0}  # the detectors' wall time, lanes overlapping
        if detectors:
            per_frame, size, reused, analysed_size, tracked = _screen_samples(
                container, stream, timing, detectors, options, deadline, timings, progress, long_side,
                lanes or DetectorLanes(), spent,
            )
        else:
            per_frame, size, reused, analysed_size, tracked = [], None, 0, None, ()
            try:
                size = upright_size(read_packets(container, stream, timing, deadline.check, progress))
            except AnalysisTimeoutError as exc:
                progress.error, progress.transient = str(exc), True
        timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - started - spent["detectors"]
        coded_size = (stream.codec_context.width or None, stream.codec_context.height or None)
    if progress.frames_decoded == 0:
        # out of time or unreadable before the first frame is not the content's fault: a plain (uncached) error
        error = MediaScreenError if progress.transient else CorruptMediaError
        raise error(f"no video frame could be {progress.verb} ({progress.error or 'empty stream'}); "
                    f"{progress.verb} to 00:00:00.000 of {duration_text(timing.duration_s)}")
    with timed(timings, "tracking"):
        detections = link_detections(per_frame, max_gap_s=TRACK_GAP_SAMPLES * progress.sample_interval_s)
        if tracked:  # found once per track by the detectors' video sessions
            order = lambda d: (d.time_s, d.kind.value, d.box.x1, d.box.y1)  # noqa: E731 - as link_detections
            detections = tuple(sorted(detections + tracked, key=order))
    width, height = size or coded_size
    media = MediaInfo(
        media_type=MediaType.VIDEO,
        format_name=source.probe.format_name,
        width=width,
        height=height,
        duration_s=None if timing.duration_s is None else round(timing.duration_s, 3),
    )
    return VideoResult(
        media=media,
        detections=detections,
        frames_analysed=len(per_frame),
        decoded_to_s=progress.decoded_to_s,
        sample_interval_s=progress.sample_interval_s,
        scene_changes=progress.scene_changes,
        frames_decoded=progress.frames_decoded,
        seeks=progress.seeks,
        frames_reused=reused,
        analysed_size=analysed_size,
        tracks=tracks,
        error=(error := incomplete_reason(progress, timing)),
        error_will_repeat=error is not None and not progress.transient,
    )


def screen_every_track(
    source: Source,
    detectors: Sequence[Detector],
    options: ScanOptions,
    deadline,
    timings: dict[str, float],
    long_side: int | None = None,
    lanes: DetectorLanes | None = None,
) -> VideoResult:
    """screen_video of the first video stream and then of every other one: a second track (a player can switch to
    it, anyone can extract it) is screened like the first, and its detections say which track they are from
    ("(video track 2)", `"video_track"` in the evidence). The result describes the first track, with every track's
    detections and frames; the first error of any track is the file's."""
    first = screen_video(source, detectors, options, deadline, timings, long_side, lanes)
    detections, frames = list(first.detections), first.frames_analysed
    error, will_repeat = first.error, first.error_will_repeat
    for track in range(1, first.tracks):
        deadline.check(f"video track {track + 1}")
        try:
            other = screen_video(source, detectors, options, deadline, timings, long_side, lanes, track)
        except MediaScreenError as exc:  # the same failure, saying which track
            raise where(exc, f"video track {track + 1}") from exc
        number = track + 1
        detections += [d.seen_in(f"video track {number}", video_track=number) for d in other.detections]
        frames += other.frames_analysed
        if error is None and other.error is not None:
            error, will_repeat = f"video track {number}: {other.error}", other.error_will_repeat
    return dataclasses.replace(first, detections=tuple(detections), frames_analysed=frames, error=error,
                               error_will_repeat=will_repeat)


def _screen_samples(container, stream, timing, detectors, options, deadline, timings, progress, long_side, lanes, spent):
    """Run every detector on every sampled frame that changed: (time, detections) per frame, the upright
    frame size, how many frames reused the detections of the last analysed one (video/frame_change.py), and the
    size the detectors saw (the published size, `long_side`); and the detections made once per tracked object
    by detectors with a video session (base.VideoSession: protected faces), already spanning their tracks.

    Running out of time ends the loop like a decoding error: what was analysed is kept. `spent["detectors"]`
    adds up the wall time of the detectors' runs (the rest of the loop is decoding).
    """
    per_frame: list[tuple[float, tuple[Detection, ...]]] = []
    size = analysed_size = None
    samples = sample_frames(container, stream, timing, options.sample_every_s, options.max_frames,
                            deadline.check, progress)
    gate = ChangeGate()
    sessions: dict[str, VideoSession] | None = None  # made at the first sample, once the interval is known
    try:
        for sample in samples:
            if sessions is None:
                sessions = _video_sessions(detectors, TRACK_GAP_SAMPLES * progress.sample_interval_s)
            frame, size = upright_frame(sample, long_side), upright_size(sample.frame)
            analysed_size = (frame.width, frame.height)
            earlier = gate.reusable(frame.pixels, sample.time_s) if options.reuse_unchanged_frames else None
            if earlier is not None:  # the picture has not changed since the detectors last ran
                per_frame.append((sample.time_s, earlier))
                for session in sessions.values():
                    session.repeat(sample.time_s)
                continue
            with timed(spent, "detectors"):
                found = lanes.run(detectors, lambda d: sessions[d.name].observe(frame) if d.name in sessions
                                  else d.detect(frame), deadline.check, timings)
            found = to_original(found, analysed_size, size)
            per_frame.append((sample.time_s, tuple(at_time(d, sample.time_s) for d in found)))
            gate.remember(sample.time_s, per_frame[-1][1])
    except AnalysisTimeoutError as exc:  # keep what was found; the report says how far it got
        progress.error, progress.transient = str(exc), True
    tracked: list[Detection] = []
    try:
        for name, session in (sessions or {}).items():
            with timed(timings, name), timed(spent, "detectors"):
                tracked.extend(session.finish(deadline.check))
    except AnalysisTimeoutError as exc:  # the file is ERROR (partial), as for a time-out in the loop
        progress.error, progress.transient = str(exc), True
    return per_frame, size, gate.reused, analysed_size, tuple(to_original(tracked, analysed_size, size))


def _video_sessions(detectors: Sequence[Detector], max_gap_s: float) -> dict[str, VideoSession]:
    """The per-video state of every detector that decides once per tracked object."""
    sessions = {}
    for detector in detectors:
        session = detector.video_session(max_gap_s) if hasattr(detector, "video_session") else None
        if session is not None:
            sessions[detector.name] = session
    return sessions


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def at_time(detection: Detection, time_s: float) -> Detection:
    """A detection of the frame shown at `time_s`: first and last seen then."""
    return dataclasses.replace(detection, time_s=round(time_s, 3), end_s=round(time_s, 3))
