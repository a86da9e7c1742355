"""The B.2 permission register: the Chief (or a designee) approved this exact file for use by another party.

An approval is tied to the file's sha256, so any change to the file loses it, and it is signed: the
approver's ed25519 key signs the sha256, the approver's name, the time and the note. A scan honours an
approval only when that signature verifies against a key the profile lists under `[[approvers]]`;
a row written into the register by hand, changed after it was signed, or signed by any other key is
reported as unverified and lowers nothing. Applying approvals is a pure function over findings: the
B.2 findings stay in the report, marked approved (by whom, when), and their severity drops to REVIEW,
so a file whose only problem was B.2 becomes REVIEW instead of PERMISSION_REQUIRED.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from media_screen.errors import StoreDamagedError
from media_screen.model import FileReport, Finding, Section, Severity
from media_screen.policy import verdict_of
from media_screen.sanitize import clean_text
from media_screen.store.keys import fingerprint, verify
from media_screen.userdirs import data_dir

if TYPE_CHECKING:
    from media_screen.config import Approver
    from media_screen.store.keys import Signer

DB_NAME = "approvals.sqlite3"
SIGNED_FORMAT = "media-screen B.2 approval 1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL, note TEXT NOT NULL, path TEXT NOT NULL, recorded_by TEXT NOT NULL,
    public_key TEXT NOT NULL DEFAULT '', signature TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS approvals_sha256 ON approvals (sha256);
"""
_SIGNATURE_COLUMNS = ("public_key", "signature")  # added to registers made before approvals were signed
_COLUMNS = "sha256, approved_by, approved_at, note, path, recorded_by, public_key, signature"


@dataclass(frozen=True)
class Approval:
    sha256: str
    approved_by: str
    approved_at: str  # ISO 8601, UTC
    note: str = ""
    path: str = ""  # where the file was when it was approved (informational, not signed)
    recorded_by: str = ""  # the login that ran `approve` (informational, not signed)
    public_key: str = ""  # the signer's key, "ed25519:<base64>"
    signature: str = ""  # base64 ed25519 signature of `signed_payload`


class ApprovalCheck(str, enum.Enum):
    """What verifying an approval found; only VERIFIED is honoured."""

    VERIFIED = "verified"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad signature"
    UNTRUSTED_KEY = "untrusted key"


CHECK_MEANING = {
    ApprovalCheck.VERIFIED: "signed by a key the profile trusts",
    ApprovalCheck.UNSIGNED: (
        "it carries no signature (written into the register by hand, or before approvals were signed)"
    ),
    ApprovalCheck.BAD_SIGNATURE: "its signature does not match its content (the register was changed after signing)",
    ApprovalCheck.UNTRUSTED_KEY: "it was signed by a key the profile does not list under [[approvers]]",
}


@dataclass(frozen=True)
class CheckedApproval:
    """An approval with what verifying it found; `signer` is the profile's name for its key when trusted."""

    approval: Approval
    check: ApprovalCheck
    signer: str | None = None

    @property
    def key_fingerprint(self) -> str:
        return fingerprint(self.approval.public_key) if self.approval.public_key else ""


