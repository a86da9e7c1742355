"""Orchestration only: paths -> files -> one FileReport each.

Every failure of one file becomes an ERROR report for that file (fail closed)
and the batch goes on. Inputs are opened read-only and never written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from media_screen import detectors as registry
from media_screen.inputs.caption import posted_texts
from media_screen.config import Profile, ScanOptions
from media_screen.detectors.base import Detector
from media_screen.detectors.lanes import DetectorLanes
from media_screen.errors import (
    AnalysisTimeoutError,
    CorruptMediaError,
    DecompressionBombError,
    MediaScreenError,
    UnsupportedMediaError,
    where,
)
from media_screen.inputs.walk import collect_inputs, iter_media_paths
from media_screen.inputs.frames import frame_count, page_count, tiff_pages
from media_screen.inputs.still import decode_still_views, only_in_view, verify_still
from media_screen.metadata import read_metadata
from media_screen.model import AnalysedSize, Detection, FileReport, MediaInfo, MediaType, Metadata, Verdict
from media_screen.policy import evaluate, verdict_of
from media_screen.publish import to_original
from media_screen.inputs.source import Source
from media_screen.timing import timed


# Failures that the same bytes give again on any machine (the content's): their reports are cached like any
# result. Time-outs, I/O and permission errors, missing models and crashes are not: the next scan tries again.
CONTENT_ERRORS = (UnsupportedMediaError, CorruptMediaError, DecompressionBombError)
EMBEDDED = "motion photo's video"


class Deadline:
    """A per-file time bound, checked between stages and between video frames."""

    def __init__(self, seconds: float, activity: str = "analysis") -> None:
        self.seconds = seconds
        self.activity = activity
        self.expires = time.monotonic() + seconds

    def check(self, stage: str) -> None:
        if time.monotonic() > self.expires:
            raise AnalysisTimeoutError(f"{self.activity} exceeded {self.seconds:g} s (during {stage})")


TimeCheck = Callable[[str], None]  # Deadline.check: raises once the file's time bound has passed


def no_time_bound(stage: str) -> None:
    """A `Deadline.check` that never expires: library callers that bound time themselves."""


@dataclass
class Screener:
    """Screens files one at a time; loads each detector's model once, on first use."""

    profile: Profile
    options: ScanOptions = ScanOptions()
    lanes: DetectorLanes = field(default_factory=DetectorLanes)  # detectors at a time (a worker's spare cores)
    _detectors: list[Detector] | None = field(default=None, init=False, repr=False)

    @property
    def detector_names(self) -> tuple[str, ...]:
        return registry.resolve_names(self.options.detectors)

    @property
    def long_side(self) -> int | None:
        """Long side of the published size analysed (`--publish`); None: the original size."""
        return self.profile.publish_long_side(self.options.publish)

    def analysed_size(self, width: int, height: int) -> AnalysedSize:
        target = self.options.publish or self.profile.publish_default
        return AnalysedSize(target.value, self.long_side, width, height)

    def detectors(self) -> list[Detector]:
        if self._detectors is None:
            analysed = self.profile.analysed_for(self.options.publish)  # detectors know the size they see
            self._detectors = registry.load_detectors(self.detector_names, analysed, self.lanes)
        return self._detectors

    def scan_file(self, path: Path, deadline: Deadline | None = None) -> FileReport:
        """Read the file once and screen what was read (scan_source); an unreadable file is reported as ERROR.
        `deadline`: a bound already running (a redaction's re-scan); None: the scan's own per-file bound."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        try:
            with timed(timings, "read"):
                source = Source.open(path)
        except Exception as exc:  # noqa: BLE001 - not a regular file, unreadable: that file's ERROR
            reason, will_repeat = _failure(exc)
            return self._report(path, None, None, Metadata(), (), timings, started, reason, will_repeat=will_repeat)
        with source:
            return self.scan_source(source, timings, started, deadline)

    def scan_source(
        self, source: Source, timings: dict[str, float] | None = None, started: float | None = None,
        deadline: Deadline | None = None,
    ) -> FileReport:
        """Screen an input already read: every stage reads the source's bytes, so the report's sha256 is
        that of the bytes analysed."""
        timings = {} if timings is None else timings
        started = time.perf_counter() if started is None else started
        path = source.path
        sha256 = None
        media: MediaInfo | None = None
        metadata = Metadata()
        detections: tuple[Detection, ...] = ()
        frames_analysed = None
        analysed = None
        partial = None  # a video decoded only part of the way: its findings so far, reported as ERROR
        partial_will_repeat = False
        try:
            deadline = deadline or Deadline(self.options.file_timeout_s or self.profile.file_timeout_s)
            with timed(timings, "hash"):
                sha256 = source.sha256
            with timed(timings, "metadata"):
                metadata = read_metadata(source, self.profile)
            deadline.check("metadata")
            if source.probe.media_type == MediaType.VIDEO or self._animated(source):
                media, detections, frames_analysed, partial, partial_will_repeat, analysed = self._scan_sequence(
                    source, deadline, timings
                )
            else:
                media, detections, analysed, frames_analysed = self._scan_still(source, deadline, timings)
            if source.embedded_video is not None and partial is None:  # a motion photo: the video after the picture
                hidden, hidden_frames, partial, partial_will_repeat = self._scan_embedded(source, deadline, timings)
                detections, frames_analysed = (*detections, *hidden), (frames_analysed or 0) + hidden_frames
        except Exception as exc:  # noqa: BLE001 - fail closed: a crash on one hostile file is that file's ERROR
            reason, will_repeat = _failure(exc)
            return self._report(path, sha256, media, metadata, detections, timings, started, reason,
                                will_repeat=will_repeat)
        return self._report(
            path, sha256, media, metadata, detections, timings, started, partial, frames_analysed, partial_will_repeat,
            analysed,
        )

    def _scan_still(self, source: Source, deadline: Deadline, timings: dict[str, float]):
        """(media, detections, the size analysed, pictures analysed) of a still: a TIFF's every page."""
        if not self.detector_names:  # metadata sweep: prove the file decodes, keep no pixels
            with timed(timings, "decode"):
                return verify_still(source, self.profile.max_image_pixels), (), None, None
        if page_count(source, self.profile.max_image_pixels) > 1:
            return self._scan_pages(source, deadline, timings)
        with timed(timings, "decode"):  # before any model loads: a file that does not decode needs none
            frame, media, views = decode_still_views(source, self.profile.max_image_pixels, self.long_side)
        detections = self.lanes.run(self.detectors(), lambda detector: detector.detect(frame), deadline.check, timings)
        found = to_original(detections, (frame.width, frame.height), (media.width, media.height))
        for name, view in views:  # see-through pixels shown another way: what only that way shows
            seen = self.lanes.run(self.detectors(), lambda detector: detector.detect(view), deadline.check, timings)
            seen = to_original(seen, (view.width, view.height), (media.width, media.height))
            found += only_in_view(seen, found, name)
        return media, found, self.analysed_size(frame.width, frame.height), 1

    def _scan_pages(self, source: Source, deadline: Deadline, timings: dict[str, float]):
        """A TIFF of several pages (a scanned document): every page screened, each detection naming its page."""
        media, count, pages = tiff_pages(source, self.profile.max_image_pixels, self.long_side)
        found: list[Detection] = []
        analysed = None
        with contextlib.closing(pages):
            while True:
                with timed(timings, "decode"):
                    page = next(pages, None)
                if page is None:
                    return media, tuple(found), analysed, count
                frame, size = page
                detections = self.lanes.run(self.detectors(), lambda d: d.detect(frame), deadline.check, timings)
                on_page = to_original(detections, (frame.width, frame.height), size)
                found += [d.seen_in(f"page {frame.index + 1}", page=frame.index + 1) for d in on_page]
                analysed = analysed or self.analysed_size(frame.width, frame.height)

    def _scan_embedded(self, source: Source, deadline: Deadline, timings: dict[str, float]):
        """(detections, frames analysed, error, whether it repeats) of the video hidden in a motion photo, screened
        like any video (a metadata sweep demuxes it); each detection says it is the embedded video's."""
        from media_screen.video.screen import screen_every_track

        with source.part(source.embedded_video.offset) as part:
            try:
                result = screen_every_track(part, self.detectors(), self.options, deadline, timings,
                                            self.long_side, self.lanes)
            except MediaScreenError as exc:  # the same failure, saying where it was
                raise where(exc, EMBEDDED) from exc
        detections = tuple(d.seen_in(EMBEDDED, embedded_video=True) for d in result.detections)
        error = f"{EMBEDDED}: {result.error}" if result.error else None
        return detections, result.frames_analysed, error, result.error_will_repeat

    def _animated(self, source: Source) -> bool:
        """An animated PNG or WebP, screened frame by frame like a video (video/animation.py). A metadata sweep
        screens no frame; it proves that every frame decodes (verify_still)."""
        return bool(self.detector_names) and frame_count(source, self.profile.max_image_pixels) > 1

    def _scan_sequence(self, source: Source, deadline: Deadline, timings: dict[str, float]):
        """A video, or an animated still: every stage's frames in time order."""
        if source.probe.media_type != MediaType.VIDEO:
            from media_screen.video.animation import screen_animation

            result = screen_animation(source, self.profile.max_image_pixels, self.detectors(), self.options,
                                      deadline, timings, self.long_side, self.lanes)
        else:
            from media_screen.video.screen import screen_every_track  # imported only when a video shows up

            result = screen_every_track(source, self.detectors(), self.options, deadline, timings, self.long_side,
                                        self.lanes)
        analysed = self.analysed_size(*result.analysed_size) if result.analysed_size else None
        return (result.media, result.detections, result.frames_analysed, result.error, result.error_will_repeat,
                analysed)

    def _report(
        self, path, sha256, media, metadata, detections, timings, started, error, frames_analysed=None,
        will_repeat=False, analysed=None,
    ) -> FileReport:
        findings = evaluate(metadata, detections, self.options.audience, self.profile, posted_texts(path, self.options))
        timings["total"] = time.perf_counter() - started
        return FileReport(
            path=str(path),
            verdict=verdict_of(findings, error),
            sha256=sha256,
            media=media,
            metadata=metadata,
            findings=findings,
            detections=detections,
            error=error,
            timings={k: round(v, 4) for k, v in timings.items()},
            frames_analysed=frames_analysed,
            analysed=analysed,
            error_will_repeat=bool(error) and will_repeat,
        )


