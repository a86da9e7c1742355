"""Protected faces (B.10): faces recognised as someone on the department's encrypted watchlist.

Active only when a watchlist exists (`media-screen protect enroll`); without one it loads nothing
and finds nothing. With one, every face the `faces` detector finds (shared per frame, so CenterFace
runs once) and the policy counts ([thresholds] face) is:

* at least `min_face_px` tall: aligned and embedded (media_screen/faceid), compared with every enrolled
  embedding; the closest person within `threshold` is a PROTECTED_PERSON detection labelled with the
  name, its score 1 - distance / (2 * threshold) (0.5 exactly at the threshold);
* smaller: counted in one FACE_UNCHECKED detection per frame, so the report says the check did not run
  on them.

In a video each face is followed over the sampled frames instead and matched once, at its best view
(detectors/protected_video.py): `video_session` gives the per-video state that video.py drives.

Both numbers were measured (bench/eval_faceid.py, README "Protected faces"). The watchlist is decrypted
with MEDIA_SCREEN_WATCHLIST_PASSPHRASE at load time; an encrypted watchlist without its passphrase stops
the run before any file (fail closed), rather than scanning without the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from media_screen.config import Profile
from media_screen.detectors.base import DetectorInfo
from media_screen.detectors.faces import FaceDetector
from media_screen.detectors.model_files import package_version
from media_screen.detectors.protected_video import ProtectedVideoSession
from media_screen.errors import ModelUnavailableError, WatchlistError
from media_screen.faceid.embedder import FaceEmbedder, model_info, model_paths
from media_screen.faceid.matching import Match, closest
from media_screen.model import Box, Detection, DetectionKind, Frame
from media_screen.store import watchlist as store

NAME = "protected"


@dataclass(frozen=True)
class ProtectedSettings:
    """The `[detectors.protected]` table of the profile."""

    watchlist: str = ""  # empty: watchlist.bin in the user's data folder
    threshold: float = 0.5  # largest embedding distance that is a match (the profile holds the measured one)
    min_face_px: float = 32.0  # faces shorter than this (frame pixels) are "too small to check"
    # Faces at least large_face_px tall are matched within large_threshold instead (0 or less: one threshold):
    # large faces' false matches lie closer, so one threshold set over all sizes lets more of them through.
    large_face_px: float = 0.0
    large_threshold: float = 0.0

    def threshold_for(self, face_px: float) -> float:
        """The distance threshold for a face `face_px` tall."""
        if self.large_face_px > 0 and self.large_threshold > 0 and face_px >= self.large_face_px:
            return float(self.large_threshold)
        return float(self.threshold)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "ProtectedSettings":
        known = {name: table[name] for name in cls.__dataclass_fields__ if name in table}
        settings = cls(**known)
        if not 0.0 < float(settings.threshold) < 2.0 or float(settings.min_face_px) < 0 or not (
            0.0 <= float(settings.large_threshold) < 2.0
        ):
            raise ValueError(f"[detectors.protected] thresholds must lie in (0, 2), min_face_px >= 0: {dict(table)}")
        return settings


def watchlist_path(profile: Profile) -> Path:
    """Where this profile keeps its watchlist: `[detectors.protected] watchlist`, else the user's data folder."""
    configured = str(profile.detector_settings(NAME).get("watchlist", "") or "")
    return profile.resolve(configured) if configured else store.default_path()


