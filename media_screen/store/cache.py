"""The result cache: unchanged files are not analysed again.

Two SQLite tables under the user's cache folder:

- `file_hash`: (path, device, inode, size, mtime_ns, ctime_ns) -> sha256, so an untouched file
  is recognised by one stat() instead of reading it;
- `analysis`: (sha256, analysis key) -> what the analysis observed (media info, metadata,
  detections), as lossless JSON.

The analysis key covers everything that changes what is observed: the selected detectors with
their versions, model files, settings and code (the module and the detector modules it imports: the OCR
engine, the text rules ...), the metadata readers' code, the profile tables
they read (sensitive places, limits, thresholds, department), video sampling and the codec.
Policy-only inputs (rules, their severities and messages, the detection -> rule map, the
audience) are not in the key: the policy is re-applied to cached observations, so editing a
rule or switching audience re-uses every cached analysis, and a new model version invalidates
only the scans that ran that model. An ERROR the content causes (unsupported, truncated, corrupt, a
decompression bomb: `FileReport.error_will_repeat`) is cached like any result, so a re-scan does not
start a worker to fail again; one the machine causes (a time-out, an I/O or permission error, a crash)
is not.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from media_screen import __version__
from media_screen import detectors as registry
from media_screen.report.codec import CODEC_VERSION
from media_screen.config import Profile, ScanOptions
from media_screen.errors import StoreDamagedError
from media_screen.userdirs import cache_dir

DB_NAME = "results.sqlite3"
SCHEMA_VERSION = 1
POLICY_ONLY_TABLES = ("rules", "detection_rules")  # re-applied on every read, so not part of the key
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # media_screen/
DETECTOR_PACKAGES = ("media_screen.detectors.", "media_screen.faceid.")  # a detector's own code lives here
ANALYSIS_MODULES = (
    "media_screen.report.codec",
    "media_screen.inputs.embedded",
    "media_screen.inputs.heif_layout",
    "media_screen.inputs.source",
    "media_screen.inputs.frames",
    "media_screen.inputs.still",
    "media_screen.model",
    "media_screen.pipeline",
    "media_screen.sanitize",
    "media_screen.publish",
    "media_screen.video.animation",
    "media_screen.video.frame_change",
    "media_screen.video.orientation",
    "media_screen.video.sampling",
    "media_screen.video.screen",
    "media_screen.video.stream",
    "media_screen.video.tracking",
    "media_screen.metadata",
    "media_screen.metadata.geo",
    "media_screen.metadata.still",
    "media_screen.metadata.video",
    "media_screen.metadata.bmff",
    "media_screen.metadata.telemetry",
    "media_screen.metadata.containers",
    "media_screen.metadata.exif",
    "media_screen.metadata.xmp",
    "media_screen.metadata.iptc",
    "media_screen.metadata.text_fields",
    "media_screen.metadata.c2pa",
    "media_screen.metadata.embedded",
    "media_screen.metadata.streams",
)
# Modules of those packages that observe nothing a cached analysis holds: the folder walk, and the caption
# sidecars (read at every scan and judged by the policy, never cached).
NOT_ANALYSIS_MODULES = ("media_screen.inputs.caption", "media_screen.inputs.walk")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS file_hash (
    path TEXT PRIMARY KEY, device INTEGER, inode INTEGER, size INTEGER,
    mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS analysis (
    sha256 TEXT NOT NULL, analysis_key TEXT NOT NULL, report TEXT NOT NULL, stored_at REAL NOT NULL,
    PRIMARY KEY (sha256, analysis_key));
"""


