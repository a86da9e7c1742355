"""Ablation: does it help the police-item head to know where in a crop its features come from?

    python bench/police_items_poolings.py [--eval-dir DIR] [VARIANT ...]

The crop embedder averages EfficientNet-Lite3's last 9 x 9 x 1280 map. This bench keeps the map (and a
mid-level one, block 16, 18 x 18 x 136) from the same network run and pools parts of it as extra features
beside the shipped ones (the crop's average and the whole frame's), then trains and scores each variant
exactly as `media-screen train --items` does. A variant names its parts joined by "+":

    avg, ctx            the shipped features (the crop's average, the whole frame's average)
    centre top mid bot  the middle 5 x 3 cells of the map, and its head-and-shoulders, torso and leg bands
                        (where a person sits in the doubled person view)
    p:<part>            that part for person crops only (zero for the frame and vehicles)
    people people_max   the average (or the maximum) of every person crop's average in the photo, beside
                        each crop (zero when the photo has no person): the others in the picture, seen closer
    midc_mean midc_std  the mid-level map's mean and spread over its middle; mid_mean mid_std: over all of it

The embedder is replaced inside this process only (its features have their own cache under the user
cache, apart from the shipped recipe's); nothing in the package changes. Prints one line per variant:
held-back photos flagged per category and the ranking AUC of officers against other uniforms. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
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
from media_screen.train.items.data import ItemClass  # noqa: E402
from media_screen.train.items.run import DEFAULT_EVAL, default_settings, train_items  # noqa: E402
from media_screen.userdirs import cache_dir  # noqa: E402

MID_LEVEL = "efficientnet-lite3/model/blocks_16/Add"
N = 1280
PARTS = {"avg": slice(0, N), "max": slice(N, 2 * N), "centre": slice(2 * N, 3 * N), "top": slice(3 * N, 4 * N),
         "mid": slice(4 * N, 5 * N), "bot": slice(5 * N, 6 * N), "midc_mean": slice(6 * N, 6 * N + 136),
         "midc_std": slice(6 * N + 136, 6 * N + 272), "mid_mean": slice(6 * N + 272, 6 * N + 408),
         "mid_std": slice(6 * N + 408, 6 * N + 544)}  # fmt: skip
SHOWN = ("police_real / officers_uniform", "police / officers_uniform", "police_real / police_vehicles",
         "police_real / insignia_closeup", "police_real / negatives_uniform", "police / negatives_uniform",
         "police_real / negatives_uniform: military", "police_real / negatives_emergency_not_police",
         "police_real / negatives_vehicles")  # fmt: skip


def pooled_parts(self: crop_features.CropEmbedder, crop_bgr: np.ndarray) -> np.ndarray:
    """Every part above, from one run of the network (the spatial embedder keeps the maps)."""
    rgb = cv2.resize(crop_bgr, (crop_features.SIDE, crop_features.SIDE), interpolation=cv2.INTER_AREA)[..., ::-1]
    interpreter = self._interpreter
    mid_tensor = next(t for t in interpreter.get_tensor_details() if t["name"] == MID_LEVEL)
    with self._lock:
        interpreter.set_tensor(self._input["index"], np.ascontiguousarray(rgb[None]))
        interpreter.invoke()
        average = crop_features._dequantised(interpreter.get_tensor(self._embedding["index"])[0], self._embedding)
        fmap = crop_features._dequantised(interpreter.get_tensor(self._feature_map["index"])[0], self._feature_map)
        mid = crop_features._dequantised(interpreter.get_tensor(mid_tensor["index"])[0], mid_tensor)
    parts = [average, fmap.reshape(-1, N).max(0), fmap[2:7, 3:6].mean((0, 1)), fmap[2:4, 3:6].mean((0, 1)),
             fmap[4:6, 3:6].mean((0, 1)), fmap[6:7, 3:6].mean((0, 1)), mid[4:14, 6:12].mean((0, 1)),
             mid[4:14, 6:12].std((0, 1)), mid.mean((0, 1)), mid.std((0, 1))]  # fmt: skip
    return np.concatenate(parts).astype(np.float32)


def inputs_of(variant: list[str]):
    def crop_inputs(embeddings, crops, features):
        groups = np.zeros((len(crops), len(police_items.GROUP_ORDER)), np.float32)
        for row, crop in enumerate(crops):
            groups[row, police_items.GROUP_ORDER.index(crop.group)] = 1.0
        whole = next(row for row, crop in enumerate(crops) if crop.group is police_items.CropGroup.WHOLE)
        person = np.array([c.group is police_items.CropGroup.PERSON for c in crops], np.float32)[:, None]
        parts = [groups]
        for name in variant:
            if name == "ctx":
                parts.append(np.repeat(embeddings[whole : whole + 1, PARTS["avg"]], len(crops), axis=0))
            elif name in ("people", "people_max"):  # every person of the photo, seen closer than the frame shows them
                people = embeddings[person[:, 0] > 0, PARTS["avg"]]
                pooled = (people.mean(0) if name == "people" else people.max(0)) if len(people) else np.zeros(N, np.float32)
                parts.append(np.repeat(pooled[None], len(crops), axis=0))
            elif name.startswith("p:"):
                parts.append(embeddings[:, PARTS[name[2:]]] * person)
            else:
                parts.append(embeddings[:, PARTS[name]])
        return np.concatenate(parts, axis=1).astype(np.float32)

    return crop_inputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("variants", nargs="*", default=["avg+ctx", "avg+ctx+centre", "avg+ctx+top+mid", "avg+ctx+p:top+p:mid"])
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"evaluation folder {args.eval_dir} not found; nothing to measure")
        return 0
    crop_features.CropEmbedder.__call__ = pooled_parts
    base = default_settings(cache_dir() / "train" / "police_items_poolings", args.eval_dir, None)
    print("variant | " + " | ".join(SHOWN) + " | AUC officers vs other uniforms")
    for variant in args.variants:
        inputs = inputs_of(variant.split("+"))
        for module in (police_items, head_module, measure):
            module.crop_inputs = inputs
        with tempfile.TemporaryDirectory() as out:
            report = train_items(replace(base, output=Path(out) / "head.npz"))
        rows = {row.group: row for row in measure.holdout_rows(report.head, report.photos, report.crops)}
        auc = measure.separation(report.head, report.photos, report.crops)[ItemClass.POLICE_OFFICER]
        cells = [f"{rows[g].flagged}/{rows[g].photos}" if g in rows else "-" for g in SHOWN]
        print(f"{variant} | " + " | ".join(cells) + f" | {auc:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
