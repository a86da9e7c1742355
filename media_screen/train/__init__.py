"""Train the department's YOLO model: `media-screen train --config models/police_yolov8n.train.toml`.

Modules: settings (the TOML configuration), split (fixed train/tune/holdout parts), sources (labelled
images from CSVs and YOLO folders), composite (enrolled insignia pasted onto photos), dataset (the
ultralytics dataset in a work folder), nudenet_init (NudeNet's YOLOv8n as a starting point), fit
(ultralytics training), evaluate (per-image held-back figures), export (ONNX), card (model card),
network_guard (no sockets), run (all of it, in order).
"""

from media_screen.train.run import TrainReport, run_training

__all__ = ["TrainReport", "run_training"]
