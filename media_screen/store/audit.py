"""The audit log: one JSON line per scanned file, redaction and approval, appended, never rewritten.

Lives under the user's data folder (`audit.jsonl`). Each line says when, who (login and host),
which file (sha256 and path), the outcome, the tool and model versions and the profile digest,
so a posted file can be traced back to the screening that cleared it.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from media_screen import __version__
from media_screen.store.approvals import Approval
from media_screen.store.keys import fingerprint
from media_screen.errors import StoreDamagedError
from media_screen.model import Audience, FileReport
from media_screen.sanitize import clean_text
from media_screen.userdirs import data_dir

if TYPE_CHECKING:
    from media_screen.model import RedactionReport

FILE_NAME = "audit.jsonl"


def default_path() -> Path:
    return data_dir() / FILE_NAME


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid {os.getuid()}"


class AuditLog:
    """Appends events; safe when several scans append at once (O_APPEND plus an exclusive lock per line).

    A log that cannot be written never stops a scan or a redaction: `damage` holds the first
    failure and later events are not written. Damaged content already in the file does not
    matter to appending: a new line always starts on a line of its own.
    """

    STORE = "audit log"

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.damage: StoreDamagedError | None = None
        self._fd: int | None = None
        self._who = {"user": current_user(), "host": socket.gethostname(), "tool": f"media-screen {__version__}"}

    def _append(self, event: str, fields: Mapping[str, Any]) -> None:
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": event}
        record.update(self._who)
        record.update(fields)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        if self.damage is not None:
            return
        try:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                os.write(self._fd, _line_start(self._fd) + line)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        except OSError as exc:
            self.damage = StoreDamagedError(self.STORE, self.path, exc.strerror or str(exc))

    def scan(
        self,
        report: FileReport,
        audience: Audience,
        profile_digest: str,
        detector_versions: Mapping[str, str],
        cached: bool = False,
        approval: Approval | None = None,
    ) -> None:
        self._append(
            "scan",
            {
                "path": clean_text(report.path, 4096),
                "sha256": report.sha256,
                "verdict": report.verdict.name,
                "audience": audience.value,
                "sections": sorted({f.section.value for f in report.findings if f.severity > 0}),
                "error": clean_text(report.error, 400) if report.error else None,
                "cached": cached,
                "approved_by": approval.approved_by if approval else None,
                "models": dict(detector_versions),
                "profile_sha256": profile_digest,
            },
        )

    def redaction(
        self,
        redaction: "RedactionReport",
        source_sha256: str | None,
        output_sha256: str | None,
        profile_digest: str,
        detector_versions: Mapping[str, str],
    ) -> None:
        rescan = redaction.rescan
        self._append(
            "redaction",
            {
                "path": clean_text(redaction.source, 4096),
                "sha256": source_sha256,
                "output": clean_text(redaction.output, 4096) if redaction.output else None,
                "output_sha256": output_sha256,
                "status": redaction.status.value,
                "verdict": rescan.verdict.name if rescan else None,
                "obscured": len(redaction.obscured),
                "removed": [clean_text(item.item) for item in redaction.removed],
                "problems": [clean_text(p, 400) for p in redaction.problems],
                "models": dict(detector_versions),
                "profile_sha256": profile_digest,
            },
        )

    def approval(self, approval: Approval) -> None:
        self._append(
            "approval",
            {
                "path": approval.path,
                "sha256": approval.sha256,
                "approved_by": approval.approved_by,
                "approved_at": approval.approved_at,
                "note": approval.note,
                "approval_key": fingerprint(approval.public_key) if approval.public_key else None,
            },
        )

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                self.damage = self.damage or StoreDamagedError(self.STORE, self.path, exc.strerror or str(exc))
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "AuditLog":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _line_start(fd: int) -> bytes:
    """A newline when the file does not end with one (a torn or damaged last line), so ours stands alone."""
    size = os.fstat(fd).st_size
    return b"\n" if size and os.pread(fd, 1, size - 1) != b"\n" else b""


@dataclass(frozen=True)
class LogReading:
    """The events read, oldest first, and the lines that were not audit events."""

    events: list[dict]
    damaged_lines: int = 0
    first_damaged_line: int | None = None
    damage: StoreDamagedError | None = None


def _numbered_events(path: Path) -> Iterator[tuple[int, dict | None]]:
    """(line number, event or None when the line is not one); blank lines are skipped."""
    try:
        handle = open(path, encoding="utf-8", errors="replace", newline="\n")  # lines end at \n only
    except FileNotFoundError:
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = None
            yield number, event if isinstance(event, dict) else None


def read_events(path: Path | None = None) -> Iterator[dict]:
    """Every event, oldest first; a torn or foreign line is skipped, not fatal."""
    for _, event in _numbered_events(Path(path) if path else default_path()):
        if event is not None:
            yield event


def read_log(path: Path | None = None, last: int | None = None) -> LogReading:
    """The events (the newest `last` of them when given), and how much of the log could not be read.

    Raises StoreDamagedError when the file exists but cannot be read at all.
    """
    path = Path(path) if path else default_path()
    events: deque[dict] = deque(maxlen=last)
    damaged, first = 0, None
    try:
        for number, event in _numbered_events(path):
            if event is None:
                damaged += 1
                first = first or number
            else:
                events.append(event)
    except OSError as exc:
        raise StoreDamagedError(AuditLog.STORE, path, exc.strerror or str(exc)) from None
    damage = None
    if damaged:
        damage = StoreDamagedError(
            AuditLog.STORE, path, f"{damaged} line(s) are not audit events, the first is line {first}"
        )
    return LogReading(list(events), damaged, first, damage)
