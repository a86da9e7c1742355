"""The one data model that flows through every stage.

Detectors produce `Detection`s, metadata readers produce `MetadataFact`s and a
`Location`, the policy engine turns both into `Finding`s, and the pipeline wraps
everything in a `FileReport`.  All types are frozen; a backend's own types
(ultralytics results, onnx arrays, OCR tuples) never get past its detector module.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping


class Audience(str, enum.Enum):
    """Who is about to post the media."""

    OFFICIAL = "official"  # the department's own account (PIO)
    PERSONAL = "personal"  # a coworker's personal account
    COVERT = "covert"  # a coworker in covert operations


class Severity(enum.IntEnum):
    """How serious one finding is; ordered."""

    INFO = 0
    REVIEW = 1
    PERMISSION = 2
    BLOCK = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Verdict(enum.IntEnum):
    """Per-file outcome, ordered from harmless to worst. ERROR ranks highest: fail closed."""

    CLEAR = 0
    REVIEW = 1
    PERMISSION_REQUIRED = 2
    DO_NOT_POST = 3
    ERROR = 4

    @classmethod
    def from_severity(cls, severity: Severity) -> "Verdict":
        return _VERDICT_OF_SEVERITY[severity]


_VERDICT_OF_SEVERITY = {
    Severity.INFO: Verdict.CLEAR,
    Severity.REVIEW: Verdict.REVIEW,
    Severity.PERMISSION: Verdict.PERMISSION_REQUIRED,
    Severity.BLOCK: Verdict.DO_NOT_POST,
}


class Section(str, enum.Enum):
    """Sections of General Order 07.08 that a finding can cite."""

    B2 = "B.2"  # department-identifiable items need the Chief's permission
    B3 = "B.3"  # investigation material on personal accounts
    B4 = "B.4 / A.4.c"  # confidential information, photos included
    B5 = "B.5"  # sexual, violent, derogatory material
    B7 = "B.7"  # coworker disciplinary actions and internal investigations
    A4B = "A.4.b"  # official statements about the innocence or guilt of a suspect or arrestee
    B10 = "B.10"  # covert officers: nothing that identifies them as police
    OTHER = "-"  # informational, no section applies


class MediaType(str, enum.Enum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    TIFF = "tiff"
    HEIF = "heif"  # HEIC / HEIF / AVIF (ISO base media, still image)
    VIDEO = "video"


class DetectionKind(str, enum.Enum):
    """What a detector saw. The profile maps kinds to policy categories."""

    FACE = "face"
    POLICE_TEXT = "police_text"  # POLICE, SHERIFF, department name
    IDENTIFYING_TEXT = "identifying_text"  # badge / unit / car numbers, name tapes
    PLATE = "plate"  # licence-plate-like string
    INVESTIGATION_TEXT = "investigation_text"  # EVIDENCE, CRIME SCENE, case numbers
    CONFIDENTIAL_TEXT = "confidential_text"  # CONFIDENTIAL, LES, FOUO
    TEXT = "text"  # any other legible text
    INTERNAL_TEXT = "internal_text"  # INTERNAL AFFAIRS, IA case numbers, letter of reprimand (B.7)
    DEROGATORY_TEXT = "derogatory_text"  # a slur, hate slogan or numeric hate code from the lexicon (B.5)
    GUILT_STATEMENT = "guilt_statement"  # "confessed", "guilty", "the killer" in a caption or description (A.4.b)
    INSIGNIA = "insignia"  # an enrolled department mark (badge, patch, decal, logo)
    HATE_SYMBOL = "hate_symbol"  # an enrolled hate-symbol reference: swastika, SS runes, hate Celtic cross (B.5)
    BADGE = "badge"
    PATCH = "patch"
    UNIFORM = "uniform"
    POLICE_OFFICER = "police_officer"
    # a person in a frame the police head calls an officer scene, not singled out as an officer: no finding of
    # its own (the scene's officer is one); a covert redaction masks it, as it may be one of the officers
    PERSON_IN_POLICE_SCENE = "person_in_police_scene"
    POLICE_VEHICLE = "police_vehicle"
    LIGHT_BAR = "light_bar"
    EXPLICIT = "explicit"
    PROTECTED_PERSON = "protected_person"  # a face recognised as someone on the protected watchlist
    FACE_UNCHECKED = "face_unchecked"  # faces too small to check against the watchlist
    WEAPON = "weapon"  # a handgun, long gun or knife (B.5, violent material)


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in original-image pixels (after orientation): x1, y1 inclusive, x2, y2 exclusive."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        values = (self.x1, self.y1, self.x2, self.y2)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"box has non-finite coordinates: {values}")
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ValueError(f"box corners out of order: {values}")

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    def contains(self, point: tuple[float, float]) -> bool:
        """The point lies in the box (edges included)."""
        return self.x1 <= point[0] <= self.x2 and self.y1 <= point[1] <= self.y2

    def clip(self, width: int, height: int) -> "Box":
        return Box(
            min(max(self.x1, 0.0), width),
            min(max(self.y1, 0.0), height),
            min(max(self.x2, 0.0), width),
            min(max(self.y2, 0.0), height),
        )

    def scaled(self, factor: float) -> "Box":
        """The same centre, each side multiplied by `factor`."""
        cx, cy = self.center
        half_w, half_h = self.width * factor / 2, self.height * factor / 2
        return Box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)

    def intersection(self, other: "Box") -> float:
        """The area the two boxes share (0 when they do not overlap)."""
        ix = max(0.0, min(self.x2, other.x2) - max(self.x1, other.x1))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y1, other.y1))
        return ix * iy

    def iou(self, other: "Box") -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def as_list(self) -> list[float]:
        return [round(self.x1, 1), round(self.y1, 1), round(self.x2, 1), round(self.y2, 1)]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Detection:
    """One thing a detector saw, in one frame or (after tracking) over a time range."""

    kind: DetectionKind
    label: str
    score: float
    box: Box
    detector: str
    time_s: float | None = None  # video: first seen
    end_s: float | None = None  # video: last seen
    evidence: Mapping[str, Any] = field(default_factory=dict)  # e.g. matched reference, text read, cues

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} outside 0..1 from detector {self.detector}")
        object.__setattr__(self, "evidence", _frozen_mapping(self.evidence))

    def seen_in(self, where: str, **evidence: Any) -> "Detection":
        """This detection as found in one part or view of a file: `where` added to its label ("police badge (page
        2)"), `evidence` to its evidence ({"page": 2})."""
        return dataclasses.replace(self, label=f"{self.label} ({where})", evidence={**self.evidence, **evidence})


