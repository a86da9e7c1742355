import dataclasses
import hashlib
import json
import multiprocessing
import random
from pathlib import Path

import pytest

from media_screen.store.approvals import Approval
from media_screen.store.audit import AuditLog, BreakKind, chain_start, line_hash, read_events, read_log, verify_chain
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


def test_a_protected_match_is_logged_as_a_fact_without_the_name_or_the_embedding(tmp_path: Path):
    # given a report with a recognised protected face
    match = Finding("protected_person", Section.B10, Severity.BLOCK, "protected person recognised: Jane Roe",
                    {"kind": "protected_person", "distance": 0.41, "threshold": 0.549})  # fmt: skip
    report = dataclasses.replace(REPORT, findings=(match,), verdict=Verdict.DO_NOT_POST)
    path = tmp_path / "audit.jsonl"
    # when the scan and a scan without one are logged
    with AuditLog(path) as audit:
        audit.scan(report, Audience.OFFICIAL, "p" * 64, {})
        audit.scan(REPORT, Audience.OFFICIAL, "p" * 64, {})
    # then the first line says a protected match happened, the second that none did, and no line names the person
    first, second = read_events(path)
    assert first["protected_match"] is True and second["protected_match"] is False
    assert "Jane Roe" not in path.read_text("utf-8")


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


# -- the hash chain -----------------------------------------------------------------------------

def write_log(path: Path, events: int) -> list[bytes]:
    """A log of `events` scans; returns its lines as written (without newlines)."""
    with AuditLog(path) as audit:
        for number in range(events):
            audit.scan(dataclasses.replace(REPORT, path=f"/media/{number}.jpg"), Audience.PERSONAL, "p", {})
    return path.read_bytes().splitlines()


def rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def test_each_line_chains_to_the_one_before_and_the_first_to_a_random_log_id(tmp_path: Path):
    # given a fresh log of three events
    lines = write_log(tmp_path / "audit.jsonl", 3)
    events = [json.loads(line) for line in lines]
    # then each line is numbered and carries the sha256 of the line before it
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[0]["prev"] == chain_start(events[0]["log_id"]) and len(events[0]["log_id"]) == 32
    assert events[1]["prev"] == hashlib.sha256(lines[0]).hexdigest() and events[2]["prev"] == line_hash(lines[1])
    assert "log_id" not in events[1]
    # and another log starts from another id
    assert json.loads(write_log(tmp_path / "other.jsonl", 1)[0])["log_id"] != events[0]["log_id"]


def test_an_untouched_log_verifies_and_names_its_head(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 4)
    verification = verify_chain(path)
    assert verification.intact and verification.lines == 4 and verification.torn_lines == ()
    assert verification.log_id == json.loads(lines[0])["log_id"]
    assert (verification.head_line, verification.head) == (4, line_hash(lines[3]))


def test_a_missing_log_is_not_a_break(tmp_path: Path):
    verification = verify_chain(tmp_path / "none.jsonl")
    assert not verification.exists and verification.intact


def _edited(line: bytes, **changes) -> bytes:
    return json.dumps({**json.loads(line), **changes}, ensure_ascii=False).encode("utf-8")


def test_a_changed_line_is_found(tmp_path: Path):
    # given a log whose second line had its verdict changed by hand
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 4)
    lines[1] = _edited(lines[1], verdict="CLEAR")
    rewrite(path, lines)
    # when it is verified, then the chain breaks at that line
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (2, BreakKind.CHANGED) and "line 2 was changed" in found.detail


def test_the_first_line_changed_is_found(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 3)
    lines[0] = _edited(lines[0], user="someone else")
    rewrite(path, lines)
    assert (verify_chain(path).first_break.line, verify_chain(path).first_break.kind) == (1, BreakKind.CHANGED)


@pytest.mark.parametrize("removed, reported", [(0, 1), (2, 3), (1, 2)])
def test_a_removed_line_is_found(tmp_path: Path, removed, reported):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 5)
    del lines[removed]
    rewrite(path, lines)
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (reported, BreakKind.REMOVED) and "removed" in found.detail


def test_a_line_inserted_with_a_correct_link_is_found(tmp_path: Path):
    # given a forged event inserted after line 2 that links correctly to line 2 and takes the next number
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 4)
    forged = _edited(lines[1], seq=3, prev=line_hash(lines[1]), verdict="CLEAR", path="/media/forged.jpg")
    rewrite(path, lines[:2] + [forged] + lines[2:])
    # then the chain names the inserted line
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (3, BreakKind.INSERTED) and "line 4 chains to line 2" in found.detail


