"""Run by tests/test_offline_syscalls.py under strace: a real batch scan whose workers stay alive afterwards.

Native telemetry fires some seconds after a library is imported, in whichever process imported it,
so a fast scan could end before it would have fired. This runs the scan the `scan` command runs
(BatchScan with worker processes, the result cache, the approval register and the audit log), then
leaves the batch open, its workers idle with their models loaded, until --hold seconds after the
first result. Every worker is started before the first result, so each lives at least that long.
Prints one JSON line: how many files were reported.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from media_screen.store.approvals import ApprovalRegister
from media_screen.store.audit import AuditLog
from media_screen.batch.scan import BatchScan
from media_screen.store.cache import ResultCache
from media_screen.config import ScanOptions, load_profile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hold", type=float, default=20.0, help="Seconds the workers live after the first result.")
    args = parser.parse_args(argv)
    with ResultCache() as cache, ApprovalRegister() as approvals, AuditLog() as audit:
        batch = BatchScan(args.paths, load_profile(), ScanOptions(), jobs=args.jobs, cache=cache,
                          approvals=approvals, audit=audit)
        with batch:
            results = iter(batch)
            verdicts = [next(results).report.verdict.name]
            first = time.monotonic()
            verdicts += [next(results).report.verdict.name for _ in batch.paths[1:]]
            # the generator is not exhausted, so it has not reached the `finally` that stops the workers
            time.sleep(max(0.0, first + args.hold - time.monotonic()))
    print(json.dumps({"files": len(verdicts), "verdicts": verdicts}))


if __name__ == "__main__":
    main()
