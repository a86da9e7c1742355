"""What EfficientNet-Lite3's own ImageNet classifier says about a crop, from the features already computed.

The crop embedder (crop_features.py) stops at the network's average-pooled 1280 features; its last
layer, a dense 1280 -> 1000 layer over those same features, is read once from the same `.tflite` file
(int8 weights and int32 bias, dequantised) and applied here with numpy, so the ImageNet class
probabilities of a crop cost a matrix product and no second network run.

ImageNet has classes for the weapons B.5 is about (revolver, rifle, assault rifle, cleaver ...) and for
their look-alikes (power drill, hair dryer, remote control, cellular telephone ...): the weapons detector
reads the probability of each weapon group.
"""

from __future__ import annotations

import enum
from pathlib import Path

import numpy as np

from media_screen.detectors import crop_features
from media_screen.detectors.crop_features import AVERAGE_FEATURES
from media_screen.errors import ModelUnavailableError

DENSE_WEIGHTS = "efficientnet-lite3/model/head/dense/MatMul"
DENSE_BIAS = "efficientnet-lite3/head/dense/bias"


class WeaponGroup(str, enum.Enum):
    """Weapon kinds as ImageNet's classes group them (names are DetectionKind-style labels)."""

    HANDGUN = "handgun"
    LONG_GUN = "long_gun"
    KNIFE = "knife"


# ImageNet class indices (0-based, the order of the model's output and of its labels file).
WEAPON_CLASSES = {
    WeaponGroup.HANDGUN: (763,),  # revolver, six-gun, six-shooter
    WeaponGroup.LONG_GUN: (413, 764),  # assault rifle; rifle
    WeaponGroup.KNIFE: (499, 623),  # cleaver; letter opener, paper knife
}


class ImagenetClassifier:
    """The network's ImageNet layer over average-pooled crop features (numpy, thread-safe)."""

    def __init__(self, path: Path) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModelUnavailableError("the Python package 'ai-edge-litert' is not installed: pip install ai-edge-litert") from exc
        with crop_features.quiet_interpreter_load():
            interpreter = Interpreter(model_path=str(path))
        tensors = {t["name"]: t for t in interpreter.get_tensor_details()}
        try:
            weights, bias = tensors[DENSE_WEIGHTS], tensors[DENSE_BIAS]
        except KeyError as exc:
            raise ModelUnavailableError(f"{path} has no ImageNet layer named {exc}: not the EfficientNet-Lite3 expected") from exc
        self.weights = (interpreter.get_tensor(weights["index"]).astype(np.float32) * weights["quantization"][0]).T
        self.bias = interpreter.get_tensor(bias["index"]).astype(np.float32) * bias["quantization"][0]
        del interpreter

    @classmethod
    def load(cls) -> "ImagenetClassifier":
        return cls(crop_features.model_path())

    def log_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """(crops, 1000) log-softmax of the ImageNet logits of (crops, >=1280) crop embeddings."""
        logits = embeddings[:, :AVERAGE_FEATURES] @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def weapon_log_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """(crops, 3) log of the summed probability of each WeaponGroup's classes, in WeaponGroup order."""
        log_p = self.log_probabilities(embeddings)
        return np.stack([np.log(np.exp(log_p[:, list(WEAPON_CLASSES[g])]).sum(axis=1) + 1e-12) for g in WeaponGroup], axis=1)