def test_a_line_inserted_without_a_link_is_found(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 4)
    forged = _edited(lines[1], seq=3, verdict="CLEAR")  # still links to line 1, as the copied line did
    rewrite(path, lines[:2] + [forged] + lines[2:])
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (3, BreakKind.INSERTED)


def test_a_duplicated_line_is_an_insertion(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 3)
    rewrite(path, lines[:2] + [lines[1]] + lines[2:])
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (3, BreakKind.INSERTED) and "a copy of line 2" in found.detail


def test_a_line_without_the_chain_is_reported(tmp_path: Path):
    # given a log from before the chain (or a line typed in by hand)
    path = tmp_path / "audit.jsonl"
    path.write_text(json.dumps({"event": "scan", "verdict": "CLEAR"}) + "\n")
    # when a scan appends to it, then the old line is reported and the new one still links to it
    write_log(path, 1)
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (1, BreakKind.UNCHAINED)
    assert json.loads(path.read_bytes().splitlines()[1])["prev"] == line_hash(path.read_bytes().splitlines()[0])


def test_random_bytes_over_the_start_break_the_chain(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    path.write_bytes(random.Random(11).randbytes(4096).replace(b"\n", b"x"))
    write_log(path, 2)
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (1, BreakKind.CHANGED) and "start of the log" in found.detail


def test_a_partly_written_last_line_is_reported_not_fatal(tmp_path: Path):
    # given a log whose last append was cut off by a crash
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 3)
    with open(path, "ab") as handle:
        handle.write(lines[2][:40])
    # when it is verified, then the torn line is reported and the chain up to it is intact
    verification = verify_chain(path)
    assert verification.intact and verification.torn_lines == (4,) and verification.head_line == 3
    # and after the next append, the new line stands on its own line, chains over the torn one, and verifies
    write_log(path, 1)
    after = path.read_bytes().splitlines()
    assert after[3] == lines[2][:40] and json.loads(after[4])["prev"] == line_hash(after[3])
    assert json.loads(after[4])["seq"] == 5
    verification = verify_chain(path)
    assert verification.intact and verification.torn_lines == (4,) and verification.head_line == 5


def test_a_torn_line_in_the_middle_that_nothing_chains_over_is_a_change(tmp_path: Path):
    path = tmp_path / "audit.jsonl"
    lines = write_log(path, 3)
    lines[1] = lines[1][:30]
    rewrite(path, lines)
    found = verify_chain(path).first_break
    assert (found.line, found.kind) == (2, BreakKind.CHANGED)


def test_a_noted_head_catches_a_log_rebuilt_from_scratch(tmp_path: Path):
    # given the head noted after two events
    path = tmp_path / "audit.jsonl"
    write_log(path, 2)
    noted = verify_chain(path)
    anchor = (noted.head_line, noted.head)
    write_log(path, 1)
    assert verify_chain(path, anchor).intact  # later appends leave the noted line as it was
    # when someone replaces the whole log with a consistent chain of their own
    path.unlink()
    write_log(path, 3)
    # then the chain alone looks intact, but the noted head no longer matches
    assert verify_chain(path).intact
    found = verify_chain(path, anchor).first_break
    assert (found.line, found.kind) == (2, BreakKind.CHANGED)
    # and a log cut short before the noted line fails too
    rewrite(path, path.read_bytes().splitlines()[:1])
    assert verify_chain(path, anchor).first_break.kind == BreakKind.REMOVED


def _append_events(path: str, worker: int, events: int) -> None:
    with AuditLog(Path(path)) as audit:
        for number in range(events):
            audit.scan(dataclasses.replace(REPORT, path=f"/media/{worker}-{number}.jpg"), Audience.PERSONAL, "p", {})


def test_several_processes_appending_at_once_keep_one_unbroken_chain(tmp_path: Path):
    # given four processes each appending 60 events to the same log at the same time
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_events, args=(str(path), worker, 60)) for worker in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [process.exitcode for process in workers] == [0] * 4
    # then every event is there once, numbered 1..240, and the chain is intact
    events = list(read_events(path))
    assert sorted(e["path"] for e in events) == sorted(f"/media/{w}-{n}.jpg" for w in range(4) for n in range(60))
    assert [e["seq"] for e in events] == list(range(1, 241))
    verification = verify_chain(path)
    assert verification.intact and verification.lines == 240
