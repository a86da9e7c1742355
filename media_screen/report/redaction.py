"""RedactionReport -> table, JSON, JSON Lines, CSV: what each copy lost, and the re-scan that proves it.

JSON follows the `media-screen-redact/1` schema: per file the source, the copy,
status, method, obscured regions (kind, box, frames), removed metadata, kept
metadata, problems, the rounds of masking and re-scanning, and the re-scan of the copy in the `media-screen/1` shape.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from rich.console import Group
from rich.table import Table
from rich.text import Text

from media_screen.model import Audience, ObscuredRegion, RedactionReport, RedactionStatus, Severity, Verdict
from media_screen.policy import format_time
from media_screen.report.serialize import file_dict
from media_screen.report.table import VERDICT_STYLE
from media_screen.report.text import safe_csv_cell, to_json
from media_screen.sanitize import clean_text

SCHEMA = "media-screen-redact/1"
CSV_COLUMNS = ["source", "output", "status", "action", "kind", "detail", "box", "first_frame", "last_frame", "frames"]
STATUS_STYLE = {RedactionStatus.WRITTEN: "green", RedactionStatus.FAILED: "bold white on red"}


def region_dict(region: ObscuredRegion) -> dict:
    return {
        "kind": region.kind.value,
        "shape": region.shape,
        "style": region.style,
        "box": region.box.as_list(),
        "score": round(region.score, 4),
        "detector": region.detector,
        "first_frame": region.first_frame,
        "last_frame": region.last_frame,
        "frames": region.frames,
        "time_s": region.time_s,
        "end_s": region.end_s,
    }


def redaction_dict(report: RedactionReport) -> dict:
    return {
        "source": report.source,  # exact paths: to_json escapes what is unsafe to print
        "source_sha256": report.source_sha256,
        "output": report.output or None,
        "status": report.status.value,
        "method": report.method,
        "obscured": [region_dict(r) for r in report.obscured],
        "removed_metadata": [{"item": clean_text(m.item), "detail": clean_text(m.detail)} for m in report.removed],
        "removed_facts": [
            {"kind": f.kind.value, "key": clean_text(f.key), "value": clean_text(f.value), "source": f.source}
            for f in report.removed_facts
        ],
        "kept_metadata": list(report.kept),
        "problems": [clean_text(p, 400) for p in report.problems],
        "frames_total": report.frames_total,
        "frames_unmasked": report.frames_unmasked,
        "rounds": report.rounds,
        "rescan": file_dict(report.rescan) if report.rescan else None,
        "rescan_detectors": list(report.rescan_detectors),
        "rescan_unchecked": list(report.rescan_unchecked),
        "timings_s": dict(report.timings),
    }


def redaction_summary(reports: list[RedactionReport]) -> dict:
    counts = Counter(r.status for r in reports)
    return {"files": len(reports), "status": {s.value: counts.get(s, 0) for s in RedactionStatus}}


def render_redaction_json(reports: list[RedactionReport], audience: Audience) -> str:
    document = {
        "schema": SCHEMA,
        "audience": audience.value,
        "files": [redaction_dict(r) for r in reports],
        "summary": redaction_summary(reports),
    }
    return to_json(document, indent=2)


def render_redaction_jsonl_line(report: RedactionReport, audience: Audience) -> str:
    return to_json({"schema": SCHEMA, "audience": audience.value, **redaction_dict(report)})


def render_redaction_csv(reports: list[RedactionReport]) -> str:
    """One row per action (obscured region, removed item, kept item, problem); a file with none gets one row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        base = {"source": report.source, "output": report.output or "", "status": report.status.value}
        rows = [
            {"action": "obscured", "kind": r.kind.value, "detail": f"{r.style} {r.shape} {r.detector} {r.score:.2f}",
             "box": " ".join(str(v) for v in r.box.as_list()), "first_frame": r.first_frame,
             "last_frame": r.last_frame, "frames": r.frames}
            for r in report.obscured
        ]
        rows += [{"action": "removed", "kind": m.item, "detail": m.detail} for m in report.removed]
        rows += [{"action": "removed", "kind": f.kind.value, "detail": f"{f.key} = {f.value}"}
                 for f in report.removed_facts]
        rows += [{"action": "kept", "kind": name} for name in report.kept]
        rows += [{"action": "problem", "detail": p} for p in report.problems]
        if report.status is RedactionStatus.WRITTEN and report.rescan is not None:
            rows.append({"action": "copy screened", "kind": report.rescan.verdict.name, "detail": _copy_detail(report)})
        for row in rows or [{}]:
            cells = {**base, **row}
            writer.writerow({k: safe_csv_cell(clean_text(v, 400)) if isinstance(v, str) else v
                             for k, v in cells.items()})
    return out.getvalue()


