"""The human-readable table: files grouped by verdict, worst first, with a summary line."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from media_screen.model import Audience, FileReport, MediaType, Severity, Verdict
from media_screen.policy import format_time
from media_screen.report.serialize import skipped_line, summary
from media_screen.sanitize import clean_text

SKIPPED_SHOWN = 10  # skipped files named under the table; the JSON lists them all

VERDICT_STYLE = {
    Verdict.CLEAR: "green",
    Verdict.REVIEW: "yellow",
    Verdict.PERMISSION_REQUIRED: "magenta",
    Verdict.DO_NOT_POST: "bold red",
    Verdict.ERROR: "bold white on red",
}


def _reasons(report: FileReport) -> Text:
    text = Text()
    if report.error:
        text.append(f"error: {clean_text(report.error, 300)}", style="red")
    for finding in report.findings:
        if finding.severity == Severity.INFO and finding.section.value == "-":
            continue
        if text:
            text.append("\n")
        text.append(f"[{finding.section.value}] ", style="bold")
        text.append(f"{finding.severity.label}: ", style=VERDICT_STYLE[Verdict.from_severity(finding.severity)])
        text.append(clean_text(finding.message, 300))
    return text


def _detail(report: FileReport) -> str:
    parts = []
    if report.media:
        media = report.media
        parts.append(media.format_name)
        if media.width:
            parts.append(f"{media.width}x{media.height}")
        analysed = report.analysed
        if analysed and (analysed.width, analysed.height) != (media.width, media.height):
            parts.append(f"(analysed at {analysed.width}x{analysed.height}, {analysed.publish})")
        if media.duration_s is not None:
            animated = media.media_type != MediaType.VIDEO  # an animated PNG or WebP (video/animation.py)
            parts.append(("animated " if animated else "") + format_time(media.duration_s))
        if report.frames_analysed is not None and (media.media_type == MediaType.VIDEO or media.duration_s is not None):
            parts.append(f"{report.frames_analysed} frames analysed")
        elif media.media_type == MediaType.TIFF and (report.frames_analysed or 1) > 1:
            parts.append(f"{report.frames_analysed} pages analysed")
    return " ".join(parts)


def render_table(reports: list[FileReport], audience: Audience, skipped: Sequence[Path] = ()) -> Group:
    table = Table(title=f"media-screen: audience {audience.value}", show_lines=True, expand=False)
    table.add_column("verdict", no_wrap=True)
    table.add_column("file", overflow="fold")
    table.add_column("media", no_wrap=True)
    table.add_column("reasons (GO 07.08 section)", overflow="fold")
    for report in sorted(reports, key=lambda r: -r.verdict):
        table.add_row(
            Text(report.verdict.name, style=VERDICT_STYLE[report.verdict]),
            clean_text(report.path, 4096),
            _detail(report),
            _reasons(report),
        )
    counts = summary(reports)["verdicts"]
    line = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    lines = [Text(f"{len(reports)} file(s): {line or 'none'}")]
    if skipped:
        named = ", ".join(clean_text(p, 300) for p in skipped[:SKIPPED_SHOWN])
        more = f" and {len(skipped) - SKIPPED_SHOWN} more (all in --format json)" if len(skipped) > SKIPPED_SHOWN else ""
        lines.append(Text(f"{skipped_line(len(skipped))}: {named}{more}"))
    return Group(table, *lines)
