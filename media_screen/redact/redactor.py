"""Orchestration of `redact`: inputs -> copies under --out -> re-scan -> one RedactionReport each.

Inputs are only ever opened for reading. A copy is written to a hidden file
beside its final path, scanned again, and renamed into place only when the
re-scan is clean; otherwise it is deleted and the report says why.

When the only problem of a re-scan is objects it still finds, the redactor masks them
too (a video: along a track followed from where they were seen) and writes and re-scans
the copy again, up to `RedactOptions.max_rounds` copies in all; the report says how many
rounds it took. The re-scan is as strict in every round: only a clean last copy is kept.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

from media_screen import detectors as registry
from media_screen.config import Profile, ScanOptions
from media_screen.errors import MediaScreenError, UsageError
from media_screen.metadata import read_metadata
from media_screen.model import (
    DetectionKind,
    FactKind,
    MediaType,
    Metadata,
    MetadataFact,
    RedactionReport,
    RedactionStatus,
)
from media_screen.pipeline import Deadline, Screener, reevaluate
from media_screen.redact.options import TARGET_KINDS, KeepMetadata, RedactOptions, RedactTarget, RescanScope
from media_screen.redact.paths import (
    CopyPlan,
    input_identities,
    plan_copies,
    refuse_input_target,
    temporary_beside,
)
from media_screen.redact.verify import check_copy
from media_screen.inputs.source import Source
from media_screen.inputs.frames import frame_count


def scan_detector_kinds(profile: Profile) -> dict[str, frozenset[DetectionKind]]:
    """What each detector a scan runs (not the opt-in ones) reports: a copy is masked where a scan would find
    something, not where a retired model would."""
    return {name: frozenset(registry.detector_class(name).describe(profile).kinds) for name in registry.resolve_names(None)}


def detector_names_for(kinds: frozenset[DetectionKind], profile: Profile) -> tuple[str, ...]:
    """The detectors a scan runs that report at least one of `kinds`."""
    return tuple(name for name, reported in scan_detector_kinds(profile).items() if reported & kinds)


def uncovered_targets(targets: frozenset[RedactTarget], profile: Profile) -> frozenset[RedactTarget]:
    """Selected targets that no detector of a scan reports at all (they can be neither found nor verified)."""
    covered = frozenset().union(*scan_detector_kinds(profile).values())
    return frozenset(target for target in targets if not TARGET_KINDS[target] & covered)


def rescan_names(targets: tuple[str, ...], scope: RescanScope) -> tuple[str, ...]:
    """The detectors a copy is re-scanned with: the redaction's own, and with FULL every one a scan runs too."""
    if scope is RescanScope.TARGETS:
        return targets
    return tuple(dict.fromkeys(registry.resolve_names(None) + targets))


