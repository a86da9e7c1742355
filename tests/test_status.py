import pytest

from media_screen.config import FailOn
from media_screen.model import Verdict
from media_screen.status import ExitStatus, exit_status

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
