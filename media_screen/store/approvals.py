"""The B.2 permission register: the Chief (or a designee) approved this exact file for use by another party.

An approval is tied to the file's sha256, so any change to the file loses it. Applying
approvals is a pure function over findings: the B.2 findings stay in the report, marked
approved (by whom, when), and their severity drops to REVIEW, so a file whose only
problem was B.2 becomes REVIEW instead of PERMISSION_REQUIRED.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from media_screen.errors import StoreDamagedError
from media_screen.model import FileReport, Finding, Section, Severity
from media_screen.policy import verdict_of
from media_screen.sanitize import clean_text
from media_screen.userdirs import data_dir

DB_NAME = "approvals.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL, note TEXT NOT NULL, path TEXT NOT NULL, recorded_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS approvals_sha256 ON approvals (sha256);
"""


@dataclass(frozen=True)
class Approval:
    sha256: str
    approved_by: str
    approved_at: str  # ISO 8601, UTC
    note: str = ""
    path: str = ""  # where the file was when it was approved (informational)
    recorded_by: str = ""  # the login that ran `approve`


def apply_approval(findings: Iterable[Finding], approval: Approval | None) -> tuple[Finding, ...]:
    """Mark each B.2 finding approved and lower it to REVIEW at most; other findings are unchanged."""
    findings = tuple(findings)
    if approval is None:
        return findings
    suffix = f" - approved by {approval.approved_by} on {approval.approved_at[:10]}"
    approved = []
    for finding in findings:
        if finding.section != Section.B2:
            approved.append(finding)
            continue
        evidence = {
            **finding.evidence,
            "approved_by": approval.approved_by,
            "approved_at": approval.approved_at,
            "approval_note": approval.note,
        }
        approved.append(
            dataclasses.replace(
                finding,
                severity=min(finding.severity, Severity.REVIEW),
                message=finding.message + suffix,
                evidence=evidence,
            )
        )
    return tuple(sorted(approved, key=lambda f: (-f.severity, f.rule)))


def approve_report(report: FileReport, approval: Approval | None) -> FileReport:
    """The report with `apply_approval` applied and its verdict recomputed."""
    if approval is None or approval.sha256 != report.sha256:
        return report
    findings = apply_approval(report.findings, approval)
    return dataclasses.replace(report, findings=findings, verdict=verdict_of(findings, report.error))


def note_register_unreadable(report: FileReport) -> FileReport:
    """B.2 findings say that no approval could be looked up; their severity, and the verdict, stay as they are."""
    if not any(f.section == Section.B2 for f in report.findings):
        return report
    findings = tuple(
        dataclasses.replace(
            f,
            message=f.message + " - the approval register could not be read, so no approval was applied",
            evidence={**f.evidence, "approval": "register unreadable"},
        )
        if f.section == Section.B2
        else f
        for f in report.findings
    )
    return dataclasses.replace(report, findings=findings)


def default_path() -> Path:
    return data_dir() / DB_NAME


class ApprovalRegister:
    """Approvals kept in SQLite under the user's data folder; the latest approval of a hash wins.

    A damaged or unreadable register never stops a scan: `damage` holds the first failure and
    `find` then answers None, so no approval lowers any verdict (see `note_register_unreadable`).
    Recording and listing approvals raise it instead: they cannot be done.
    """

    STORE = "approval register"

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.damage: StoreDamagedError | None = None
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.executescript(_SCHEMA)
            self._db.commit()
        except (sqlite3.DatabaseError, OSError) as exc:
            self._damaged(exc)

    def _damaged(self, exc: Exception) -> StoreDamagedError:
        if self.damage is None:
            self.damage = StoreDamagedError(self.STORE, self.path, str(exc) or type(exc).__name__)
        return self.damage

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.damage is not None:
            raise self.damage
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def record(self, sha256: str, approved_by: str, note: str, path: str, recorded_by: str) -> Approval:
        approval = Approval(
            sha256=sha256,
            approved_by=clean_text(approved_by, 200),
            approved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            note=clean_text(note, 1000),
            path=clean_text(path, 4096),
            recorded_by=clean_text(recorded_by, 200),
        )
        self._rows(
            "INSERT INTO approvals (sha256, approved_by, approved_at, note, path, recorded_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (approval.sha256, approval.approved_by, approval.approved_at, approval.note, approval.path,
             approval.recorded_by),
        )
        try:
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        return approval

    def find(self, sha256: str | None) -> Approval | None:
        """The latest approval of this content; None when there is none or the register cannot be read."""
        if not sha256:
            return None
        try:
            rows = self._rows(
                "SELECT sha256, approved_by, approved_at, note, path, recorded_by FROM approvals"
                " WHERE sha256 = ? ORDER BY id DESC LIMIT 1",
                (sha256,),
            )
        except StoreDamagedError:
            return None
        return Approval(*rows[0]) if rows else None

    def all(self) -> list[Approval]:
        rows = self._rows("SELECT sha256, approved_by, approved_at, note, path, recorded_by FROM approvals ORDER BY id")
        return [Approval(*row) for row in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "ApprovalRegister":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
