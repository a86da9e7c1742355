"""Options for one run and the department profile (TOML) that holds every rule and threshold."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from media_screen.errors import ProfileError
from media_screen.model import Audience, Section, Severity

DEFAULT_PROFILE_NAME = "default_profile.toml"


class FailOn(str, enum.Enum):
    """Lowest verdict that makes `scan` exit 1."""

    REVIEW = "review"
    PERMISSION = "permission"
    BLOCK = "block"


class PublishTarget(str, enum.Enum):
    """Where the media will be posted (`--publish`): the platform's long side is the size analysed."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    FULL = "full"  # the original size, and the full-resolution search


# Long side each platform serves at most (pixels); a profile's [publish] table may change them.
PUBLISH_LONG_SIDES: Mapping[PublishTarget, int] = MappingProxyType(
    {PublishTarget.FACEBOOK: 2048, PublishTarget.INSTAGRAM: 1080, PublishTarget.X: 4096}
)
DEFAULT_PUBLISH = PublishTarget.FACEBOOK
MIN_PUBLISH_SIDE = 64


@dataclass(frozen=True)
class Rule:
    name: str
    section: Section
    message: str
    severity: Mapping[Audience, Severity]


@dataclass(frozen=True)
class SensitivePlace:
    name: str
    lat: float
    lon: float
    radius_m: float
    address: str = ""  # street address; metadata text naming the same street line is inside the place


@dataclass(frozen=True)
class Approver:
    """Someone whose signed B.2 approvals scans honour: a name and an ed25519 public key."""

    name: str
    key: str  # "ed25519:" + base64 of the 32-byte public key (media_screen.store.keys)


@dataclass(frozen=True)
class Profile:
    """A department profile: rules, thresholds, places and per-detector settings."""

    department: str
    city: str
    rules: Mapping[str, Rule]
    detection_rules: Mapping[str, str]
    thresholds: Mapping[str, float]
    sensitive_places: tuple[SensitivePlace, ...]
    max_image_pixels: int
    file_timeout_s: float
    redact_timeout_s: float  # a redaction's bound per file: every round, its re-scans and, for video, every frame
    base_dir: Path  # relative paths in the profile resolve against this folder
    raw: Mapping[str, Any]  # the whole parsed document, for detector sections
    digest: str  # sha256 of the TOML text; part of cache keys
    approvers: tuple[Approver, ...] = ()  # whose signed approvals are honoured (none listed: no approval is)
    text_field_rules: Mapping[str, str] = field(default_factory=dict)  # kind -> rule for metadata text and captions
    publish_sides: Mapping[PublishTarget, int] = field(default_factory=lambda: PUBLISH_LONG_SIDES)  # [publish]
    publish_default: PublishTarget = DEFAULT_PUBLISH  # the department's default target
    analysed_at: PublishTarget | None = None  # set by a scan (analysed_for); None: pictures as they are

    def publish_long_side(self, target: PublishTarget | None) -> int | None:
        """Long side analysed for `target` (None: the profile's default); None means the original size."""
        target = self.publish_default if target is None else PublishTarget(target)
        return None if target == PublishTarget.FULL else self.publish_sides[target]

    def analysed_for(self, target: PublishTarget | None) -> "Profile":
        """This profile as detectors built for a scan at `target` (None: the default) see it: a detector whose
        settings differ at a platform's size (faces: the legible size) reads `analyses_published_size`."""
        return dataclasses.replace(self, analysed_at=self.publish_default if target is None else PublishTarget(target))

    @property
    def analyses_published_size(self) -> bool:
        """Whether detectors built from this profile see pictures at a platform's size (not the original's)."""
        return self.analysed_at not in (None, PublishTarget.FULL)

    def detector_settings(self, name: str) -> Mapping[str, Any]:
        """The `[detectors.<name>]` table, empty when absent."""
        return MappingProxyType(dict(self.raw.get("detectors", {}).get(name, {})))

    def threshold(self, kind: str) -> float:
        return self.thresholds.get(kind, self.thresholds.get("default", 0.5))

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def resolve_asset(self, relative: str) -> Path:
        """Like resolve(), but a relative file the profile's folder lacks comes from the built-in package
        (an edited copy written by `profile init` keeps using the shipped lexicon until given its own)."""
        return _asset_path(relative, self.base_dir)