class FactKind(str, enum.Enum):
    """What a metadata fact is about; the policy reads facts by kind."""

    GPS = "gps"
    GPS_INVALID = "gps_invalid"
    LOCATION_TRACK = "location_track"
    DEVICE_SERIAL = "device_serial"
    OWNER_NAME = "owner_name"
    DEVICE = "device"
    SOFTWARE = "software"
    CAPTURE_TIME = "capture_time"
    THUMBNAIL = "thumbnail"
    EMBEDDED_VIDEO = "embedded_video"  # a video hidden after a still's picture (a motion photo)
    AUDIO = "audio"  # a video's sound track: not screened
    TEXT = "text"  # any other text field (IPTC caption, XMP any namespace, PNG text, QuickTime user data)
    PLACE_TEXT = "place_text"  # a place written as text: IPTC City / Sub-location, XMP Location, a street address
    PLACE_SENSITIVE = "place_sensitive"  # a place text that resolves to a sensitive place of the profile
    CREDENTIALS = "credentials"  # a Content Credentials (C2PA) manifest: claim generator, signer, edit history
    CREDENTIAL_IDENTITY = "credential_identity"  # a creator or organisation named in a C2PA identity assertion


@dataclass(frozen=True)
class MetadataFact:
    """One metadata value and where it was found (e.g. 'EXIF BodySerialNumber', 'XMP exif:GPSLatitude')."""

    kind: FactKind
    key: str
    value: str
    source: str


@dataclass(frozen=True)
class SensitivePlaceHit:
    name: str
    distance_m: float
    radius_m: float


