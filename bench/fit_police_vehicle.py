"""Fit the police-vehicle detector's cue weights on the development half of ../shared/eval/police.

    python bench/fit_police_vehicle.py [--eval-dir DIR]

Computes the cues (best police-wording score t, light bar present l) for every image,
splits the set by a fixed hash of the file name (blake2b of the relative path: even first
byte -> fitting part, odd -> checking part), fits p = sigmoid(B0 + B_TEXT t + B_BAR l +
B_BOTH t l) by L2-regularised logistic regression (Newton steps) on the fitting part with
marked vehicles as positives and every other category as negatives, and prints the
coefficients and the per-category rates on both parts. Copy the coefficients into
media_screen/detectors/police_vehicle.py by hand.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.config import load_profile  # noqa: E402
from media_screen.detectors.police_vehicle import PoliceVehicleDetector, probability  # noqa: E402
from media_screen.model import Frame  # noqa: E402

POSITIVE = "police_vehicles"
L2 = 1.0


def fitting_part(relative_path: str) -> bool:
    return hashlib.blake2b(relative_path.encode("utf-8")).digest()[0] % 2 == 0


def features(detector: PoliceVehicleDetector, path: Path) -> tuple[float, float]:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    best = (0.0, 0.0)
    for group in detector.cues(Frame(pixels)):
        text = max((score for _, score in group.text), default=0.0)
        bar = 1.0 if group.bars else 0.0
        if text + bar + text * bar > sum(best) + best[0] * best[1]:
            best = (text, bar)
    return best


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(x)), x[:, 0], x[:, 1], x[:, 0] * x[:, 1]])
    weights = np.zeros(design.shape[1])
    penalty = L2 * np.diag([0.0, 1.0, 1.0, 1.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + penalty @ weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    args = parser.parse_args()
    set_dir = args.eval_dir / "police"
    if not set_dir.is_dir():
        print(f"{set_dir} not found; nothing to fit")
        return 0
    detector = PoliceVehicleDetector.from_profile(load_profile())
    with open(set_dir / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cues = np.array([features(detector, set_dir / row["file"]) for row in rows])
    labels = np.array([row["category"] == POSITIVE for row in rows], dtype=float)
    in_fit = np.array([fitting_part(row["file"]) for row in rows])
    weights = fit(cues[in_fit], labels[in_fit])
    print("B0, B_TEXT, B_BAR, B_BOTH =", ", ".join(f"{w:.2f}" for w in weights))
    z = weights[0] + weights[1] * cues[:, 0] + weights[2] * cues[:, 1] + weights[3] * cues[:, 0] * cues[:, 1]
    for name, p in (("fitted", 1 / (1 + np.exp(-z))), ("in use", np.array([probability(t, l, 0.0) for t, l in cues]))):
        for part_name, part in (("fitting part", in_fit), ("checking part", ~in_fit)):
            rates = defaultdict(list)
            for row, hit, used in zip(rows, p >= 0.5, part):
                if used:
                    rates[row["category"]].append(bool(hit))
            shown = ", ".join(f"{c} {sum(v)}/{len(v)}" for c, v in sorted(rates.items()))
            print(f"  {name} coefficients, {part_name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
