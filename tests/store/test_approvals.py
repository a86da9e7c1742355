import dataclasses
import random
from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.store.approvals import Approval, ApprovalRegister, apply_approval, approve_report, note_register_unreadable
from media_screen.batch import BatchScan
from media_screen.config import ScanOptions
from media_screen.errors import StoreDamagedError
from media_screen.media import sha256_of
from media_screen.model import FileReport, Finding, Section, Severity, Verdict

APPROVAL = Approval("a" * 64, "Chief R. Example", "2025-03-01T10:00:00+00:00", "request 42")
B2 = Finding("department_item", Section.B2, Severity.PERMISSION, "item identifiable to the department: badge")
B10 = Finding("plate", Section.B10, Severity.REVIEW, "licence plate readable")
BLOCK = Finding("confidential", Section.B4, Severity.BLOCK, "confidential information")


def report(*findings) -> FileReport:
    return FileReport(path="x.png", verdict=Verdict.CLEAR, sha256="a" * 64, findings=findings)


def test_an_approval_lowers_b2_findings_to_review_and_says_who_approved():
    approved = apply_approval([B2, B10], APPROVAL)
    b2 = next(f for f in approved if f.section == Section.B2)
    assert b2.severity == Severity.REVIEW
    assert "approved by Chief R. Example on 2025-03-01" in b2.message
    assert b2.evidence["approved_by"] == "Chief R. Example" and b2.evidence["approval_note"] == "request 42"
    assert B10 in approved  # other sections untouched


def test_without_an_approval_findings_are_unchanged():
    assert apply_approval([B2, B10], None) == (B2, B10)


@pytest.mark.parametrize(
    "findings, verdict",
    [((B2,), Verdict.REVIEW), ((B2, B10), Verdict.REVIEW), ((B2, BLOCK), Verdict.DO_NOT_POST)],
)
def test_the_verdict_is_recomputed(findings, verdict):
    assert approve_report(report(*findings), APPROVAL).verdict == verdict


def test_an_approval_of_other_content_does_not_apply():
    other = Approval("b" * 64, "Chief", "2025-03-01T10:00:00+00:00")
    assert approve_report(report(B2), other) == report(B2)


def test_the_register_keeps_every_approval_and_the_latest_wins(tmp_path: Path):
    with ApprovalRegister(tmp_path / "approvals.sqlite3") as register:
        register.record("c" * 64, "Deputy Chief A", "", "/m/a.jpg", "pio")
        register.record("c" * 64, "Chief B", "renewed", "/m/a.jpg", "pio")
        assert register.find("c" * 64).approved_by == "Chief B"
        assert register.find("d" * 64) is None and register.find(None) is None
        assert [a.approved_by for a in register.all()] == ["Deputy Chief A", "Chief B"]


def test_approval_strings_are_cleaned(tmp_path: Path):
    with ApprovalRegister(tmp_path / "approvals.sqlite3") as register:
        approval = register.record("c" * 64, "Chief\x1b[31m X\u202e", "note\nline", "/m/a.jpg", "pio")
    assert approval.approved_by == "Chief[31m X" and approval.note == "note line"


def test_a_scan_applies_the_approval_until_the_file_changes(tmp_path: Path, profile, monkeypatch):
    # given a photo with a badge (B.2 only) and the test badge detector
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    photo = tmp_path / "in" / "badge.png"
    photo.parent.mkdir()
    picture = Image.new("RGB", (80, 60), (0, 255, 0))
    picture.save(photo)
    options = ScanOptions(detectors=("badge_stub",))
    register = ApprovalRegister(tmp_path / "approvals.sqlite3")

    def verdict():
        with BatchScan([photo], profile, options, jobs=0, approvals=register) as batch:
            return next(iter(batch))

    assert verdict().report.verdict == Verdict.PERMISSION_REQUIRED
    # when the Chief approves this exact file
    register.record(sha256_of(photo), "Chief R. Example", "", str(photo), "pio")
    # then the next scan shows the B.2 finding as approved and the verdict is REVIEW
    result = verdict()
    assert result.report.verdict == Verdict.REVIEW and result.approval.approved_by == "Chief R. Example"
    assert result.report.findings[0].evidence["approved_by"] == "Chief R. Example"
    # and a modified file loses the approval
    picture.putpixel((40, 30), (1, 2, 3))
    picture.save(photo)
    assert verdict().report.verdict == Verdict.PERMISSION_REQUIRED


def damaged(path: Path) -> Path:
    path.write_bytes(random.Random(11).randbytes(4096))
    return path


def test_an_unreadable_register_counts_as_no_approval_and_the_report_says_so(tmp_path: Path, profile, monkeypatch):
    # given a badge photo the Chief approved, then a register overwritten with random bytes
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    photo = tmp_path / "badge.png"
    Image.new("RGB", (80, 60), (0, 255, 0)).save(photo)
    path = tmp_path / "approvals.sqlite3"
    with ApprovalRegister(path) as register:
        register.record(sha256_of(photo), "Chief R. Example", "", str(photo), "pio")
    damaged(path)
    # when the photo is scanned
    with ApprovalRegister(path) as register, BatchScan([photo], profile, ScanOptions(detectors=("badge_stub",)),
                                                       jobs=0, approvals=register) as batch:
        (result,) = list(batch)
    # then no approval applies: B.2 stays PERMISSION_REQUIRED, and its finding says why
    assert result.report.verdict == Verdict.PERMISSION_REQUIRED and result.approval is None
    (b2,) = result.report.findings
    assert "approval register could not be read" in b2.message and b2.evidence["approval"] == "register unreadable"
    assert register.damage.store == "approval register" and "move it aside" in str(register.damage)


def test_the_unreadable_register_note_leaves_other_findings_and_the_verdict_alone():
    noted = note_register_unreadable(dataclasses.replace(report(B2, B10), verdict=Verdict.PERMISSION_REQUIRED))
    assert noted.verdict == Verdict.PERMISSION_REQUIRED and noted.findings[1] == B10
    assert noted.findings[0].severity == Severity.PERMISSION
    assert note_register_unreadable(report(B10)) == report(B10)  # nothing to say without a B.2 finding


@pytest.mark.parametrize("command", [lambda r: r.all(), lambda r: r.record("c" * 64, "Chief", "", "/m/a.jpg", "pio")])
def test_listing_or_recording_in_a_damaged_register_raises_the_damage(tmp_path: Path, command):
    with ApprovalRegister(damaged(tmp_path / "approvals.sqlite3")) as register:
        assert register.find("c" * 64) is None  # a lookup is answered: no approval
        with pytest.raises(StoreDamagedError, match="approval register .* is damaged"):
            command(register)
