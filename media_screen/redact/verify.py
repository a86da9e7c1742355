"""Prove a copy is clean: scan it again and list what it still gives away.

A copy fails when the re-scan cannot complete, when it still carries a GPS
position or GPS block, a location track, a thumbnail, a device serial, an
owner name, a free-text metadata field or a place written as text (except an
EXIF Copyright that `--keep-metadata copyright` kept), or when a detector
still finds a selected object at or above the policy threshold (the full
threshold, not the lower one used to draw masks).

Only the last kind of problem can be mended by the redactor: the objects the re-scan
still finds (`CopyCheck.missed`) are masked in the next round (redactor.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from media_screen.config import Profile
from media_screen.model import Detection, FactKind, FileReport
from media_screen.policy import format_time
from media_screen.redact.options import KeepMetadata, RedactOptions
from media_screen.sanitize import clean_text

_FORBIDDEN_FACTS = {
    FactKind.GPS: "a GPS tag",
    FactKind.GPS_INVALID: "a GPS block",
    FactKind.LOCATION_TRACK: "a location track",
    FactKind.THUMBNAIL: "a thumbnail",
    FactKind.EMBEDDED_VIDEO: "an embedded video (motion photo)",
    FactKind.AUDIO: "a sound track",
    FactKind.DEVICE_SERIAL: "a device serial number",
    FactKind.OWNER_NAME: "an owner name",
    FactKind.TEXT: "a metadata text field",
    FactKind.PLACE_TEXT: "a place name or address",
    FactKind.PLACE_SENSITIVE: "a place name or address",
    FactKind.CREDENTIALS: "a Content Credentials (C2PA) manifest",
    FactKind.CREDENTIAL_IDENTITY: "a Content Credentials identity",
}


@dataclass(frozen=True)
class CopyCheck:
    """What the re-scan of a copy says: why the copy is not clean, and the selected objects it still shows."""

    problems: tuple[str, ...]
    missed: tuple[Detection, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.problems

    @property
    def maskable(self) -> bool:
        """True when every problem is an object still seen: masking those may give a clean copy."""
        return bool(self.missed) and len(self.problems) == len(self.missed)


def remaining_problems(rescan: FileReport, options: RedactOptions, profile: Profile) -> tuple[str, ...]:
    """Why the copy is not clean; () when it is."""
    return check_copy(rescan, options, profile).problems


def check_copy(rescan: FileReport, options: RedactOptions, profile: Profile) -> CopyCheck:
    """The re-scan of a copy judged: its problems, and which of them are selected objects still found."""
    if rescan.error:
        return CopyCheck((f"the copy could not be re-scanned: {clean_text(rescan.error, 300)}",))
    problems = []
    metadata = rescan.metadata
    if metadata.location is not None:
        problems.append(f"still carries a GPS position ({clean_text(metadata.location.source)})")
    kept_copyright = options.keeps(KeepMetadata.COPYRIGHT)
    for fact in metadata.facts:
        if kept_copyright and "copyright" in fact.key.lower():
            continue  # asked for with --keep-metadata copyright, although it may name the photographer
        if options.keep_audio and fact.kind == FactKind.AUDIO:
            continue  # asked for with --keep-audio
        if fact.kind in _FORBIDDEN_FACTS:
            problems.append(f"still carries {_FORBIDDEN_FACTS[fact.kind]}: {clean_text(fact.key)}")
    missed = tuple(d for d in rescan.detections if options.selects(d, profile, factor=1.0))
    for detection in missed:
        where = f"box {detection.box.as_list()}"
        if detection.time_s is not None:
            where += f" at {format_time(detection.time_s)}"
        problems.append(
            f"{detection.detector} still finds {detection.kind.value} (score {detection.score:.2f}, {where})"
        )
    return CopyCheck(tuple(problems), missed)
