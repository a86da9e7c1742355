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
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from media_screen import __version__
from media_screen.approvals import Approval
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
    """Appends events; safe when several scans append at once (O_APPEND plus an exclusive lock per line)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self._fd: int | None = None
        self._who = {"user": current_user(), "host": socket.gethostname(), "tool": f"media-screen {__version__}"}

    def _append(self, event: str, fields: Mapping[str, Any]) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": event}
        record.update(self._who)
        record.update(fields)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            os.write(self._fd, line)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

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
            },
        )

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "AuditLog":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def read_events(path: Path | None = None) -> Iterator[dict]:
    """Every event, oldest first; a torn or foreign line is skipped, not fatal."""
    path = Path(path) if path else default_path()
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict):
                yield event