@dataclass
class Redactor:
    """Redacts files one at a time; the detectors load once and serve both redaction and re-scan (which may
    run more of them: `RedactOptions.rescan`)."""

    profile: Profile
    options: RedactOptions
    screener: Screener = field(init=False)
    target_names: tuple[str, ...] = field(init=False)  # the detectors that find what is masked
    unchecked: tuple[str, ...] = field(init=False)  # the detectors a scan would run that the re-scan does not

    def __post_init__(self) -> None:
        self.target_names = detector_names_for(self.options.kinds, self.profile)
        names = rescan_names(self.target_names, self.options.rescan)
        self.screener = Screener(
            self.profile, ScanOptions(audience=self.options.audience, detectors=names, publish=self.options.publish)
        )
        self.unchecked = tuple(name for name in registry.resolve_names(None) if name not in names)

    def detectors(self):
        """The loaded detectors of the redaction's targets (the re-scan's are loaded with them)."""
        return [d for d in self.screener.detectors() if d.name in self.target_names]

    def redact_file(
        self, path: Path, target: Path, inputs: set[Path] | None = None, taken: set[Path] | None = None
    ) -> RedactionReport:
        """Write a clean copy of the file at `path` to `target` (its suffix may change). `inputs`: every input of the
        run, none of which may be overwritten; `taken`: copies already written in this run."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        report = RedactionReport(source=str(path), status=RedactionStatus.FAILED)
        temporary: Path | None = None
        claimed: Path | None = None
        source: Source | None = None
        deadline = Deadline(self.options.file_timeout_s or self.profile.redact_timeout_s, "redaction")
        try:
            source = Source.open(path)  # read once: metadata, every round's decode and the lossless strip
            report = replace(report, source_sha256=source.sha256)
            probe = source.probe
            metadata = read_metadata(source, self.profile)
            report = replace(report, removed_facts=self._removed_facts(metadata))
            missed: tuple = ()  # what the re-scans found, every round's
            plan = None  # a video's tracks / a still's detections, from the first round
            for round_number in range(1, self.options.max_rounds + 1):
                tick = time.perf_counter()
                if probe.media_type == MediaType.VIDEO:
                    from media_screen.redact.video import output_suffix, redact_video

                    if temporary is None:
                        target = target.with_suffix(output_suffix(path))
                        claimed = _claim(target, inputs or {path.resolve()}, taken)
                        temporary = temporary_beside(target)
                    result = redact_video(source, self.detectors(), self.options, self.profile, temporary,
                                          missed, plan, deadline.check)
                    plan = result.plan
                    report = replace(report, frames_total=result.frames_total, frames_unmasked=result.frames_unmasked)
                else:
                    from media_screen.redact.animation import redact_animation
                    from media_screen.redact.still import redact_still

                    animated = frame_count(source, self.profile.max_image_pixels) > 1  # every frame, kept animated
                    result = (redact_animation if animated else redact_still)(
                        source, self.detectors(), self.options, self.profile, missed, plan, deadline.check)
                    plan = result.found
                    if temporary is None:
                        target = target.with_suffix(result.suffix)
                        claimed = _claim(target, inputs or {path.resolve()}, taken)
                        temporary = temporary_beside(target)
                    temporary.write_bytes(result.data)
                timings["redact"] = timings.get("redact", 0.0) + time.perf_counter() - tick
                report = replace(report, method=result.method, obscured=result.obscured, removed=result.removed,
                                 kept=result.kept, rounds=round_number)
                tick = time.perf_counter()
                deadline.check(f"round {round_number}, before the re-scan")
                rescan = self.screener.scan_file(temporary, deadline)  # the re-scan spends the same bound
                timings["rescan"] = timings.get("rescan", 0.0) + time.perf_counter() - tick
                rescan = reevaluate(rescan, self.profile, self.screener.options, str(target))  # judged by its name
                check = check_copy(rescan, self.options, self.profile)
                problems = check.problems
                if report.frames_unmasked:
                    problems += (f"coverage check: {report.frames_unmasked} frame(s) showed a tracked object unmasked",)
                report = replace(report, rescan=rescan, rescan_detectors=self.screener.detector_names,
                                 rescan_unchecked=self.unchecked, problems=problems)
                if not problems or not check.maskable or report.frames_unmasked:
                    break
                missed += check.missed  # masked in the next round
            if problems:
                if check.maskable and not report.frames_unmasked:
                    problems += (f"still found after {report.rounds} round(s) of masking and re-scanning",)
                return self._finish(replace(report, problems=problems), timings, started)
            os.replace(temporary, target)
            temporary = claimed = None
            if taken is not None:
                taken.add(target.resolve())
            return self._finish(replace(report, status=RedactionStatus.WRITTEN, output=str(target)), timings, started)
        except MediaScreenError as exc:
            return self._finish(replace(report, problems=(str(exc),)), timings, started)
        except OSError as exc:
            return self._finish(replace(report, problems=(f"cannot read or write: {exc.strerror or exc}",)), timings,
                                started)
        except Exception as exc:  # noqa: BLE001 - fail closed: one hostile file fails alone, the batch goes on
            problem = f"redaction failed: {type(exc).__name__}: {exc}"
            return self._finish(replace(report, problems=(problem,)), timings, started)
        finally:
            if source is not None:
                source.close()
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            if claimed is not None:  # no stale copy from an earlier run may pass for this run's result
                claimed.unlink(missing_ok=True)

    def _removed_facts(self, metadata: Metadata) -> tuple[MetadataFact, ...]:
        kept_kinds = {FactKind.CAPTURE_TIME} if self.options.keeps(KeepMetadata.EXIF_DATETIME) else set()
        facts = [f for f in metadata.facts if f.kind not in kept_kinds]
        location = metadata.location
        if location is not None and not any(f.kind == FactKind.GPS for f in facts):
            facts.insert(0, MetadataFact(FactKind.GPS, "location", f"{location.lat:.6f}, {location.lon:.6f}",
                                         location.source))
        return tuple(facts)

    @staticmethod
    def _finish(report: RedactionReport, timings: dict[str, float], started: float) -> RedactionReport:
        timings["total"] = time.perf_counter() - started
        return replace(report, timings={k: round(v, 4) for k, v in timings.items()})


def _claim(target: Path, inputs: set[Path], taken: set[Path] | None) -> Path:
    refuse_input_target(target, inputs)
    if taken is not None and target.resolve() in taken:
        raise UsageError(f"another input was already copied to {target}")
    return target


def redact_paths(
    paths: Iterable[Path], out: Path, profile: Profile, options: RedactOptions, plan: CopyPlan | None = None
) -> Iterator[RedactionReport]:
    """Redact every file under `paths` into `out`, one report per file. Raises UsageError before any
    file is read when `out` is unsafe, and ModelUnavailableError when a needed detector cannot load.
    `plan`: `plan_copies(paths, out, options.include_hidden)` made already (the CLI counts the copies first)."""
    paths = list(paths)
    copies = (plan_copies(paths, out, options.include_hidden) if plan is None else plan).copies
    inputs = input_identities(paths, copies)
    redactor = Redactor(profile, options)
    redactor.detectors()
    written: set[Path] = set()
    for copy in copies:
        yield redactor.redact_file(copy.source, copy.target, inputs, written)
