"""Exit codes: one enum, and the functions that map results to a code (scan, redact, audit verify)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Iterable

from media_screen.config import FailOn
from media_screen.model import RedactionReport, RedactionStatus, Verdict

if TYPE_CHECKING:
    from media_screen.store.audit import ChainVerification

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
    "2 usage error; 3 at least one file could not be analysed, or the scan was interrupted (takes precedence)."
)


def exit_status(verdicts: Iterable[Verdict], fail_on: FailOn) -> ExitStatus:
    worst = max(verdicts, default=Verdict.CLEAR)
    if worst == Verdict.ERROR:
        return ExitStatus.ERROR
    return ExitStatus.FINDINGS if worst >= _THRESHOLD[fail_on] else ExitStatus.OK


REDACT_EXIT_CODES_HELP = (
    "Exit codes: 0 every copy written and re-scanned clean of what --what masks (the report says what else a "
    "copy still shows); 1 at least one copy still gave something away "
    "and was removed; 2 usage error (e.g. --out inside an input folder); 3 at least one file could not be "
    "read, redacted or written (takes precedence)."
)


def redact_exit_status(reports: Iterable[RedactionReport]) -> ExitStatus:
    """0 all clean; 1 a copy failed its re-scan (and was removed); 3 a file could not be redacted at all."""
    status = ExitStatus.OK
    for report in reports:
        if report.status == RedactionStatus.WRITTEN:
            continue
        if report.rescan is None or report.rescan.error:
            return ExitStatus.ERROR
        status = ExitStatus.FINDINGS
    return status


AUDIT_VERIFY_EXIT_CODES_HELP = (
    "Exit codes: 0 the chain is intact (a missing log, or a last line torn by a crash, is reported but is "
    "not a break); 1 a line was changed, removed or inserted, or the --head noted earlier no longer matches; "
    "2 usage error; 3 the log cannot be read."
)


def audit_verify_exit_status(verification: "ChainVerification") -> ExitStatus:
    return ExitStatus.OK if verification.intact else ExitStatus.FINDINGS
