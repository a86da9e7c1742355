import errno
import hashlib
import io
import os
from pathlib import Path

import pytest
from fake_detectors import UNIFORM_RGB
from PIL import Image

from media_screen import detectors as registry
from media_screen import pipeline
from media_screen.config import ScanOptions
from media_screen.errors import AnalysisTimeoutError
from media_screen.model import Audience, Verdict
from media_screen.pipeline import Screener, iter_media_paths, scan_paths

METADATA_ONLY = ScanOptions(detectors=("metadata",), audience=Audience.PERSONAL)


def write_jpeg(path: Path, colour=(90, 120, 150)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "JPEG")
    return path


def test_folders_are_walked_recursively_in_a_stable_order(tmp_path: Path):
    # given files in a folder and in its subfolders
    write_jpeg(tmp_path / "b.jpg")
    write_jpeg(tmp_path / "a.jpg")
    write_jpeg(tmp_path / "z" / "c.jpg")
    write_jpeg(tmp_path / "y" / "d.jpg")
    # when walked / then a folder's own files come first, sorted, then each subfolder, sorted
    walked = [p.relative_to(tmp_path).as_posix() for p in iter_media_paths([tmp_path])]
    assert walked == ["a.jpg", "b.jpg", "y/d.jpg", "z/c.jpg"]


def test_hidden_files_are_skipped_unless_asked(tmp_path: Path):
    write_jpeg(tmp_path / ".hidden.jpg")
    write_jpeg(tmp_path / ".cache" / "x.jpg")
    write_jpeg(tmp_path / "shown.jpg")
    assert [p.name for p in iter_media_paths([tmp_path])] == ["shown.jpg"]
    assert len(list(iter_media_paths([tmp_path], include_hidden=True))) == 3


def test_symlink_loop_is_walked_once(tmp_path: Path):
    write_jpeg(tmp_path / "sub" / "a.jpg")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    assert [p.name for p in iter_media_paths([tmp_path])] == ["a.jpg"]


def test_clean_photo_is_clear_and_hashed(tmp_path: Path, profile):
    path = write_jpeg(tmp_path / "clean.jpg")
    report = Screener(profile, METADATA_ONLY).scan_file(path)
    assert report.verdict == Verdict.CLEAR and report.error is None
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.jpg", b"", "0 bytes"),
        ("notes.jpg", b"plain text, not a photo", "not a supported"),
        ("cut.jpg", None, "decoded"),
    ],
)
def test_bad_files_become_error_reports(tmp_path: Path, profile, name, content, reason):
    path = tmp_path / name
    if content is None:  # a JPEG cut in half
        buffer = io.BytesIO()
        Image.effect_noise((256, 256), 60).convert("RGB").save(buffer, "JPEG", quality=95)
        content = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    path.write_bytes(content)
    report = Screener(profile, ScanOptions(detectors=())).scan_file(path)
    assert report.verdict == Verdict.ERROR and reason in report.error
    assert report.error_will_repeat  # the content's failure: the same bytes fail the same way (cached)


def test_missing_file_and_fifo_become_error_reports(tmp_path: Path, profile):
    os.mkfifo(tmp_path / "pipe.jpg")
    reports = list(scan_paths([tmp_path / "absent.jpg", tmp_path / "pipe.jpg"], profile, METADATA_ONLY))
    assert [r.verdict for r in reports] == [Verdict.ERROR, Verdict.ERROR]
    assert "not a regular file" in reports[1].error
    assert not any(r.error_will_repeat for r in reports)  # the file system's state, not content: never cached


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.EIO, "Input/output error"), PermissionError(errno.EACCES, "Permission denied"),
     AnalysisTimeoutError("analysis exceeded 1 s (during decode)"), MemoryError()],
)
def test_failures_of_the_machine_are_errors_that_may_not_repeat(tmp_path: Path, profile, monkeypatch, failure):
    # given a sound photo whose decoding fails for a reason outside its content
    path = write_jpeg(tmp_path / "photo.jpg")

    def failing(*args, **kwargs):
        raise failure

    monkeypatch.setattr(pipeline, "verify_still", failing)
    # when it is screened / then it is ERROR, but not one that the same bytes would give again
    report = Screener(profile, METADATA_ONLY).scan_file(path)
    assert report.verdict == Verdict.ERROR and not report.error_will_repeat


