import base64
import dataclasses
import random
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.batch.scan import BatchScan
from media_screen.config import Approver, ScanOptions
from media_screen.errors import StoreDamagedError
from media_screen.inputs.source import sha256_of
from media_screen.model import FileReport, Finding, Section, Severity, Verdict
from media_screen.store.approvals import (
    Approval,
    ApprovalCheck,
    ApprovalRegister,
    apply_approval,
    approve_report,
    check_approval,
    honour_approvals,
    note_register_unreadable,
    sign_approval,
)
from media_screen.store.keys import create_key, load_signer

APPROVAL = Approval("a" * 64, "Chief R. Example", "2025-03-01T10:00:00+00:00", "request 42")
B2 = Finding("department_item", Section.B2, Severity.PERMISSION, "item identifiable to the department: badge")
B10 = Finding("plate", Section.B10, Severity.REVIEW, "licence plate readable")
BLOCK = Finding("confidential", Section.B4, Severity.BLOCK, "confidential information")
WHEN = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)


def report(*findings) -> FileReport:
    return FileReport(path="x.png", verdict=Verdict.CLEAR, sha256="a" * 64, findings=findings)


def signer_named(tmp_path: Path, name: str):
    return load_signer(create_key(name, path=tmp_path / name.replace(" ", "_") / "key.pem").private_path)


@pytest.fixture()
def chief(tmp_path: Path):
    return signer_named(tmp_path, "Chief R. Example")


@pytest.fixture()
def outsider(tmp_path: Path):
    return signer_named(tmp_path, "Outsider")


def trusting(*signers) -> tuple[Approver, ...]:
    return tuple(Approver(s.public.name, s.public.key) for s in signers)


# -- applying an approval (pure) ----------------------------------------------------------------

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


# -- signatures ---------------------------------------------------------------------------------

def test_a_signed_approval_verifies_against_a_trusted_key(chief):
    approval = sign_approval(chief, "a" * 64, "request 42", now=WHEN)
    checked = check_approval(approval, trusting(chief))
    assert checked.check == ApprovalCheck.VERIFIED and checked.signer == "Chief R. Example"
    assert approval.approved_by == "Chief R. Example" and approval.approved_at == "2025-03-01T10:00:00+00:00"


@pytest.mark.parametrize(
    "edit",
    [
        {"note": "request 43"},
        {"approved_by": "Chief Someone Else"},
        {"approved_at": "2030-01-01T00:00:00+00:00"},
        {"sha256": "b" * 64},  # the signature copied onto another file's approval
    ],
)
def test_any_signed_field_changed_by_hand_breaks_the_signature(chief, edit):
    approval = dataclasses.replace(sign_approval(chief, "a" * 64, "request 42", now=WHEN), **edit)
    assert check_approval(approval, trusting(chief)).check == ApprovalCheck.BAD_SIGNATURE


def test_an_approval_signed_by_a_key_the_profile_does_not_list_is_untrusted(chief, outsider):
    approval = sign_approval(outsider, "a" * 64, now=WHEN)
    checked = check_approval(approval, trusting(chief))
    assert checked.check == ApprovalCheck.UNTRUSTED_KEY and checked.signer is None


def test_a_foreign_signature_under_a_trusted_key_does_not_verify(chief, outsider):
    # given an outsider's signed approval whose key column was swapped for the Chief's public key
    approval = dataclasses.replace(sign_approval(outsider, "a" * 64, now=WHEN), public_key=chief.public.key)
    # then the signature does not verify under the Chief's key
    assert check_approval(approval, trusting(chief)).check == ApprovalCheck.BAD_SIGNATURE


def test_an_unsigned_approval_is_unsigned(chief):
    assert check_approval(APPROVAL, trusting(chief)).check == ApprovalCheck.UNSIGNED


def test_the_approver_is_named_as_the_profile_names_the_key(tmp_path: Path):
    # given a key the profile trusts as "Deputy Chief A", used to sign an approval claiming to be the Chief's
    deputy = signer_named(tmp_path, "Deputy Chief A")
    approval = sign_approval(deputy, "a" * 64, approved_by="Chief B", now=WHEN)
    # when a report is settled against the register
    checked = (check_approval(approval, trusting(deputy)),)
    settled, applied = honour_approvals(report(B2), checked)
    # then it counts, but as the Deputy's approval: the name comes from the profile, not from the register
    assert settled.verdict == Verdict.REVIEW and applied.approved_by == "Deputy Chief A"
    assert "approved by Deputy Chief A" in settled.findings[0].message


