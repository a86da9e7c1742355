"""Redact one still image: obscure the selected regions, leave the metadata behind, encode the copy.

Without anything to obscure, JPEG, PNG and WebP are stripped losslessly (see strip.py);
TIFF and HEIF have no lossless path here and are re-encoded from their pixels.
With regions to obscure, the upright pixels (orientation baked in) are encoded
in the input's format, carrying only the metadata `--keep-metadata` allows.

A later round (redactor.py) passes the detections of the first (`earlier`, not searched for
again) and what the re-scan of the earlier copy still found (`missed`): those are obscured too,
and filled, with the region they lie in, when they lie under an earlier mask (seen through it).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image

from media_screen.config import Profile
from media_screen.detectors.base import Detector
from media_screen.inputs.still import decode_still, has_transparency, open_still
from media_screen.model import Detection, Frame, MediaType, ObscuredRegion, RemovedMetadata
from media_screen.pipeline import TimeCheck, no_time_bound
from media_screen.redact.options import CHECK_THRESHOLD_FACTOR, REDACT_THRESHOLD_FACTOR, RedactOptions
from media_screen.redact.regions import FILL_FLAG, Obscured, obscure_checked, region_for, seen_through
from media_screen.redact.strip import KeptMetadata, NotLossless, Stripped, icc_is_rgb, read_kept, strip_lossless
from media_screen.inputs.source import Probe, Source

LOSSLESS = "lossless metadata strip (image data byte-identical)"


@dataclass(frozen=True)
class StillResult:
    data: bytes
    suffix: str  # the copy's file suffix (an AVIF becomes a PNG)
    method: str
    obscured: tuple[ObscuredRegion, ...]
    removed: tuple[RemovedMetadata, ...]
    kept: tuple[str, ...]
    found: tuple[Detection, ...] = ()  # the detections of the first pass, for a later round


def redact_still(
    source: Source,
    detectors: Sequence[Detector],
    options: RedactOptions,
    profile: Profile,
    missed: Sequence[Detection] = (),
    earlier: Sequence[Detection] | None = None,
    check_time: TimeCheck = no_time_bound,
) -> StillResult:
    """`check_time(stage)` raises when the file's time bound has passed; it is called before each detector run."""
    # the copy is written at the published size (--publish; smaller photos keep theirs)
    probe, suffix = source.probe, source.path.suffix
    frame, media = decode_still(source, profile.max_image_pixels, profile.publish_long_side(options.publish))
    resized = (frame.width, frame.height) != (media.width, media.height)

    def detect(pixels: np.ndarray, factor: float = REDACT_THRESHOLD_FACTOR) -> list[Detection]:
        return detect_selected(detectors, pixels, options, profile, check_time, factor)

    found = tuple(detect(frame.pixels)) if earlier is None else tuple(earlier)
    detections = with_missed(found, missed, options)
    kept = read_kept(source, options, profile.max_image_pixels)
    original = source.bytes()
    try:
        inventory: Stripped | None = strip_lossless(original, probe.media_type, kept)
    except NotLossless:
        inventory = None
    if not detections and inventory is not None and not resized:
        return StillResult(inventory.data, suffix, LOSSLESS, (), inventory.removed, kept.names(True), found)

    def check(pixels: np.ndarray) -> list[Detection]:
        return detect(pixels, CHECK_THRESHOLD_FACTOR)

    def as_encoded(pixels: np.ndarray) -> np.ndarray:  # what the re-scan of the copy will see
        data = encode_still(pixels, probe, kept, options, suffix)[0]
        with Image.open(io.BytesIO(data)) as image:
            return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])

    # also without detections: re-encoding alone can lift a face just under the threshold over it
    pixels, done = obscure_checked(frame.pixels, detections, options, check, view=as_encoded)
    data, suffix, method = encode_still(pixels, probe, kept, options, suffix)
    removed = list(inventory.removed) if inventory else [RemovedMetadata("all metadata", "re-encoded from pixels")]
    if resized:
        method += f", resized from {media.width}x{media.height} to {frame.width}x{frame.height} (--publish)"
    with open_still(source, profile.max_image_pixels) as image:
        if has_transparency(image):  # decode_still showed the picture over white; so does the copy, everywhere
            method += ", see-through pixels flattened onto white"
    if kept.orientation:
        removed.append(RemovedMetadata("EXIF Orientation", f"value {kept.orientation}: rotation baked into the pixels"))
    obscured = tuple(obscured_region(o, pixels.shape[1], pixels.shape[0]) for o in done)
    if done:
        method += f", {len(done)} region(s) obscured ({options.effective_style.value})"
        filled = sum(o.style != options.effective_style for o in done)
        if filled:
            method += f", {filled} filled as a detector still saw them"
    if missed:
        method += f", {len(missed)} found by a re-scan"
    return StillResult(data, suffix, method, obscured, tuple(removed), kept_names(kept), found)