def test_an_io_error_inside_pillow_is_not_taken_for_a_corrupt_file(tmp_path: Path, profile, monkeypatch):
    path = write_jpeg(tmp_path / "photo.jpg")

    def failing_load(self, *args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Image.Image, "load", failing_load)
    report = Screener(profile, METADATA_ONLY).scan_file(path)
    assert "cannot read file" in report.error and not report.error_will_repeat


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_an_error(tmp_path: Path, profile):
    path = write_jpeg(tmp_path / "locked.jpg")
    path.chmod(0)
    assert Screener(profile, METADATA_ONLY).scan_file(path).verdict == Verdict.ERROR


def test_one_bad_file_does_not_stop_the_batch_and_inputs_are_unchanged(tmp_path: Path, profile):
    good = write_jpeg(tmp_path / "1-good.jpg")
    (tmp_path / "2-bad.jpg").write_bytes(b"junk")
    also_good = write_jpeg(tmp_path / "3-good.jpg", (10, 200, 10))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    verdicts = [r.verdict for r in scan_paths([tmp_path], profile, METADATA_ONLY)]
    assert verdicts == [Verdict.CLEAR, Verdict.ERROR, Verdict.CLEAR]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before
    assert good.exists() and also_good.exists()


@pytest.mark.parametrize("publish, analysed", [(None, (2048, 1365)), ("instagram", (1080, 720)), ("full", (3000, 2000))])
def test_a_photo_is_analysed_at_the_published_size_and_boxes_are_in_original_pixels(
    tmp_path: Path, profile, monkeypatch, publish, analysed
):
    import numpy as np

    from media_screen import detectors as registry
    from media_screen.config import PublishTarget

    monkeypatch.setitem(registry.REGISTRY, "marker", "video_support:MarkerDetector")
    # given a 3000x2000 photo with a red square at (1500, 1000), 300 px wide
    pixels = np.full((2000, 3000, 3), (140, 90, 40), np.uint8)
    pixels[1000:1300, 1500:1800] = (0, 0, 255)  # BGR red
    path = tmp_path / "big.png"
    Image.fromarray(pixels[:, :, ::-1]).save(path)
    # when screened for a platform (None: the profile's default, facebook)
    options = ScanOptions(detectors=("marker",), publish=PublishTarget(publish) if publish else None)
    report = Screener(profile, options).scan_file(path)
    # then the report says what was analysed, and the square's box is in the original's pixels
    assert (report.analysed.width, report.analysed.height) == analysed
    assert report.analysed.publish == (publish or "facebook")
    assert (report.media.width, report.media.height) == (3000, 2000)
    (found,) = report.detections
    assert found.box.x1 == pytest.approx(1500, abs=4) and found.box.x2 == pytest.approx(1800, abs=4)
    assert found.box.y1 == pytest.approx(1000, abs=4) and found.box.y2 == pytest.approx(1300, abs=4)


def test_a_metadata_sweep_analyses_no_pixels_and_says_no_size(tmp_path: Path, profile):
    report = Screener(profile, METADATA_ONLY).scan_file(write_jpeg(tmp_path / "a.jpg"))
    assert report.analysed is None and report.verdict == Verdict.CLEAR


def test_every_page_of_a_tiff_is_screened_and_a_finding_names_its_page(tmp_path: Path, profile, monkeypatch):
    # given a TIFF document whose second page shows an officer (navy, fake_detectors.OfficerDetector)
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    first, second = Image.new("RGB", (80, 60), (128, 128, 128)), Image.new("RGB", (80, 60), (128, 128, 128))
    second.paste(UNIFORM_RGB, (30, 10, 42, 55))
    path = tmp_path / "report.tif"
    first.save(path, save_all=True, append_images=[second])
    # when it is scanned
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # then both pages were screened and the officer is found on page 2, in that page's pixels
    assert report.error is None and report.frames_analysed == 2
    [officer] = report.detections
    assert officer.evidence["page"] == 2 and officer.label.endswith("(page 2)")
    assert (officer.box.x1, officer.box.y1) == (30.0, 10.0)


