from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.approvals import Approval, ApprovalRegister, apply_approval, approve_report
from media_screen.batch import BatchScan
from media_screen.config import ScanOptions
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