class Engine(str, enum.Enum):
    """Where a batch scan screens its files."""

    LOCAL = "local"  # worker processes on this machine (media_screen.batch.scan)
    RAY = "ray"  # Ray actors, on a cluster or a Ray instance started here (media_screen.cluster; `scan --ray`)


@dataclass(frozen=True)
class ClusterOptions:
    """How a scan uses Ray (Engine.RAY). No field changes what a file's analysis observes."""

    address: str | None = None  # None: RAY_ADDRESS if set, else a Ray instance started on this machine
    cpus_per_worker: float | None = None  # CPUs per actor; None: the profile's [cluster] cpus_per_worker, else 1
    ship_bytes: bool = False  # send file contents from this machine, for nodes without the shared mount
    max_in_flight_bytes: int = 256 * 2**20  # with ship_bytes: contents sent and not yet answered, at most


@dataclass(frozen=True)
class ScanOptions:
    """Everything one scan needs to know, bundled once by the CLI (or a library caller)."""

    audience: Audience = Audience.PERSONAL
    caption: str | None = None  # text to be posted with every file, screened with it (besides FILE.caption.txt)
    detectors: tuple[str, ...] | None = None  # None: all registered detectors
    include_hidden: bool = False
    file_timeout_s: float | None = None  # None: the profile's limit
    sample_every_s: float = 1.0  # video
    max_frames: int = 300  # video
    reuse_unchanged_frames: bool = True  # video: a sample unchanged from the last analysed one reuses its results
    publish: PublishTarget | None = None  # analyse at this platform's size; None: the profile's default
    extra: Mapping[str, Any] = field(default_factory=dict)
    engine: Engine = Engine.LOCAL  # batch scans: local worker processes or Ray actors
    cluster: ClusterOptions = ClusterOptions()  # Engine.RAY only


def default_profile_text() -> str:
    return resources.files("media_screen").joinpath(DEFAULT_PROFILE_NAME).read_text("utf-8")


def load_profile(path: Path | None = None) -> Profile:
    """Load a profile from `path`, or the built-in Concord PD profile when None."""
    if path is None:
        text = default_profile_text()
        base_dir = Path(str(resources.files("media_screen")))
        origin = "built-in profile"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ProfileError(f"cannot read profile {path}: {exc.strerror}") from exc
        base_dir = Path(path).resolve().parent
        origin = str(path)
    return parse_profile(text, base_dir, origin)


def parse_profile(text: str, base_dir: Path, origin: str = "profile") -> Profile:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{origin}: {exc}") from exc
    try:
        rules = {name: _parse_rule(name, table) for name, table in doc.get("rules", {}).items()}
        detection_rules = {str(k): str(v) for k, v in doc.get("detection_rules", {}).items()}
        text_field_rules = {str(k): str(v) for k, v in doc.get("text_field_rules", {}).items()}
        for kind, rule in [*detection_rules.items(), *text_field_rules.items()]:
            if rule not in rules:
                raise ProfileError(f"{origin}: detection kind {kind!r} maps to unknown rule {rule!r}")
        places = tuple(
            SensitivePlace(
                str(p["name"]), float(p["lat"]), float(p["lon"]), float(p["radius_m"]), str(p.get("address", ""))
            )
            for p in doc.get("sensitive_places", [])
        )
        lexicon = doc.get("detectors", {}).get("text", {}).get("derogatory_lexicon")
        if lexicon and not _asset_path(str(lexicon), base_dir).is_file():
            raise ProfileError(f"{origin}: derogatory_lexicon {lexicon!r} is not a file (relative to {base_dir})")
        limits = doc.get("limits", {})
        department = doc.get("department", {})
        return Profile(
            department=str(department.get("name", "")),
            city=str(department.get("city", "")),
            rules=MappingProxyType(rules),
            detection_rules=MappingProxyType(detection_rules),
            thresholds=MappingProxyType({k: float(v) for k, v in doc.get("thresholds", {}).items()}),
            sensitive_places=places,
            max_image_pixels=int(limits.get("max_image_pixels", 120_000_000)),
            file_timeout_s=float(limits.get("file_timeout_s", 120)),
            redact_timeout_s=float(limits.get("redact_timeout_s", 1800)),
            base_dir=base_dir,
            raw=MappingProxyType(doc),
            digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            approvers=_parse_approvers(doc.get("approvers", []), origin),
            text_field_rules=MappingProxyType(text_field_rules),
            **_parse_publish(doc.get("publish", {}), origin),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"{origin}: invalid value: {exc}") from exc