def officer_seen_through(path: Path, how: str) -> Path:
    """An 80x60 PNG whose officer (fake_detectors.UNIFORM_RGB navy) shows only `how`: "dark" (half see-through
    navy-blue that is navy over black alone) or "hidden" (navy under wholly see-through pixels)."""
    import numpy as np

    rgb, alpha = np.full((60, 80, 3), 0, np.uint8), np.zeros((60, 80), np.uint8)
    alpha[:4, :4] = 255  # one opaque corner: the picture is not wholly see-through
    if how == "dark":
        rgb[10:55, 30:42] = [2 * v for v in UNIFORM_RGB]
        alpha[10:55, 30:42] = 128
    else:
        rgb[10:55, 30:42] = UNIFORM_RGB
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path)
    return path


@pytest.mark.parametrize(("how", "view"), [("dark", "over a dark background"), ("hidden", "under its transparency")])
def test_what_see_through_pixels_show_another_way_is_found_and_says_how(tmp_path: Path, profile, monkeypatch, how,
                                                                         view):
    # given a PNG whose officer does not show over white, where a still is decoded
    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    path = officer_seen_through(tmp_path / f"{how}.png", how)
    # when it is scanned
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # then the officer is found in the view that shows it, and the finding says which
    [officer] = report.detections
    assert officer.evidence["view"] == view and officer.label.endswith(f"({view})")
    assert report.verdict is not Verdict.CLEAR and report.frames_analysed == 1


def motion_photo(path: Path, clip: Path, keep: float = 1.0) -> Path:
    """A grey JPEG with `clip` (the first `keep` of its bytes) after it, as a phone saves a motion photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (128, 128, 128)).save(buffer, "JPEG")
    video = clip.read_bytes()
    path.write_bytes(buffer.getvalue() + video[: int(len(video) * keep)])
    return path


def test_the_video_of_a_motion_photo_is_screened_and_its_detections_say_so(tmp_path: Path, profile, monkeypatch):
    from video_support import marker_clip

    # given a motion photo whose picture shows nothing and whose video shows a "face" (the test marker) from 1 s
    monkeypatch.setattr(registry, "REGISTRY", {"marker": "video_support:MarkerDetector"})
    clip = marker_clip(tmp_path / "clip.mp4", seconds=2.0, visible=(1.0, 2.0))
    path = motion_photo(tmp_path / "MVIMG_1.jpg", clip)
    # when it is scanned as a covert officer would
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # then the picture and the video's sampled frames were analysed, and the face is the video's, at its time
    assert report.error is None and report.media.format_name == "JPEG" and report.frames_analysed > 2
    [face] = report.detections
    assert face.evidence["embedded_video"] is True and face.label == "marker (motion photo's video)"
    assert 0.9 <= face.time_s <= 1.1
    # and the hidden video is a finding of its own, for review
    assert "embedded_video" in {f.rule for f in report.findings} and report.verdict == Verdict.REVIEW


def test_a_motion_photo_whose_video_is_cut_short_is_an_error(tmp_path: Path, profile, monkeypatch):
    from video_support import marker_clip

    # given a motion photo whose video lost its last third (a damaged copy)
    monkeypatch.setattr(registry, "REGISTRY", {"marker": "video_support:MarkerDetector"})
    clip = marker_clip(tmp_path / "clip.mp4", seconds=2.0, moving=True)
    path = motion_photo(tmp_path / "MVIMG_2.jpg", clip, keep=0.66)
    # when it is scanned
    report = Screener(profile, ScanOptions()).scan_file(path)
    # then the file is ERROR, saying the motion photo's video could not be screened to its end (fail closed)
    assert report.verdict == Verdict.ERROR and report.error.startswith("motion photo's video: ")


def test_a_file_name_that_names_an_officer_is_a_finding(tmp_path: Path, profile):
    # given a plain photo whose name says who is in it and what unit they are in
    path = write_jpeg(tmp_path / "Det_Mike_Diaz_narcotics_unit_badge_4471.jpg")
    # when a covert officer scans it (metadata only: the name is judged whatever the detectors)
    report = Screener(profile, ScanOptions(detectors=("metadata",), audience=Audience.COVERT)).scan_file(path)
    # then the name is quoted as what gives the officer away (B.10)
    [finding] = [f for f in report.findings if f.rule == "identifying_text"]
    assert "file name" in finding.message and report.verdict == Verdict.DO_NOT_POST

