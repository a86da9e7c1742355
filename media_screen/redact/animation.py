"""Redact an animated still (animated PNG or WebP): every frame masked, the animation kept.

The detectors run on every frame (an animation's frames are few and short-lived: a frame shown for a tenth of
a second is seen, as the scan sees it, video/animation.py). Each frame is obscured like a still
(regions.obscure_checked), and the copy is encoded as the same kind of animation with the same frame times.
Without anything to obscure in any frame, the copy is the lossless metadata strip (strip.py), which keeps
every frame byte for byte.

A later round (redactor.py) passes the first round's detections, each timed by the frame it was found in
(`earlier`), and what the re-scan of the copy still found (`missed`): a re-scan's detection is tracked over
the frames it was seen in (time_s to end_s) and is obscured in each of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from typing import Sequence

import numpy as np
from PIL import Image

from media_screen.config import Profile
from media_screen.detectors.base import Detector
from media_screen.errors import UnsupportedMediaError
from media_screen.inputs.source import Source
from media_screen.inputs.frames import animation_frames, see_through
from media_screen.inputs.still import open_still
from media_screen.model import Box, Detection, MediaType, ObscuredRegion, RemovedMetadata
from media_screen.pipeline import TimeCheck, no_time_bound
from media_screen.redact.options import CHECK_THRESHOLD_FACTOR, REDACT_THRESHOLD_FACTOR, RedactOptions
from media_screen.redact.regions import Obscured, obscure_checked
from media_screen.redact.still import (
    LOSSLESS, StillResult, detect_selected, kept_names, metadata_params, obscured_region, with_missed,
)
from media_screen.redact.strip import NotLossless, read_kept, strip_lossless
from media_screen.video.screen import at_time
from media_screen.video.tracking import match_cost

MAX_FRAMES = 1000  # frames redacted at most; a longer animation is refused (no copy)
_SAME_TIME_S = 0.0005  # a detection's time and a frame's start, both rounded to the millisecond


def redact_animation(
    source: Source,
    detectors: Sequence[Detector],
    options: RedactOptions,
    profile: Profile,
    missed: Sequence[Detection] = (),
    earlier: Sequence[Detection] | None = None,
    check_time: TimeCheck = no_time_bound,
) -> StillResult:
    """`check_time(stage)` raises when the file's time bound has passed; it is called before each frame."""
    probe, suffix = source.probe, source.path.suffix
    long_side = profile.publish_long_side(options.publish)
    media, count, frames = animation_frames(source, profile.max_image_pixels, long_side)
    if count > MAX_FRAMES:
        frames.close()
        raise UnsupportedMediaError(f"animation of {count} frames: at most {MAX_FRAMES} are redacted")

    def detect(pixels: np.ndarray, factor: float = REDACT_THRESHOLD_FACTOR) -> list[Detection]:
        return detect_selected(detectors, pixels, options, profile, check_time, factor)

    found: list[Detection] = []  # every frame's own detections, timed by the frame
    shown: list[tuple[np.ndarray, float]] = []  # each frame's obscured pixels and how long it is shown
    done: list[tuple[int, float, Obscured]] = []  # (frame, its time, what was obscured there)
    size = (media.width, media.height)
    with contextlib.closing(frames):
        for start, end, frame in frames:
            check_time(f"frame {frame.index + 1} of {count}")
            size = (frame.width, frame.height)
            own = [d for d in earlier if abs((d.time_s or 0.0) - start) < _SAME_TIME_S] if earlier is not None \
                else [at_time(d, start) for d in detect(frame.pixels)]
            found += own
            detections = with_missed(own, [d for d in missed if _shown_at(d, start)], options)
            pixels = frame.pixels
            if detections:
                pixels, obscured = obscure_checked(frame.pixels, detections, options,
                                                   lambda p: detect(p, CHECK_THRESHOLD_FACTOR))
                done += [(frame.index, start, o) for o in obscured]
            shown.append((pixels, end - start))
    kept = read_kept(source, options, profile.max_image_pixels)
    resized = size != (media.width, media.height)
    try:
        inventory = strip_lossless(source.bytes(), probe.media_type, kept)
    except NotLossless:
        inventory = None
    if not done and inventory is not None and not resized:
        return StillResult(inventory.data, suffix, LOSSLESS, (), inventory.removed, kept.names(True), tuple(found))
    with open_still(source, profile.max_image_pixels) as image:
        loop = int(image.info.get("loop", 0) or 0)
    data, method = _encode(shown, probe.media_type, kept, loop)
    method += f", {count} frames, detectors on every frame"
    if resized:
        method += f", resized from {media.width}x{media.height} to {size[0]}x{size[1]} (--publish)"
    if see_through(source, profile.max_image_pixels):  # the frames were shown over white; so is the copy
        method += ", see-through pixels flattened onto white"
    if done:
        method += f", {len(done)} region(s) obscured in {len({index for index, _, _ in done})} frame(s)"
    if missed:
        method += f", {len(missed)} found by a re-scan"
    removed = [RemovedMetadata("all metadata", "re-encoded from pixels")]
    if kept.orientation:
        removed.append(RemovedMetadata("EXIF Orientation", f"value {kept.orientation}: rotation baked into the pixels"))
    return StillResult(data, suffix, method, _reported(done, size), tuple(removed), kept_names(kept), tuple(found))


