from pathlib import Path

import pytest

from media_screen.config import FailOn
from media_screen.model import Verdict
from media_screen.status import ExitStatus, audit_verify_exit_status, exit_status
from media_screen.store.audit import BreakKind, ChainBreak, ChainVerification

V = Verdict


@pytest.mark.parametrize(
    "verdicts, fail_on, status",
    [
        ([], FailOn.REVIEW, ExitStatus.OK),
        ([V.CLEAR], FailOn.REVIEW, ExitStatus.OK),
        ([V.CLEAR, V.REVIEW], FailOn.REVIEW, ExitStatus.FINDINGS),
        ([V.REVIEW], FailOn.PERMISSION, ExitStatus.OK),
        ([V.PERMISSION_REQUIRED], FailOn.PERMISSION, ExitStatus.FINDINGS),
        ([V.PERMISSION_REQUIRED], FailOn.BLOCK, ExitStatus.OK),
        ([V.DO_NOT_POST], FailOn.BLOCK, ExitStatus.FINDINGS),
        ([V.DO_NOT_POST, V.ERROR], FailOn.REVIEW, ExitStatus.ERROR),  # errors take precedence
        ([V.ERROR], FailOn.BLOCK, ExitStatus.ERROR),
    ],
)
def test_exit_status(verdicts, fail_on, status):
    assert exit_status(verdicts, fail_on) == status


@pytest.mark.parametrize(
    "verification, status",
    [
        (ChainVerification(Path("a"), exists=False), ExitStatus.OK),
        (ChainVerification(Path("a"), exists=True, lines=3, torn_lines=(3,)), ExitStatus.OK),  # a crash, not an edit
        (ChainVerification(Path("a"), True, 3, first_break=ChainBreak(2, BreakKind.CHANGED, "")), ExitStatus.FINDINGS),
        (ChainVerification(Path("a"), True, 3, first_break=ChainBreak(4, BreakKind.REMOVED, "")), ExitStatus.FINDINGS),
    ],
)
def test_audit_verify_exit_status(verification, status):
    assert audit_verify_exit_status(verification) == status
