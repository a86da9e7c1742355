"""EVAL TEST: reads ../shared/eval/faceid (identity-labelled photos), skipped when it is absent.

Enrols Obama and Biden through the real enrolment path from the first three photos of each that
enrolment accepts (one face), then scans
the two group photos where both appear: each is recognised, on the right side, and nobody else is
named. The full figures are bench/eval_faceid.py's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from faceid_samples import profile_with_watchlist
from media_screen.detectors.protected import ProtectedFacesDetector
from media_screen.errors import WatchlistError
from media_screen.faceid.embedder import model_info
from media_screen.faceid.enrolment import embed_enrolment_photos
from media_screen.inputs.still import decode_file
from media_screen.model import DetectionKind
from media_screen.store import watchlist as store

EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "faceid"

pytestmark = pytest.mark.skipif(
    not (EVAL_DIR / "ground_truth.csv").exists(), reason="evaluation set ../shared/eval/faceid not present"
)

PEOPLE = ("Barack_Obama", "Joseph_Biden")


def test_both_people_are_found_in_their_group_photos(tmp_path, passphrase):
    rows = list(csv.DictReader((EVAL_DIR / "ground_truth.csv").open(encoding="utf-8")))
    path = tmp_path / "watchlist.bin"
    profile = profile_with_watchlist(path)
    watchlist = store.Watchlist(model_info().name)
    for person in PEOPLE:
        enrolled = []
        for photo in sorted(EVAL_DIR / row["file"] for row in rows if row["identity"] == person):
            try:  # LFW crops often show a second face: enrolment refuses those, so take the next photo
                enrolled += embed_enrolment_photos([photo], profile)
            except WatchlistError:
                continue
            if len(enrolled) == 3:
                break
        assert len(enrolled) == 3, person
        watchlist = watchlist.with_person(person, np.stack([p.embedding for p in enrolled]))
    store.save(watchlist, path, passphrase)
    detector = ProtectedFacesDetector.from_profile(profile)
    groups = [row for row in rows if row["file"].startswith("_groups/face_recognition__")]
    assert len(groups) == 2
    for row in groups:
        frame, _ = decode_file(EVAL_DIR / row["file"], profile.max_image_pixels)
        found = [d for d in detector.detect(frame) if d.kind == DetectionKind.PROTECTED_PERSON]
        left_to_right = [d.label for d in sorted(found, key=lambda d: d.box.x1)]
        assert left_to_right == row["identities_present"].split(";"), row["file"]
