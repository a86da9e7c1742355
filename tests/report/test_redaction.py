"""The redaction report's table (media_screen/report/redaction.py): what it says a copy changed, and what a file
without a copy still holds."""

from __future__ import annotations

from rich.console import Console

from media_screen.model import Audience, FactKind, MetadataFact, RedactionReport, RedactionStatus, RemovedMetadata
from media_screen.report.redaction import render_redaction_table

SERIAL = MetadataFact(FactKind.DEVICE_SERIAL, "BodySerialNumber", "393075004029", "EXIF BodySerialNumber")


def table_text(report: RedactionReport) -> str:
    console = Console(width=200, record=True)
    console.print(render_redaction_table([report], Audience.COVERT))
    return console.export_text()


def test_a_written_copy_says_what_was_removed():
    # given a copy written without the input's serial number and EXIF block
    report = RedactionReport("in/a.jpg", RedactionStatus.WRITTEN, output="out/a.jpg", removed_facts=(SERIAL,),
                             removed=(RemovedMetadata("APP1 Exif"),), kept=("ICC profile",))
    # when the table is drawn, then it says they were removed and what was kept
    text = table_text(report)
    assert "removed facts: device_serial" in text and "removed: APP1 Exif" in text and "kept: ICC profile" in text


def test_a_failed_file_says_its_input_still_holds_the_facts_and_removed_nothing():
    # given a redaction that failed (past its time bound) after reading the input's metadata
    report = RedactionReport("in/a.mp4", RedactionStatus.FAILED, removed_facts=(SERIAL,),
                             removed=(RemovedMetadata("container tags"),),
                             problems=("redaction exceeded 1 s (during first pass, frame 6)",))
    # when the table is drawn
    text = table_text(report)
    # then nothing is said to be removed: there is no copy, and the input still holds its serial number
    assert "the input still holds (no copy): device_serial" in text
    assert "removed" not in text and "kept" not in text
    assert "problem: redaction exceeded 1 s" in text