def detect_selected(detectors: Sequence[Detector], pixels: np.ndarray, options: RedactOptions, profile: Profile,
                    check_time: TimeCheck, factor: float = REDACT_THRESHOLD_FACTOR) -> list[Detection]:
    """What the detectors find in a picture that `options` select, from `factor` times their thresholds;
    `check_time` before each detector's run."""
    found = []
    for detector in detectors:
        check_time(detector.name)
        found += [d for d in detector.detect(Frame(pixels=pixels)) if options.selects(d, profile, factor)]
    return found


def metadata_params(kept: KeptMetadata) -> dict:
    """Pillow's save parameters for the metadata a copy keeps: an RGB colour profile and the EXIF allowed."""
    params: dict = {}
    if icc_is_rgb(kept.icc):  # a CMYK profile must not describe RGB pixels
        params["icc_profile"] = kept.icc
    exif = kept.exif_block(with_orientation=False)
    if exif:
        params["exif"] = exif
    return params


def with_missed(found: Sequence[Detection], missed: Sequence[Detection], options: RedactOptions) -> list[Detection]:
    """`found` and `missed` together; a missed object under another's region was seen through that mask, so
    both are marked to be filled."""
    every = list(found)
    fill: set[int] = set()
    for detection in missed:  # in the order the rounds found them
        under = {i for i, d in enumerate(every) if seen_through(region_for(d, options).bounds, detection)}
        fill |= under | ({len(every)} if under else set())
        every.append(detection)
    return [_filled(d) if i in fill else d for i, d in enumerate(every)]


def _filled(detection: Detection) -> Detection:
    return dataclasses.replace(detection, evidence={**detection.evidence, FILL_FLAG: True})


def kept_names(kept: KeptMetadata) -> tuple[str, ...]:
    names = kept.names(with_orientation=False)
    return tuple(n for n in names if n != "ICC profile" or icc_is_rgb(kept.icc))


def obscured_region(done: Obscured, width: int, height: int) -> ObscuredRegion:
    """What the report says was obscured: the region's bounds within the picture (a grown box may reach past it)."""
    d, region = done.detection, done.region
    return ObscuredRegion(d.kind, region.shape.value, region.bounds.clip(width, height), d.score, d.detector,
                          done.style.value)


def encode_still(
    pixels: np.ndarray, probe: Probe, kept: KeptMetadata, options: RedactOptions, suffix: str
) -> tuple[bytes, str, str]:
    """Encode upright BGR pixels in the input's format with only the kept metadata. -> (bytes, suffix, method)."""
    image = Image.fromarray(np.ascontiguousarray(pixels[:, :, ::-1]))
    params = metadata_params(kept)
    media_type = probe.media_type
    if media_type == MediaType.JPEG:
        params["quality"] = options.jpeg_quality
        fmt, method = "JPEG", f"re-encoded JPEG (quality {options.jpeg_quality})"
    elif media_type == MediaType.WEBP:
        fmt, method = "WEBP", "re-encoded WebP (quality 90)"
        params["quality"] = 90
    elif media_type == MediaType.TIFF:
        fmt, method = "TIFF", "re-encoded TIFF (LZW, first page only)"
        params["compression"] = "tiff_lzw"
    elif media_type == MediaType.HEIF and probe.format_name != "AVIF":  # read_kept registered the HEIF plugin
        fmt, method = "HEIF", "re-encoded HEIF (quality 90)"
        params["quality"] = 90
    else:
        if media_type != MediaType.PNG:
            suffix = ".png"  # no AVIF encoder here: the copy is a PNG of the decoded pixels
        fmt, method = "PNG", "re-encoded PNG"
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue(), suffix, method