def reevaluate(report: FileReport, profile: Profile, options: ScanOptions, path: str | None = None) -> FileReport:
    """Apply the current policy to what an analysis observed (cached, sent by a worker without findings, or a
    redacted copy re-scanned under a temporary name), for the file at `path` (default: the report's): its name
    and captions are judged with it."""
    findings = evaluate(report.metadata, report.detections, options.audience, profile,
                        posted_texts(path or report.path, options))
    return dataclasses.replace(
        report, path=path or report.path, findings=findings, verdict=verdict_of(findings, report.error)
    )


def _failure(exc: Exception) -> tuple[str, bool]:
    """(the reason reported, whether the same bytes would fail the same way) for a file that failed."""
    if isinstance(exc, MediaScreenError):
        return str(exc), isinstance(exc, CONTENT_ERRORS)
    if isinstance(exc, OSError):
        return f"cannot read file: {exc.strerror or exc}", False
    return f"analysis failed: {type(exc).__name__}: {exc}", False


def scan_paths(paths: Iterable[Path], profile: Profile, options: ScanOptions) -> Iterator[FileReport]:
    """Screen every file under `paths`, in a stable order, one report per file (walked non-media is skipped)."""
    screener = Screener(profile, options)
    screener.detectors()  # a missing model fails the run once, before any file, with what to install
    for path in collect_inputs(paths, options.include_hidden).files:
        yield screener.scan_file(path)


__all__ = ["Screener", "scan_paths", "iter_media_paths", "reevaluate", "Deadline", "TimeCheck", "no_time_bound",
           "Verdict"]
