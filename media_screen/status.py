"""Exit codes: one enum, and the one function that maps results to a code."""

from __future__ import annotations

import enum
from typing import Iterable

from media_screen.config import FailOn
from media_screen.model import Verdict

_THRESHOLD = {
    FailOn.REVIEW: Verdict.REVIEW,
    FailOn.PERMISSION: Verdict.PERMISSION_REQUIRED,
    FailOn.BLOCK: Verdict.DO_NOT_POST,
}


class ExitStatus(enum.IntEnum):
    OK = 0  # nothing at or above --fail-on
    FINDINGS = 1  # at least one file at or above --fail-on
    USAGE = 2  # bad command line or profile
    ERROR = 3  # at least one file could not be analysed (takes precedence)


EXIT_CODES_HELP = (
    "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; "
    "2 usage error; 3 at least one file could not be analysed (takes precedence)."
)


def exit_status(verdicts: Iterable[Verdict], fail_on: FailOn) -> ExitStatus:
    worst = max(verdicts, default=Verdict.CLEAR)
    if worst == Verdict.ERROR:
        return ExitStatus.ERROR
    return ExitStatus.FINDINGS if worst >= _THRESHOLD[fail_on] else ExitStatus.OK
