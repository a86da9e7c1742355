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
from typing import Sequence

from media_screen.config import ScanOptions
from media_screen.detectors.base import Detector
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import AnalysisTimeoutError, CorruptMediaError, MediaScreenError
from media_screen.inputs.source import Source
from media_screen.inputs.frames import animation_frames
from media_screen.model import Detection
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

    `long_side` and `lanes` as for a video (video/screen.py). The result's `error` says how far screening got
    when a frame did not decode, `max_frames` frames were screened before the end, or time ran out.
    """
    lanes = lanes or DetectorLanes()
    started, spent = time.perf_counter(), 0.0
    media, count, frames = animation_frames(source, max_pixels, long_side)
    per_frame: list[tuple[float, tuple[Detection, ...]]] = []
    gate = ChangeGate()
    screened = decoded = 0
    analysed_size = None
    error, will_repeat = None, False
    longest = 0.0  # the longest time between two frames: how far apart a track's sightings may be
    shown_to = 0.0  # the end of the last frame decoded
    with contextlib.closing(frames):
        try:
            for time_s, end_s, frame in frames:
                decoded += 1
                shown_to = end_s
                if per_frame:
                    longest = max(longest, time_s - per_frame[-1][0])
                analysed_size = (frame.width, frame.height)
                earlier = gate.reusable(frame.pixels, time_s) if options.reuse_unchanged_frames else None
                if earlier is not None:
                    per_frame.append((time_s, earlier))
                    continue
                if screened == options.max_frames:
                    error = (f"animation screened to frame {decoded - 1} of {count}: --max-frames "
                             f"{options.max_frames} frames screened before its end")
                    break
                deadline.check("animation")
                run = time.perf_counter()
                found = lanes.run(detectors, lambda d: d.detect(frame), deadline.check, timings)
                spent += time.perf_counter() - run
                screened += 1
                found = to_original(found, analysed_size, (media.width, media.height))
                per_frame.append((time_s, tuple(at_time(d, time_s) for d in found)))
                gate.remember(time_s, per_frame[-1][1])
        except AnalysisTimeoutError as exc:  # keep what was found; the report says how far it got
            error = f"{exc}; animation screened to frame {decoded - 1} of {count}"
        except CorruptMediaError as exc:
            error, will_repeat = f"{exc}; animation screened to frame {decoded} of {count}", True
    if not per_frame:  # out of time before the first frame is not the content's fault: not cached
        raise (MediaScreenError if error and not will_repeat else CorruptMediaError)(error or "animation has no frame")
    timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - started - spent
    max_gap_s = TRACK_GAP_SAMPLES * max(longest, MIN_TRACK_GAP_S)
    return VideoResult(
        media=dataclasses.replace(media, duration_s=round(shown_to, 3) if error is None else None),
        detections=link_detections(per_frame, max_gap_s=max_gap_s),
        frames_analysed=screened,
        decoded_to_s=round(shown_to, 3),
        sample_interval_s=0.0,
        scene_changes=0,
        frames_decoded=decoded,
        seeks=0,
        frames_reused=gate.reused,
        analysed_size=analysed_size,
        error=error,
        error_will_repeat=will_repeat,
    )
