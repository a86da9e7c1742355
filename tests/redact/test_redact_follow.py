"""Following an object the re-scan found (media_screen/redact/follow.py): a track built both ways from its frame."""

from __future__ import annotations

from converge_detectors import DULL, ShadeDetector
from video_support import solid

from media_screen.model import Box, Detection, DetectionKind
from media_screen.redact.follow import Seed, follow, near, seed_at


def frames_with_marker(count: int, visible: range):
    for index in range(count):
        frame = solid(160, 64)[:, :, ::-1].copy()  # BGR
        if index in visible:
            x = 10 + 2 * index
            frame[20:36, x : x + 16] = DULL[::-1]
        yield index, frame


def seen_at(index: int) -> Detection:
    x = 10 + 2 * index
    return Detection(DetectionKind.FACE, "face", 0.9, Box(x, 20, x + 16, 36), "shade")


def test_an_object_is_followed_backwards_and_forwards_until_it_leaves():
    # given a faint marker in frames 5-24 of 40, moving 2 px a frame, seen by the re-scan on frame 14
    seed = Seed(14, seen_at(14), 14, 14)
    detect = near([ShadeDetector()], lambda d: d.score >= 0.25)
    # when it is followed at 10 frames a second
    (followed,) = follow(frames_with_marker(40, range(5, 25)), [seed], fps=10.0, detect=detect)
    # then its track holds every frame it is in view, found where it was in each
    indices = [index for index, _ in followed.keys]
    assert indices == list(range(5, 25))
    for index, detection in followed.keys:
        assert abs(detection.box.x1 - (10 + 2 * index)) <= 1


def test_following_stops_at_the_reach_and_after_misses():
    # given a marker always in view, seen on frame 40 of 80 (reach: 3 s at 5 frames a second = 15 frames)
    seed = Seed(40, seen_at(40), 40, 40)
    detect = near([ShadeDetector()], lambda d: d.score >= 0.25)
    # when it is followed
    (followed,) = follow(frames_with_marker(60, range(0, 60)), [seed], fps=5.0, detect=detect)
    # then the track reaches 15 frames each way and no further
    assert [i for i, _ in followed.keys] == list(range(25, 56))


def test_a_re_scan_detection_is_placed_on_its_best_frame():
    times = [i / 10 for i in range(30)]
    detection = Detection(DetectionKind.FACE, "face", 0.6, Box(0, 0, 8, 8), "faces", time_s=1.0, end_s=2.0,
                          evidence={"best_time_s": 1.5})
    assert seed_at(detection, times) == Seed(15, detection, 10, 20)
