"""Protected faces in a video: each face followed over the sampled frames and matched once, at its best view.

Matching every face on every sampled frame costs the descriptor (about 0.2-0.4 s of CPU per face) each time
and decides on whichever view the frame happened to catch. Here every checkable face is only aligned on each
frame (landmarks + chip, a few ms), faces are linked into tracks the way media_screen/video/tracking.py links
detections (box overlap or nearby centres, a track ends after `max_gap_s` unseen), and each track keeps the
chip of its best view (faceid/quality.py: size, sharpness, frontality). When the video ends, each track's
best chip is embedded once and compared with the watchlist; a match is one PROTECTED_PERSON detection over
the track's time span, with the best frame's box, its time and the number of frames as evidence.

Faces too small to check are reported per frame as in stills (video.py links those like any detection).
A track that follows one face into another's place (two people crossing) is decided on its best view only;
the tracker's rules keep that rare, and the README says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from media_screen.faceid.embedder import AlignedFace
from media_screen.model import Detection, Frame
from media_screen.video.tracking import assign

if TYPE_CHECKING:  # the detector imports this module
    from media_screen.detectors.protected import ProtectedFacesDetector


@dataclass
class FaceTrack:
    """One face over the frames it was seen in, and the best view of it so far."""

    first_s: float
    last_s: float
    last: Detection  # the latest face detection (for linking)
    best: Detection  # the face detection of the best view
    best_face: AlignedFace
    best_s: float
    frames: int = 1

    def see(self, face: Detection, aligned: AlignedFace, time_s: float) -> None:
        self.last, self.last_s = face, time_s
        self.frames += 1
        if (aligned.quality.score, face.box.height) > (self.best_face.quality.score, self.best.box.height):
            self.best, self.best_face, self.best_s = face, aligned, time_s


class ProtectedVideoSession:
    """The state of one video for the protected detector; video.py calls observe / repeat / finish."""

    def __init__(self, detector: "ProtectedFacesDetector", max_gap_s: float) -> None:
        self._detector = detector
        self._max_gap_s = max_gap_s
        self._open: list[FaceTrack] = []
        self._closed: list[FaceTrack] = []
        self._seen_last: list[FaceTrack] = []  # the tracks seen in the last observed frame
        self.embedded = 0  # faces run through the descriptor (one per track)

    def observe(self, frame: Frame) -> tuple[Detection, ...]:
        """Follow the frame's faces; only the "too small to check" detection is returned now."""
        time_s = frame.time_s or 0.0
        checkable, too_small = self._detector.faces_in(frame)
        self._close_stale(time_s)
        pairs = assign([track.last for track in self._open], checkable)
        embedder = self._detector.embedder
        aligned = [embedder.align(frame.pixels, face.box) for face in checkable]
        seen = []
        for t_index, f_index in pairs:
            self._open[t_index].see(checkable[f_index], aligned[f_index], time_s)
            seen.append(self._open[t_index])
        linked = {f_index for _, f_index in pairs}
        for f_index, face in enumerate(checkable):
            if f_index not in linked:
                track = FaceTrack(time_s, time_s, face, face, aligned[f_index], time_s)
                self._open.append(track)
                seen.append(track)
        self._seen_last = seen
        return (self._detector.unchecked(too_small, frame),) if too_small else ()

    def repeat(self, time_s: float) -> None:
        """The picture at `time_s` is unchanged from the last observed one (video.py reused its results)."""
        for track in self._seen_last:
            track.last_s = time_s
            track.frames += 1

    def finish(self, check: Callable[[str], None]) -> tuple[Detection, ...]:
        """Embed each track's best view once and report the matches; `check` raises when out of time."""
        found = []
        for track in sorted(self._closed + self._open, key=lambda t: (t.first_s, t.best.box.x1, t.best.box.y1)):
            check(self._detector.name)
            vector = self._detector.embedder.embed_aligned([track.best_face])[0]
            self.embedded += 1
            match = self._detector.match(vector, track.best.box.height)
            if match is not None:
                found.append(self._detector.recognised(
                    track.best.box, match, round(track.first_s, 3), end_s=round(track.last_s, 3),
                    best_time_s=round(track.best_s, 3), frames=track.frames,
                ))
        self._open, self._closed, self._seen_last = [], [], []
        return tuple(found)

    def _close_stale(self, time_s: float) -> None:
        still_open = []
        for track in self._open:
            (still_open if time_s - track.last_s <= self._max_gap_s else self._closed).append(track)
        self._open = still_open
