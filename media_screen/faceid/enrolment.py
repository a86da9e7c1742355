"""Enrolment: the one face in each photo -> its embedding. Photos are read, never kept or written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media_screen.config import Profile
from media_screen.detectors.faces import FaceDetector
from media_screen.detectors.protected import ProtectedSettings
from media_screen.errors import MediaScreenError, WatchlistError
from media_screen.faceid.embedder import FaceEmbedder
from media_screen.inputs.still import decode_file
from media_screen.model import DetectionKind
from media_screen.sanitize import clean_text


@dataclass(frozen=True)
class EnrolledPhoto:
    """One accepted photo: where it was, how tall its face was (pixels), and the embedding."""

    path: str
    face_px: float
    embedding: np.ndarray


def embed_enrolment_photos(photos: list[Path], profile: Profile) -> list[EnrolledPhoto]:
    """The embedding of the one face in each photo.

    Raises WatchlistError naming every photo refused (unreadable, no face, several faces, a face too
    small to recognise) so the user can fix them all at once; nothing is enrolled unless all pass.
    """
    if not photos:
        raise WatchlistError("enrolment needs at least one photo")
    settings = ProtectedSettings.from_table(profile.detector_settings("protected"))
    threshold = profile.threshold(DetectionKind.FACE.value)
    faces = FaceDetector.from_profile(profile)
    embedder = FaceEmbedder.from_installed()
    accepted, refused = [], []
    for path in photos:
        shown = clean_text(str(path), 300)
        try:
            frame, _ = decode_file(Path(path), profile.max_image_pixels)
        except (MediaScreenError, OSError) as exc:
            refused.append(f"{shown}: cannot be read ({clean_text(str(exc), 200)})")
            continue
        found = [d for d in faces.detect(frame) if d.score >= threshold]
        large = [d for d in found if d.box.height >= settings.min_face_px]
        if not found:
            refused.append(f"{shown}: no face found")
        elif len(large) > 1:
            refused.append(f"{shown}: {len(large)} faces; enrol from a photo showing only this person")
        elif not large:
            tallest = max(d.box.height for d in found)
            refused.append(
                f"{shown}: the face is {tallest:.0f} px tall, under the {settings.min_face_px:g} px needed to recognise it"
            )
        else:
            face = large[0]
            accepted.append(EnrolledPhoto(shown, face.box.height, embedder.embed(frame.pixels, face.box)))
    if refused:
        raise WatchlistError("nothing enrolled; refused photo(s):\n  " + "\n  ".join(refused))
    return accepted
