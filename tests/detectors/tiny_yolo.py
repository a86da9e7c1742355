"""A tiny YOLO model trained in seconds on synthetic pictures, for testing the `yolo` detector.

Built from ultralytics' yolov8n.yaml (an architecture description, no weights, nothing downloaded),
trained one epoch on eight drawn images. It has not learned much: tests use it to check what the
detector does with a model's output (class mapping, box conversion), not what the model sees.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CLASS_NAMES = ("badge", "light_bar", "unmapped_thing")
SIZE = 128


def draw_scene(seed: int) -> tuple[np.ndarray, list[str]]:
    """A noisy background with a yellow disc (badge) and a red-blue bar (light_bar); YOLO label lines."""
    rng = np.random.default_rng(seed)
    picture = np.full((SIZE, SIZE, 3), rng.integers(60, 200, 3), np.uint8)
    picture = np.clip(picture + rng.normal(0, 8, picture.shape), 0, 255).astype(np.uint8)
    side = int(rng.integers(30, 50))
    x, y = int(rng.integers(0, SIZE - side)), int(rng.integers(0, SIZE // 2 - side // 2))
    cv2.circle(picture, (x + side // 2, y + side // 2), side // 2, (0, 220, 255), -1)
    labels = [f"0 {(x + side / 2) / SIZE:.4f} {(y + side / 2) / SIZE:.4f} {side / SIZE:.4f} {side / SIZE:.4f}"]
    width, height = int(rng.integers(40, 70)), 12
    x, y = int(rng.integers(0, SIZE - width)), int(rng.integers(SIZE // 2 + 8, SIZE - height))
    picture[y : y + height, x : x + width // 2] = (0, 0, 255)
    picture[y : y + height, x + width // 2 : x + width] = (255, 0, 0)
    centre_x, centre_y = (x + width / 2) / SIZE, (y + height / 2) / SIZE
    labels.append(f"1 {centre_x:.4f} {centre_y:.4f} {width / SIZE:.4f} {height / SIZE:.4f}")
    return picture, labels


def train_tiny_yolo(folder: Path, images: int = 8, epochs: int = 1) -> Path:
    """Write the synthetic dataset under `folder`, train, and return the saved .pt model."""
    from media_screen.detectors.ultralytics_backend import yolo_class

    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    for index in range(images):
        picture, labels = draw_scene(index)
        cv2.imwrite(str(folder / "images" / f"{index}.png"), picture)
        (folder / "labels" / f"{index}.txt").write_text("\n".join(labels))
    names = "".join(f"  {i}: {name}\n" for i, name in enumerate(CLASS_NAMES))
    data = folder / "data.yaml"
    data.write_text(f"path: {folder}\ntrain: images\nval: images\nnames:\n{names}")
    yolo = yolo_class()
    model = yolo("yolov8n.yaml")
    model.train(
        data=str(data), epochs=epochs, imgsz=SIZE, batch=8, workers=0, device="cpu", amp=False, plots=False,
        val=False, mosaic=0.0, seed=0, deterministic=True, project=str(folder / "runs"), name="tiny", verbose=False,
    )  # fmt: skip
    return folder / "runs" / "tiny" / "weights" / "last.pt"
