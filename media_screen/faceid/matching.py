"""Matching face embeddings against the enrolled people: nearest enrolled embedding, one threshold.

Pure numpy; the threshold comes from the profile (measured by bench/eval_faceid.py at a
false-match rate of at most 1 in 1,000 between single photos).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from media_screen.store.watchlist import Watchlist


@dataclass(frozen=True)
class Match:
    """The closest enrolled person to one face, and how close (Euclidean distance between embeddings)."""

    name: str
    distance: float
    threshold: float

    @property
    def is_match(self) -> bool:
        return self.distance <= self.threshold

    @property
    def score(self) -> float:
        """1 at distance 0, 0.5 at the threshold, 0 at twice the threshold: a score >= 0.5 is a match."""
        return float(np.clip(1.0 - self.distance / (2.0 * self.threshold), 0.0, 1.0))


def distances(embedding: np.ndarray, enrolled: np.ndarray) -> np.ndarray:
    """Euclidean distance from one embedding (d,) to each row of `enrolled` (n, d)."""
    return np.linalg.norm(np.asarray(enrolled, np.float32) - np.asarray(embedding, np.float32), axis=1)


def closest(embedding: np.ndarray, watchlist: Watchlist, threshold: float) -> Match | None:
    """The enrolled person whose nearest embedding is closest to `embedding`; None for an empty watchlist."""
    best: Match | None = None
    for person in watchlist.people:
        distance = float(distances(embedding, person.embeddings).min())
        if best is None or distance < best.distance:
            best = Match(person.name, distance, threshold)
    return best
