"""The audit log: one JSON line per scanned file, redaction and approval, appended, never rewritten.

Lives under the user's data folder (`audit.jsonl`). Each line says when, who (login and host),
which file (sha256 and path), the outcome, the tool and model versions and the profile digest,
so a posted file can be traced back to the screening that cleared it.

The lines form a hash chain: each carries `seq` (its number) and `prev`, the sha256 of the line
before it as written; the first line carries a random `log_id` and chains to it. `verify_chain`
walks the chain and names the first line changed, removed or inserted. What the chain proves, and
what it cannot (an attacker who rewrites the whole log, or cuts its end), is in the README.
"""

from __future__ import annotations

import enum
import fcntl
import getpass
import hashlib
import json
import os
import secrets
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
from media_screen.model import Audience, DetectionKind, FileReport
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
        if self.damage is not None:
            return
        try:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # held from reading the last line to writing ours
            try:
                line = json.dumps({**_next_link(self._fd), **record}, ensure_ascii=False).encode("utf-8")
                _write_all(self._fd, _line_start(self._fd) + line + b"\n")
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
                # that a protected face was recognised, never who or the embedding (issue 15's rule)
                "protected_match": any(
                    f.evidence.get("kind") == DetectionKind.PROTECTED_PERSON.value and f.severity > 0 for f in report.findings
                ),
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


def chain_start(log_id: str) -> str:
    """What the first line's `prev` holds: the sha256 of the log's random id."""
    return hashlib.sha256(f"media-screen audit log {log_id}".encode("utf-8")).hexdigest()


def line_hash(raw: bytes) -> str:
    """The sha256 of one line as written, without its newline: what the next line's `prev` holds."""
    return hashlib.sha256(raw).hexdigest()


def _next_link(fd: int) -> dict:
    """`seq` and `prev` for a line appended now (and `log_id` when the log is empty); the lock is held.

    Lines that are not chained events (a torn line after a crash, damage) still count and are hashed
    as they stand, so the verifier can tell a crash from an edit.
    """
    last, passed = None, 0
    for raw in _lines_backwards(fd):
        last = last if last is not None else raw
        event = _parse(raw)
        if event is not None and isinstance(event.get("seq"), int):
            return {"seq": event["seq"] + passed + 1, "prev": line_hash(last)}
        passed += 1
    if last is None:
        log_id = secrets.token_hex(16)
        return {"seq": 1, "prev": chain_start(log_id), "log_id": log_id}
    return {"seq": passed + 1, "prev": line_hash(last)}  # a log with no chained line: the verifier says so


def _lines_backwards(fd: int, chunk: int = 65536) -> Iterator[bytes]:
    """The file's non-blank lines, last first, without their newlines."""
    position = os.fstat(fd).st_size
    head = b""
    while position > 0:
        step = min(chunk, position)
        position -= step
        lines = (os.pread(fd, step, position) + head).split(b"\n")
        head = lines[0]  # may continue before `position`
        for raw in reversed(lines[1:]):
            if raw.strip():
                yield raw
    if head.strip():
        yield head


def _parse(raw: bytes) -> dict | None:
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return event if isinstance(event, dict) else None


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


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


class BreakKind(str, enum.Enum):
    """How the chain was broken at the first line that does not follow from the one before."""

    CHANGED = "changed"
    REMOVED = "removed"
    INSERTED = "inserted"
    UNCHAINED = "not chained"  # a line without seq/prev: written by hand, or before the log was chained


@dataclass(frozen=True)
class ChainBreak:
    line: int  # the line (1-based, as in the file) the problem is at
    kind: BreakKind
    detail: str


@dataclass(frozen=True)
class ChainVerification:
    """What walking the chain found. `head` is the sha256 of line `head_line`, to note down outside the log."""

    path: Path
    exists: bool
    lines: int = 0  # non-blank lines
    log_id: str | None = None
    head_line: int | None = None
    head: str | None = None
    torn_lines: tuple[int, ...] = ()  # partly written lines (a crash while appending), not edits
    first_break: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(path: Path | None = None, anchor: tuple[int, str] | None = None) -> ChainVerification:
    """Walk the hash chain and report the first line changed, removed or inserted.

    `anchor` (line number, sha256) is a head noted earlier: that line must still have that hash,
    which proves that nothing up to it was rewritten, even by someone who rebuilt the whole chain.
    A line that is not an event but that the next line chains over, or an unreadable last line,
    is a line torn by a crash: reported in `torn_lines`, not a break.
    Raises StoreDamagedError when the file exists but cannot be read.
    """
    path = Path(path) if path else default_path()
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        first_break = ChainBreak(anchor[0], BreakKind.REMOVED, "the log is missing") if anchor else None
        return ChainVerification(path, False, first_break=first_break)
    except OSError as exc:
        raise StoreDamagedError(AuditLog.STORE, path, exc.strerror or str(exc)) from None
    walk = _ChainWalk(anchor)
    try:
        with handle:
            for number, line in enumerate(handle, start=1):
                raw = line[:-1] if line.endswith(b"\n") else line
                if raw.strip():
                    walk.step(number, raw)
    except OSError as exc:
        raise StoreDamagedError(AuditLog.STORE, path, exc.strerror or str(exc)) from None
    walk.finish()
    return ChainVerification(path, True, walk.count, walk.log_id, walk.head_line, walk.head,
                             tuple(walk.torn), walk.first_break)