@dataclass(frozen=True)
class FileStat:
    """The stat() fields that must all match before a remembered hash is trusted."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path) -> "FileStat":
        info = os.stat(path)
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def default_path() -> Path:
    return cache_dir() / DB_NAME


def path_key(path: Path) -> str:
    """The path as SQLite text: undecodable bytes of a file name are written as \\xNN (SQLite takes UTF-8 only).

    A name that spells the same escape literally would share the key, but never the stat() fields.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _module_origin(module: str) -> str | None:
    """The source file of a module; the project's own are found by path, without importing their packages."""
    parts = module.split(".")
    if parts[0] == PACKAGE_ROOT.name:
        for candidate in (PACKAGE_ROOT.joinpath(*parts[1:]).with_suffix(".py"),
                          PACKAGE_ROOT.joinpath(*parts[1:], "__init__.py")):
            if candidate.is_file():
                return str(candidate)
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec else None
    return origin if origin and os.path.isfile(origin) else None


def _module_source_digest(module: str, digest: "hashlib._Hash") -> None:
    origin = _module_origin(module)
    digest.update(module.encode())
    if origin:
        with open(origin, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())


def detector_code_modules(module: str) -> tuple[str, ...]:
    """The detector's module and every module of the detector packages it imports, directly or through another
    (the OCR engine, the text rules, the crop embedder ...): a change in any of them changes what it reports.
    Read from the sources' import statements, without importing anything."""
    seen: list[str] = []
    todo = [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.append(name)
            origin = _module_origin(name)
            todo += _detector_imports(origin) if origin else ()
    return tuple(sorted(seen))


@functools.lru_cache(maxsize=None)
def _detector_imports(origin: str) -> tuple[str, ...]:
    """The modules of the detector packages that the source at `origin` imports (absolute imports only)."""
    with open(origin, "rb") as handle:
        source = handle.read()
    if b"media_screen." not in source:
        return ()
    names = []
    for node in ast.walk(ast.parse(source, origin)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return tuple(name for name in names if name.startswith(DETECTOR_PACKAGES) and _module_origin(name))


def _model_file_stamps(profile: Profile, model: str) -> list[list[int]]:
    """Size and mtime of each model file DetectorInfo.model names: a retrained file changes the key."""
    stamps = []
    for part in model.split(","):
        try:
            path = profile.resolve(part.strip())
            info = path.stat() if part.strip() and path.is_file() else None
        except (OSError, ValueError):
            info = None
        if info is not None:
            stamps.append([info.st_size, info.st_mtime_ns])
    return stamps


def detector_versions(profile: Profile, options: ScanOptions) -> dict[str, str]:
    """Version of each selected detector, without loading any model."""
    return {name: registry.detector_class(name).describe(profile).version for name in _names(options)}


def _names(options: ScanOptions) -> tuple[str, ...]:
    return registry.resolve_names(options.detectors)


def analysis_key(profile: Profile, options: ScanOptions) -> str:
    """Digest of everything that changes what the analysis of one file observes (see the module doc)."""
    detectors = {}
    for name in _names(options):
        cls = registry.detector_class(name)
        info = cls.describe(profile)
        code = hashlib.sha256()
        for module in detector_code_modules(registry.REGISTRY[name].split(":")[0]):
            _module_source_digest(module, code)
        detectors[name] = {
            "version": info.version,
            "model": info.model,
            "model_files": _model_file_stamps(profile, info.model),
            "settings": dict(profile.detector_settings(name)),
            "code": code.hexdigest(),
        }
    code = hashlib.sha256()
    for module in ANALYSIS_MODULES:
        _module_source_digest(module, code)
    tables = {k: v for k, v in profile.raw.items() if k not in (*POLICY_ONLY_TABLES, "detectors")}
    limits = dict(tables.get("limits", {}))
    for bound in ("file_timeout_s", "redact_timeout_s"):  # a time bound only decides ERROR, never cached
        limits.pop(bound, None)
    tables["limits"] = limits
    document = {
        "schema": SCHEMA_VERSION,
        "codec": CODEC_VERSION,
        "tool": __version__,
        "code": code.hexdigest(),
        "base_dir": str(profile.base_dir),
        "profile": tables,
        "detectors": detectors,
        "video": {"sample_every_s": options.sample_every_s, "max_frames": options.max_frames,
                  "reuse_unchanged_frames": options.reuse_unchanged_frames},
        # the size analysed: a target name whose long side the profile changes gives another key
        "publish": [(options.publish or profile.publish_default).value, profile.publish_long_side(options.publish)],
        "extra": dict(options.extra),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


class ResultCache:
    """One SQLite file; the scanning process writes, worker processes open it read-only.

    A damaged or unreadable cache never stops a scan: the first failure is kept in `damage`
    and from then on every lookup is a miss and every write is skipped. The commands that
    exist only to read or clear the cache (`counts`, `clear`) raise it instead.
    """

    STORE = "result cache"

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path else default_path()
        self.read_only = read_only
        self.damage: StoreDamagedError | None = None
        self._db: sqlite3.Connection | None = None
        self._pending = 0
        self._last_commit = time.monotonic()
        try:
            if read_only:
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=30)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._db.commit()
        except (sqlite3.DatabaseError, OSError) as exc:
            self._damaged(exc)

    def _damaged(self, exc: Exception) -> None:
        if self.damage is None:
            self.damage = StoreDamagedError(self.STORE, self.path, str(exc) or type(exc).__name__)

    def _row(self, sql: str, params: tuple = ()) -> tuple | None:
        """One row, or None when there is none or the cache cannot be read (recorded in `damage`)."""
        if self.damage is not None:
            return None
        try:
            return self._db.execute(sql, params).fetchone()
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return None

    # -- reads ------------------------------------------------------------------------------
    def lookup(self, path: Path, stat: FileStat, key: str) -> tuple[str, str] | None:
        """(sha256, cached report JSON) when the file is untouched since it was hashed and analysed."""
        row = self._row(
            "SELECT f.sha256, a.report FROM file_hash f JOIN analysis a ON a.sha256 = f.sha256"
            " WHERE f.path = ? AND f.device = ? AND f.inode = ? AND f.size = ? AND f.mtime_ns = ?"
            " AND f.ctime_ns = ? AND a.analysis_key = ?",
            (path_key(path), stat.device, stat.inode, stat.size, stat.mtime_ns, stat.ctime_ns, key),
        )
        return (row[0], row[1]) if row else None

    def get(self, sha256: str, key: str) -> str | None:
        row = self._row("SELECT report FROM analysis WHERE sha256 = ? AND analysis_key = ?", (sha256, key))
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        files = self._row("SELECT count(*) FROM file_hash")
        analyses = self._row("SELECT count(*) FROM analysis")
        if self.damage is not None:
            raise self.damage
        return {"files": files[0], "analyses": analyses[0]}

    # -- writes -----------------------------------------------------------------------------
    def remember(self, path: Path, stat: FileStat, sha256: str, key: str | None, report_json: str | None) -> None:
        """Record the file's hash, and its analysis when given; committed in small batches."""
        if self.damage is not None:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO file_hash VALUES (?, ?, ?, ?, ?, ?, ?)",
                (path_key(path), stat.device, stat.inode, stat.size, stat.mtime_ns, stat.ctime_ns, sha256),
            )
            if key and report_json is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO analysis VALUES (?, ?, ?, ?)", (sha256, key, report_json, time.time())
                )
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return
        self._pending += 1
        if self._pending >= 64 or time.monotonic() - self._last_commit > 1.0:
            self.commit()

    def commit(self) -> None:
        if not self.read_only and self.damage is None:
            try:
                self._db.commit()
            except sqlite3.DatabaseError as exc:
                self._damaged(exc)
        self._pending = 0
        self._last_commit = time.monotonic()

    def clear(self) -> int:
        """Forget everything; returns how many analyses were dropped."""
        if self.damage is not None:
            raise self.damage
        try:
            dropped = self._db.execute("SELECT count(*) FROM analysis").fetchone()[0]
            self._db.execute("DELETE FROM analysis")
            self._db.execute("DELETE FROM file_hash")
            self._db.commit()
            self._db.execute("VACUUM")
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            raise self.damage from None
        return int(dropped)

    def close(self) -> None:
        self.commit()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "ResultCache":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
