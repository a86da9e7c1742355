"""Redacting stills end to end (media_screen/redact/still.py, redactor.py): copies re-scan clean, inputs untouched.

Detectors here are the deterministic test ones (a red square is a "face", a green picture holds a
"badge"), so the tests check what redaction does with a detection, not how good a model is.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from fake_detectors import UNIFORM_RGB
from PIL import Image
from redact_builders import SERIAL, dirty_jpeg, exif_block, picture, srgb_icc
from video_support import solid, with_marker

from media_screen import detectors as registry
from media_screen.model import FactKind, RedactionStatus
from media_screen.redact import RedactOptions, RedactTarget, redact_paths
from media_screen.redact.strip import jpeg_scan_data


pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")

def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def red_pixels(image: Image.Image) -> int:
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 150) & (rgb[..., 1] < 100) & (rgb[..., 2] < 100)).sum())


@pytest.fixture
def no_detectors(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {})


@pytest.fixture
def marker_only(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {"marker": "video_support:MarkerDetector"})


def test_without_regions_a_jpeg_is_stripped_losslessly_and_re_scans_clean(tmp_path, profile, no_detectors):
    # given a JPEG with GPS, a body serial, an owner name, thumbnails, XMP, IPTC and an MPF image
    source = tmp_path / "in" / "dirty.jpg"
    source.parent.mkdir()
    source.write_bytes(dirty_jpeg())
    before = digest(source)
    # when it is redacted
    (report,) = redact_paths([tmp_path / "in"], tmp_path / "out", profile, RedactOptions())
    # then a copy is written under the mirrored path and its re-scan finds no GPS, serial, owner or thumbnail
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.output == str(tmp_path / "out" / "in" / "dirty.jpg")
    rescan = report.rescan
    assert rescan.error is None and rescan.metadata.location is None
    assert not [f for f in rescan.metadata.facts if f.kind in (FactKind.GPS, FactKind.DEVICE_SERIAL,
                                                                  FactKind.OWNER_NAME, FactKind.THUMBNAIL)]
    # and the report lists what the input revealed
    assert {FactKind.GPS, FactKind.DEVICE_SERIAL} <= {f.kind for f in report.removed_facts}
    # and the pixels are untouched: same scan data, same decoded picture
    copy = (tmp_path / "out" / "in" / "dirty.jpg").read_bytes()
    assert jpeg_scan_data(copy) == jpeg_scan_data(source.read_bytes())
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(copy))), np.asarray(Image.open(source)))
    assert report.method.startswith("lossless") and "ICC profile" in report.kept
    # and the input is byte-identical
    assert digest(source) == before


def test_obscured_regions_are_re_encoded_upright_without_the_orientation_tag(tmp_path, profile, marker_only):
    # given a photo stored sideways (EXIF orientation 6) with a red "face" and GPS
    stored = Image.fromarray(with_marker(solid(64, 48), 30, 16, size=12))
    source = tmp_path / "sideways.jpg"
    stored.save(source, "JPEG", quality=95, exif=exif_block(orientation=6), icc_profile=srgb_icc())
    before = digest(source)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    # then the copy is upright (48 x 64), carries no orientation tag, and the face is gone
    assert report.status == RedactionStatus.WRITTEN, report.problems
    copy = Image.open(report.output)
    assert copy.size == (48, 64) and 0x0112 not in copy.getexif()
    assert red_pixels(copy) == 0
    assert copy.info.get("icc_profile") == srgb_icc()
    (region,) = report.obscured
    assert region.kind.value == "face" and region.shape == "ellipse"
    assert "re-encoded JPEG" in report.method
    assert any(m.item == "EXIF Orientation" for m in report.removed)
    assert digest(source) == before


def test_keep_metadata_keeps_only_what_is_listed(tmp_path, profile, no_detectors):
    source = tmp_path / "a.jpg"
    source.write_bytes(dirty_jpeg())
    options = RedactOptions(keep_metadata={"copyright", "exif-datetime"})
    (report,) = redact_paths([source], tmp_path / "out", profile, options)
    copy = Image.open(report.output)
    exif = copy.getexif()
    assert exif.get(0x8298) == "(c) Concord PD" and exif.get(0x0132) == "2024:06:12 09:31:00"
    assert exif.get_ifd(0x8769).get(0x9003) == "2024:06:12 09:30:59"
    assert "icc_profile" not in copy.info  # not listed, so dropped
    assert SERIAL.encode() not in open(report.output, "rb").read()


def test_tiff_is_re_encoded_and_says_so(tmp_path, profile, no_detectors):
    source = tmp_path / "scan.tif"
    picture().save(source, "TIFF", exif=exif_block())
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions())
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.method.startswith("re-encoded TIFF")
    assert np.array_equal(np.asarray(Image.open(report.output)), np.asarray(Image.open(source)))
    assert SERIAL.encode() not in open(report.output, "rb").read()
    assert report.rescan.metadata.location is None


def test_a_copy_that_still_shows_a_selected_object_is_removed(tmp_path, profile, monkeypatch):
    # given a detector that keeps seeing a badge however the picture is obscured (it reads the corner pixel)
    monkeypatch.setattr(registry, "REGISTRY", {"badge_stub": "fake_detectors:BadgeDetector"})
    source = tmp_path / "green.png"
    Image.new("RGB", (40, 30), (0, 255, 0)).save(source)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    # then the redaction fails for that file, says why, and leaves nothing behind
    assert report.status == RedactionStatus.FAILED and report.output is None
    assert any("badge_stub still finds badge" in p for p in report.problems)
    assert list((tmp_path / "out").iterdir()) == []


def officer_photo(path):
    """A grey picture with a uniformed officer (navy pixels) standing in it, as a PNG so the colours are exact."""
    from fake_detectors import UNIFORM_RGB

    image = Image.new("RGB", (120, 90), (128, 128, 128))
    image.paste(UNIFORM_RGB, (40, 20, 70, 85))
    image.save(path)
    return path


def test_a_region_grown_past_the_picture_is_reported_within_it(tmp_path, profile, monkeypatch):
    # given an officer standing at the picture's left and bottom edges (the masked box grows past them)
    from fake_detectors import UNIFORM_RGB

    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    source = tmp_path / "edge.png"
    image = Image.new("RGB", (120, 90), (128, 128, 128))
    image.paste(UNIFORM_RGB, (0, 30, 30, 90))
    image.save(source)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    # then the report's box is the part of the picture that was obscured
    assert report.status == RedactionStatus.WRITTEN, report.problems
    (region,) = report.obscured
    assert region.box.x1 == 0 and region.box.y2 == 90 and region.box.y1 < 30 and 30 < region.box.x2 < 120


def test_a_uniformed_officer_is_masked_whole_by_default(tmp_path, profile, monkeypatch):
    # given a photo in which a detector sees a uniformed police officer
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    source = officer_photo(tmp_path / "officer.png")
    # when it is redacted with the default targets
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    # then the officer's box is filled, and the copy re-scans clean
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert [(o.kind, o.shape) for o in report.obscured] == [("police_officer", "box")]
    copy = np.asarray(Image.open(report.output).convert("RGB"))
    assert (copy[25:80, 45:65] == 0).all()
    assert report.rescan.detections == ()


def test_an_officer_is_left_when_only_faces_are_asked_for(tmp_path, profile, monkeypatch):
    # given the same photo
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    source = officer_photo(tmp_path / "officer.png")
    # when only faces are to be obscured
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(targets={"faces"}, style="fill"))
    # then nothing is obscured: the officer stays, as asked
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.obscured == ()


def test_a_broken_file_fails_alone(tmp_path, profile, no_detectors):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    picture().save(tmp_path / "in" / "fine.png")
    reports = {r.source.rsplit("/", 1)[-1]: r for r in redact_paths([tmp_path / "in"], tmp_path / "out", profile,
                                                                       RedactOptions())}
    assert reports["broken.jpg"].status == RedactionStatus.FAILED and reports["broken.jpg"].problems
    assert reports["fine.png"].status == RedactionStatus.WRITTEN
    assert sorted(p.name for p in (tmp_path / "out" / "in").iterdir()) == ["fine.png"]


def test_a_copy_is_written_at_the_published_size_and_full_keeps_the_original(tmp_path, profile, marker_only):
    # given a 3000x2000 photo with a red "face"
    source = tmp_path / "big.jpg"
    Image.fromarray(with_marker(solid(3000, 2000), 1400, 900, size=30)).save(source, "JPEG", quality=90)
    # when redacted with the defaults (the profile's facebook size, 2048 px)
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(style="fill"))
    # then the copy is 2048 px wide, the face is gone, and the method says it was resized
    assert report.status == RedactionStatus.WRITTEN, report.problems
    copy = Image.open(report.output)
    assert copy.size == (2048, 1365) and red_pixels(copy) == 0
    assert "resized from 3000x2000 to 2048x1365" in report.method
    assert report.rescan.analysed.width == 2048
    # and with --publish full the copy keeps the original size
    (full,) = redact_paths([source], tmp_path / "full", profile, RedactOptions(style="fill", publish="full"))
    assert full.status == RedactionStatus.WRITTEN, full.problems
    assert Image.open(full.output).size == (3000, 2000) and "resized" not in full.method


def test_a_photo_without_regions_larger_than_the_published_size_is_resized_not_stripped(tmp_path, profile,
                                                                                          no_detectors):
    source = tmp_path / "big.jpg"
    Image.fromarray(solid(2400, 1600)).save(source, "JPEG", quality=90)
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(publish="instagram"))
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert Image.open(report.output).size == (1080, 720) and not report.method.startswith("lossless")
    (full,) = redact_paths([source], tmp_path / "full", profile, RedactOptions(publish="full"))
    assert full.method.startswith("lossless")


def test_an_officer_under_see_through_pixels_is_gone_from_the_flattened_copy(tmp_path, profile, monkeypatch):
    # given a PNG whose officer is hidden under wholly see-through pixels (a platform dropping alpha shows it)
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    rgb, alpha = np.zeros((60, 80, 3), np.uint8), np.zeros((60, 80), np.uint8)
    rgb[10:55, 30:42], alpha[:4, :4] = UNIFORM_RGB, 255
    source = tmp_path / "sticker.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(source)
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions(targets={RedactTarget.OFFICERS}))
    # then the copy is written once its re-scan is clean: flattened onto white, nothing left under it
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert "see-through pixels flattened onto white" in report.method
    with Image.open(report.output) as copy:
        assert copy.mode == "RGB"
        navy = (np.abs(np.asarray(copy).astype(int) - np.array(UNIFORM_RGB)).max(axis=2) < 12)
        assert not navy.any()


def test_a_motion_photos_video_is_not_in_the_copy(tmp_path, profile, no_detectors):
    from video_support import marker_clip

    # given a motion photo: a JPEG with a clip after it that records where it was taken
    clip = marker_clip(tmp_path / "clip.mov", seconds=0.5, container_format="mov",
                       metadata={"com.apple.quicktime.location.ISO6709": "+37.9780-122.0313+020.000/"},
                       muxer_options={"movflags": "use_metadata_tags"})
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (128, 128, 128)).save(picture, "JPEG")
    source = tmp_path / "in" / "MVIMG_3.jpg"
    source.parent.mkdir()
    source.write_bytes(picture.getvalue() + clip.read_bytes())
    # when it is redacted
    (report,) = redact_paths([source], tmp_path / "out", profile, RedactOptions())
    # then the copy is the picture alone: the re-scan finds no hidden video and no location
    assert report.status == RedactionStatus.WRITTEN, report.problems
    assert report.rescan.metadata.location is None and not report.rescan.metadata.of_kind(FactKind.EMBEDDED_VIDEO)
    assert b"ftyp" not in (tmp_path / "out" / "MVIMG_3.jpg").read_bytes()
    # and the report says what the input gave away: the video, and the location inside it
    removed = {fact.kind for fact in report.removed_facts}
    assert {FactKind.EMBEDDED_VIDEO, FactKind.GPS} <= removed
