"""`redact` removes Content Credentials (C2PA manifest stores) and its re-scan proves none is left.

JPEG, PNG and WebP go through the lossless strip (media_screen/redact/strip.py), which names the
APP11 JUMBF segments, the caBX chunk and the WebP C2PA chunk it drops; HEIC, AVIF and MP4 copies
are re-encoded into new containers. The files are real manifests signed by c2pa-python
(scripts/make_c2pa_samples.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from media_screen import detectors as registry
from media_screen.config import ScanOptions
from media_screen.inputs.source import Source
from media_screen.metadata.c2pa import find_stores
from media_screen.model import Audience, FactKind, MediaType, RedactionStatus
from media_screen.pipeline import Screener
from media_screen.redact import RedactOptions, redact_paths
from media_screen.redact.strip import KeptMetadata, jpeg_scan_data, strip_lossless
from media_screen.redact.verify import remaining_problems
from repo_scripts import repo_script

CREDENTIAL_KINDS = (FactKind.CREDENTIALS, FactKind.CREDENTIAL_IDENTITY)


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> Path:
    module = repo_script("scripts/make_c2pa_samples.py")
    folder = tmp_path_factory.mktemp("c2pa_signed")
    module.make_all(folder)
    return folder


@pytest.fixture
def no_detectors(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {})


@pytest.mark.parametrize("name, media_type, removed_item, removed_detail", [
    ("c2pa_creator.jpg", MediaType.JPEG, "APP11 JUMBF (C2PA Content Credentials)", "bytes"),
    ("c2pa_edited.jpg", MediaType.JPEG, "APP11 JUMBF (C2PA Content Credentials)", "bytes"),
    ("c2pa_creator.png", MediaType.PNG, "caBX chunk", "C2PA Content Credentials"),
    ("c2pa_creator.webp", MediaType.WEBP, "C2PA chunk", "C2PA Content Credentials"),
])
def test_the_lossless_strip_drops_the_manifest_store_and_names_it(signed, tmp_path, name, media_type, removed_item,
                                                                  removed_detail):
    # given a still signed with a manifest that names its creator
    data = (signed / name).read_bytes()
    # when it is stripped losslessly
    stripped = strip_lossless(data, media_type, KeptMetadata())
    # then the copy holds no manifest store, and the report names what went
    copy = tmp_path / name
    copy.write_bytes(stripped.data)
    assert find_stores(Source.open(copy)) == ()
    assert b"c2pa" not in stripped.data and b"Jane Roe" not in stripped.data
    named = [r for r in stripped.removed if r.item == removed_item]
    assert named and all(removed_detail in r.detail for r in named)
    # and (JPEG) the picture's scan data is byte-identical
    if media_type == MediaType.JPEG:
        assert jpeg_scan_data(stripped.data) == jpeg_scan_data(data)


@pytest.mark.parametrize("name", [
    "c2pa_creator.jpg", "c2pa_edited.jpg", "c2pa_creator.png", "c2pa_creator.webp", "c2pa_creator.heic",
    "c2pa_creator.avif", "c2pa_creator.mp4",
])
def test_redact_writes_a_copy_whose_re_scan_finds_no_content_credentials(signed, tmp_path, profile, no_detectors,
                                                                         name):
    # given a signed file of each format naming a detective in its Content Credentials
    source = tmp_path / "in" / name
    source.parent.mkdir()
    shutil.copyfile(signed / name, source)
    before = source.read_bytes()
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(audience=Audience.COVERT))
    # then the copy is written, and its re-scan finds no manifest, no identity and no manifest store
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.rescan.error is None
    assert not [f for f in report.rescan.metadata.facts if f.kind in CREDENTIAL_KINDS]
    output = Path(report.output)
    assert find_stores(Source.open(output)) == ()
    # and the report lists what the input revealed, the creator among it
    assert "Det. Jane Roe" in {f.value for f in report.removed_facts if f.kind == FactKind.CREDENTIAL_IDENTITY}
    # and the input is unchanged
    assert source.read_bytes() == before


def test_the_re_scan_check_fails_a_copy_that_still_carries_a_manifest(signed, profile):
    # given the re-scan of a file that still holds its manifest store (as a copy that kept it would)
    rescan = Screener(profile, ScanOptions(detectors=("metadata",))).scan_file(signed / "c2pa_creator.jpg")
    # when the copy is judged
    problems = remaining_problems(rescan, RedactOptions(), profile)
    # then the manifest and the identities it names are each a reason the copy is refused
    assert "still carries a Content Credentials (C2PA) manifest: manifest" in problems
    assert sum(p.startswith("still carries a Content Credentials identity") for p in problems) == 2


def test_the_re_scan_check_fails_a_copy_whose_manifest_cannot_be_read(signed, profile):
    # given the re-scan of a file whose manifest store is damaged
    rescan = Screener(profile, ScanOptions(detectors=("metadata",))).scan_file(signed / "c2pa_damaged.jpg")
    # then the copy is refused: it could not be re-scanned
    (problem,) = remaining_problems(rescan, RedactOptions(), profile)
    assert problem.startswith("the copy could not be re-scanned") and "C2PA" in problem
