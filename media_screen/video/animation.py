"""Screen an animated still (animated PNG or WebP): every frame a viewer is shown, not only the first.

A platform plays every frame of an animated PNG or WebP, so a screen of the first frame alone would let the
others through unseen (a CONFIDENTIAL page in the second frame was CLEAR before 2026-12-07). Unlike a
video's, an animation's frames are all screened, not sampled once a second: a frame shown for a tenth of
a second is seen. A frame unchanged since the last screened one reuses its detections
(video/frame_change.py), and detections are linked over time as a video's are (video/tracking.py).

Bounded like a video: at most `max_frames` frames screened (`--max-frames`); frames left unseen past it, or
past the per-file time bound, make the file ERROR with what was found. The frames' pixels together are
bounded when the file is opened (inputs/frames.py, animation_frames).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass, field
from typing import Sequence

from media_screen.config import ScanOptions
from media_screen.detectors.base import Detector
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import AnalysisTimeoutError, CorruptMediaError, MediaScreenError
from media_screen.inputs.source import Source
from media_screen.inputs.frames import animation_frames, see_through
from media_screen.inputs.still import DARK, DARK_VIEW, LIGHT, only_in_view
from media_screen.model import Detection, MediaInfo
from media_screen.publish import to_original
from media_screen.video.frame_change import ChangeGate
from media_screen.video.screen import TRACK_GAP_SAMPLES, VideoResult, at_time
from media_screen.video.tracking import link_detections

MIN_TRACK_GAP_S = 0.1  # frames shown for less still link over this gap


def screen_animation(
    source: Source,
    max_pixels: int,
    detectors: Sequence[Detector],
    options: ScanOptions,
    deadline,
    timings: dict[str, float],
    long_side: int | None = None,
    lanes: DetectorLanes | None = None,
) -> VideoResult:
    """Run the detectors on every frame of an animated still that changed since the last screened one.

    Frames are shown over white; an animation with see-through pixels is screened over black too (a dark theme:
    white words on a see-through background show only there; inputs/still.py). `long_side` and `lanes` as for a
    video (video/screen.py). The result's `error` says how far screening got when a frame did not decode,
    `max_frames` frames were screened before the end, or time ran out.
    """
    lanes = lanes or DetectorLanes()
    started = time.perf_counter()
    light = _Pass.run(source, max_pixels, LIGHT, detectors, options, deadline, timings, long_side, lanes)
    passes = [light]
    if light.error is None and see_through(source, max_pixels):
        dark = _Pass.run(source, max_pixels, DARK, detectors, options, deadline, timings, long_side, lanes)
        passes.append(dark)
        seen = [found for _, found in dark.per_frame]  # the same frames in the same order, as far as it got
        light.per_frame = [(time_s, found + (only_in_view(seen[i], found, DARK_VIEW) if i < len(seen) else ()))
                           for i, (time_s, found) in enumerate(light.per_frame)]
        light.error, light.will_repeat = dark.error, dark.will_repeat
    if not light.per_frame:  # out of time before the first frame is not the content's fault: not cached
        raise (MediaScreenError if light.error and not light.will_repeat else CorruptMediaError)(
            light.error or "animation has no frame")
    timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - started - sum(p.spent for p in passes)
    max_gap_s = TRACK_GAP_SAMPLES * max(light.longest, MIN_TRACK_GAP_S)
    return VideoResult(
        media=dataclasses.replace(light.media, duration_s=round(light.shown_to, 3) if light.error is None else None),
        detections=link_detections(light.per_frame, max_gap_s=max_gap_s),
        frames_analysed=light.screened,
        decoded_to_s=round(light.shown_to, 3),
        sample_interval_s=0.0,
        scene_changes=0,
        frames_decoded=sum(p.decoded for p in passes),
        seeks=0,
        frames_reused=sum(p.reused for p in passes),
        analysed_size=light.analysed_size,
        error=light.error,
        error_will_repeat=light.will_repeat,
    )


@dataclass
class _Pass:
    """One screen of every frame, over one background."""

    media: MediaInfo
    per_frame: list[tuple[float, tuple[Detection, ...]]] = field(default_factory=list)
    screened: int = 0
    decoded: int = 0
    reused: int = 0
    analysed_size: tuple[int, int] | None = None
    error: str | None = None
    will_repeat: bool = False
    longest: float = 0.0  # the longest time between two frames: how far apart a track's sightings may be
    shown_to: float = 0.0  # the end of the last frame decoded
    spent: float = 0.0  # the detectors' wall time

    @classmethod
    def run(cls, source, max_pixels, background, detectors, options, deadline, timings, long_side, lanes) -> "_Pass":
        media, count, frames = animation_frames(source, max_pixels, long_side, background)
        done = cls(media)
        gate = ChangeGate()
        with contextlib.closing(frames):
            try:
                for time_s, end_s, frame in frames:
                    done.decoded += 1
                    done.shown_to = end_s
                    if done.per_frame:
                        done.longest = max(done.longest, time_s - done.per_frame[-1][0])
                    done.analysed_size = (frame.width, frame.height)
                    earlier = gate.reusable(frame.pixels, time_s) if options.reuse_unchanged_frames else None
                    if earlier is not None:
                        done.per_frame.append((time_s, earlier))
                        continue
                    if done.screened == options.max_frames:
                        done.error = (f"animation screened to frame {done.decoded - 1} of {count}: --max-frames "
                                      f"{options.max_frames} frames screened before its end")
                        break
                    deadline.check("animation")
                    run = time.perf_counter()
                    found = lanes.run(detectors, lambda d: d.detect(frame), deadline.check, timings)
                    done.spent += time.perf_counter() - run
                    done.screened += 1
                    found = to_original(found, done.analysed_size, (media.width, media.height))
                    done.per_frame.append((time_s, tuple(at_time(d, time_s) for d in found)))
                    gate.remember(time_s, done.per_frame[-1][1])
            except AnalysisTimeoutError as exc:  # keep what was found; the report says how far it got
                done.error = f"{exc}; animation screened to frame {done.decoded - 1} of {count}"
            except CorruptMediaError as exc:
                done.error, done.will_repeat = f"{exc}; animation screened to frame {done.decoded} of {count}", True
        done.reused = gate.reused
        return done
