"""Every file in sample_media/expected.json gets its expected verdict for every audience, through the real pipeline.

Entries marked "detectors": "all" need the pixel detectors; the others are screened with metadata only.
"sections" lists GO 07.08 sections that the file's findings must cite (in any audience).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media_screen.batch.scan import BatchScan
from media_screen.config import ScanOptions
from media_screen.model import Audience, Section, Verdict
from media_screen.pipeline import Screener

SAMPLES = Path(__file__).resolve().parent.parent / "sample_media"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text("utf-8"))
_screeners: dict[tuple[Audience, bool], Screener] = {}


def screener(profile, audience: Audience, all_detectors: bool) -> Screener:
    """One Screener per audience and detector set, for the whole session (models load once)."""
    key = (audience, all_detectors)
    if key not in _screeners:
        detectors = None if all_detectors else ("metadata",)
        _screeners[key] = Screener(profile, ScanOptions(detectors=detectors, audience=audience))
    return _screeners[key]


def test_expected_json_names_only_existing_files_with_known_verdicts():
    for relative, entry in EXPECTED.items():
        assert (SAMPLES / relative).is_file(), relative
        for audience in Audience:
            assert entry[audience.value] in Verdict.__members__, (relative, audience)
        for section in entry.get("sections", []):
            Section(section)  # a known section of GO 07.08, or ValueError


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_sample_gets_its_expected_verdict_for_every_audience(profile, relative: str):
    # given a sample and what the department profile's rules say about it
    entry = EXPECTED[relative]
    all_detectors = entry.get("detectors") == "all"
    verdicts, sections = {}, set()
    # when it is screened for each audience
    for audience in Audience:
        report = screener(profile, audience, all_detectors).scan_file(SAMPLES / relative)
        verdicts[audience.value] = report.verdict.name
        sections |= {f.section.value for f in report.findings}
    # then each audience gets the expected verdict, and the expected sections are cited
    assert verdicts == {a.value: entry[a.value] for a in Audience}
    assert set(entry.get("sections", [])) <= sections


def test_a_scan_of_the_folder_skips_only_the_expectation_files_and_reports_every_broken_sample(profile):
    # given the sample folder, with expected.json, redact_expected.json and caption sidecars beside the media
    # when it is walked as `media-screen scan sample_media` walks it (metadata only: the errors are decode errors)
    with BatchScan([SAMPLES], profile, ScanOptions(detectors=("metadata",)), jobs=0) as batch:
        reports = {Path(r.report.path).relative_to(SAMPLES).as_posix(): r.report for r in batch}
    # then only the two JSON files and the caption sidecars are skipped, every sample is screened, and the broken
    # ones are ERROR
    sidecars = sorted(p.name for p in SAMPLES.rglob("*.caption.txt"))
    assert sorted(p.name for p in batch.skipped) == sorted(["expected.json", "redact_expected.json", *sidecars])
    assert set(reports) == set(EXPECTED)
    broken = {name for name, entry in EXPECTED.items() if entry["personal"] == "ERROR"}
    assert {name for name, report in reports.items() if report.verdict == Verdict.ERROR} == broken
    assert all(reports[name].error_will_repeat for name in broken)  # so a warm re-scan takes them from the cache