def test_an_unverified_approval_lowers_nothing_and_the_report_says_why(chief, outsider):
    # given only an approval signed by a key the profile does not list
    checked = (check_approval(sign_approval(outsider, "a" * 64, now=WHEN), trusting(chief)),)
    # when the report is settled
    settled, applied = honour_approvals(dataclasses.replace(report(B2, B10), verdict=Verdict.PERMISSION_REQUIRED),
                                        checked)
    # then B.2 stays PERMISSION, and its finding names the claimed approver and the reason
    assert applied is None and settled.verdict == Verdict.PERMISSION_REQUIRED
    b2 = settled.findings[0]
    assert b2.severity == Severity.PERMISSION and "claimed by Outsider" in b2.message
    assert "does not list" in b2.message and b2.evidence["approval"] == "not verified: untrusted key"
    assert settled.findings[1] == B10


def test_a_verified_approval_counts_even_when_a_newer_row_does_not_verify(chief, outsider):
    trusted = trusting(chief)
    older = check_approval(sign_approval(chief, "a" * 64, now=WHEN), trusted)
    newer_forged = check_approval(dataclasses.replace(APPROVAL, approved_by="Forger"), trusted)
    settled, applied = honour_approvals(report(B2), (newer_forged, older))
    assert applied is not None and applied.approved_by == "Chief R. Example" and settled.verdict == Verdict.REVIEW


# -- the register -------------------------------------------------------------------------------

def test_the_register_keeps_every_approval_and_looks_them_up_newest_first(tmp_path: Path, chief, outsider):
    with ApprovalRegister(tmp_path / "approvals.sqlite3") as register:
        register.record(sign_approval(outsider, "c" * 64, "first", "/m/a.jpg", "pio"))
        register.record(sign_approval(chief, "c" * 64, "renewed", "/m/a.jpg", "pio"))
        found = register.lookup("c" * 64, trusting(chief))
        assert [(c.approval.note, c.check) for c in found] == [
            ("renewed", ApprovalCheck.VERIFIED), ("first", ApprovalCheck.UNTRUSTED_KEY)]
        assert register.lookup("d" * 64, trusting(chief)) == () and register.lookup(None, ()) == ()
        assert [a.note for a in register.all()] == ["first", "renewed"]


def test_approval_strings_are_cleaned_before_they_are_signed(tmp_path: Path, chief):
    approval = sign_approval(chief, "c" * 64, "note\nline\x1b[2J", "/m/a.jpg", "pio", approved_by="Chief\u202e X")
    assert approval.approved_by == "Chief X" and approval.note == "note line[2J"
    with ApprovalRegister(tmp_path / "approvals.sqlite3") as register:
        register.record(approval)
        (stored,) = register.lookup("c" * 64, trusting(chief))
    assert stored.check == ApprovalCheck.VERIFIED


def test_a_register_made_before_signing_is_upgraded_and_its_rows_count_as_unsigned(tmp_path: Path, chief):
    # given a register in the old layout (no key or signature columns) holding one approval
    path = tmp_path / "approvals.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE approvals (id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, "
                   "approved_by TEXT NOT NULL, approved_at TEXT NOT NULL, note TEXT NOT NULL, path TEXT NOT NULL, "
                   "recorded_by TEXT NOT NULL)")
        db.execute("INSERT INTO approvals (sha256, approved_by, approved_at, note, path, recorded_by) "
                   "VALUES (?, 'Chief', '2025-01-01T00:00:00+00:00', '', '/m/a.jpg', 'pio')", ("c" * 64,))
    db.close()
    # when it is opened, then the old approval is there but unsigned, and new signed ones can be added
    with ApprovalRegister(path) as register:
        assert [c.check for c in register.lookup("c" * 64, trusting(chief))] == [ApprovalCheck.UNSIGNED]
        register.record(sign_approval(chief, "c" * 64))
        assert register.lookup("c" * 64, trusting(chief))[0].check == ApprovalCheck.VERIFIED


# -- scans --------------------------------------------------------------------------------------

@pytest.fixture()
def badge_photo(tmp_path: Path, monkeypatch) -> Path:
    """A photo the test badge detector reports as a department item (B.2 only)."""
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    photo = tmp_path / "in" / "badge.png"
    photo.parent.mkdir()
    Image.new("RGB", (80, 60), (0, 255, 0)).save(photo)
    return photo


def scanned(photo: Path, profile, register: ApprovalRegister):
    with BatchScan([photo], profile, ScanOptions(detectors=("badge_stub",)), jobs=0, approvals=register) as batch:
        return next(iter(batch))


def test_a_valid_signature_lowers_permission_required_until_the_file_changes(tmp_path, profile, badge_photo, chief):
    # given a profile that trusts the Chief's key, and a badge photo that needs permission
    profile = dataclasses.replace(profile, approvers=trusting(chief))
    register = ApprovalRegister(tmp_path / "approvals.sqlite3")
    assert scanned(badge_photo, profile, register).report.verdict == Verdict.PERMISSION_REQUIRED
    # when the Chief signs an approval of this exact file
    register.record(sign_approval(chief, sha256_of(badge_photo), "press release", str(badge_photo), "pio"))
    # then the next scan shows the B.2 finding as approved and the verdict is REVIEW
    result = scanned(badge_photo, profile, register)
    assert result.report.verdict == Verdict.REVIEW and result.approval.approved_by == "Chief R. Example"
    assert result.report.findings[0].evidence["approved_by"] == "Chief R. Example"
    assert result.report.findings[0].evidence["approval_key"] == chief.public.fingerprint
    # and a modified file loses the approval
    picture = Image.open(badge_photo)
    picture.putpixel((40, 30), (1, 2, 3))
    picture.save(badge_photo)
    assert scanned(badge_photo, profile, register).report.verdict == Verdict.PERMISSION_REQUIRED