def _frames(region: ObscuredRegion) -> str:
    if region.first_frame is None:
        return ""
    text = f" frames {region.first_frame}-{region.last_frame} ({region.frames} masked)"
    if region.time_s is not None and region.end_s is not None:
        text += f" {format_time(region.time_s)}-{format_time(region.end_s)}"
    return text


def _changes(report: RedactionReport) -> Text:
    text = Text()
    for problem in report.problems:
        text.append(f"problem: {clean_text(problem, 300)}\n", style="red")
    if report.method:
        text.append(report.method + "\n", style="dim")
    for region in report.obscured:
        text.append(f"obscured {region.kind.value} ({region.style} {region.shape}) box {region.box.as_list()}"
                    f"{_frames(region)}\n")
    written = report.status is RedactionStatus.WRITTEN
    if report.removed_facts:  # with no copy, nothing was removed: the input still holds them
        facts = ", ".join(sorted({f"{f.kind.value}" for f in report.removed_facts}))
        text.append(f"removed facts: {facts}\n" if written else f"the input still holds (no copy): {facts}\n")
    if report.removed and written:
        text.append("removed: " + "; ".join(clean_text(m.item, 60) for m in report.removed) + "\n")
    if report.kept and written:
        text.append("kept: " + ", ".join(report.kept) + "\n")
    if report.frames_total is not None:
        text.append(f"frames: {report.frames_total}, unmasked tracked frames: {report.frames_unmasked}\n")
    if report.rounds > 1:
        text.append(f"rounds: {report.rounds} (the re-scan found more to mask; the last copy was re-scanned)\n")
    if written and report.rescan is not None:
        text.append_text(_copy_verdict(report))
    text.rstrip()
    return text


def _copy_verdict(report: RedactionReport) -> Text:
    """The copy's own verdict and what it still shows that the redaction did not mask (a weapon, a crime scene):
    what a scan of the copy would say, or, after `--rescan targets`, what it was not checked for."""
    rescan = report.rescan
    text = Text("copy screened: ")
    text.append(rescan.verdict.name, style=VERDICT_STYLE[rescan.verdict])
    if report.rescan_unchecked:
        text.append(f" for the redaction's targets only; {_not_checked(report)}", style="dim")
    text.append("\n")
    for shown in _still_shows(report):
        text.append(f"  still shows {clean_text(shown, 220)}\n")
    return text


def _still_shows(report: RedactionReport) -> list[str]:
    """Each finding of the copy's re-scan above information: "[B.5] review: weapon visible ..."."""
    return [f"[{f.section.value}] {f.severity.label}: {f.message}" for f in report.rescan.findings
            if f.severity is not Severity.INFO]


def _not_checked(report: RedactionReport) -> str:
    return "not checked: " + ", ".join(report.rescan_unchecked)


def _copy_detail(report: RedactionReport) -> str:
    """What the copy still shows, and what it was not checked for, in one line."""
    return "; ".join(_still_shows(report) + ([_not_checked(report)] if report.rescan_unchecked else []))


def render_redaction_table(reports: list[RedactionReport], audience: Audience) -> Group:
    table = Table(title=f"media-screen redact: audience {audience.value}", show_lines=True, expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("file -> copy", overflow="fold")
    table.add_column("what changed", overflow="fold")
    for report in reports:
        where = clean_text(report.source, 4096)
        if report.output:
            where += f"\n-> {clean_text(report.output, 4096)}"
        table.add_row(Text(report.status.value.upper(), style=STATUS_STYLE[report.status]), where, _changes(report))
    counts = redaction_summary(reports)["status"]
    line = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    showing = sum(1 for r in reports
                  if r.status is RedactionStatus.WRITTEN and r.rescan and r.rescan.verdict is not Verdict.CLEAR)
    if showing:
        copies = "1 copy still shows" if showing == 1 else f"{showing} copies still show"
        line += f"; {copies} what no redaction target masks (see 'still shows')"
    return Group(table, Text(f"{len(reports)} file(s): {line or 'none'}"))
