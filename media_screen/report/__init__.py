"""Renderers: pure functions from reports to text. Only the CLI prints what they return."""

import enum


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"  # scan only: the self-contained review page
