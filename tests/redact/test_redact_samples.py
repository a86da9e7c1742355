"""The bundled samples, redacted with the default options and the real detectors: each copy re-scans clean and
does what sample_media/redact_expected.json says; the inputs are byte-identical afterwards.

Targets whose detectors cannot run here (a model not installed) are left out, and their kinds are not checked.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.model import RedactionStatus
from media_screen.redact import RedactOptions, RedactTarget, redact_paths
from media_screen.redact.options import TARGET_KINDS
from media_screen.redact.strip import jpeg_scan_data

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media"
EXPECTED = json.loads((SAMPLES / "redact_expected.json").read_text("utf-8"))
ENTRIES = {name: entry for name, entry in EXPECTED.items() if not name.startswith("_")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runnable_kinds(profile):
    kinds = set()
    for name in registry.REGISTRY:
        info = registry.detector_class(name).describe(profile)
        if info.available:
            kinds |= set(info.kinds)
    return kinds


@pytest.fixture(scope="module")
def redacted(profile, runnable_kinds, tmp_path_factory):
    """One default redaction of every listed sample: {sample name: report}, and the inputs' hashes before and after."""
    targets = frozenset(t for t in RedactTarget if TARGET_KINDS[t] & runnable_kinds)
    sources = [SAMPLES / name for name in ENTRIES]
    before = {p: digest(p) for p in sources}
    out = tmp_path_factory.mktemp("redacted")
    reports = {Path(r.source).relative_to(SAMPLES).as_posix(): r
               for r in redact_paths(sources, out, profile, RedactOptions(targets=targets))}
    after = {p: digest(p) for p in sources}
    return reports, before, after


def test_every_sample_has_an_expectation():
    media = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*")
             if p.is_file() and p.suffix != ".json" and not p.name.endswith(".caption.txt")}  # captions: not media
    missing = sorted(media - set(ENTRIES))
    assert not missing, f"add these samples to sample_media/redact_expected.json: {missing}"


def test_inputs_are_byte_identical_afterwards(redacted):
    _, before, after = redacted
    assert before == after


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_sample_redacts_as_expected(name, redacted, runnable_kinds):
    reports, _, _ = redacted
    entry, report = ENTRIES[name], reports[name]
    assert report.status.value == entry["status"], report.problems
    if report.status == RedactionStatus.FAILED:
        assert any(entry["problem"] in p for p in report.problems), report.problems
        assert report.output is None
        return
    # the copy re-scanned clean: no location, none of the input's revealing metadata
    rescan = report.rescan
    assert not report.problems and rescan.error is None and rescan.metadata.location is None
    removed_kinds = {f.kind.value for f in report.removed_facts}
    left_kinds = {f.kind.value for f in rescan.metadata.facts}
    for kind in entry["removes"]:
        assert kind in removed_kinds, f"{kind} not reported as removed"
        assert kind not in left_kinds, f"{kind} still in the copy"
    # the expected objects were obscured
    obscured = {r.kind.value for r in report.obscured}
    for kind in entry["obscures"]:
        if kind in {k.value for k in runnable_kinds}:
            assert kind in obscured, f"{kind} not obscured (obscured: {sorted(obscured)})"
    if entry.get("method"):
        assert report.method.startswith(entry["method"]), report.method
    if entry.get("lossless"):
        assert report.method.startswith("lossless"), report.method
        source, copy = (SAMPLES / name).read_bytes(), Path(report.output).read_bytes()
        assert jpeg_scan_data(copy) == jpeg_scan_data(source)
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(copy))), np.asarray(Image.open(io.BytesIO(source))))
