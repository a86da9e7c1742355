"""Linking per-frame detections into tracks (pure function, table-driven)."""

from __future__ import annotations

import pytest

from media_screen.model import Box, Detection, DetectionKind
from media_screen.video.tracking import assign, link_detections, match_cost

FACE, PLATE = DetectionKind.FACE, DetectionKind.PLATE


def det(x: float, y: float, size: float = 40, score: float = 0.8, kind=FACE, detector="faces", label="face"):
    return Detection(kind, label, score, Box(x, y, x + size, y + size), detector)


def frames(*per_second):
    """frames(a, b, c) -> [(0.0, a), (1.0, b), (2.0, c)]"""
    return [(float(t), tuple(dets)) for t, dets in enumerate(per_second)]


CASES = {
    "nothing": (frames([], [], []), []),
    "one face for three seconds, moving a little": (
        frames([det(10, 10)], [det(18, 12)], [det(26, 14)]),
        [(0.0, 2.0, 3)],
    ),
    "a face that moves more than its size between samples still links by centre distance": (
        frames([det(10, 10)], [det(45, 10)]),
        [(0.0, 1.0, 2)],
    ),
    "a jump across the picture is a new object": (
        frames([det(10, 10)], [det(300, 200)]),
        [(0.0, 0.0, 1), (1.0, 1.0, 1)],
    ),
    "two faces side by side stay two tracks": (
        frames([det(10, 10), det(200, 10)], [det(14, 10), det(204, 10)], [det(18, 10), det(208, 10)]),
        [(0.0, 2.0, 3), (0.0, 2.0, 3)],
    ),
    "one missed sample inside the gap keeps the track": (
        frames([det(10, 10)], [], [det(12, 10)]),
        [(0.0, 2.0, 2)],
    ),
    "gone longer than the gap: a second appearance is a second track": (
        frames([det(10, 10)], [], [], [], [det(12, 10)]),
        [(0.0, 0.0, 1), (4.0, 4.0, 1)],
    ),
    "different kinds at the same place are different objects": (
        frames([det(10, 10), det(10, 10, kind=PLATE, detector="text")], [det(10, 10)]),
        [(0.0, 1.0, 2), (0.0, 0.0, 1)],
    ),
    "the same kind from two detectors is not merged": (
        frames([det(10, 10, detector="faces"), det(10, 10, detector="other")]),
        [(0.0, 0.0, 1), (0.0, 0.0, 1)],
    ),
}


@pytest.mark.parametrize("per_frame, expected", list(CASES.values()), ids=list(CASES))
def test_link_detections(per_frame, expected):
    # given per-frame detections one second apart, when they are linked with a 2.5 s gap
    tracks = link_detections(per_frame, max_gap_s=2.5)
    # then each object is one detection with its first and last time and the frames it was seen in
    assert sorted((t.time_s, t.end_s, t.evidence["frames"]) for t in tracks) == sorted(expected)


def test_a_track_keeps_its_best_frame():
    # given a face whose score peaks in the middle frame
    best = det(20, 10, score=0.95)
    tracks = link_detections(frames([det(10, 10, score=0.6)], [best], [det(30, 10, score=0.7)]), max_gap_s=2.5)
    # then box, score and label come from that frame, and the evidence says when it was
    (track,) = tracks
    assert (track.box, track.score) == (best.box, 0.95)
    assert track.evidence["best_time_s"] == 1.0
    assert (track.time_s, track.end_s) == (0.0, 2.0)


def test_crossing_objects_are_assigned_to_the_nearest_track():
    # given two faces that each move slightly (and score higher), listed the other way round in the second frame
    first, second = [det(10, 10), det(100, 10)], [det(104, 10, score=0.9), det(14, 10, score=0.9)]
    tracks = link_detections(frames(first, second), 2.5)
    # then each track follows its own face
    assert sorted(t.box.x1 for t in tracks) == [14, 104]
    assert all(t.evidence["frames"] == 2 for t in tracks)


def test_order_of_frames_does_not_matter():
    per_frame = frames([det(10, 10)], [det(12, 10)], [det(14, 10)])
    assert link_detections(list(reversed(per_frame)), 2.5) == link_detections(per_frame, 2.5)


@pytest.mark.parametrize(
    "a, b, linked",
    [
        (Box(0, 0, 10, 10), Box(0, 0, 10, 10), True),
        (Box(0, 0, 10, 10), Box(5, 0, 15, 10), True),
        (Box(0, 0, 10, 10), Box(14, 0, 24, 10), True),  # no overlap, centres 1 diagonal apart
        (Box(0, 0, 10, 10), Box(30, 30, 40, 40), False),
    ],
)
def test_match_cost(a, b, linked):
    assert (match_cost(a, b) is not None) == linked


def test_assign_pairs_each_detection_once_cheapest_first():
    # given two previous faces and three current detections: two faces near them and a plate
    previous = [det(10, 10), det(100, 10)]
    current = [det(104, 10), det(12, 10), det(12, 10, kind=PLATE, detector="text")]
    # then each face pairs with its nearest successor and the plate pairs with nothing
    assert sorted(assign(previous, current)) == [(0, 1), (1, 0)]