class _ChainWalk:
    """Checks each line against the one before, one line behind the reader (to tell a crash from an edit)."""

    RECENT = 64  # lines remembered to find where an inserted line's successor really chains to

    def __init__(self, anchor: tuple[int, str] | None) -> None:
        self.anchor = anchor
        self.count = 0
        self.last_number = 0
        self.log_id: str | None = None
        self.head_line: int | None = None
        self.head: str | None = None
        self.torn: list[int] = []
        self.first_break: ChainBreak | None = None
        self.expected_seq, self.expected_prev = 1, None
        self.previous_line: int | None = None  # the last line that checked out
        self.pending: tuple[int, bytes, dict | None] | None = None  # read, not yet checked
        self.recent: deque[tuple[str, int]] = deque(maxlen=self.RECENT)  # (hash, line number)

    def step(self, number: int, raw: bytes) -> None:
        self.count += 1
        self.last_number = number
        event = _parse(raw)
        if self.pending is not None:
            self._check(*self.pending, following=(number, event, raw))
        self.pending = (number, raw, event)
        if self.anchor and number == self.anchor[0] and line_hash(raw) != self.anchor[1].lower():
            self._break(number, BreakKind.CHANGED, f"line {number} no longer has the sha256 noted for it: "
                        "the log was changed or rewritten up to there")

    def finish(self) -> None:
        if self.pending is not None:
            self._check(*self.pending, following=None)
        if self.anchor and self.last_number < self.anchor[0]:
            self._break(self.last_number + 1, BreakKind.REMOVED,
                        f"the log ends at line {self.last_number}; line {self.anchor[0]}, noted earlier, was removed")

    def _break(self, line: int, kind: BreakKind, detail: str) -> None:
        if self.first_break is None:
            self.first_break = ChainBreak(line, kind, detail)

    def _accept(self, number: int, raw: bytes) -> None:
        digest = line_hash(raw)
        self.expected_seq += 1
        self.expected_prev = digest
        self.previous_line = number
        self.recent.append((digest, number))
        self.head_line, self.head = number, digest

    def _check(self, number: int, raw: bytes, event: dict | None, following) -> None:
        if self.first_break is not None:
            return
        if event is None:
            self._check_not_an_event(number, raw, following)
            return
        seq, prev = event.get("seq"), event.get("prev")
        if not isinstance(seq, int) or not isinstance(prev, str):
            self._break(number, BreakKind.UNCHAINED, f"line {number} carries no hash chain (seq, prev): "
                        "written by hand, or by a version of media-screen before the chain")
        elif self.expected_prev is None:  # the first line starts the chain from the log's random id
            log_id = event.get("log_id")
            if seq == 1 and isinstance(log_id, str) and prev == chain_start(log_id):
                self.log_id = log_id
                self._accept(number, raw)
            elif seq > 1:
                self._break(number, BreakKind.REMOVED, f"the log starts at line number {seq}: "
                            f"{seq - 1} line(s) before it were removed")
            else:
                self._break(number, BreakKind.CHANGED, f"line {number} does not start the chain from the log's id: "
                            "it was changed")
        elif seq > self.expected_seq:
            self._break(number, BreakKind.REMOVED, f"{seq - self.expected_seq} line(s) removed before line "
                        f"{number} (it is number {seq}, the line before it number {self.expected_seq - 1})")
        elif seq < self.expected_seq:
            copy_of = next((n for digest, n in self.recent if digest == line_hash(raw)), None)
            chained_to = next((n for digest, n in self.recent if digest == prev), None)
            if copy_of is not None:
                self._break(number, BreakKind.INSERTED, f"line {number} was inserted (a copy of line {copy_of})")
            elif chained_to is not None:
                self._break(chained_to + 1, BreakKind.INSERTED, f"line {chained_to + 1} was inserted "
                            f"(line {number} chains to line {chained_to})")
            else:
                self._break(number, BreakKind.INSERTED,
                            f"line {number} was inserted (its number {seq} was used before)")
        elif prev != self.expected_prev:
            after = following[1] if following else None
            if after is not None and after.get("seq") == seq and after.get("prev") == self.expected_prev:
                self._break(number, BreakKind.INSERTED, f"line {number} was inserted (line {following[0]} "
                            f"chains to line {self.previous_line})")
            else:
                self._break(self.previous_line, BreakKind.CHANGED, f"line {self.previous_line} was changed "
                            f"(line {number} recorded another sha256 for it)")
        else:
            self._accept(number, raw)

    def _check_not_an_event(self, number: int, raw: bytes, following) -> None:
        """A torn line (a crash while appending) is the last line, or one the next line chains over."""
        if following is None:
            self.torn.append(number)
        elif self.expected_prev is None:
            self._break(number, BreakKind.CHANGED, f"line {number} is not an audit event: the start of the log "
                        "was changed or lost")
        elif following[1] is not None and following[1].get("prev") == line_hash(raw):
            self.torn.append(number)
            self._accept(number, raw)
        else:
            self._break(number, BreakKind.CHANGED, f"line {number} is not an audit event and line "
                        f"{following[0]} does not chain to it")
