"""JSON, JSON Lines and CSV renderers.

JSON carries file paths exactly as the file system has them, so a script acting on the report
finds the file: control, format (bidi) and undecodable characters are written as JSON escapes
(\\u001b, \\u202e, \\udcff), never raw, so printing the JSON to a terminal stays safe. CSV, like
the table and HTML, is read by people and cleans paths for display.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Sequence

from media_screen.model import Audience, FileReport
from media_screen.report.serialize import document, file_dict, finding_dict
from media_screen.sanitize import clean_text

CSV_COLUMNS = ["path", "sha256", "media_type", "verdict", "error", "rule", "section", "severity", "message"]


_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape_unsafe(match: re.Match) -> str:
    char = match.group()
    if unicodedata.category(char)[0] != "C":  # letters, marks, symbols ... stay readable
        return char
    code = ord(char)
    if code > 0xFFFF:  # a JSON escape holds 16 bits: write the UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def to_json(value: object, indent: int | None = None) -> str:
    """JSON text with non-ASCII text kept readable and every control, format or undecodable character escaped.

    json.dumps escapes only U+0000-U+001F; these characters can only occur inside strings, so
    replacing each with its escape keeps the document valid and `json.loads` gives the exact string
    back (a path's undecodable bytes come back through `os.fsencode`).
    """
    return _NON_ASCII.sub(_escape_unsafe, json.dumps(value, indent=indent, ensure_ascii=False))


def render_json(reports: list[FileReport], audience: Audience, skipped: Sequence[Path] = ()) -> str:
    return to_json(document(reports, audience, skipped), indent=2)


def render_jsonl_line(report: FileReport, audience: Audience) -> str:
    return to_json({"audience": audience.value, **file_dict(report)})


def render_csv(reports: list[FileReport]) -> str:
    """One row per finding; a file without findings still gets one row (with its verdict)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        data = file_dict(report)
        base = {key: data[key] for key in ("sha256", "media_type", "verdict", "error")}
        base["path"] = clean_text(report.path, 4096)  # for display; the JSON has the exact path
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
