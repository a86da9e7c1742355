"""The HTML review report: escaping, pictures, and the page as Chromium renders it."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen.batch.scan import BatchScan
from media_screen.config import ScanOptions
from media_screen.model import (
    Audience,
    Box,
    Detection,
    DetectionKind,
    FileReport,
    Finding,
    MediaInfo,
    MediaType,
    Metadata,
    Section,
    Severity,
    Verdict,
)
from media_screen.policy import evaluate
from media_screen.report.html import render_html
from media_screen.report.thumbnails import THUMB_SIDE, iter_pictures, render_pictures

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def badge_detector(monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")


def folder_of_results(folder: Path) -> Path:
    """A badge photo (B.2), a plain photo, a broken file, and a photo with a hostile name."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (640, 480), (0, 255, 0)).save(folder / "1-badge.png")
    Image.new("RGB", (320, 240), (40, 90, 140)).save(folder / "2-plain.png")
    (folder / "3-broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    Image.new("RGB", (64, 48), (90, 90, 90)).save(folder / "4-<img src=x onerror=alert(1)>.png")
    return folder


def scanned(folder: Path, profile) -> list[FileReport]:
    with BatchScan([folder], profile, ScanOptions(detectors=("badge_stub",)), jobs=0) as batch:
        return [result.report for result in batch]


def page(reports, profile, jobs: int = 1) -> str:
    return render_html(reports, Audience.PERSONAL, iter_pictures(reports, profile, Audience.PERSONAL, jobs))


def test_every_string_from_a_file_is_escaped():
    # given a report whose path, finding message and evidence carry markup
    report = FileReport(
        path=f"/media/{HOSTILE}.jpg",
        verdict=Verdict.DO_NOT_POST,
        findings=(Finding("confidential", Section.B4, Severity.BLOCK, f"text read: {HOSTILE}", {"text": HOSTILE}),),
    )
    html = render_html([report], Audience.PERSONAL)
    # then none of it is markup, and the page may fetch nothing
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)


