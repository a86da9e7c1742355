"""A protected face in a video: followed over the sampled frames, matched once at its best view, reported once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceid_samples import profile_with_watchlist
from media_screen.config import ScanOptions
from media_screen.faceid.embedder import FaceEmbedder, model_info
from media_screen.faceid.enrolment import embed_enrolment_photos
from media_screen.model import Audience, DetectionKind, Verdict
from media_screen.pipeline import Screener
from media_screen.store import watchlist as store
from video_support import write_clip


@pytest.fixture
def enrolled_profile(tmp_path, passphrase, astronaut_path):
    path = tmp_path / "watchlist.bin"
    profile = profile_with_watchlist(path)
    enrolled = embed_enrolment_photos([astronaut_path], profile)
    store.save(store.Watchlist(model_info().name).with_person("Officer A", np.stack([p.embedding for p in enrolled])),
               path, passphrase)
    return profile


@pytest.fixture
def embedded_faces(monkeypatch):
    """Counts the faces run through the descriptor (the costly step), whoever calls it."""
    counted = []
    original = FaceEmbedder.embed_aligned

    def counting(self, faces):
        counted.append(len(faces))
        return original(self, faces)

    monkeypatch.setattr(FaceEmbedder, "embed_aligned", counting)
    return counted


def test_an_enrolled_face_moving_through_a_clip_is_matched_once(tmp_path, enrolled_profile, embedded_faces,
                                                                astronaut, hopper):
    # given a 4 s clip in which the (mirrored) astronaut drifts to the right beside Grace Hopper
    rgb = np.ascontiguousarray(astronaut[:, ::-1, ::-1])
    other = cv2.resize(hopper, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)[:, :, ::-1]
    frames = []
    for index in range(40):
        frame = np.full((560, 1200, 3), 70, np.uint8)
        left = 20 + 3 * index
        frame[14:526, left : left + 512] = rgb
        frame[40 : 40 + other.shape[0], 800 : 800 + other.shape[1]] = other
        frames.append(frame)
    clip = write_clip(tmp_path / "clip.mp4", frames, fps=10)
    # when it is scanned for a personal post
    options = ScanOptions(audience=Audience.PERSONAL, detectors=("protected",), reuse_unchanged_frames=False)
    report = Screener(enrolled_profile, options).scan_file(clip)
    # then each face was embedded once (two tracks), not once per sampled frame ...
    assert report.error is None, report.error
    assert report.frames_analysed >= 4
    assert sum(embedded_faces) == 2
    # ... and one match covers the astronaut's track, with its frames and best view as evidence
    matches = [d for d in report.detections if d.kind == DetectionKind.PROTECTED_PERSON]
    assert len(matches) == 1 and matches[0].label == "Officer A"
    match = matches[0]
    assert match.time_s == 0.0 and match.end_s >= 3.0
    assert match.evidence["frames"] == report.frames_analysed
    assert match.time_s <= match.evidence["best_time_s"] <= match.end_s
    assert match.box.x2 < 800 and match.evidence["distance"] <= match.evidence["threshold"]
    assert report.verdict == Verdict.DO_NOT_POST


def test_the_track_is_matched_at_its_sharpest_frame(tmp_path, enrolled_profile, embedded_faces, astronaut):
    # given a 5 s clip of the astronaut, blurred except during second 3
    rgb = np.ascontiguousarray(astronaut[:, :, ::-1])
    blurred = cv2.GaussianBlur(rgb, (0, 0), 4)
    frames = []
    for index in range(50):
        frame = np.full((540, 700, 3), 70, np.uint8)
        frame[14:526, 90:602] = rgb if 30 <= index < 40 else blurred
        frames.append(frame)
    clip = write_clip(tmp_path / "blur.mp4", frames, fps=10)
    # when it is scanned
    options = ScanOptions(audience=Audience.OFFICIAL, detectors=("protected",), reuse_unchanged_frames=False)
    report = Screener(enrolled_profile, options).scan_file(clip)
    # then the one track is embedded once, at the sharp frame, and recognised
    assert report.error is None, report.error
    assert sum(embedded_faces) == 1
    matches = [d for d in report.detections if d.kind == DetectionKind.PROTECTED_PERSON]
    assert len(matches) == 1 and 3.0 <= matches[0].evidence["best_time_s"] < 4.0