def signed_payload(sha256: str, approved_by: str, approved_at: str, note: str, public_key: str) -> bytes:
    """The exact bytes an approver signs: canonical JSON (sorted keys, ASCII) of what the approval says."""
    document = {
        "signed": SIGNED_FORMAT, "sha256": sha256, "approved_by": approved_by, "approved_at": approved_at,
        "note": note, "key": public_key,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def payload_of(approval: Approval) -> bytes:
    return signed_payload(approval.sha256, approval.approved_by, approval.approved_at, approval.note,
                          approval.public_key)


def sign_approval(signer: "Signer", sha256: str, note: str = "", path: str = "", recorded_by: str = "",
                  approved_by: str | None = None, now: datetime | None = None) -> Approval:
    """A new approval of this content, signed with the approver's key (their name from the key unless given)."""
    approved_by = clean_text(approved_by or signer.public.name, 200)
    approved_at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    note = clean_text(note, 1000)
    key = signer.public.key
    signature = signer.sign(signed_payload(sha256, approved_by, approved_at, note, key))
    return Approval(sha256, approved_by, approved_at, note, clean_text(path, 4096), clean_text(recorded_by, 200),
                    key, signature)


def check_approval(approval: Approval, approvers: Iterable["Approver"]) -> CheckedApproval:
    """Verify the signature against the approval's own key, then whether the profile trusts that key."""
    if not approval.signature or not approval.public_key:
        return CheckedApproval(approval, ApprovalCheck.UNSIGNED)
    if not verify(approval.public_key, payload_of(approval), approval.signature):
        return CheckedApproval(approval, ApprovalCheck.BAD_SIGNATURE)
    trusted = {approver.key: approver.name for approver in approvers}
    if approval.public_key not in trusted:
        return CheckedApproval(approval, ApprovalCheck.UNTRUSTED_KEY)
    return CheckedApproval(approval, ApprovalCheck.VERIFIED, trusted[approval.public_key])


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
        if approval.public_key:
            evidence["approval_key"] = fingerprint(approval.public_key)
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


def _note_b2(report: FileReport, message: str, approval_evidence: dict) -> FileReport:
    """B.2 findings carry `message` and the evidence; their severity, and the verdict, stay as they are."""
    if not any(f.section == Section.B2 for f in report.findings):
        return report
    findings = tuple(
        dataclasses.replace(f, message=f.message + message, evidence={**f.evidence, **approval_evidence})
        if f.section == Section.B2
        else f
        for f in report.findings
    )
    return dataclasses.replace(report, findings=findings)


def note_register_unreadable(report: FileReport) -> FileReport:
    """B.2 findings say that no approval could be looked up."""
    return _note_b2(report, " - the approval register could not be read, so no approval was applied",
                    {"approval": "register unreadable"})


def note_unverified(report: FileReport, checked: CheckedApproval) -> FileReport:
    """B.2 findings say that the register holds an approval of this file that does not verify, and why."""
    approval = checked.approval
    return _note_b2(
        report,
        f" - an approval in the register (claimed by {clean_text(approval.approved_by)}) was not applied: "
        f"{CHECK_MEANING[checked.check]}",
        {"approval": f"not verified: {checked.check.value}", "approval_claimed_by": clean_text(approval.approved_by)},
    )


def honour_approvals(report: FileReport, checked: Sequence[CheckedApproval],
                     register_unreadable: bool = False) -> tuple[FileReport, Approval | None]:
    """The report with the newest verified approval of its content applied, and that approval.

    The approval applied names the approver as the profile does. Without a verified one, the newest
    unverified approval is noted on the B.2 findings (the verdict stays), or the unreadable register is.
    """
    mine = [c for c in checked if report.sha256 and c.approval.sha256 == report.sha256]
    honoured = next((c for c in mine if c.check == ApprovalCheck.VERIFIED), None)
    if honoured is not None:
        approval = dataclasses.replace(honoured.approval, approved_by=honoured.signer)
        return approve_report(report, approval), approval
    if mine:
        return note_unverified(report, mine[0]), None
    if register_unreadable:
        return note_register_unreadable(report), None
    return report, None


def default_path() -> Path:
    return data_dir() / DB_NAME


class ApprovalRegister:
    """Approvals kept in SQLite under the user's data folder, newest first when looked up.

    The register itself is not trusted: `lookup` verifies every row it returns. A damaged or
    unreadable register never stops a scan: `damage` holds the first failure and `lookup` then
    answers nothing, so no approval lowers any verdict (see `note_register_unreadable`).
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
            present = {row[1] for row in self._db.execute("PRAGMA table_info(approvals)")}
            for column in _SIGNATURE_COLUMNS:
                if column not in present:
                    self._db.execute(f"ALTER TABLE approvals ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
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

    @staticmethod
    def _approval(row: tuple) -> Approval:
        return Approval(*(value if isinstance(value, str) else "" if value is None else str(value) for value in row))

    def record(self, approval: Approval) -> Approval:
        """Append an approval (signed by `sign_approval`); the register keeps every one."""
        self._rows(
            f"INSERT INTO approvals ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", dataclasses.astuple(approval)
        )
        try:
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        return approval

    def lookup(self, sha256: str | None, approvers: Iterable["Approver"]) -> tuple[CheckedApproval, ...]:
        """Every approval of this content, newest first, each verified; none when the register cannot be read."""
        if not sha256:
            return ()
        try:
            rows = self._rows(f"SELECT {_COLUMNS} FROM approvals WHERE sha256 = ? ORDER BY id DESC", (sha256,))
        except StoreDamagedError:
            return ()
        approvers = tuple(approvers)
        return tuple(check_approval(self._approval(row), approvers) for row in rows)

    def all(self) -> list[Approval]:
        return [self._approval(row) for row in self._rows(f"SELECT {_COLUMNS} FROM approvals ORDER BY id")]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "ApprovalRegister":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