def test_thumbnail_shows_the_detection_and_a_crop(tmp_path: Path, profile):
    reports = scanned(folder_of_results(tmp_path / "in"), profile)
    pictures = render_pictures(reports[0], profile, Audience.PERSONAL)
    thumb = Image.open(io.BytesIO(pictures.thumbnail))
    assert max(thumb.size) == THUMB_SIDE
    # the box (centre half of the picture) is outlined in the PERMISSION colour, not the green background
    red, green, blue = thumb.convert("RGB").getpixel((thumb.width // 4, thumb.height // 2))
    assert red > 120 and green < 150
    assert len(pictures.crops) == 1 and pictures.crops[0].detection.label == "police badge"


def test_a_file_changed_since_the_scan_gets_no_picture(tmp_path: Path, profile):
    reports = scanned(folder_of_results(tmp_path / "in"), profile)
    Image.new("RGB", (640, 480), (0, 0, 255)).save(tmp_path / "in" / "1-badge.png")
    pictures = render_pictures(reports[0], profile, Audience.PERSONAL)
    assert pictures.thumbnail is None and "changed since" in pictures.problem


def test_a_video_thumbnail_is_the_frame_of_the_first_detection(tmp_path: Path, profile):
    from video_support import marker_clip

    from media_screen.inputs.source import sha256_of

    clip = marker_clip(tmp_path / "clip.mp4", seconds=2.0, fps=10, visible=(1.0, 2.0))
    detection = Detection(DetectionKind.FACE, "face", 0.9, Box(8, 8, 24, 24), "marker", time_s=1.0, end_s=1.9)
    report = FileReport(
        path=str(clip), verdict=Verdict.CLEAR, sha256=sha256_of(clip),
        media=MediaInfo(MediaType.VIDEO, "MP4", 96, 64, None, 2.0), detections=(detection,),
        findings=evaluate(Metadata(), (detection,), Audience.PERSONAL, profile),
    )
    pictures = render_pictures(report, profile, Audience.PERSONAL)
    assert pictures.frame_time_s == 1.0 and pictures.thumbnail
    crop = Image.open(io.BytesIO(pictures.crops[0].jpeg)).convert("RGB")
    red, green, blue = crop.getpixel((crop.width // 2, crop.height // 2))
    assert red > 180 and green < 90  # the red marker is in the evidence crop
    html = page([report], profile)
    assert html.count("00:00:01.000-00:00:01.900") >= 2  # the finding (message, time column) and the crop caption


def test_a_motion_photos_video_detection_is_listed_not_drawn_on_the_picture(tmp_path: Path, profile):
    from media_screen.inputs.source import sha256_of

    # given a photo's report whose one detection is of the video hidden after the picture
    path = tmp_path / "MVIMG_4.png"
    Image.new("RGB", (96, 64), (40, 90, 140)).save(path)
    hidden = Detection(DetectionKind.BADGE, "police badge (motion photo's video)", 0.9, Box(8, 8, 40, 40), "badge_stub",
                       time_s=1.0, end_s=1.0, evidence={"embedded_video": True})
    report = FileReport(path=str(path), verdict=Verdict.PERMISSION_REQUIRED, sha256=sha256_of(path),
                        media=MediaInfo(MediaType.PNG, "PNG", 96, 64), detections=(hidden,),
                        findings=evaluate(Metadata(), (hidden,), Audience.PERSONAL, profile))
    # when its pictures are made
    pictures = render_pictures(report, profile, Audience.PERSONAL)
    # then the picture is shown without a box or a crop from it: the badge is not in the picture
    assert pictures.thumbnail and pictures.crops == ()
    assert "motion photo" in page([report], profile)  # and its finding is listed


def navy_share(jpeg: bytes) -> float:
    """The share of a picture's pixels that show the officer's navy (fake_detectors.UNIFORM_RGB), JPEG-tolerant."""
    import numpy as np
    from fake_detectors import UNIFORM_RGB

    rgb = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")).astype(int)
    return float((np.abs(rgb - np.array(UNIFORM_RGB)).max(axis=2) < 30).mean())


@pytest.mark.parametrize("kind", ["animation", "tiff"])
def test_a_later_frame_or_page_is_shown_where_its_detection_was_found(tmp_path: Path, profile, monkeypatch, kind):
    # given an animated PNG, or a TIFF, whose officer (fake_detectors.OfficerDetector) is only in its second picture
    from animation_support import animation, frame

    from media_screen.pipeline import Screener

    monkeypatch.setattr(registry, "REGISTRY", {"officer_stub": "fake_detectors:OfficerDetector"})
    pictures_in = [frame(), frame(officer_at=30)]
    if kind == "animation":
        path = animation(tmp_path / "wave.png", pictures_in, duration_ms=500)
    else:
        path = tmp_path / "doc.tif"
        pictures_in[0].save(path, save_all=True, append_images=pictures_in[1:])
    report = Screener(profile, ScanOptions(audience="covert")).scan_file(path)
    # when its pictures are drawn for the HTML report
    pictures = render_pictures(report, profile, Audience.COVERT)
    # then the thumbnail and the evidence crop are of the picture the officer is in, not the first
    assert pictures.frame_time_s == (0.5 if kind == "animation" else None)
    assert navy_share(pictures.thumbnail) > 0.02 and navy_share(pictures.crops[0].jpeg) > 0.2


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def headless(url: str, profile_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile_dir}", *extra, url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_report_renders_in_chromium_with_the_right_counts(tmp_path: Path, profile):
    # given a report of four files: one PERMISSION_REQUIRED, one ERROR, two CLEAR
    reports = scanned(folder_of_results(tmp_path / "in"), profile)
    report_file = tmp_path / "report.html"
    report_file.write_text(page(reports, profile, jobs=2), encoding="utf-8")  # pictures drawn in two processes
    # when Chromium loads it and runs its script
    dom = headless(report_file.as_uri(), tmp_path / "chromium", "--dump-dom").stdout
    # then the counts the script computed from the cards are on the page
    assert 'data-rendered="yes"' in dom
    assert 'data-js-files="4"' in dom and 'data-js-clear="2"' in dom
    assert 'data-js-permission-required="1"' in dom and 'data-js-error="1"' in dom
    assert "4 file(s) in this report: 1 ERROR, 1 PERMISSION_REQUIRED, 2 CLEAR" in dom
    assert '<span id="shown-count">4</span>' in dom
    assert "<img src=x" not in dom and "4-&lt;img src=x" in dom  # the hostile file name stayed text
    # and a filtered view (by section) shows only the B.2 file
    filtered = headless(report_file.as_uri() + "#section=B.2", tmp_path / "chromium", "--dump-dom").stdout
    assert 'data-js-shown="1"' in filtered
    # and a screenshot is kept as a test artefact
    ARTIFACTS.mkdir(exist_ok=True)
    shot = headless(report_file.as_uri(), tmp_path / "chromium", f"--screenshot={ARTIFACTS / 'report.png'}",
                    "--window-size=1200,1400", "--hide-scrollbars")
    assert shot.returncode == 0 and (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_pictures_drawn_in_processes_match_and_keep_the_order(tmp_path: Path, profile):
    reports = scanned(folder_of_results(tmp_path / "in"), profile)
    serial = list(iter_pictures(reports, profile, Audience.PERSONAL, jobs=1))
    parallel = list(iter_pictures(reports, profile, Audience.PERSONAL, jobs=2))
    assert [p.thumbnail for p in parallel] == [p.thumbnail for p in serial]
    assert [p.problem for p in parallel] == [p.problem for p in serial]
