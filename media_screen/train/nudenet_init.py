"""Start from learned features: NudeNet's YOLOv8n detector, converted from ONNX into an ultralytics model.

No pretrained YOLO checkpoint can be downloaded here, but the installed `nudenet` package ships a
YOLOv8n detector (`320n.onnx`) trained on people and their clothing. Its ONNX export keeps the
ultralytics parameter names (`model.0.conv.weight`, ...) and folded each BatchNorm into the convolution
before it (every conv got a bias). The conversion builds an ultralytics `yolov8n.yaml` model with the
same 18 classes, copies the folded convolution weights in, and turns each BatchNorm into an exact
identity in eval mode (mean 0, variance 1 - eps, scale 1, shift = the folded bias). The converted model
reproduces the ONNX outputs (`max_output_difference`). `calibrate_batchnorm` then sets running
statistics from real images so that training-mode BatchNorm starts close to the same identity.
"""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np

from media_screen.detectors.model_files import package_model

NUDENET_ONNX = "320n.onnx"
NUDENET_IMGSZ = 320


def nudenet_onnx_path() -> Path:
    """The YOLOv8n ONNX file inside the installed `nudenet` package."""
    return package_model("nudenet", NUDENET_ONNX)


def _onnx_weights(onnx_path: Path) -> tuple[dict[str, np.ndarray], dict[int, str]]:
    import onnx
    from onnx import numpy_helper

    graph_model = onnx.load(str(onnx_path))
    weights = {init.name: numpy_helper.to_array(init) for init in graph_model.graph.initializer}
    meta = {prop.key: prop.value for prop in graph_model.metadata_props}
    names = ast.literal_eval(meta.get("names", "{}"))
    return weights, {int(k): str(v) for k, v in names.items()}


def convert_nudenet(onnx_path: Path | None = None):
    """Return an ultralytics DetectionModel (eval mode) that computes what the NudeNet ONNX computes."""
    import torch
    from ultralytics.nn.modules.conv import Conv
    from ultralytics.nn.tasks import DetectionModel

    weights, names = _onnx_weights(onnx_path or nudenet_onnx_path())
    model = DetectionModel("yolov8n.yaml", nc=len(names), verbose=False)
    model.names = names
    used: set[str] = set()
    modules = dict(model.named_modules())
    folded = {name for name, module in modules.items() if isinstance(module, Conv)}
    with torch.no_grad():
        for module_name, module in modules.items():
            if module_name in folded:  # Conv = Conv2d (no bias) + BatchNorm + SiLU, folded in the export
                key = f"{module_name}.conv"
                module.conv.weight.copy_(_tensor(weights, f"{key}.weight", module.conv.weight.shape))
                _set_identity_batchnorm(module.bn, _tensor(weights, f"{key}.bias", module.bn.bias.shape))
                used.update({f"{key}.weight", f"{key}.bias"})
            elif isinstance(module, torch.nn.Conv2d) and module_name.rpartition(".")[0] not in folded:
                module.weight.copy_(_tensor(weights, f"{module_name}.weight", module.weight.shape))
                used.add(f"{module_name}.weight")
                if module.bias is not None:
                    module.bias.copy_(_tensor(weights, f"{module_name}.bias", module.bias.shape))
                    used.add(f"{module_name}.bias")
    unused = sorted(k for k in weights if k.startswith("model.") and k not in used)
    if unused:
        raise ValueError(f"ONNX weights not mapped into the model: {unused[:5]}")
    return model.eval()


def _tensor(weights: dict[str, np.ndarray], key: str, shape):
    import torch

    if key not in weights:
        raise ValueError(f"ONNX file has no weight {key!r}: not a YOLOv8n export")
    value = torch.from_numpy(weights[key].copy())
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{key}: ONNX shape {tuple(value.shape)} != model shape {tuple(shape)}")
    return value


def _set_identity_batchnorm(bn, bias) -> None:
    bn.weight.fill_(1.0)
    bn.bias.copy_(bias)
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0 - bn.eps)


def calibrate_batchnorm(model, images: Iterable[np.ndarray]) -> None:
    """Give each BatchNorm the statistics of its input on `images` while keeping eval outputs unchanged.

    With mean m and variance v the layer computes (x - m) / sqrt(v + eps) * sqrt(v + eps) + (m + b) = x + b,
    exactly as before, but in training mode (batch statistics close to m, v) it now also stays close to
    x + b instead of re-normalising the pretrained activations to unit variance.
    """
    import torch
    from ultralytics.nn.modules.conv import Conv

    batch = torch.stack([_to_input(image) for image in images])
    stats: dict[int, tuple] = {}
    hooks = []
    for module in model.modules():
        if isinstance(module, Conv):
            def hook(bn, inputs, _output):
                x = inputs[0].detach()
                stats[id(bn)] = (x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False))

            hooks.append(module.bn.register_forward_hook(hook))
    model.eval()
    with torch.no_grad():
        model(batch)
    for handle in hooks:
        handle.remove()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, Conv) and id(module.bn) in stats:
                bn = module.bn
                shift = bn.bias - bn.weight * bn.running_mean / torch.sqrt(bn.running_var + bn.eps)
                mean, var = stats[id(bn)]
                bn.running_mean.copy_(mean)
                bn.running_var.copy_(var)
                bn.weight.copy_(torch.sqrt(var + bn.eps))
                bn.bias.copy_(mean + shift)


def _to_input(image: np.ndarray, size: int = NUDENET_IMGSZ):
    """BGR uint8 -> 1x3xSxS float RGB in 0..1, squashed to size (for calibration and comparison only)."""
    import cv2
    import torch

    resized = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(resized[:, :, ::-1].transpose(2, 0, 1).copy()).float() / 255.0


def max_output_difference(model, onnx_path: Path, image: np.ndarray, size: int = NUDENET_IMGSZ) -> tuple[float, float]:
    """Run the ONNX file and the converted model on one image; return (max |difference|, max |output|)."""
    import onnxruntime
    import torch

    x = _to_input(image, size)[None]
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    with torch.no_grad():
        got = model.eval()(x)
    got = (got[0] if isinstance(got, (tuple, list)) else got).numpy()
    return float(np.abs(got - expected).max()), float(np.abs(expected).max())


def save_checkpoint(model, path: Path, source: str) -> Path:
    """Write an ultralytics checkpoint that `YOLO(path)` loads and `.train()` fine-tunes from."""
    import torch
    from ultralytics import __version__ as ultralytics_version

    path.parent.mkdir(parents=True, exist_ok=True)
    model.args = {"task": "detect", "imgsz": NUDENET_IMGSZ}
    torch.save(
        {
            "model": model,
            "train_args": {"task": "detect", "imgsz": NUDENET_IMGSZ},
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "version": ultralytics_version,
            "source": source,
        },
        path,
    )
    return path
