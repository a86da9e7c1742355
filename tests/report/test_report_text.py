"""JSON, JSON Lines and CSV: the JSON carries the exact path, escaped; CSV cleans it for display."""

import csv
import io
import json
import os
import unicodedata

import pytest

from media_screen.model import Audience, FileReport, Verdict
from media_screen.report.text import render_csv, render_json, render_jsonl_line, to_json

ODD_NAMES = {
    "terminal escape": "/m/a\x1b[2Jb.jpg",
    "newline and tab": "/m/line\none\ttab.jpg",
    "bidi override": "/m/gpj.\u202eexe.jpg",
    "DEL and C1 CSI": "/m/del\x7fcsi\x9b.jpg",
    "undecodable byte": os.fsdecode(b"/m/latin1-\xe9.jpg"),
    "astral format char": "/m/tag\U000e0041.jpg",
}


def raw_unsafe(text: str) -> list[str]:
    return [c for c in text if c not in "\n" and unicodedata.category(c)[0] == "C"]


@pytest.mark.parametrize("path", ODD_NAMES.values(), ids=ODD_NAMES.keys())
def test_json_carries_the_exact_path_with_every_unsafe_character_escaped(path):
    # given a report of a file whose name holds the character
    report = FileReport(path=path, verdict=Verdict.CLEAR, sha256="a" * 64)
    # when it is rendered as JSON and as a JSON line
    for text in (render_json([report], Audience.PERSONAL), render_jsonl_line(report, Audience.PERSONAL)):
        document = json.loads(text)
        entry = document["files"][0] if "files" in document else document
        # then the path reads back exactly, and nothing unsafe is printed raw
        assert entry["path"] == path
        assert raw_unsafe(text) == [] and text.encode("utf-8")


def test_readable_text_stays_readable_in_json():
    assert to_json({"place": "Café Zürich – 東京"}) == '{"place": "Café Zürich – 東京"}'


def test_csv_cleans_the_path_for_display():
    report = FileReport(path=ODD_NAMES["terminal escape"], verdict=Verdict.CLEAR, sha256="a" * 64)
    (row,) = csv.DictReader(io.StringIO(render_csv([report])))
    assert row["path"] == "/m/a[2Jb.jpg"
