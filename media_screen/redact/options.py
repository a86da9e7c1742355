"""What `redact` may do, bundled once into one immutable object."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from media_screen.config import Profile, PublishTarget
from media_screen.model import Audience, Detection, DetectionKind


class RedactTarget(str, enum.Enum):
    """What the user asks to obscure (`--what`)."""

    FACES = "faces"
    INSIGNIA = "insignia"
    POLICE_VEHICLE = "police_vehicle"
    OFFICERS = "officers"  # uniformed police officers: the whole person, as a vehicle is masked whole
    TEXT = "text"
    PLATES = "plates"
    EXPLICIT = "explicit"
    PROTECTED = "protected"  # only faces recognised from the protected-faces watchlist


# Detection kinds each target covers. Generic `text` (ordinary legible text) is left alone:
# only text the policy cares about is obscured.
TARGET_KINDS: dict[RedactTarget, frozenset[DetectionKind]] = {
    RedactTarget.FACES: frozenset({DetectionKind.FACE}),
    RedactTarget.INSIGNIA: frozenset({DetectionKind.INSIGNIA, DetectionKind.BADGE, DetectionKind.PATCH}),
    RedactTarget.POLICE_VEHICLE: frozenset({DetectionKind.POLICE_VEHICLE, DetectionKind.LIGHT_BAR}),
    RedactTarget.OFFICERS: frozenset({DetectionKind.POLICE_OFFICER, DetectionKind.UNIFORM,
                                      DetectionKind.PERSON_IN_POLICE_SCENE}),
    RedactTarget.TEXT: frozenset(
        {
            DetectionKind.POLICE_TEXT,
            DetectionKind.IDENTIFYING_TEXT,
            DetectionKind.INVESTIGATION_TEXT,
            DetectionKind.CONFIDENTIAL_TEXT,
            DetectionKind.INTERNAL_TEXT,
            DetectionKind.DEROGATORY_TEXT,
        }
    ),
    RedactTarget.PLATES: frozenset({DetectionKind.PLATE}),
    RedactTarget.EXPLICIT: frozenset({DetectionKind.EXPLICIT}),
    RedactTarget.PROTECTED: frozenset({DetectionKind.PROTECTED_PERSON}),
}


class RescanScope(str, enum.Enum):
    """What each copy is re-scanned for (`--rescan`)."""

    FULL = "full"  # everything a scan looks for: the copy's verdict is the one `scan` would give it
    TARGETS = "targets"  # only what the redaction masks: faster, but the copy's verdict covers only that


class RedactStyle(str, enum.Enum):
    """How a region is made unreadable (`--style`). Each is irreversible; see redact/regions.py."""

    FILL = "fill"
    PIXELATE = "pixelate"
    BLUR = "blur"


class KeepMetadata(str, enum.Enum):
    """The only metadata `--keep-metadata` may keep; everything else is always dropped."""

    ICC = "icc"  # colour profile (kept by default: without it colours shift)
    EXIF_DATETIME = "exif-datetime"  # EXIF DateTimeOriginal / DateTime
    COPYRIGHT = "copyright"  # EXIF Copyright
    NONE = "none"  # keep nothing, not even the colour profile


DEFAULT_KEEP = frozenset({KeepMetadata.ICC})

# Redaction obscures detections down to this fraction of the policy threshold: a mask too many
# costs a little picture, a mask too few leaks a face. Re-verification uses the full threshold.
REDACT_THRESHOLD_FACTOR = 0.7
# After obscuring, what a detector still finds at this fraction of the threshold is filled: just under
# the full threshold of the re-scan, so re-encoding noise cannot lift it over.
CHECK_THRESHOLD_FACTOR = 0.9


@dataclass(frozen=True)
class RedactOptions:
    """Everything one `redact` run needs to know."""

    targets: frozenset[RedactTarget] = frozenset(RedactTarget)
    style: RedactStyle | None = None  # None: fill for covert, pixelate otherwise
    audience: Audience = Audience.PERSONAL
    keep_metadata: frozenset[KeepMetadata] = DEFAULT_KEEP
    keep_audio: bool = False
    include_hidden: bool = False
    detect_every: int = 5  # video: run detectors on every n-th frame, track and interpolate between
    face_scale: float = 1.3  # face ellipse: box sides times this
    margin: float = 0.15  # text, insignia, boxes: grow each side by this fraction of the region
    margin_px: int = 4  # ... and by at least this many pixels
    jpeg_quality: int = 92
    max_rounds: int = 3  # mask what the re-scan still finds and re-scan, at most this many times in all
    # Copies are written, and re-scanned, at this platform's size (smaller media keep theirs); None: the
    # profile's default; FULL: the original size. Fewer pixels also weaken the sensor-noise fingerprint.
    publish: PublishTarget | None = None
    # What each copy is re-scanned for. The copy is kept when nothing it was redacted for is left; with FULL its
    # report also says what else it still shows that no redaction target masks (a weapon, a crime scene).
    rescan: RescanScope = RescanScope.FULL
    # Seconds allowed per file for every round, its re-scan and, for video, every frame; None: the profile's
    # limits.redact_timeout_s. A file past it FAILS (exit 3), with no copy.
    file_timeout_s: float | None = None

    def __post_init__(self) -> None:
        # library callers may pass plain strings; the fields always hold enums
        if self.publish is not None:
            object.__setattr__(self, "publish", PublishTarget(self.publish))
        object.__setattr__(self, "targets", frozenset(RedactTarget(t) for t in self.targets))
        object.__setattr__(self, "keep_metadata", frozenset(KeepMetadata(k) for k in self.keep_metadata))
        object.__setattr__(self, "audience", Audience(self.audience))
        object.__setattr__(self, "rescan", RescanScope(self.rescan))
        if self.style is not None:
            object.__setattr__(self, "style", RedactStyle(self.style))
        if self.detect_every < 1:
            raise ValueError("detect_every must be at least 1")
        if self.max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")
        if self.file_timeout_s is not None and not self.file_timeout_s > 0:
            raise ValueError("--file-timeout must be more than 0 seconds")
        if KeepMetadata.NONE in self.keep_metadata and len(self.keep_metadata) > 1:
            raise ValueError("--keep-metadata none cannot be combined with other values")

    @property
    def effective_style(self) -> RedactStyle:
        if self.style is not None:
            return self.style
        return RedactStyle.FILL if self.audience == Audience.COVERT else RedactStyle.PIXELATE

    @property
    def kinds(self) -> frozenset[DetectionKind]:
        """The detection kinds masked. The people of an officer scene whom the police head did not single out
        are masked for a covert officer only: for anyone else a bystander next to an officer is a bystander."""
        kinds = frozenset().union(*(TARGET_KINDS[t] for t in self.targets))
        return kinds if self.audience == Audience.COVERT else kinds - {DetectionKind.PERSON_IN_POLICE_SCENE}

    def keeps(self, item: KeepMetadata) -> bool:
        return item in self.keep_metadata

    def selects(self, detection: Detection, profile: Profile, factor: float = REDACT_THRESHOLD_FACTOR) -> bool:
        """True when `detection` is of a selected kind and scores at least `factor` x its threshold."""
        return detection.kind in self.kinds and detection.score >= factor * profile.threshold(detection.kind.value)
