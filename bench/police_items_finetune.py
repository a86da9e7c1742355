"""Design comparison: fine-tune the top of the crop embedder, or keep it frozen under a linear head?

    python bench/police_items_finetune.py [--eval-dir DIR] [--epochs 20] [RUN ...]

The police-item head is a linear probe: EfficientNet-Lite3 (int8, LiteRT) stays as ImageNet trained it,
and only a softmax regression over its pooled features learns. The usual next design when a probe stops
improving is to fine-tune the top of the backbone. This bench rebuilds that top in float torch layers from
the int8 model's own weights (block 23: expand 1x1, depthwise 3x3, project 1x1; then the head's 1x1 conv and
the average pool; per-channel scales dequantised; it reproduces the int8 embedding at correlation 0.9998),
keeps each crop's block-22 output (9 x 9 x 232) from one LiteRT run, and compares on the same crops, labels
and held-back photos:

    probe          the top frozen, the linear head fitted by L-BFGS (the shipped recipe's fit)
    RUN            "<layers>@<learning rate>": the probe's head as the start, then <layers> (head, proj+head
                   or all: block 23 and the head conv) and the linear head trained together by Adam
                   (mini-batches of 64, class-balanced cross-entropy, the probe's L2 on the head),
                   scored after epochs 1, 2, 3, 5, 8, 12, 16 and 20

Crops are the shipped recipe's (whole frame, people with the doubled view, vehicles) from the training
cache of `media-screen train --items`; features are the shipped ones (each crop's pooled embedding, its
group, the whole frame's embedding, all through the same top). Labels are the certain ones (the whole frame
takes the photo's label, the only person or vehicle too, every crop of a negative photo is background;
no multiple-instance rounds, no drawn close-ups), the same for every run. Printed: the held-back ranking AUC
of officers against other uniforms and of marked vehicles against civilian and emergency vehicles (the
threshold-free measure of the README's ablations). Needs torch (the `train` extra). Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.detectors import crop_features  # noqa: E402
from media_screen.detectors.police_items import GROUP_ORDER, CropGroup, crop_pixels  # noqa: E402
from media_screen.train.items.data import ItemClass, load_photos  # noqa: E402
from media_screen.train.items.measure import ranking_auc  # noqa: E402
from media_screen.train.items.features import cached_crops, decode_bgr  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, default_settings  # noqa: E402
from media_screen.train.split import Part  # noqa: E402
from media_screen.userdirs import cache_dir  # noqa: E402

BLOCK_22 = "efficientnet-lite3/model/blocks_22/Add"
# the int8 model's tensors of block 23 and the head conv: (weights, bias) by the start of the names LiteRT gives them
M = "efficientnet-lite3/model/"
LAYERS = {
    "exp": (M + "blocks_23/tpu_batch_normalization/FusedBatchNormV3;", M + "blocks_23/Relu6;"),
    "dw": (M + "blocks_23/tpu_batch_normalization_1/FusedBatchNormV3;", M + "blocks_23/tpu_batch_normalization_1/FusedBatchNormV3"),
    "proj": (M + "blocks_23/tpu_batch_normalization_2/FusedBatchNormV3;", M + "blocks_23/tpu_batch_normalization_2/FusedBatchNormV3;"),
    "head": (M + "head/tpu_batch_normalization/FusedBatchNormV3;", M + "head/Relu6;"),
}
CLASSES = (ItemClass.BACKGROUND, ItemClass.POLICE_OFFICER, ItemClass.POLICE_VEHICLE)
REPORTED_EPOCHS = (1, 2, 3, 5, 8, 12, 16, 20)


def dequantised(interpreter, tensor: dict) -> np.ndarray:
    q = tensor["quantization_parameters"]
    values = interpreter.get_tensor(tensor["index"]).astype(np.float32)
    scales, zeros = q["scales"].astype(np.float32), q["zero_points"].astype(np.float32)
    if len(scales) > 1:
        shape = [1] * values.ndim
        shape[q["quantized_dimension"]] = -1
        return (values - zeros.reshape(shape)) * scales.reshape(shape)
    return (values - zeros[0]) * scales[0]


def open_network():
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(crop_features.model_path()), experimental_preserve_all_tensors=True, num_threads=2)
    interpreter.allocate_tensors()
    return interpreter


def float_top(interpreter):
    """Block 23 and the head conv as torch layers with the int8 model's weights, dequantised."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    details = interpreter.get_tensor_details()

    def weight_and_bias(key: str) -> tuple[np.ndarray, np.ndarray]:
        weight_start, bias_start = LAYERS[key]
        # weights are int8 kernels (1 or 3 rows; activations of the same names are 9 x 9 maps), biases int32
        weight = next(t for t in details if t["name"].startswith(weight_start) and t["dtype"] == np.int8 and len(t["shape"]) == 4 and t["shape"][1] in (1, 3))  # fmt: skip
        bias = next(t for t in details if t["name"].startswith(bias_start) and t["dtype"] == np.int32 and len(t["shape"]) == 1)
        return dequantised(interpreter, weight), dequantised(interpreter, bias)

    class Top(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.exp, self.dw = nn.Conv2d(232, 1392, 1), nn.Conv2d(1392, 1392, 3, padding=1, groups=1392)
            self.proj, self.head = nn.Conv2d(1392, 384, 1), nn.Conv2d(384, 1280, 1)
            for key in LAYERS:
                weight, bias = weight_and_bias(key)
                layer = getattr(self, key)
                order = (3, 0, 1, 2) if key == "dw" else (0, 3, 1, 2)  # TFLite OHWI (depthwise 1HWC) -> OIHW
                layer.weight.data = torch.tensor(weight).permute(*order).contiguous()
                layer.bias.data = torch.tensor(bias)

        def forward(self, x):  # (N, 232, 9, 9) -> (N, 1280)
            x = F.relu6(self.dw(F.relu6(self.exp(x))))
            return F.relu6(self.head(self.proj(x))).mean((2, 3))

    return Top()


def block22_maps(eval_root: Path, cache: Path):
    """Each crop's block-22 output and its photo's facts, computed once (cached as float16)."""
    if cache.is_file():
        with np.load(cache) as data:
            return data["maps"].astype(np.float32), data["rows"]
    settings = default_settings(None, eval_root, None)
    photos = load_photos(eval_root)
    crops = cached_crops([p.path for p in photos], settings.work_dir / "crops", settings.plan)
    interpreter = open_network()
    source = interpreter.get_input_details()[0]["index"]
    target = next(t for t in interpreter.get_tensor_details() if t["name"] == BLOCK_22)
    maps, rows = [], []
    for photo in photos:
        pixels = decode_bgr(photo.path) if photo.path in crops else None
        if pixels is None:
            continue
        for crop in crops[photo.path].crops():
            if crop.group is CropGroup.TILE:
                continue
            rgb = cv2.resize(crop_pixels(pixels, crop, settings.plan.person_margin), (crop_features.SIDE,) * 2, interpolation=cv2.INTER_AREA)[..., ::-1]  # fmt: skip
            interpreter.set_tensor(source, np.ascontiguousarray(rgb[None]))
            interpreter.invoke()
            maps.append(dequantised(interpreter, target)[0].astype(np.float16))
            rows.append((str(photo.path), photo.category, photo.truth.value, photo.part.value, crop.group.value))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, maps=np.stack(maps), rows=np.array(rows))
    return np.stack(maps).astype(np.float32), np.array(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--l2", type=float, default=0.05)
    parser.add_argument("runs", nargs="*", default=["head@1e-4", "all@1e-4", "head@1e-3"])
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(2)
    maps, rows = block22_maps(args.eval_dir, cache_dir() / "train" / "police_items_finetune" / "block22.npz")
    maps = torch.tensor(maps).permute(0, 3, 1, 2).contiguous()
    path, category, truth, part, group = (rows[:, i] for i in range(5))
    count = len(rows)
    by_photo: dict[str, list[int]] = {}
    for index, name in enumerate(path):
        by_photo.setdefault(name, []).append(index)
    whole_of, label = np.zeros(count, int), np.full(count, -1)
    names = [c.value for c in CLASSES]
    for indices in by_photo.values():
        whole = next(i for i in indices if group[i] == CropGroup.WHOLE.value)
        whole_of[indices] = whole
        kind = truth[indices[0]]
        if kind == ItemClass.BACKGROUND.value:
            label[indices] = 0
        elif kind in names:
            label[whole] = names.index(kind)
            compatible = CropGroup.PERSON.value if kind == ItemClass.POLICE_OFFICER.value else CropGroup.VEHICLE.value
            objects = [i for i in indices if group[i] == compatible]
            if len(objects) == 1:
                label[objects[0]] = names.index(kind)
    trained = np.flatnonzero(np.isin(part, [Part.TRAIN.value, Part.TUNE.value]) & (label >= 0))
    onehot = torch.tensor(np.eye(len(GROUP_ORDER))[[[g.value for g in GROUP_ORDER].index(g) for g in group]], dtype=torch.float32)
    allowed = np.zeros((count, len(CLASSES)))
    allowed[:, 0] = 1
    allowed[group == CropGroup.WHOLE.value, 1:] = 1
    allowed[group == CropGroup.PERSON.value, 1] = 1
    allowed[group == CropGroup.VEHICLE.value, 2] = 1
    targets = torch.tensor(label[trained])
    class_weights = torch.tensor(len(trained) / (len(CLASSES) * np.bincount(label[trained], minlength=len(CLASSES))), dtype=torch.float32)
    print(f"{count} crops of {len(by_photo)} photos; {len(trained)} training crops with a certain label "
          f"(background / officer / vehicle: {np.bincount(label[trained]).tolist()})")

    def inputs(embeddings, indices, positions=None):
        positions = positions or {i: i for i in range(count)}
        crop = embeddings[[positions[i] for i in indices]]
        whole = embeddings[[positions[whole_of[i]] for i in indices]]
        return torch.cat([crop, onehot[indices], whole], 1)

    def scores(top, linear, mean, scale) -> tuple[float, float]:
        with torch.no_grad():
            embeddings = torch.cat([top(maps[s : s + 256]) for s in range(0, count, 256)])
            probabilities = F.softmax(linear((inputs(embeddings, np.arange(count)) - mean) / scale), 1).numpy() * allowed
        held = [(probabilities[i].max(0), category[i[0]], truth[i[0]]) for i in map(np.array, by_photo.values()) if part[i[0]] == Part.HOLDOUT.value]
        officers = ranking_auc([s[1] for s, _, t in held if t == ItemClass.POLICE_OFFICER.value], [s[1] for s, c, _ in held if c == "negatives_uniform"])
        vehicles = ranking_auc([s[2] for s, _, t in held if t == ItemClass.POLICE_VEHICLE.value],
                               [s[2] for s, c, _ in held if c in ("negatives_vehicles", "negatives_emergency_not_police")])  # fmt: skip
        return officers, vehicles

    interpreter = open_network()
    for run in ["probe"] + args.runs:
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        top = float_top(interpreter)
        with torch.no_grad():
            embeddings = torch.cat([top(maps[s : s + 256]) for s in range(0, count, 256)])
        start = inputs(embeddings, trained)
        mean, scale = start.mean(0), start.std(0) + 1e-3
        linear = nn.Linear(start.shape[1], len(CLASSES))
        optimiser = torch.optim.LBFGS(linear.parameters(), max_iter=300, line_search_fn="strong_wolfe")

        def closure():
            optimiser.zero_grad()
            loss = F.cross_entropy(linear((start - mean) / scale), targets, weight=class_weights) + 0.5 * args.l2 * (linear.weight**2).sum()
            loss.backward()
            return loss

        optimiser.step(closure)
        if run == "probe":
            print("probe (top frozen): AUC officers vs other uniforms %.3f, vehicles vs look-alikes %.3f" % scores(top, linear, mean, scale), flush=True)
            continue
        layers, rate = run.split("@")
        chosen = {"head": [top.head], "proj+head": [top.proj, top.head], "all": [top.exp, top.dw, top.proj, top.head]}[layers]
        for parameter in top.parameters():
            parameter.requires_grad_(False)
        tuned = [p for layer in chosen for p in layer.parameters()]
        for parameter in tuned:
            parameter.requires_grad_(True)
        adam = torch.optim.Adam([{"params": tuned, "lr": float(rate)}, {"params": linear.parameters(), "lr": 1e-3}])
        started = time.monotonic()
        for epoch in range(1, max(REPORTED_EPOCHS) + 1):
            order = rng.permutation(len(trained))
            for s in range(0, len(trained), 64):
                batch = trained[order[s : s + 64]]
                needed = np.unique(np.concatenate([batch, whole_of[batch]]))
                positions = {int(v): k for k, v in enumerate(needed)}
                x = inputs(top(maps[needed]), batch, positions)
                loss = F.cross_entropy(linear((x - mean) / scale), torch.tensor(label[batch]), weight=class_weights)
                loss = loss + 0.5 * args.l2 * (linear.weight**2).sum() * len(batch) / len(trained)
                adam.zero_grad()
                loss.backward()
                adam.step()
            if epoch in REPORTED_EPOCHS:
                officers, vehicles = scores(top, linear, mean, scale)
                print(f"{run} epoch {epoch:2d}: AUC officers vs other uniforms {officers:.3f}, vehicles vs look-alikes "
                      f"{vehicles:.3f} ({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