def _shown_at(detection: Detection, start: float) -> bool:
    """Whether a re-scan's detection, tracked from `time_s` to `end_s`, was seen in the frame shown at `start`."""
    if detection.time_s is None:
        return True  # not timed: every frame
    last = detection.end_s if detection.end_s is not None else detection.time_s
    return detection.time_s - _SAME_TIME_S <= start <= last + _SAME_TIME_S


def _encode(shown: list[tuple[np.ndarray, float]], media_type: MediaType, kept, loop: int) -> tuple[bytes, str]:
    """The frames as an animation of the input's kind, each shown as long as before, with only the kept metadata."""
    images = [Image.fromarray(np.ascontiguousarray(pixels[:, :, ::-1])) for pixels, _ in shown]
    params = {**metadata_params(kept), "save_all": True, "append_images": images[1:], "loop": loop,
              "duration": [max(1, round(seconds * 1000)) for _, seconds in shown]}
    if media_type == MediaType.WEBP:
        fmt, method = "WEBP", "re-encoded animated WebP (quality 90)"
        params["quality"] = 90
    else:
        fmt, method = "PNG", "re-encoded animated PNG"
    buffer = io.BytesIO()
    images[0].save(buffer, format=fmt, **params)
    return buffer.getvalue(), method


def _reported(done: list[tuple[int, float, Obscured]], size: tuple[int, int]) -> tuple[ObscuredRegion, ...]:
    """One report line per object: a region in consecutive frames, of the same kind and near enough to be the
    same object by the video tracker's rule (video/tracking.py, match_cost), is one line with its frame range."""
    lines: list[ObscuredRegion] = []
    open_: dict[int, int] = {}  # index in `lines` -> the last frame it was extended to
    line_box: dict[int, Box] = {}  # index in `lines` -> its region's box in that frame
    for index, start, obscured in done:
        region = obscured_region(obscured, *size)
        for line_index, last in list(open_.items()):
            line = lines[line_index]
            same = line.kind == region.kind and match_cost(line_box[line_index], region.box) is not None
            if last == index - 1 and same:
                lines[line_index] = dataclasses.replace(line, last_frame=index, end_s=round(start, 3),
                                                        frames=(line.frames or 1) + 1,
                                                        score=max(line.score, region.score))
                open_[line_index], line_box[line_index] = index, region.box
                break
        else:
            lines.append(ObscuredRegion(region.kind, region.shape, region.box, region.score, region.detector,
                                        region.style, index, index, 1, round(start, 3), round(start, 3)))
            open_[len(lines) - 1], line_box[len(lines) - 1] = index, region.box
    return tuple(lines)
