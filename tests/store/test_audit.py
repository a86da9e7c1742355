import dataclasses
import json
import random
from pathlib import Path

import pytest

from media_screen.store.approvals import Approval
from media_screen.store.audit import AuditLog, read_events, read_log
from media_screen.errors import StoreDamagedError
from media_screen.model import Audience, FileReport, Finding, Section, Severity, Verdict

REPORT = FileReport(
    path="/media/a\x1b[2J.jpg",
    verdict=Verdict.PERMISSION_REQUIRED,
    sha256="e" * 64,
    findings=(Finding("department_item", Section.B2, Severity.PERMISSION, "badge"),),
)


def test_each_scan_appends_one_line_with_who_what_and_which_versions(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as audit:
        audit.scan(REPORT, Audience.COVERT, "p" * 64, {"faces": "yunet-2023"}, cached=True)
    with AuditLog(path) as audit:  # a second run appends, never rewrites
        audit.scan(REPORT, Audience.OFFICIAL, "p" * 64, {})
    events = list(read_events(path))
    assert len(events) == 2
    first = events[0]
    assert first["event"] == "scan" and first["verdict"] == "PERMISSION_REQUIRED"
    assert first["sha256"] == "e" * 64 and first["audience"] == "covert" and first["sections"] == ["B.2"]
    assert first["models"] == {"faces": "yunet-2023"} and first["profile_sha256"] == "p" * 64
    assert first["cached"] is True and first["tool"].startswith("media-screen ")
    for key in ("time", "user", "host"):
        assert first[key]
    assert "\x1b" not in first["path"]  # control characters never reach the log


def test_approvals_are_logged(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as audit:
        audit.approval(Approval("e" * 64, "Chief", "2025-01-01T00:00:00+00:00", "ok", "/m/a.jpg", "pio"))
    (event,) = read_events(path)
    assert event["event"] == "approval" and event["approved_by"] == "Chief"


def test_a_torn_line_is_skipped_not_fatal(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as audit:
        audit.scan(REPORT, Audience.PERSONAL, "p", {})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"event": "scan", "trunc')
    assert len(list(read_events(path))) == 1
    assert json.loads(path.read_text().splitlines()[0])["event"] == "scan"


def test_a_missing_log_reads_as_empty(tmp_path: Path):
    assert list(read_events(tmp_path / "none.jsonl")) == []


def test_random_bytes_in_the_log_are_reported_and_new_events_still_start_on_their_own_line(tmp_path: Path):
    # given a log whose content was overwritten with random bytes (no newline at its end)
    path = tmp_path / "audit.jsonl"
    path.write_bytes(random.Random(11).randbytes(4096).replace(b"\n", b"x"))
    # when a scan appends to it
    with AuditLog(path) as audit:
        audit.scan(REPORT, Audience.PERSONAL, "p", {})
    reading = read_log(path)
    # then the new event is readable, and the damage is counted and says how to recover
    assert [e["event"] for e in reading.events] == ["scan"] and audit.damage is None
    assert reading.damaged_lines == 1 and reading.first_damaged_line == 1
    assert "move it aside" in str(reading.damage)


def test_a_log_that_cannot_be_written_is_recorded_not_raised(tmp_path: Path):
    # given a log path that is a folder
    (tmp_path / "audit.jsonl").mkdir()
    # when events are appended
    with AuditLog(tmp_path / "audit.jsonl") as audit:
        audit.scan(REPORT, Audience.PERSONAL, "p", {})
        audit.scan(REPORT, Audience.PERSONAL, "p", {})
    # then the scan goes on, and the log says it could not be written
    assert audit.damage.store == "audit log" and "move it aside" in str(audit.damage)


def test_a_log_that_cannot_be_read_raises_the_damage(tmp_path: Path):
    (tmp_path / "audit.jsonl").mkdir()
    with pytest.raises(StoreDamagedError, match="audit log"):
        read_log(tmp_path / "audit.jsonl")


def test_read_log_keeps_the_newest_events(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as audit:
        for verdict in (Verdict.CLEAR, Verdict.REVIEW, Verdict.DO_NOT_POST):
            audit.scan(dataclasses.replace(REPORT, verdict=verdict), Audience.PERSONAL, "p", {})
    reading = read_log(path, last=2)
    assert [e["verdict"] for e in reading.events] == ["REVIEW", "DO_NOT_POST"] and reading.damage is None