class ProtectedFacesDetector:
    """Recognises enrolled (protected) people among the faces found in a frame."""

    name = NAME
    reuses = ("faces",)  # the frame's faces (lanes.py)

    def __init__(
        self,
        faces: FaceDetector | None,
        embedder: FaceEmbedder | None,
        watchlist: store.Watchlist | None,
        settings: ProtectedSettings,
        face_threshold: float,
    ) -> None:
        self._faces = faces
        self._embedder = embedder
        self.watchlist = watchlist
        self.settings = settings
        self._face_threshold = face_threshold

    @property
    def active(self) -> bool:
        return bool(self.watchlist and self.watchlist.people)

    @classmethod
    def describe(cls, profile: Profile) -> DetectorInfo:
        path = watchlist_path(profile)
        version = f"{model_info().version}, dlib-bin {package_version('dlib-bin')}"
        try:
            descriptor, landmarks = model_paths()
            model = f"{descriptor}, {landmarks}, {path}"  # the watchlist's mtime is part of the cache key
            available, problem = True, None
        except ModelUnavailableError as exc:
            model, available, problem = str(path), False, str(exc)
        state = "active" if store.exists(path) else "inactive: no watchlist (media-screen protect enroll)"
        return DetectorInfo(
            name=cls.name,
            description=f"protected faces recognised from the encrypted watchlist (dlib ResNet embeddings); {state}",
            kinds=(DetectionKind.PROTECTED_PERSON, DetectionKind.FACE_UNCHECKED),
            model=model,
            version=version,
            available=available,
            problem=problem,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> "ProtectedFacesDetector":
        try:
            settings = ProtectedSettings.from_table(profile.detector_settings(NAME))
        except (TypeError, ValueError) as exc:
            raise WatchlistError(f"invalid [detectors.protected] settings: {exc}") from None
        face_threshold = profile.threshold(DetectionKind.FACE.value)
        path = watchlist_path(profile)
        if not store.exists(path):
            return cls(None, None, None, settings, face_threshold)
        watchlist = store.load(path, store.passphrase_from_environment())
        if watchlist.model != model_info().name:
            raise WatchlistError(
                f"the watchlist {path} holds embeddings of {watchlist.model!r}, but this version computes "
                f"{model_info().name!r}: enrol the people again"
            )
        return cls(FaceDetector.from_profile(profile), FaceEmbedder.from_installed(), watchlist, settings, face_threshold)

    @property
    def embedder(self) -> FaceEmbedder | None:
        return self._embedder

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        if not self.active or self._embedder is None:
            return ()
        checkable, too_small = self.faces_in(frame)
        found: list[Detection] = []
        if checkable:
            vectors = self._embedder.embed_many(frame.pixels, [d.box for d in checkable])
            for face, vector in zip(checkable, vectors):
                match = self.match(vector, face.box.height)
                if match is not None:
                    found.append(self.recognised(face.box, match, frame.time_s))
        if too_small:
            found.append(self.unchecked(too_small, frame))
        return tuple(found)

    def video_session(self, max_gap_s: float) -> ProtectedVideoSession | None:
        """The per-video state that matches each face once, at its best view; None when inactive."""
        return ProtectedVideoSession(self, max_gap_s) if self.active and self._embedder is not None else None

    def faces_in(self, frame: Frame) -> tuple[list[Detection], list[Detection]]:
        """The frame's counted faces: (tall enough to check, too small to check)."""
        if self._faces is None:
            return [], []
        faces = [d for d in self._faces.detect(frame) if d.score >= self._face_threshold]
        checkable = [d for d in faces if d.box.height >= self.settings.min_face_px]
        return checkable, [d for d in faces if d.box.height < self.settings.min_face_px]

    def match(self, embedding, face_px: float) -> Match | None:
        """The enrolled person within the threshold (for a face `face_px` tall) of this embedding, or None."""
        found = closest(embedding, self.watchlist, self.settings.threshold_for(face_px))
        return found if found is not None and found.is_match else None

    def recognised(self, box: Box, match: Match, time_s: float | None, **track: float | int) -> Detection:
        """The PROTECTED_PERSON detection; `track` adds a video track's end_s, best_time_s and frames."""
        end_s = track.pop("end_s", None)
        return Detection(
            kind=DetectionKind.PROTECTED_PERSON,
            label=match.name,
            score=match.score,
            box=box,
            detector=self.name,
            time_s=time_s,
            end_s=end_s,
            evidence={
                "name": match.name,
                "distance": round(match.distance, 4),
                "threshold": match.threshold,
                "face_px": round(box.height, 1),
                **track,
            },
        )

    def unchecked(self, faces: list[Detection], frame: Frame) -> Detection:
        boxes = [d.box for d in faces]
        around = Box(
            min(b.x1 for b in boxes), min(b.y1 for b in boxes), max(b.x2 for b in boxes), max(b.y2 for b in boxes)
        )
        return Detection(
            kind=DetectionKind.FACE_UNCHECKED,
            label=f"{len(faces)} face(s) under {self.settings.min_face_px:g} px tall",
            score=max(d.score for d in faces),
            box=around,
            detector=self.name,
            time_s=frame.time_s,
            evidence={
                "faces": len(faces),
                "min_face_px": float(self.settings.min_face_px),
                "boxes": tuple(tuple(b.as_list()) for b in boxes),
            },
        )
