"""Pictures for the HTML report: a small thumbnail with the detections drawn, and evidence crops.

The file is decoded again at report time, at reduced size (JPEG draft mode; one frame per
wanted time for video), so no pixels are kept between the scan and the report and memory
stays bounded. A file whose content changed since the scan (different sha256) gets no
pictures: its boxes would be drawn on the wrong image. Labels use DejaVu Sans, Latin subset, shipped
in media_screen/assets/fonts (never downloaded), or Pillow's built-in font.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import functools
import io
import multiprocessing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from media_screen.config import Profile
from media_screen.errors import MediaScreenError
from media_screen.inputs.source import Source
from media_screen.inputs.still import open_still
from media_screen.model import Audience, Detection, FileReport, MediaType, Severity
from media_screen.report import codec  # noqa: F401  (lets profiles and reports be pickled to the picture processes)
from media_screen.sanitize import clean_text

THUMB_SIDE = 360
CROP_SIDE = 160
WORK_SIDE = 1280  # decode at about this size; crops are cut from it
MAX_CROPS = 8
MAX_VIDEO_TIMES = 4  # distinct frame times decoded per video
JPEG_QUALITY = 72

SEVERITY_COLOUR = {
    Severity.BLOCK: (220, 30, 40),
    Severity.PERMISSION: (200, 40, 200),
    Severity.REVIEW: (240, 150, 0),
    Severity.INFO: (40, 170, 90),
}


@dataclass(frozen=True)
class Crop:
    detection: Detection
    jpeg: bytes


@dataclass(frozen=True)
class Pictures:
    thumbnail: bytes | None  # JPEG
    crops: tuple[Crop, ...] = ()
    frame_time_s: float | None = None  # video: when the thumbnail frame is
    problem: str | None = None  # why there is no thumbnail


LABEL_FONT = "assets/fonts/DejaVuSans.ttf"  # Latin subset of matplotlib's copy; licence in LICENSE_DEJAVU


@functools.cache
def label_font(size: int = 14) -> ImageFont.ImageFont:
    try:
        font_file = resources.files("media_screen").joinpath(LABEL_FONT)
        with resources.as_file(font_file) as path:
            return ImageFont.truetype(str(path), size)
    except (FileNotFoundError, OSError):
        return ImageFont.load_default(size)


def severity_of(detection: Detection, profile: Profile, audience: Audience) -> Severity:
    rule = profile.rules.get(profile.detection_rules.get(detection.kind.value, ""))
    return rule.severity[audience] if rule else Severity.INFO


def counted(report: FileReport, profile: Profile) -> list[Detection]:
    """The detections the policy counted (at or above their kind's threshold), most severe kinds first."""
    return [d for d in report.detections if d.score >= profile.threshold(d.kind.value)]


def render_pictures(report: FileReport, profile: Profile, audience: Audience) -> Pictures:
    """Thumbnail and crops for one report; never raises for a bad or vanished file."""
    if report.media is None or report.sha256 is None:
        return Pictures(None, problem="no picture: the file was not decoded")
    try:
        with Source.open(Path(report.path)) as source:  # the pictures come from the bytes whose hash matched
            if source.sha256 != report.sha256:
                return Pictures(None, problem="no picture: the file changed since it was scanned")
            detections = sorted((d for d in counted(report, profile) if _drawn_here(d)),
                                key=lambda d: -severity_of(d, profile, audience))
            if report.media.media_type == MediaType.VIDEO:
                times = sorted({_time(d) for d in detections})[:MAX_VIDEO_TIMES] or [0.0]
                return _sequence_pictures(_video_frames(source, times), detections, _time, _visible_at,
                                          profile, audience, timed=True)
            if report.media.duration_s is not None:  # an animated PNG or WebP: each detection on its own frame
                times = sorted({_time(d) for d in detections})[:MAX_VIDEO_TIMES] or [0.0]
                return _sequence_pictures(_animation_frames(source, times, profile), detections, _time, _visible_at,
                                          profile, audience, timed=True)
            if report.media.media_type == MediaType.TIFF and (report.frames_analysed or 1) > 1:  # on its own page
                pages = sorted({_page(d) for d in detections})[:MAX_VIDEO_TIMES] or [1]
                return _sequence_pictures(_tiff_pages(source, pages, profile), detections, _page,
                                          lambda d, page: _page(d) == page, profile, audience, timed=False)
            image, scale = _still_image(source, report, profile)
            return _pictures(image, scale, detections, profile, audience, None)
    except (MediaScreenError, OSError, ValueError, ImportError) as exc:
        return Pictures(None, problem=f"no picture: {clean_text(exc, 200)}")


def iter_pictures(
    reports: Sequence[FileReport], profile: Profile, audience: Audience, jobs: int = 1
) -> Iterator[Pictures]:
    """`render_pictures` for each report, in order; with jobs > 1 in that many processes, a bounded window ahead."""
    if jobs <= 1 or len(reports) < 2:
        for report in reports:
            yield render_pictures(report, profile, audience)
        return
    window = 4 * jobs
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        pending: collections.deque = collections.deque()
        for report in reports:
            pending.append(pool.submit(render_pictures, report, profile, audience))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _still_image(source: Source, report: FileReport, profile: Profile) -> tuple[Image.Image, float]:
    with open_still(source, profile.max_image_pixels) as image:
        image.draft("RGB", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((WORK_SIDE, WORK_SIDE))
    width = report.media.width or upright.width
    return upright, upright.width / width


def _sequence_pictures(frames, detections, key, visible, profile, audience, timed: bool) -> Pictures:
    """A video's, an animation's or a TIFF's pictures: the thumbnail is the first wanted frame (or page) with what
    is visible in it; every other detection is cropped from its own frame. `frames`: key -> (image, scale)."""
    if not frames:
        return Pictures(None, problem="no picture: no frame could be decoded")
    shown = min(frames)
    image, scale = frames[shown]
    in_frame = [d for d in detections if visible(d, shown)]
    pictures = _pictures(image, scale, in_frame, profile, audience, shown if timed else None)
    crops = list(pictures.crops)
    for at in sorted(frames):
        if at == shown:
            continue
        other, other_scale = frames[at]
        crops += [Crop(d, _crop(other, other_scale, d)) for d in detections if key(d) == at]
    return Pictures(pictures.thumbnail, tuple(crops[:MAX_CROPS]), shown if timed else None)


def _drawn_here(detection: Detection) -> bool:
    """Whether a detection is in the picture these thumbnails are made from: not one of a motion photo's hidden
    video, nor of a later video track (their findings are listed, with no picture)."""
    return not detection.evidence.get("embedded_video") and detection.evidence.get("video_track", 1) == 1


def _time(detection: Detection) -> float:
    return detection.time_s or 0.0


def _page(detection: Detection) -> int:
    page = detection.evidence.get("page", 1)
    return page if isinstance(page, int) else 1


def _reduced(rgb: Image.Image) -> tuple[Image.Image, float]:
    """`rgb` reduced to WORK_SIDE, and the scale from its full size."""
    full_width = rgb.width
    rgb.thumbnail((WORK_SIDE, WORK_SIDE))
    return rgb, rgb.width / full_width


def _animation_frames(source: Source, times: list[float], profile: Profile) -> dict[float, tuple[Image.Image, float]]:
    """The frame of an animated PNG or WebP shown at each time."""
    from media_screen.inputs.frames import animation_frames

    found: dict[float, tuple[Image.Image, float]] = {}
    _, _, frames = animation_frames(source, profile.max_image_pixels)
    with contextlib.closing(frames):
        for start, end, frame in frames:
            for wanted in times:
                if wanted not in found and start - 1e-3 <= wanted < max(end, start + 2e-3) - 1e-3:  # shown then
                    found[wanted] = _reduced(Image.fromarray(np.ascontiguousarray(frame.pixels[:, :, ::-1])))
            if len(found) == len(times):
                break
    return found


def _tiff_pages(source: Source, pages: list[int], profile: Profile) -> dict[int, tuple[Image.Image, float]]:
    """The wanted pages (1-based) of a TIFF."""
    from media_screen.inputs.frames import tiff_pages

    found: dict[int, tuple[Image.Image, float]] = {}
    _, _, shown = tiff_pages(source, profile.max_image_pixels)
    with contextlib.closing(shown):
        for frame, _ in shown:
            if frame.index + 1 in pages:
                found[frame.index + 1] = _reduced(Image.fromarray(np.ascontiguousarray(frame.pixels[:, :, ::-1])))
            if len(found) == len(pages):
                break
    return found


def _visible_at(detection: Detection, time_s: float) -> bool:
    start = detection.time_s or 0.0
    end = detection.end_s if detection.end_s is not None else start
    return start <= time_s <= end


def _video_frames(source: Source, times: list[float]) -> dict[float, tuple[Image.Image, float]]:
    """Upright frames at (or just after) each time, reduced to WORK_SIDE; scale = reduced / upright width."""
    import av

    try:
        from media_screen.video.orientation import display_matrix, upright
    except ImportError:  # video support not installed: frames stay as stored
        display_matrix, upright = (lambda frame: None), (lambda pixels, matrix: pixels)
    frames: dict[float, tuple[Image.Image, float]] = {}
    with av.open(source.reader()) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        start = stream.start_time or 0
        for wanted in times:
            container.seek(start + int(wanted / time_base), stream=stream, backward=True, any_frame=False)
            for decoded, frame in enumerate(container.decode(stream)):
                at = float((frame.pts - start) * time_base) if frame.pts is not None else wanted
                if at + 1e-3 >= wanted or decoded > 600:
                    frames[wanted] = _reduced(Image.fromarray(upright(frame.to_ndarray(format="rgb24"),
                                                                      display_matrix(frame))))
                    break
    return frames


def _pictures(image, scale, detections, profile, audience, frame_time_s) -> Pictures:
    crops = tuple(Crop(d, _crop(image, scale, d)) for d in detections[:MAX_CROPS])
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    factor = scale * thumb.width / image.width
    draw = ImageDraw.Draw(thumb)
    font = label_font(12)
    for detection in reversed(detections):  # most severe drawn last, on top
        colour = SEVERITY_COLOUR[severity_of(detection, profile, audience)]
        box = detection.box
        x1, y1, x2, y2 = (v * factor for v in (box.x1, box.y1, box.x2, box.y2))
        draw.rectangle((x1, y1, max(x1 + 1, x2), max(y1 + 1, y2)), outline=colour, width=2)
        text = clean_text(f"{detection.label} {detection.score:.2f}", 40)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        ty = y1 - (bottom - top) - 4 if y1 - (bottom - top) - 4 >= 0 else y2 + 1
        draw.rectangle((x1, ty, x1 + right - left + 4, ty + bottom - top + 4), fill=colour)
        draw.text((x1 + 2 - left, ty + 2 - top), text, fill=(255, 255, 255), font=font)
    return Pictures(_jpeg(thumb), crops, frame_time_s)


def _crop(image: Image.Image, scale: float, detection: Detection) -> bytes:
    box = detection.box.scaled(1.2)
    region = tuple(int(round(v * scale)) for v in (box.x1, box.y1, box.x2, box.y2))
    x1, y1 = max(0, region[0]), max(0, region[1])
    x2, y2 = min(image.width, max(x1 + 1, region[2])), min(image.height, max(y1 + 1, region[3]))
    crop = image.crop((x1, y1, x2, y2))
    crop.thumbnail((CROP_SIDE, CROP_SIDE))
    return _jpeg(crop)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()
