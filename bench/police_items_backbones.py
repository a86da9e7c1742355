"""Ablation: is the police-item head limited by its features or by its data? A second backbone beside the first.

    python bench/police_items_backbones.py [--eval-dir DIR] [VARIANT ...]

Every earlier variant of the head (poolings of the same map, extra classes, fine-tuning, more negatives) read
EfficientNet-Lite3 trained on ImageNet, and all landed at a held-back AUC of 0.94-0.96. This bench adds the
features of a differently trained network that the project already ships: the backbone of the proposal
stage's SSD-MobileNet-v2 trained on COCO (`models/coco_ssd_pruned.onnx`), whose last map
(`FeatureExtractor/MobilenetV2/Conv_1/Relu6:0`, 10 x 10 x 1280) is made an extra output of the graph in
memory. Each crop, as the embedder sees it, is also resized to 300x300 and preprocessed as the SSD does
(coco_ssd.CocoSsd.network_outputs), and that map is pooled. A variant names its parts joined by "+":

    avg, ctx            the shipped features (the crop's EfficientNet average, the whole frame's)
    ssd, ssdctx         the SSD backbone's map averaged, for the crop and for the whole frame
    ssdmax, ssdmaxctx   the same map max-pooled

then each variant is trained and scored exactly as `media-screen train --items` does. The head standardises
every input column (head._fit), so the SSD features need no rescaling; the same l2 applies to every weight.
The embedder is replaced inside this process only (its features have their own cache under the user cache,
apart from the shipped recipe's); nothing in the package changes. Prints the SSD map's shape, one line per
variant (held-back photos flagged per category, the ranking AUC of officers against other uniforms and of
marked vehicles against their look-alikes) and the median time of the extra SSD run per crop, one thread,
beside the shipped embedder's. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import media_screen.detectors.police_items as police_items  # noqa: E402
import media_screen.train.items.head as head_module  # noqa: E402
import media_screen.train.items.measure as measure  # noqa: E402
from media_screen.detectors import crop_features  # noqa: E402
from media_screen.detectors.coco_ssd import INPUT_SIDE, PRUNED_ONNX  # noqa: E402
from media_screen.detectors.model_files import shipped_model  # noqa: E402
from media_screen.train.items.data import ItemClass  # noqa: E402
from media_screen.train.items.features import decode_bgr  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, default_settings, train_items  # noqa: E402
from media_screen.train.split import Part  # noqa: E402
from media_screen.userdirs import cache_dir  # noqa: E402

SSD_MAP = "FeatureExtractor/MobilenetV2/Conv_1/Relu6:0"  # after the converter's Transpose: NHWC
SSD_MAP_SHAPE = (1, 10, 10, 1280)
N = crop_features.AVERAGE_FEATURES
PARTS = {"avg": slice(0, N), "ssd": slice(N, 2 * N), "ssdmax": slice(2 * N, 3 * N)}
CONTEXT = {"ctx": "avg", "ssdctx": "ssd", "ssdmaxctx": "ssdmax"}  # the whole frame's part, beside each crop
SHOWN = ("police_real / officers_uniform", "police / officers_uniform", "police_real / police_vehicles",
         "police_real / insignia_closeup", "police_real / negatives_uniform", "police / negatives_uniform",
         "police_real / negatives_uniform: military", "police_real / negatives_emergency_not_police",
         "police_real / negatives_vehicles")  # fmt: skip
SHIPPED_CALL = crop_features.CropEmbedder.__call__


class SsdBackbone:
    """The pruned SSD graph with its backbone's last map as an extra output, on one onnxruntime thread."""

    def __init__(self) -> None:
        import onnx
        import onnxruntime

        model = onnx.load(str(shipped_model(PRUNED_ONNX)))
        model.graph.output.append(onnx.ValueInfoProto(name=SSD_MAP))  # type and shape left for onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.shape = self._session.run([SSD_MAP], {self._input: np.zeros((1, INPUT_SIDE, INPUT_SIDE, 3), np.float32)})[0].shape
        if self.shape != SSD_MAP_SHAPE:
            raise RuntimeError(f"{SSD_MAP} is {self.shape}, not {SSD_MAP_SHAPE}")

    def __call__(self, bgr: np.ndarray) -> np.ndarray:
        """(2560,): the map averaged, then max-pooled; the picture as coco_ssd.CocoSsd.network_outputs feeds it."""
        rgb = cv2.cvtColor(cv2.resize(bgr, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        picture = (rgb.astype(np.float32) * (2.0 / 255.0) - 1.0)[None]
        fmap = self._session.run([SSD_MAP], {self._input: picture})[0][0].reshape(-1, N)
        return np.concatenate([fmap.mean(0), fmap.max(0)])


def with_ssd(backbone: SsdBackbone):
    def embed(self: crop_features.CropEmbedder, crop_bgr: np.ndarray) -> np.ndarray:
        """The shipped embedding's average (the original call), then the SSD backbone's parts."""
        return np.concatenate([SHIPPED_CALL(self, crop_bgr)[:N], backbone(crop_bgr)]).astype(np.float32)

    return embed


def inputs_of(variant: list[str]):
    def crop_inputs(embeddings, crops, features):
        groups = np.zeros((len(crops), len(police_items.GROUP_ORDER)), np.float32)
        for row, crop in enumerate(crops):
            groups[row, police_items.GROUP_ORDER.index(crop.group)] = 1.0
        whole = next(row for row, crop in enumerate(crops) if crop.group is police_items.CropGroup.WHOLE)
        parts = [groups]
        for name in variant:
            if name in CONTEXT:
                parts.append(np.repeat(embeddings[whole : whole + 1, PARTS[CONTEXT[name]]], len(crops), axis=0))
            else:
                parts.append(embeddings[:, PARTS[name]])
        return np.concatenate(parts, axis=1).astype(np.float32)

    return crop_inputs


def per_crop_ms(backbone: SsdBackbone, report, photos: int = 15) -> tuple[float, float]:
    """Median wall ms per crop of the SSD backbone run and of the shipped embedder (one thread each, as a scan
    loads it), on the crops of the first held-back photos."""
    shipped = crop_features.CropEmbedder.load(1)
    ssd_ms, shipped_ms = [], []
    for photo in [p for p in report.photos if p.part is Part.HOLDOUT][:photos]:
        bgr = decode_bgr(photo.path)
        for crop in report.crops[photo.path].crops():
            pixels = police_items.crop_pixels(bgr, crop, report.head.person_margin)
            for run, times in ((lambda: backbone(pixels), ssd_ms), (lambda: SHIPPED_CALL(shipped, pixels), shipped_ms)):
                started = time.perf_counter()
                run()
                times.append((time.perf_counter() - started) * 1000)
    return statistics.median(ssd_ms), statistics.median(shipped_ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("variants", nargs="*", default=["avg+ctx", "avg+ctx+ssd", "avg+ctx+ssd+ssdctx", "ssd+ssdctx"])
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    backbone = SsdBackbone()
    print(f"SSD backbone map {SSD_MAP}: {backbone.shape}")
    crop_features.CropEmbedder.__call__ = with_ssd(backbone)
    base = default_settings(cache_dir() / "train" / "police_items_backbones", args.eval_dir, None)
    print("variant | " + " | ".join(SHOWN) + " | AUC officers vs other uniforms | AUC vehicles vs look-alikes")
    for variant in args.variants:
        inputs = inputs_of(variant.split("+"))
        for module in (police_items, head_module, measure):
            module.crop_inputs = inputs
        with tempfile.TemporaryDirectory() as out:
            report = train_items(replace(base, output=Path(out) / "head.npz"))
        rows = {row.group: row for row in measure.holdout_rows(report.head, report.photos, report.crops)}
        auc = measure.separation(report.head, report.photos, report.crops)
        cells = [f"{rows[g].flagged}/{rows[g].photos}" if g in rows else "-" for g in SHOWN]
        print(f"{variant} | " + " | ".join(cells) + f" | {auc[ItemClass.POLICE_OFFICER]:.3f} | {auc[ItemClass.POLICE_VEHICLE]:.3f}", flush=True)
    crop_features.CropEmbedder.__call__ = SHIPPED_CALL
    ssd_ms, shipped_ms = per_crop_ms(backbone, report)
    print(f"median ms per crop, one thread: SSD backbone {ssd_ms:.1f} extra, beside the shipped embedder's {shipped_ms:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
