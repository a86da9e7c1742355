"""Link per-frame detections into tracks: one Detection per object seen over a time range.

Pure function. Detections of the same kind from the same detector in
neighbouring sampled frames are the same object when their boxes overlap
(IoU) or their centres are close (relative to box size). Each track keeps its
best frame (highest score): box, score, label and evidence come from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from media_screen.model import Box, Detection

MIN_IOU = 0.3
MAX_CENTRE_DISTANCE = 1.0  # in units of the larger box's diagonal


@dataclass
class _Track:
    first_s: float
    last_s: float
    last: Detection
    best: Detection
    best_s: float
    frames: int = 1

    def extend(self, detection: Detection, time_s: float) -> None:
        self.last_s, self.last = time_s, detection
        self.frames += 1
        if detection.score > self.best.score:
            self.best, self.best_s = detection, time_s

    def as_detection(self) -> Detection:
        evidence = dict(self.best.evidence)
        evidence.update(best_time_s=round(self.best_s, 3), frames=self.frames)
        return Detection(
            kind=self.best.kind,
            label=self.best.label,
            score=self.best.score,
            box=self.best.box,
            detector=self.best.detector,
            time_s=round(self.first_s, 3),
            end_s=round(self.last_s, 3),
            evidence=evidence,
        )


def match_cost(a: Box, b: Box, min_iou: float = MIN_IOU, max_distance: float = MAX_CENTRE_DISTANCE) -> float | None:
    """Lower is a better match; None when the boxes are not the same object."""
    iou = a.iou(b)
    (ax, ay), (bx, by) = a.center, b.center
    diagonal = max(math.hypot(a.width, a.height), math.hypot(b.width, b.height), 1e-9)
    distance = math.hypot(ax - bx, ay - by) / diagonal
    if iou >= min_iou or distance <= max_distance:
        return (1.0 - iou) + distance
    return None


def assign(
    previous: Sequence[Detection],
    current: Sequence[Detection],
    min_iou: float = MIN_IOU,
    max_distance: float = MAX_CENTRE_DISTANCE,
) -> list[tuple[int, int]]:
    """One-to-one (previous index, current index) pairs of the same object, cheapest match first.

    Only detections of the same kind from the same detector can pair; each side pairs at most once.
    """
    candidates = []
    for p_index, before in enumerate(previous):
        for c_index, now in enumerate(current):
            if (before.kind, before.detector) != (now.kind, now.detector):
                continue
            cost = match_cost(before.box, now.box, min_iou, max_distance)
            if cost is not None:
                candidates.append((cost, p_index, c_index))
    pairs, used_previous, used_current = [], set(), set()
    for _, p_index, c_index in sorted(candidates):
        if p_index not in used_previous and c_index not in used_current:
            used_previous.add(p_index)
            used_current.add(c_index)
            pairs.append((p_index, c_index))
    return pairs


def link_detections(
    frames: Sequence[tuple[float, Sequence[Detection]]],
    max_gap_s: float,
    min_iou: float = MIN_IOU,
    max_distance: float = MAX_CENTRE_DISTANCE,
) -> tuple[Detection, ...]:
    """`frames` is (time, detections in that frame) in time order; a track ends after `max_gap_s` unseen."""
    open_tracks: list[_Track] = []
    closed: list[_Track] = []
    for time_s, detections in sorted(frames, key=lambda item: item[0]):
        still_open = []
        for track in open_tracks:
            (still_open if time_s - track.last_s <= max_gap_s else closed).append(track)
        open_tracks = still_open
        pairs = assign([track.last for track in open_tracks], detections, min_iou, max_distance)
        for t_index, d_index in pairs:
            open_tracks[t_index].extend(detections[d_index], time_s)
        matched = {d_index for _, d_index in pairs}
        for d_index, detection in enumerate(detections):
            if d_index not in matched:
                open_tracks.append(_Track(time_s, time_s, detection, detection, time_s))
    tracks = closed + open_tracks
    tracks.sort(key=lambda t: (t.first_s, t.best.kind.value, t.best.box.x1, t.best.box.y1))
    return tuple(track.as_detection() for track in tracks)
