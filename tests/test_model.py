import pytest

from media_screen.model import Box, Detection, DetectionKind, Severity, Verdict


def test_box_iou_of_identical_boxes_is_one():
    # given two identical boxes / when compared / then IoU is 1
    assert Box(0, 0, 10, 10).iou(Box(0, 0, 10, 10)) == 1.0


def test_box_iou_of_disjoint_boxes_is_zero():
    assert Box(0, 0, 10, 10).iou(Box(20, 20, 30, 30)) == 0.0


def test_box_refuses_corners_out_of_order():
    with pytest.raises(ValueError):
        Box(10, 0, 5, 10)


def test_box_clip_keeps_box_inside_frame():
    assert Box(-5, -5, 50, 50).clip(40, 30) == Box(0, 0, 40, 30)


def test_box_scaled_keeps_centre():
    scaled = Box(10, 10, 20, 20).scaled(1.3)
    assert scaled.center == (15.0, 15.0) and scaled.width == pytest.approx(13.0)


def test_box_contains_points_inside_and_on_its_edges_only():
    # given a box / when points inside, on an edge and outside are tested / then only the first two are in it
    box = Box(10, 20, 30, 40)
    assert box.contains((15, 25)) and box.contains((10, 40)) and box.contains((30, 20))
    assert not box.contains((9.9, 25)) and not box.contains((15, 40.1))


def test_box_intersection_is_the_shared_area():
    assert Box(0, 0, 10, 10).intersection(Box(5, 5, 20, 20)) == 25.0
    assert Box(0, 0, 10, 10).intersection(Box(10, 0, 20, 10)) == 0.0


def test_detection_refuses_score_outside_unit_interval():
    with pytest.raises(ValueError):
        Detection(DetectionKind.FACE, "face", 1.5, Box(0, 0, 1, 1), "faces")


def test_detection_evidence_is_read_only():
    detection = Detection(DetectionKind.FACE, "face", 0.9, Box(0, 0, 1, 1), "faces", evidence={"a": 1})
    with pytest.raises(TypeError):
        detection.evidence["a"] = 2


@pytest.mark.parametrize(
    "severity, verdict",
    [
        (Severity.INFO, Verdict.CLEAR),
        (Severity.REVIEW, Verdict.REVIEW),
        (Severity.PERMISSION, Verdict.PERMISSION_REQUIRED),
        (Severity.BLOCK, Verdict.DO_NOT_POST),
    ],
)
def test_each_severity_maps_to_its_verdict(severity, verdict):
    assert Verdict.from_severity(severity) == verdict


def test_error_ranks_above_every_other_verdict():
    assert max(Verdict) == Verdict.ERROR


def test_a_detection_seen_in_a_part_of_a_file_says_where_and_keeps_its_evidence():
    # given a badge found with its matched reference
    badge = Detection(DetectionKind.BADGE, "police badge", 0.9, Box(0, 0, 10, 10), "insignia", evidence={"ref": "a"})
    # when it is the second page's / then its label says so and its evidence holds both
    on_page = badge.seen_in("page 2", page=2)
    assert on_page.label == "police badge (page 2)" and dict(on_page.evidence) == {"ref": "a", "page": 2}
    assert badge.label == "police badge" and dict(badge.evidence) == {"ref": "a"}