@dataclass(frozen=True)
class Location:
    """A valid GPS position found in the file, with what we know about where it is."""

    lat: float
    lon: float
    source: str
    altitude_m: float | None = None
    gps_time: str | None = None
    place: str | None = None  # nearest populated place, offline reverse geocoding
    sensitive: tuple[SensitivePlaceHit, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """Everything the metadata readers learned about one file."""

    facts: tuple[MetadataFact, ...] = ()
    location: Location | None = None

    def of_kind(self, kind: FactKind) -> tuple[MetadataFact, ...]:
        return tuple(f for f in self.facts if f.kind == kind)


@dataclass(frozen=True)
class MediaInfo:
    media_type: MediaType
    format_name: str  # e.g. "JPEG", "HEIC", "MP4"
    width: int | None = None  # after orientation
    height: int | None = None
    orientation: int | None = None  # EXIF orientation tag, if any
    duration_s: float | None = None


@dataclass(frozen=True)
class AnalysedSize:
    """The picture the detectors saw: the size the platform publishes (`--publish`), never larger than the
    original. Detection boxes are still given in original pixels."""

    publish: str  # "facebook", "instagram", "x" or "full"
    long_side: int | None  # the target's long side; None: the original size
    width: int  # pixels analysed (after orientation)
    height: int


@dataclass(frozen=True)
class Finding:
    """One reason for the verdict, tied to a section of GO 07.08."""

    rule: str
    section: Section
    severity: Severity
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", _frozen_mapping(self.evidence))


@dataclass(frozen=True)
class FileReport:
    """The result for one input file."""

    path: str
    verdict: Verdict
    sha256: str | None = None
    media: MediaInfo | None = None
    metadata: Metadata = Metadata()
    findings: tuple[Finding, ...] = ()
    detections: tuple[Detection, ...] = ()
    error: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    frames_analysed: int | None = None
    analysed: AnalysedSize | None = None  # the size the detectors saw (None: no pixel analysis)
    # The error comes from the content (unsupported, truncated, corrupt, a bomb), so the same bytes fail the
    # same way again and the report is cached like any result; False for time-outs, I/O errors, crashes.
    error_will_repeat: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", _frozen_mapping(self.timings))


@dataclass(frozen=True, eq=False)
class Frame:
    """Pixels handed to detectors: an H x W x 3 uint8 BGR array, orientation already applied."""

    pixels: Any  # numpy.ndarray; typed loosely so this module needs no numpy import
    time_s: float | None = None  # video: presentation time of the frame
    index: int = 0

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


class RedactionStatus(str, enum.Enum):
    """What `redact` did with one input."""

    WRITTEN = "written"  # a cleaned copy was written and re-scanned clean
    FAILED = "failed"  # no copy left behind: unreadable input, or the copy did not re-scan clean


@dataclass(frozen=True)
class ObscuredRegion:
    """One region made unreadable in the copy; for video, over a range of frames."""

    kind: DetectionKind
    shape: str  # "ellipse", "polygon" or "box"
    box: Box  # bounding box of the mask (first frame for video)
    score: float
    detector: str
    style: str = ""  # "fill", "pixelate", "blur"; fill also where a detector still saw the object through another
    first_frame: int | None = None  # video only
    last_frame: int | None = None
    frames: int | None = None  # frames in which the mask was drawn
    time_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True)
class RemovedMetadata:
    """One piece of metadata left out of the copy (a JPEG segment, a PNG chunk, a container atom)."""

    item: str  # e.g. "APP1 Exif", "eXIf chunk", "container tags", "data stream"
    detail: str = ""


@dataclass(frozen=True)
class RedactionReport:
    """The result of redacting one input: where the copy went, what changed, and the re-scan that proves it."""

    source: str
    status: RedactionStatus
    output: str | None = None
    source_sha256: str | None = None  # of the bytes that were redacted (read once; None when they could not be read)
    method: str = ""  # "lossless metadata strip", "re-encoded JPEG", "re-encoded video (libx264)"
    obscured: tuple[ObscuredRegion, ...] = ()
    removed: tuple[RemovedMetadata, ...] = ()
    removed_facts: tuple[MetadataFact, ...] = ()  # what the input's metadata revealed (GPS, serials, ...)
    kept: tuple[str, ...] = ()  # metadata deliberately kept (--keep-metadata)
    problems: tuple[str, ...] = ()  # why the file FAILED
    rescan: FileReport | None = None  # the output scanned again
    rescan_detectors: tuple[str, ...] = ()  # the detectors the re-scan ran
    rescan_unchecked: tuple[str, ...] = ()  # detectors a scan runs that the re-scan did not (--rescan targets)
    frames_total: int | None = None  # video
    frames_unmasked: int | None = None  # video coverage check: frames where a tracked object had no mask
    rounds: int = 0  # copies made and re-scanned: 1 when the first was clean; more when a re-scan found more to mask
    timings: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", _frozen_mapping(self.timings))
