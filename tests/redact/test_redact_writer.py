"""The writer thread: jobs run one at a time in the order given, and a job's error reaches the caller."""

from __future__ import annotations

import threading
import time

import pytest

from media_screen.redact.writer import BACKLOG, Writer


def test_jobs_run_in_order_on_one_other_thread():
    # given jobs of uneven length submitted in order
    done, threads = [], set()

    def job(number: int, pause: float) -> None:
        time.sleep(pause)
        threads.add(threading.get_ident())
        done.append(number)

    writer = Writer()
    for number in range(20):
        writer.submit(job, number, 0.004 if number % 3 == 0 else 0.0)
    writer.close()
    # then they ran in that order, on a single thread that is not the caller's
    assert done == list(range(20))
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_no_more_than_the_backlog_waits():
    gate = threading.Event()
    writer = Writer()
    started = time.perf_counter()
    threading.Timer(0.2, gate.set).start()
    for _ in range(BACKLOG + 2):  # the submit beyond the backlog waits for the first job
        writer.submit(gate.wait)
    assert time.perf_counter() - started >= 0.15
    writer.close()


def test_an_encoder_error_is_raised_to_the_caller_and_nothing_runs_once_abandoned():
    ran = []

    def fail() -> None:
        raise ValueError("encoder refused the frame")

    writer = Writer()
    with pytest.raises(ValueError, match="encoder refused"):
        writer.submit(fail)
        for number in range(BACKLOG + 2):
            writer.submit(ran.append, number)
        writer.close()
    writer.abandon()  # after an error the caller abandons; safe twice
    writer.abandon()
    with pytest.raises(RuntimeError):
        writer.submit(ran.append, 99)
    assert 99 not in ran
