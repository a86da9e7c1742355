"""The video stream a screen or a redaction reads, its bounds, and whether it was decoded to its end."""

from __future__ import annotations

import av

from media_screen.errors import CorruptMediaError, DecompressionBombError, UnsupportedMediaError
from media_screen.policy import format_time
from media_screen.video.sampling import Progress, StreamTiming

MAX_FRAME_PIXELS = 100_000_000  # refuse larger frames before decoding one (a 16K x 6K frame is 100 MP)
END_TOLERANCE_S = 0.5  # a stream may end this much before its declared duration (plus three frames)
CONTAINER_END_TOLERANCE = 0.05  # of the duration, when only the container (audio included) gives one


def video_streams(container: av.container.InputContainer) -> list:
    """The file's real video streams (cover-art pictures skipped), in file order."""
    return [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]


def video_stream(container: av.container.InputContainer, track: int = 0) -> av.video.stream.VideoStream:
    """The file's first real video stream (`track`: a later one), or UnsupportedMediaError."""
    streams = video_streams(container)
    if not streams:
        raise UnsupportedMediaError("no video stream in the file (audio only, or cover art only)")
    if streams[track].codec_context is None:  # PyAV has no decoder for an unknown (or damaged) codec tag
        raise CorruptMediaError("the video stream's codec is unknown: no decoder for it; decoded to 00:00:00.000")
    return streams[track]


def refuse_huge_frames(stream) -> None:
    width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
    if width * height > MAX_FRAME_PIXELS:
        raise DecompressionBombError(
            f"video frames declare {width}x{height} pixels, over the limit of {MAX_FRAME_PIXELS:,}"
        )


def incomplete_reason(progress: Progress, timing: StreamTiming) -> str | None:
    """Why the analysis is partial, or None when the stream was decoded to (about) its declared end."""
    duration = timing.duration_s
    reached = progress.decoded_to_s or 0.0
    if duration is not None:
        slack = END_TOLERANCE_S + 3 * timing.frame_s
        if not timing.duration_from_stream:
            slack = max(slack, CONTAINER_END_TOLERANCE * duration)
        short = reached < duration - slack
    else:
        short = False
    if not short and progress.error is None:
        return None
    reason = progress.error or "video stream ends early (truncated file?)"
    reached_text = format_time(min(reached, duration or reached))
    return f"{reason}: {progress.verb} to {reached_text} of {duration_text(duration)}"


def duration_text(duration_s: float | None) -> str:
    return format_time(duration_s) if duration_s is not None else "an unknown duration"
