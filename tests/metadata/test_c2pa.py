"""Content Credentials (media_screen/metadata/c2pa.py): real manifests signed by c2pa-python, read offline.

The files come from scripts/make_c2pa_samples.py (an ephemeral test CA and ES256 signer), written
once per session into a temporary folder. Per format: it finds the manifest, a clean file gives
nothing, a damaged manifest is a clear error (ERROR, never CLEAR).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from media_screen.config import ScanOptions
from media_screen.errors import CorruptMediaError
from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata
from media_screen.metadata.c2pa import credential_facts, find_stores
from media_screen.model import Audience, FactKind, Verdict
from media_screen.pipeline import Screener
from media_screen.policy import evaluate, verdict_of
from repo_scripts import repo_script

CREATOR, ORGANISATION = "Det. Jane Roe", "Concord PD Narcotics"
FORMATS = ("jpg", "png", "webp", "heic", "avif", "mp4")
STORE_PLACES = {
    "jpg": "JPEG APP11 JUMBF", "png": "PNG caBX chunk", "webp": "WebP C2PA chunk",
    "heic": "BMFF uuid box (C2PA)", "avif": "BMFF uuid box (C2PA)", "mp4": "BMFF uuid box (C2PA)",
}


def sample_maker():
    return repo_script("scripts/make_c2pa_samples.py")


@pytest.fixture(scope="session")
def signed(tmp_path_factory) -> Path:
    """A folder of files signed by c2pa-python (made by the repository's script)."""
    folder = tmp_path_factory.mktemp("c2pa")
    sample_maker().make_all(folder)
    return folder


def facts_of(path: Path):
    return read_metadata(Source.open(path), _profile()).facts


def _profile():
    from media_screen.config import load_profile

    return load_profile()


def of_kind(facts, kind: FactKind):
    return [f for f in facts if f.kind == kind]


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_signed_file_reports_creator_organisation_claim_generator_and_edit_history(signed, suffix):
    # given a file of this format signed with a CreativeWork assertion naming a detective and a unit
    path = signed / f"c2pa_creator.{suffix}"
    # when its metadata is read
    facts = facts_of(path)
    # then the creator and the organisation are identity facts
    identities = {(f.key, f.value) for f in of_kind(facts, FactKind.CREDENTIAL_IDENTITY)}
    assert identities == {("CreativeWork author (Person)", CREATOR), ("CreativeWork author (Organization)", ORGANISATION)}
    # and the manifest names its claim generator, its signer and its edit history
    (manifest,) = of_kind(facts, FactKind.CREDENTIALS)
    assert "claim generator media-screen make_c2pa_samples 1.0" in manifest.value
    assert "signed by media-screen test signer, media-screen tests" in manifest.value
    assert "edit history: 2 action(s) (c2pa.created, c2pa.cropped)" in manifest.value
    assert manifest.source == f"C2PA active manifest ({STORE_PLACES[suffix]})"


@pytest.mark.parametrize("suffix", ("jpg", "png", "webp"))
def test_an_ingredient_thumbnail_is_reported_as_a_thumbnail(signed, suffix):
    # given a still signed with an ingredient (the uncropped original) and its thumbnail
    facts = facts_of(signed / f"c2pa_creator.{suffix}")
    # then the ingredient's thumbnail is a thumbnail fact that says what it may show, beside the claim thumbnail
    thumbnails = {f.key: f.value for f in of_kind(facts, FactKind.THUMBNAIL)}
    assert thumbnails["C2PA ingredient thumbnail"] == (
        f"C2PA thumbnail of ingredient 'original.{suffix}' (parentOf): may show the picture before edits"
    )
    assert "C2PA claim thumbnail" in thumbnails
    # and the manifest counts the ingredient
    assert "1 ingredient(s)" in of_kind(facts, FactKind.CREDENTIALS)[0].value


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_container_walk_finds_the_store_where_each_format_keeps_it(signed, suffix):
    path = signed / f"c2pa_creator.{suffix}"
    stores = find_stores(Source.open(path))
    assert [s.source for s in stores] == [STORE_PLACES[suffix]]
    assert all(0 <= s.offset and s.offset + s.size <= path.stat().st_size for s in stores)


@pytest.mark.parametrize("pil_format, suffix", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_a_file_without_content_credentials_gives_no_credential_fact(tmp_path, pil_format, suffix):
    # given a picture written by Pillow (no manifest store)
    path = tmp_path / f"clean.{suffix}"
    Image.new("RGB", (32, 24), (10, 120, 200)).save(path, pil_format)
    # when it is read, then there is no store and no credential fact
    assert find_stores(Source.open(path)) == ()
    assert credential_facts(Source.open(path)) == []


def test_a_jpeg_xt_box_that_is_not_c2pa_is_not_a_manifest_store(tmp_path):
    # given a JPEG with an APP11 JUMBF box labelled for something else (JPEG XT, JPEG 360)
    jumbf = b"JP" + b"\x00\x01" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x20jumb" + b"\x00\x00\x00\x18jumd" + b"x" * 16
    data = io.BytesIO()
    Image.new("RGB", (16, 16)).save(data, "JPEG")
    raw = data.getvalue()
    segment = b"\xff\xeb" + (len(jumbf) + 2).to_bytes(2, "big") + jumbf
    path = tmp_path / "xt.jpg"
    path.write_bytes(raw[:2] + segment + raw[2:])
    # then the walk finds no C2PA store
    assert find_stores(Source.open(path)) == ()


def test_a_manifest_without_identity_is_a_manifest_finding_only(signed, profile):
    # given a JPEG whose manifest has a claim generator and an edit history and names nobody
    metadata = read_metadata(Source.open(signed / "c2pa_plain.jpg"), profile)
    assert of_kind(metadata.facts, FactKind.CREDENTIAL_IDENTITY) == []
    # when the policy is applied for each audience
    verdicts = {a: verdict_of(evaluate(metadata, (), a, profile)) for a in Audience}
    # then the manifest (and its claim thumbnail) are information for official and personal, a review for covert
    assert verdicts == {Audience.OFFICIAL: Verdict.CLEAR, Audience.PERSONAL: Verdict.CLEAR,
                        Audience.COVERT: Verdict.REVIEW}
    rules = {f.rule for f in evaluate(metadata, (), Audience.COVERT, profile)}
    assert rules == {"content_credentials", "thumbnail"}


def test_a_named_creator_is_b10_for_personal_and_covert(signed, profile):
    # given the signed JPEG naming the detective and the narcotics unit
    metadata = read_metadata(Source.open(signed / "c2pa_creator.jpg"), profile)
    # when the policy is applied
    findings = {a: evaluate(metadata, (), a, profile) for a in Audience}
    # then the identity rule cites B.10: information for official, review for personal, block for covert
    identity = {a: [f for f in found if f.rule == "content_credentials_identity"] for a, found in findings.items()}
    assert {f.section.value for found in identity.values() for f in found} == {"B.10"}
    assert [f.severity.label for f in identity[Audience.OFFICIAL]] == ["info", "info"]
    assert [f.severity.label for f in identity[Audience.PERSONAL]] == ["review", "review"]
    assert [f.severity.label for f in identity[Audience.COVERT]] == ["block", "block"]
    # and the names also go through the text rules (a rank with a name, police wording)
    assert {"identifying_text", "police_text_in_metadata"} <= {f.rule for f in findings[Audience.COVERT]}
    assert [verdict_of(findings[a]) for a in Audience] == [Verdict.CLEAR, Verdict.REVIEW, Verdict.DO_NOT_POST]


def test_an_edited_copy_still_names_the_creator_of_its_earlier_manifest(signed):
    # given the creator's signed JPEG opened and re-signed by an editor that names nobody
    facts = facts_of(signed / "c2pa_edited.jpg")
    # then both manifests are reported, and the creator comes from the earlier one the store carried along
    manifests = of_kind(facts, FactKind.CREDENTIALS)
    assert [m.source.split(" (")[0] for m in manifests] == ["C2PA active manifest", "C2PA earlier manifest"]
    assert "c2pa.opened, c2pa.resized" in manifests[0].value
    creators = [f for f in of_kind(facts, FactKind.CREDENTIAL_IDENTITY) if f.value == CREATOR]
    assert creators and creators[0].source.startswith("C2PA earlier manifest")


def test_a_damaged_manifest_makes_the_file_an_error_not_clear(signed, profile):
    # given the signed JPEG with its CreativeWork assertion broken (the store's structure intact)
    path = signed / "c2pa_damaged.jpg"
    # when its metadata is read, then it is a clear error naming the manifest store
    with pytest.raises(CorruptMediaError, match=r"C2PA manifest store \(JPEG APP11 JUMBF\)"):
        read_metadata(Source.open(path), profile)
    # and a scan reports ERROR for every audience (fail closed)
    for audience in Audience:
        report = Screener(profile, ScanOptions(detectors=("metadata",), audience=audience)).scan_file(path)
        assert report.verdict == Verdict.ERROR and "C2PA" in report.error


# Offsets into the first APP11 segment: marker and length (4), "JP", instance, sequence (8), the superbox's
# LBox and TBox "jumb" (8), then its description box: LBox, "jumd" (8) and the C2PA UUID, which begins "c2pa".
@pytest.mark.parametrize("offset, what", [(16, "superbox type"), (28, "store UUID")])
def test_a_store_the_bindings_cannot_find_is_an_error(signed, tmp_path, profile, offset, what):
    # given the signed JPEG with its JUMBF store's header broken (the walk still sees a c2pa-labelled segment)
    data = bytearray((signed / "c2pa_creator.jpg").read_bytes())
    (store,) = find_stores(Source.open(signed / "c2pa_creator.jpg"))
    data[store.offset + offset : store.offset + offset + 4] = b"\xff\xff\xff\xff"
    path = tmp_path / "broken_box.jpg"
    path.write_bytes(bytes(data))
    assert find_stores(Source.open(path)), what
    # then reading it fails closed: an error, not a file without credentials
    with pytest.raises(CorruptMediaError, match="C2PA manifest store"):
        read_metadata(Source.open(path), profile)


def test_a_remote_manifest_is_reported_and_not_fetched(signed):
    # given a JPEG that holds no manifest but whose XMP names one on a server
    facts = facts_of(signed / "c2pa_remote.jpg")
    # then the reference is a credentials fact that says it was not fetched
    (remote,) = of_kind(facts, FactKind.CREDENTIALS)
    assert remote.key == "remote manifest"
    assert "http://127.0.0.1:9/manifest.c2pa" in remote.value and "not fetched" in remote.value


BINDINGS_ON_REMOTE = """
import sys
import c2pa
from media_screen.metadata.c2pa import _offline_context
try:
    with open(sys.argv[1], "rb") as handle, c2pa.Reader("image/jpeg", handle, None, _offline_context()):
        print("read")
except c2pa.C2paError as exc:
    print("refused:", exc)
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_the_bindings_with_the_offline_settings_open_no_network_socket(signed, tmp_path):
    from syscall_trace import network_violations

    environment = {**os.environ, "MEDIA_SCREEN_CACHE_DIR": str(tmp_path / "cache")}
    trace = tmp_path / "c2pa.strace"
    strace = ["strace", "-f", "-q", "-o", str(trace), "-e", "trace=socket,connect,sendto,sendmsg"]
    # given the bindings asked directly to read the file that names a remote manifest (the reader itself never
    # asks: it finds no store), with the settings media_screen.offline gives them
    remote = subprocess.run([*strace, sys.executable, "-c", BINDINGS_ON_REMOTE, str(signed / "c2pa_remote.jpg")],
                            capture_output=True, text=True, env=environment, timeout=120)
    # then they refuse to fetch it, and no process opened a network socket
    assert "refused:" in remote.stdout and "remote" in remote.stdout.lower(), remote.stdout + remote.stderr
    assert network_violations(trace.read_text("utf-8").splitlines()) == []
    # and a metadata scan of every signed file opens none either
    scan = subprocess.run([*strace, sys.executable, "-m", "media_screen", "scan", str(signed), "--detectors", "metadata",
                           "--no-cache", "--format", "jsonl"], capture_output=True, text=True, env=environment,
                          timeout=240)
    assert scan.stdout.count('"verdict"') == len(list(signed.iterdir())), scan.stderr[-2000:]
    assert network_violations(trace.read_text("utf-8").splitlines()) == []