def _asset_path(relative: str, base_dir: Path) -> Path:
    path = Path(relative).expanduser()
    if path.is_absolute() or (base_dir / path).is_file():
        return path if path.is_absolute() else base_dir / path
    built_in = Path(str(resources.files("media_screen"))) / path
    return built_in if built_in.is_file() else base_dir / path


def _parse_publish(table: Any, origin: str) -> dict[str, Any]:
    """The [publish] table: a long side per platform and the default target (each optional)."""
    if not isinstance(table, dict):
        raise ProfileError(f"{origin}: [publish] must be a table")
    sides = dict(PUBLISH_LONG_SIDES)
    for key, value in table.items():
        if key == "default":
            continue
        try:
            target = PublishTarget(key)
        except ValueError:
            raise ProfileError(f"{origin}: [publish] {key!r} is no platform; known: facebook, instagram, x") from None
        if target == PublishTarget.FULL or isinstance(value, bool) or not isinstance(value, int):
            raise ProfileError(f"{origin}: [publish] {key} must be a long side in pixels (full is the original size)")
        if value < MIN_PUBLISH_SIDE:
            raise ProfileError(f"{origin}: [publish] {key} = {value}: at least {MIN_PUBLISH_SIDE} pixels")
        sides[target] = value
    try:
        default = PublishTarget(str(table.get("default", DEFAULT_PUBLISH.value)))
    except ValueError:
        known = ", ".join(t.value for t in PublishTarget)
        raise ProfileError(f"{origin}: [publish] default {table.get('default')!r}; choose from {known}") from None
    return {"publish_sides": MappingProxyType(sides), "publish_default": default}


def _parse_approvers(tables: Any, origin: str) -> tuple[Approver, ...]:
    from media_screen.store.keys import public_key_bytes  # no cryptography import: text checks only

    if not isinstance(tables, list):
        raise ProfileError(f"{origin}: [[approvers]] must be an array of tables with name and key")
    approvers: dict[str, Approver] = {}
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict) or not str(table.get("name", "")).strip() or "key" not in table:
            raise ProfileError(f"{origin}: approver {number} needs a name and a key")
        try:
            public_key_bytes(table["key"])
        except ValueError as exc:
            raise ProfileError(f"{origin}: approver {table['name']!r}: {exc}") from None
        if table["key"] in approvers:
            raise ProfileError(f"{origin}: the key of approver {table['name']!r} is listed twice")
        approvers[table["key"]] = Approver(str(table["name"]).strip(), table["key"])
    return tuple(approvers.values())


def _parse_rule(name: str, table: Mapping[str, Any]) -> Rule:
    try:
        section = Section(table["section"])
        severity = {aud: Severity[str(table[aud.value]).upper()] for aud in Audience}
    except KeyError as exc:
        raise ProfileError(f"rule {name!r}: missing or unknown value {exc}") from exc
    except ValueError as exc:
        raise ProfileError(f"rule {name!r}: {exc}") from exc
    return Rule(name, section, str(table.get("message", name)), MappingProxyType(severity))