def test_a_profile_without_approvers_honours_no_approval(tmp_path, profile, badge_photo, chief):
    register = ApprovalRegister(tmp_path / "approvals.sqlite3")
    register.record(sign_approval(chief, sha256_of(badge_photo)))
    assert profile.approvers == ()  # the built-in profile trusts nobody
    assert scanned(badge_photo, profile, register).report.verdict == Verdict.PERMISSION_REQUIRED


def _insert_row(database: Path, **values) -> None:
    columns = ", ".join(values)
    with sqlite3.connect(database) as db:
        db.execute(f"INSERT INTO approvals ({columns}) VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
    db.close()


@pytest.mark.parametrize(
    "signature, check",
    [("", "unsigned"), (base64.b64encode(bytes(range(64))).decode(), "bad signature")],
)
def test_a_row_forged_into_the_register_lowers_nothing(tmp_path, profile, badge_photo, chief, signature, check):
    # given a register into which someone wrote an approval row with sqlite3, naming the Chief and his key
    path = tmp_path / "approvals.sqlite3"
    ApprovalRegister(path).close()
    _insert_row(path, sha256=sha256_of(badge_photo), approved_by="Chief R. Example",
                approved_at="2025-03-01T10:00:00+00:00", note="", path=str(badge_photo), recorded_by="pio",
                public_key=chief.public.key, signature=signature)
    # when the photo is scanned with a profile that trusts the Chief's key
    with ApprovalRegister(path) as register:
        result = scanned(badge_photo, dataclasses.replace(profile, approvers=trusting(chief)), register)
    # then the forged row lowers nothing, and the B.2 finding says an approval did not verify
    assert result.report.verdict == Verdict.PERMISSION_REQUIRED and result.approval is None
    assert result.report.findings[0].evidence["approval"] == f"not verified: {check}"


def test_a_note_edited_by_hand_voids_the_approval(tmp_path, profile, badge_photo, chief):
    # given a genuine signed approval of the photo
    path = tmp_path / "approvals.sqlite3"
    with ApprovalRegister(path) as register:
        register.record(sign_approval(chief, sha256_of(badge_photo), "for the press office only"))
    # when its note is edited in the database
    with sqlite3.connect(path) as db:
        db.execute("UPDATE approvals SET note = 'for any use'")
    db.close()
    # then a scan no longer honours it
    with ApprovalRegister(path) as register:
        result = scanned(badge_photo, dataclasses.replace(profile, approvers=trusting(chief)), register)
    assert result.report.verdict == Verdict.PERMISSION_REQUIRED
    assert "signature does not match" in result.report.findings[0].message


def test_an_approval_signed_by_a_foreign_key_lowers_nothing(tmp_path, profile, badge_photo, chief, outsider):
    with ApprovalRegister(tmp_path / "approvals.sqlite3") as register:
        register.record(sign_approval(outsider, sha256_of(badge_photo), approved_by="Chief R. Example"))
        result = scanned(badge_photo, dataclasses.replace(profile, approvers=trusting(chief)), register)
    assert result.report.verdict == Verdict.PERMISSION_REQUIRED
    assert result.report.findings[0].evidence["approval"] == "not verified: untrusted key"


# -- a damaged register -------------------------------------------------------------------------

def damaged(path: Path) -> Path:
    path.write_bytes(random.Random(11).randbytes(4096))
    return path


def test_an_unreadable_register_counts_as_no_approval_and_the_report_says_so(tmp_path, profile, badge_photo, chief):
    # given a badge photo the Chief approved, then a register overwritten with random bytes
    path = tmp_path / "approvals.sqlite3"
    with ApprovalRegister(path) as register:
        register.record(sign_approval(chief, sha256_of(badge_photo)))
    damaged(path)
    # when the photo is scanned
    with ApprovalRegister(path) as register:
        result = scanned(badge_photo, dataclasses.replace(profile, approvers=trusting(chief)), register)
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


@pytest.mark.parametrize("command", [lambda r: r.all(), lambda r: r.record(APPROVAL)])
def test_listing_or_recording_in_a_damaged_register_raises_the_damage(tmp_path: Path, command):
    with ApprovalRegister(damaged(tmp_path / "approvals.sqlite3")) as register:
        assert register.lookup("c" * 64, ()) == ()  # a lookup is answered: no approval
        with pytest.raises(StoreDamagedError, match="approval register .* is damaged"):
            command(register)
