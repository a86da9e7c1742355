"""JSON, JSON Lines and CSV renderers."""

from __future__ import annotations

import csv
import io
import json

from media_screen.model import Audience, FileReport
from media_screen.report.serialize import document, file_dict, finding_dict

CSV_COLUMNS = ["path", "sha256", "media_type", "verdict", "error", "rule", "section", "severity", "message"]


def render_json(reports: list[FileReport], audience: Audience) -> str:
    return json.dumps(document(reports, audience), indent=2, ensure_ascii=False)


def render_jsonl_line(report: FileReport, audience: Audience) -> str:
    return json.dumps({"audience": audience.value, **file_dict(report)}, ensure_ascii=False)


def render_csv(reports: list[FileReport]) -> str:
    """One row per finding; a file without findings still gets one row (with its verdict)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        data = file_dict(report)
        base = {key: data[key] for key in ("path", "sha256", "media_type", "verdict", "error")}
        rows = [finding_dict(f) for f in report.findings] or [{}]
        for finding in rows:
            row = {**base, **{k: finding.get(k, "") for k in ("rule", "section", "severity", "message")}}
            writer.writerow({key: safe_csv_cell(value) for key, value in row.items()})
    return out.getvalue()


def safe_csv_cell(value: object) -> object:
    """Neutralise spreadsheet formulas that hostile metadata could smuggle into a cell."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
