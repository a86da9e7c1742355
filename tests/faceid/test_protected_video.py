"""A protected face in a video: recognised on the sampled frames and reported once, over its time range."""

from __future__ import annotations

import numpy as np

from faceid_samples import profile_with_watchlist
from media_screen.config import ScanOptions
from media_screen.faceid.embedder import model_info
from media_screen.faceid.enrolment import embed_enrolment_photos
from media_screen.model import Audience, DetectionKind, Verdict
from media_screen.pipeline import Screener
from media_screen.store import watchlist as store
from video_support import write_clip


def test_an_enrolled_face_moving_through_a_clip_is_one_finding(tmp_path, passphrase, astronaut_path, astronaut):
    path = tmp_path / "watchlist.bin"
    profile = profile_with_watchlist(path)
    enrolled = embed_enrolment_photos([astronaut_path], profile)
    store.save(store.Watchlist(model_info().name).with_person("Officer A", np.stack([p.embedding for p in enrolled])),
               path, passphrase)
    # given a 3 s clip in which the (mirrored) astronaut drifts to the right
    rgb = np.ascontiguousarray(astronaut[:, ::-1, ::-1])
    frames = []
    for index in range(30):
        frame = np.full((540, 800, 3), 70, np.uint8)
        left = 20 + 4 * index
        frame[14:526, left : left + 512] = rgb
        frames.append(frame)
    clip = write_clip(tmp_path / "clip.mp4", frames, fps=10)
    # when it is scanned for a personal post
    report = Screener(profile, ScanOptions(audience=Audience.PERSONAL, detectors=("protected",))).scan_file(clip)
    # then one tracked match covers the clip, and the verdict is DO_NOT_POST
    assert report.error is None, report.error
    matches = [d for d in report.detections if d.kind == DetectionKind.PROTECTED_PERSON]
    assert len(matches) == 1 and matches[0].label == "Officer A"
    assert matches[0].end_s is not None and matches[0].end_s > matches[0].time_s
    assert report.verdict == Verdict.DO_NOT_POST
