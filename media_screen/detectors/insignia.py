"""The insignia detector: finds the department's own enrolled marks (badge, patch, decal, logo) in a frame.

Each reference image listed under `[[detectors.insignia.references]]` is described once per
process by SIFT keypoints (the built-in ones come described with the package: described_marks.py).
A frame's keypoints are matched to each reference (Lowe's ratio
test), a RANSAC homography maps the reference outline into the frame, and a match counts
only when enough keypoints agree and the mapped outline is a sane view of a flat mark:
a convex quadrilateral, within the scale limits, not mirrored, not sheared into a sliver.

A department's mark is also enrolled mirrored (a mirror selfie shows the badge reversed, and SIFT does not
match a mark to its mirror image, nor may the outline be mirrored); a hate symbol never is: a mirrored
swastika is the religious sign, not the Nazi one.

A match that passes the geometry must also look like the mark: the frame is warped back into
the reference's outline (64 px) and its grey levels correlated with the reference's (normalised
cross-correlation inside the mark's mask). Keypoints can agree on a part the mark shares with
the world (the seal's drawn landscape matched a drawn landscape at 14 inliers, correlation
-0.09); the enrolled marks composited into the samples correlate at 0.91 or more.

A symmetric mark (a reference's `symmetry` > 1: a swastika's four arms) keeps each corner's matches to
all its twins, and a match to a twin agrees with a turned copy of the pose. Before RANSAC its matches are
split by turn (frame minus reference keypoint orientation): each turn many matches agree on is tried with
its own matches, so a pose no longer competes with its own turned copies, and twins matched to one
keypoint no longer draw RANSAC to a homography that collapses them onto it. Painted on the sample's wall, the clockwise swastika went from
9 to 16 of 16 renderings found and the Celtic cross from 1 to 16 (bench/hate_symbol_paint.py).

The score is a logistic of the inlier count: 0.6 at `min_inliers` and 0.95 at twice it.
On the 410 evaluation photos without the marks (police and look-alike photos, text and
sign photos, face photos in ../shared/eval) no sane match reached 6 inliers, so
min_inliers = 12 leaves a margin; the enrolled marks in the sample photos reach 30+.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import cv2
import numpy as np

from media_screen.config import Profile
from media_screen.detectors import described_marks
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.frame_cache import FrameCache
from media_screen.errors import ModelUnavailableError, ProfileError
from media_screen.model import Box, Detection, DetectionKind, Frame

NAME = "insignia"
KINDS = {  # anything else: INSIGNIA
    "badge": DetectionKind.BADGE,
    "patch": DetectionKind.PATCH,
    "hate_symbol": DetectionKind.HATE_SYMBOL,  # B.5; drawn by scripts/draw_hate_symbols.py
}
DEFAULTS: Mapping[str, Any] = {
    "min_inliers": 12,
    "ratio": 0.75,  # Lowe's ratio test
    "ransac_px": 6.0,  # reprojection error allowed, in pixels of the scaled frame
    "max_side": 1600,  # frame scaled down to this before features are found
    "reference_side": 480,  # references described at this size
    "max_features": 6000,  # strongest keypoints kept per frame
    "min_size_px": 24,  # smallest mark reported (side of the square of its area, frame pixels)
    "max_distortion": 3.0,  # sides of the mapped outline, each relative to the reference's: max / min
    "max_instances": 3,  # copies of one reference looked for in one frame
    "min_correlation": 0.4,  # grey-level NCC of the warped-back region with the reference
}
# How references are described (describe_image), in the key of their shipped descriptions (described_marks.py)
METHOD = f"OpenCV {cv2.__version__} SIFT, reference description 1"
MIRRORED_METHOD = METHOD + ", mirrored"  # the same, of the mirror image
NOT_MIRRORED = ("hate_symbol",)  # kinds never enrolled mirrored
TEMPLATE_SIDE = 64  # the appearance check compares mark and frame at this size
TURN_TOLERANCE = 20.0  # degrees: a symmetric mark's match agrees with a pose turned this far from it
TURN_HYPOTHESES = 4  # turns of a symmetric mark tried per frame
_features = FrameCache()


@dataclass(frozen=True)
class Reference:
    """An enrolled mark, described once: keypoint positions, descriptors and its outline."""

    name: str
    kind: DetectionKind
    path: Path
    sha256: str
    points: np.ndarray  # N x 2, reference pixels
    descriptors: np.ndarray  # N x 128 float32
    outline: np.ndarray  # 4 x 2: corners of the mark's bounding box, reference pixels
    area: float  # outline area, reference pixels
    template: np.ndarray  # the outline's grey levels at TEMPLATE_SIDE, float32, zero mean inside the mask
    template_mask: np.ndarray  # bool, where the mark is opaque
    symmetry: int = 1  # copies of each of its keypoints the mark holds (a swastika's four arms: 4)
    angles: np.ndarray | None = None  # N, each keypoint's SIFT orientation in degrees
    mirrored: bool = False  # the mirror image of the enrolled file: the mark as a mirror shows it


@dataclass(frozen=True)
class InsigniaMatch:
    """One reference found in a frame, in frame pixels."""

    reference: Reference
    quad: np.ndarray  # 4 x 2
    inliers: int
    good_matches: int
    scale: float  # mark size in the frame relative to the described reference

    @property
    def box(self) -> Box:
        return Box(float(self.quad[:, 0].min()), float(self.quad[:, 1].min()),
                   float(self.quad[:, 0].max()), float(self.quad[:, 1].max()))


class InsigniaDetector:
    """SIFT + ratio test + RANSAC homography against each enrolled reference image."""

    name = NAME
    # A department's own marks are described by SIFT at load, 0.03-0.08 s each (the built-in ones come described:
    # described_marks.py); with several, this is the longest load, started first (lanes.py)
    load_first = True

    def __init__(self, references: tuple[Reference, ...], settings: Mapping[str, Any]) -> None:
        self.references = references
        self.settings = {**DEFAULTS, **settings}
        self._sift = cv2.SIFT_create(nfeatures=int(self.settings["max_features"]))
        self._lock = threading.Lock()

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        entries = _reference_entries(profile)
        missing = [str(path) for _, _, path, _ in entries if not path.is_file()]
        problem = None
        if not entries:
            problem = "no reference images enrolled: add [[detectors.insignia.references]] to the profile"
        elif missing:
            problem = f"reference image(s) not found: {', '.join(missing)}"
        return DetectorInfo(
            name=NAME,
            description=f"SIFT + RANSAC homography against {len(entries)} enrolled mark(s)",
            kinds=(DetectionKind.INSIGNIA, DetectionKind.BADGE, DetectionKind.PATCH, DetectionKind.HATE_SYMBOL),
            model=", ".join(name for name, _, _, _ in entries) or "no references",
            version=f"OpenCV {cv2.__version__} SIFT",
            available=problem is None,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "InsigniaDetector":
        return shared_detector(profile)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        return tuple(
            to_detection(match, frame, self.score(match.inliers)) for match in self.matches(frame.pixels)
        )

    def score(self, inliers: int) -> float:
        """0.6 at min_inliers, 0.95 at twice as many; logistic in between and beyond."""
        minimum = float(self.settings["min_inliers"])
        slope = (math.log(0.95 / 0.05) - math.log(0.6 / 0.4)) / minimum
        return 1.0 / (1.0 + math.exp(-(math.log(0.6 / 0.4) + slope * (inliers - minimum))))

    def matches(self, pixels: np.ndarray) -> list[InsigniaMatch]:
        """Every enrolled mark found in the frame (computed once per frame content)."""
        if not self.references or pixels.ndim != 3 or min(pixels.shape[:2]) < 16:
            return []
        return _features.get_or_compute(id(self), pixels, lambda: self._find_all(pixels))

    def _find_all(self, pixels: np.ndarray) -> list[InsigniaMatch]:
        gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, float(self.settings["max_side"]) / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        keypoints, frame_descriptors = self._features(gray)
        if len(keypoints) < self.settings["min_inliers"]:
            return []
        points = np.float32([kp.pt for kp in keypoints])
        angles = np.float32([kp.angle for kp in keypoints])
        found = []
        for reference in self.references:
            for match in self._find(reference, points, angles, frame_descriptors, gray):
                found.append(_rescaled(match, 1.0 / scale))
        return _strongest_per_place(found)

    def _features(self, gray: np.ndarray) -> tuple[tuple, "Descriptors | None"]:
        """The frame's SIFT keypoints and their descriptors, ready to search (no keypoints: ((), None))."""
        with self._lock:
            keypoints, descriptors = self._sift.detectAndCompute(gray, None)
        return (keypoints, Descriptors(descriptors)) if descriptors is not None else ((), None)

    def _find(
        self, reference: Reference, points: np.ndarray, angles: np.ndarray, descriptors: "Descriptors",
        gray: np.ndarray,
    ) -> list[InsigniaMatch]:
        # Lowe's ratio test against the first neighbour beyond the mark's own symmetry: each corner of a
        # swastika has three twins on the other arms, so its fifth-nearest frame keypoint is the first
        # that cannot be the same corner. RANSAC then keeps the one consistent rotation.
        copies = max(1, reference.symmetry)
        pairs = descriptors.nearest(reference.descriptors, k=copies + 1)
        ratio = float(self.settings["ratio"])
        good = [m[i] for m in pairs if len(m) == copies + 1 for i in range(copies)
                if m[i].distance < ratio * m[copies].distance]
        if copies == 1 or reference.angles is None:
            return self._instances(reference, good, points, gray)
        # A symmetric mark: each corner matched all its twins, and a match to a twin agrees with a turned copy
        # of the pose, not with the pose. The keypoints' orientations tell the copies apart: for the matches
        # of one pose, frame angle - reference angle is the pose's turn. Each turn the matches agree on is
        # tried with its own matches only.
        turns = (angles[[m.trainIdx for m in good]] - reference.angles[[m.queryIdx for m in good]]) % 360.0
        found: list[InsigniaMatch] = []
        for turn in _turn_hypotheses(turns, int(self.settings["min_inliers"]), TURN_HYPOTHESES):
            agreeing = _angle_apart(turns, turn) <= TURN_TOLERANCE
            found += self._instances(reference, [m for m, keep in zip(good, agreeing) if keep], points, gray, good)
        return _strongest_per_place(found)[: int(self.settings["max_instances"])]

    def _instances(
        self, reference: Reference, good: list, points: np.ndarray, gray: np.ndarray, support: list | None = None
    ) -> list[InsigniaMatch]:
        """Copies of the mark that `good` matches agree on: RANSAC, keep a sane match, drop its inliers, repeat.
        With `support`, a pose found from `good` counts its inliers among those matches instead."""
        shape = gray.shape
        found: list[InsigniaMatch] = []
        minimum = int(self.settings["min_inliers"])
        ransac_px = float(self.settings["ransac_px"])
        while len(good) >= minimum and len(found) < int(self.settings["max_instances"]):
            source = np.float32([reference.points[m.queryIdx] for m in good])
            target = np.float32([points[m.trainIdx] for m in good])
            homography, mask = cv2.findHomography(source, target, cv2.RANSAC, ransac_px)
            if homography is None:
                break
            inlier = mask.ravel().astype(bool)
            if inlier.sum() < minimum:
                break
            counted, counted_source, supported = int(inlier.sum()), source[inlier], None
            if support is not None:
                every_source = np.float32([reference.points[m.queryIdx] for m in support])
                every_target = np.float32([points[m.trainIdx] for m in support])
                mapped = cv2.perspectiveTransform(every_source.reshape(-1, 1, 2), homography).reshape(-1, 2)
                supported = np.linalg.norm(mapped - every_target, axis=1) <= ransac_px
                counted, counted_source = int(supported.sum()), every_source[supported]
            quad = cv2.perspectiveTransform(reference.outline.reshape(-1, 1, 2), homography).reshape(-1, 2)
            if self._sane(quad, reference, counted_source, shape) and self._looks_alike(gray, quad, reference):
                scale = math.sqrt(abs(cv2.contourArea(quad.astype(np.float32))) / reference.area)
                found.append(InsigniaMatch(reference, quad, counted, len(good) if support is None else len(support),
                                           scale))
            good = [m for m, used in zip(good, inlier) if not used]  # look for another copy
            if supported is not None:
                support = [m for m, used in zip(support, supported) if not used]
        return found

    def _sane(self, quad: np.ndarray, reference: Reference, inlier_points: np.ndarray, shape) -> bool:
        """A flat mark seen in perspective: convex, not mirrored, big enough, not a sliver, inliers spread out."""
        if not np.all(np.isfinite(quad)) or not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
            return False
        signed = _signed_area(quad)
        if signed <= 0:  # mirrored: the corners come in the opposite order
            return False
        height, width = shape[:2]
        if signed < float(self.settings["min_size_px"]) ** 2 or signed > 4.0 * width * height:
            return False
        sides = _side_lengths(quad) / _side_lengths(reference.outline)
        if sides.min() <= 0 or sides.max() / sides.min() > float(self.settings["max_distortion"]):
            return False
        for i in range(4):  # corner angles between 30 and 150 degrees
            a, b = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
            cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
            if abs(cos) > math.cos(math.radians(30)):
                return False
        hull = cv2.convexHull(inlier_points.reshape(-1, 1, 2))
        return cv2.contourArea(hull) >= 0.05 * reference.area

    def _looks_alike(self, gray: np.ndarray, quad: np.ndarray, reference: Reference) -> bool:
        """The frame region, warped back into the reference's outline, correlates with the mark."""
        height, width = reference.template.shape
        target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        to_template = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
        warped = cv2.warpPerspective(gray, to_template, (width, height), flags=cv2.INTER_AREA,
                                     borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        return _correlation(warped[reference.template_mask], reference.template[reference.template_mask]) >= float(
            self.settings["min_correlation"])


def to_detection(match: InsigniaMatch, frame: Frame, score: float, detector: str = NAME) -> Detection:
    reference = match.reference
    return Detection(
        kind=reference.kind,
        label=f"{'hate symbol' if reference.kind is DetectionKind.HATE_SYMBOL else 'enrolled mark'}: {reference.name}"
              + (" (seen mirrored)" if reference.mirrored else ""),
        score=round(score, 4),
        box=match.box.clip(frame.width, frame.height),
        detector=detector,
        time_s=frame.time_s,
        evidence={
            "reference": reference.name,
            "reference_file": reference.path.name,
            **({"mirrored": True} if reference.mirrored else {}),
            "inliers": match.inliers,
            "good_matches": match.good_matches,
            "scale": round(match.scale, 3),
            "quad": [[round(float(x), 1), round(float(y), 1)] for x, y in match.quad],
        },
    )


class Descriptors:
    """A frame's SIFT descriptors, searched for each reference descriptor's nearest ones (L2), exhaustively.

    The same answer as OpenCV's brute-force matcher (cv2.BFMatcher, NORM_L2) but computed as one matrix
    product (|a|^2 + |b|^2 - 2ab, through numpy's BLAS): 6,000 frame descriptors against the default
    references took 80-270 ms per photo there and take a few tens here (bench/insignia_sizes.py).
    """

    def __init__(self, descriptors: np.ndarray) -> None:
        self._descriptors = np.ascontiguousarray(descriptors, np.float32)
        self._squared = np.einsum("ij,ij->i", self._descriptors, self._descriptors)

    def nearest(self, query: np.ndarray, k: int) -> list[list[cv2.DMatch]]:
        """For each query descriptor, its k nearest frame descriptors, nearest first (fewer if the frame has fewer)."""
        k = min(k, len(self._descriptors))
        if k == 0 or len(query) == 0:
            return [[] for _ in range(len(query))]
        query = np.ascontiguousarray(query, np.float32)
        squared = np.einsum("ij,ij->i", query, query)[:, None] + self._squared[None, :] - 2.0 * (query @ self._descriptors.T)
        rows = np.arange(len(query))[:, None]
        nearest = np.argpartition(squared, k - 1, axis=1)[:, :k]
        nearest = nearest[rows, np.argsort(squared[rows, nearest], axis=1, kind="stable")]
        distances = np.sqrt(np.maximum(squared[rows, nearest], 0.0))
        return [[cv2.DMatch(q, int(t), float(d)) for t, d in zip(nearest[q], distances[q])] for q in range(len(query))]


def _strongest_per_place(matches: list[InsigniaMatch]) -> list[InsigniaMatch]:
    """One mark per place: where two references claim the same region (marks that share a seal), the one
    with more inliers wins."""
    kept: list[InsigniaMatch] = []
    for match in sorted(matches, key=lambda m: -m.inliers):
        if all(_overlap_of_smaller(match.box, other.box) <= 0.5 for other in kept):
            kept.append(match)
    return kept


def _turn_hypotheses(turns: np.ndarray, minimum: int, most: int) -> list[float]:
    """The turns (degrees) many matches agree on: peaks of their circular histogram, strongest first."""
    bins = 36
    counts = np.bincount((turns // (360.0 / bins)).astype(int) % bins, minlength=bins).astype(float)
    smooth = counts + 0.5 * (np.roll(counts, 1) + np.roll(counts, -1))
    peaks = [i for i in range(bins) if smooth[i] >= minimum / 2 and smooth[i] >= smooth[i - 1]
             and smooth[i] > smooth[(i + 1) % bins]]
    centres = []
    for i in sorted(peaks, key=lambda i: -smooth[i])[:most]:  # circular mean of the peak and its neighbours
        near = np.radians(turns[_angle_apart(turns, (i + 0.5) * 360.0 / bins) <= 1.5 * 360.0 / bins])
        centres.append(float(np.degrees(np.arctan2(np.sin(near).mean(), np.cos(near).mean()))) % 360.0)
    return centres


def _angle_apart(angles: np.ndarray, angle: float) -> np.ndarray:
    """Circular distance in degrees, 0..180."""
    return np.abs((angles - angle + 180.0) % 360.0 - 180.0)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / norm if norm > 0 else 0.0


def _overlap_of_smaller(a: Box, b: Box) -> float:
    smaller = min(a.area, b.area)
    return a.intersection(b) / smaller if smaller > 0 else 0.0


def _side_lengths(quad: np.ndarray) -> np.ndarray:
    return np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)


def _signed_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _rescaled(match: InsigniaMatch, factor: float) -> InsigniaMatch:
    return InsigniaMatch(match.reference, match.quad * factor, match.inliers, match.good_matches, match.scale * factor)


# --- references: read and described once per process ------------------------------------------------------

_detectors: dict[str, InsigniaDetector] = {}
_references: dict[tuple[str, str, int, bool], Reference] = {}
_cache_lock = threading.Lock()


def shared_detector(profile: Profile) -> InsigniaDetector:
    """One detector per profile per process (references described once, frame matches shared)."""
    with _cache_lock:
        detector = _detectors.get(profile.digest)
        if detector is None:
            settings = settings_of(profile)
            side = int(settings["reference_side"])
            entries = _reference_entries(profile)
            references = tuple(
                _reference(name, kind, path, side, symmetry, mirrored)
                for mirrored in (False, True)
                for name, kind, path, symmetry in entries
                if not (mirrored and kind in NOT_MIRRORED)
            )
            detector = _detectors[profile.digest] = InsigniaDetector(references, settings)
        return detector


def settings_of(profile: Profile) -> dict[str, Any]:
    """DEFAULTS with the profile's `[detectors.insignia]` settings over them (the references left out)."""
    return {**DEFAULTS, **{k: v for k, v in profile.detector_settings(NAME).items() if k != "references"}}


def _reference_entries(profile: Profile) -> list[tuple[str, str, Path, int]]:
    """(name, kind, path, symmetry) of each enrolled reference; `symmetry`: how many copies of each of its
    corners the mark holds (4 for a swastika's arms), 1 when not given."""
    entries = []
    for entry in profile.detector_settings(NAME).get("references", []):
        try:
            path = profile.resolve_asset(str(entry["path"]))  # the package's file when the profile's folder lacks it
            entries.append((str(entry["name"]), str(entry.get("kind", "insignia")), path, max(1, int(entry.get("symmetry", 1)))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(f"[[detectors.insignia.references]] entry needs name and path: {entry!r}") from exc
    return entries


def _reference(name: str, kind: str, path: Path, side: int, symmetry: int = 1, mirrored: bool = False) -> Reference:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelUnavailableError(
            f"insignia reference {name!r} not found at {path}; fix its path in the profile "
            f"([[detectors.insignia.references]]) or re-run scripts/make_detector_samples.py"
        ) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    key = (str(path), sha256, side, mirrored)
    if key not in _references:  # the shipped description of a built-in mark, else described here
        method = MIRRORED_METHOD if mirrored else METHOD
        fields = described_marks.lookup(sha256, side, method) or describe_image(data, side, name, path, mirrored)
        _references[key] = Reference(name, KINDS.get(kind, DetectionKind.INSIGNIA), path, sha256,
                                     **{**fields, "area": float(fields["area"])}, mirrored=mirrored)
    reference = _references[key]
    return dataclasses.replace(reference, name=name, kind=KINDS.get(kind, DetectionKind.INSIGNIA), symmetry=symmetry)


def describe_image(
    data: bytes, side: int, name: str = "", path: Path | None = None, mirrored: bool = False
) -> dict[str, np.ndarray]:
    """A reference image's description at `side` px (of its mirror image when `mirrored`): its fields of Reference
    (described_marks.FIELDS). Change what this computes and METHOD's number changes with it."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ModelUnavailableError(f"insignia reference {name!r} at {path} is not a readable image")
    if mirrored:
        image = np.ascontiguousarray(image[:, ::-1])
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    factor = side / max(image.shape[:2])
    image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
    alpha = image[:, :, 3]
    mask = (alpha > 127).astype(np.uint8) * 255
    gray = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)
    gray = np.where(mask > 0, gray, 128).astype(np.uint8)  # transparent parts give no corners
    keypoints, descriptors = cv2.SIFT_create().detectAndCompute(gray, cv2.erode(mask, np.ones((5, 5), np.uint8)))
    if descriptors is None or len(keypoints) < DEFAULTS["min_inliers"]:
        raise ProfileError(f"insignia reference {name!r} ({path}) has too little detail to be found")
    x, y, w, h = cv2.boundingRect(mask)
    outline = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    factor = TEMPLATE_SIDE / max(w, h)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    template = cv2.resize(gray[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA).astype(np.float32)
    template_mask = cv2.resize(mask[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA) > 127
    return {"points": np.float32([kp.pt for kp in keypoints]), "descriptors": descriptors, "outline": outline,
            "area": np.float64(w * h), "template": template, "template_mask": template_mask,
            "angles": np.float32([kp.angle for kp in keypoints])}
