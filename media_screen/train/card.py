"""The model card: what the shipped model is, what it was trained on, and how well it does on held-back data."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from media_screen.train.split import Part

if TYPE_CHECKING:
    from media_screen.train.run import StartOutcome, TrainReport

DEFAULT_COMMAND = "media-screen train --config models/police_yolov8n.train.toml"

START_DESCRIPTIONS = {
    "nudenet": "fine-tuned from NudeNet's YOLOv8n detector (320n.onnx in the nudenet package, converted to an "
    "ultralytics model; detection head replaced for our classes)",
    "scratch": "trained from random weights (ultralytics yolov8n.yaml)",
}


def card_data(report: "TrainReport", command: str) -> dict:
    settings, dataset = report.settings, report.dataset
    import torch
    import ultralytics

    parts = {
        part.value: dict(sorted(Counter(f"{i.source}/{i.category}" for i in dataset.part(part)).items()))
        for part in Part
    }
    not_trainable = sorted(f"{i.source}/{i.path.name}" for i in dataset.images if not i.trainable)
    return {
        "model": settings.name,
        "date": datetime.now(timezone.utc).date().isoformat(),
        "classes": list(settings.classes),
        "imgsz": settings.imgsz,
        "operating_thresholds": dict(report.chosen.holdout.thresholds),
        "suggested_threshold": report.chosen.suggested_threshold,
        "chosen_start": report.chosen.fit.start,
        "files": {p.name: os.path.getsize(p) for p in report.shipped if p.is_file()},
        "onnx_weights": _onnx_weight_type(report.shipped),
        "command": command or DEFAULT_COMMAND,
        "config": settings.config_path.name,
        "versions": {"ultralytics": ultralytics.__version__, "torch": torch.__version__},
        "training": {
            "epochs": settings.epochs,
            "batch": settings.batch,
            "device": "cpu",
            "amp": False,
            "extra": dict(settings.extra),
        },
        "split": {
            "salt": settings.salt,
            "holdout_fraction": settings.holdout_fraction,
            "tune_fraction": settings.tune_fraction,
            "images_per_part": parts,
            "positives_without_honest_box_not_trained": not_trainable,
        },
        "sources": [
            {
                "name": s.name,
                "kind": "image-level CSV",
                "licence": s.licence,
                "weak_whole_image_box_max_side": s.weak_box_max_side,
                "repeat_per_epoch": dict(s.repeat),
            }
            for s in settings.image_labels
        ]
        + [{"name": s.name, "kind": "YOLO box folder", "licence": s.licence} for s in settings.yolo_folders],
        "composites": {
            "train": dataset.counts.get("train", {}).get("composites", 0),
            "tune": dataset.counts.get("val", {}).get("composites", 0),
            "references": list(dataset.references),
            "classes": dict(settings.composites.classes),
        },
        "trained_images": dataset.counts,
        "conversion": None
        if report.conversion is None
        else {
            "max_abs_difference": report.conversion.max_difference,
            "largest_output": report.conversion.output_scale,
        },
        "starts": {o.fit.start: _outcome(o) for o in report.outcomes},
    }


def _onnx_weight_type(paths) -> str | None:
    import onnx

    for path in paths:
        if path.suffix == ".onnx" and path.is_file():
            graph = onnx.load(str(path)).graph
            types = {onnx.helper.tensor_dtype_to_np_dtype(i.data_type).name for i in graph.initializer}
            return "float16" if "float16" in types else "float32"
    return None


def _outcome(outcome: "StartOutcome") -> dict:
    return {
        "description": START_DESCRIPTIONS[outcome.fit.start],
        "minutes": round(outcome.minutes, 1),
        "merit": round(outcome.merit, 3),
        "suggested_threshold": outcome.suggested_threshold,
        "holdout": outcome.holdout.as_dict(),
        "holdout_at_suggested_threshold": outcome.holdout_at_suggested.as_dict(),
    }


def write_card(report: "TrainReport", command: str) -> tuple[Path, ...]:
    data = card_data(report, command)
    folder = report.settings.output_dir
    json_path = folder / f"{report.settings.name}.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    md_path = folder / f"{report.settings.name}.md"
    md_path.write_text(render_markdown(data), "utf-8")
    return json_path, md_path


def render_markdown(data: dict) -> str:
    lines = [
        f"# Model card: {data['model']}",
        "",
        f"A YOLOv8n detector for {', '.join(f'`{c}`' for c in data['classes'])}, used by default by the `yolo`",
        f"detector. Trained {data['date']} on CPU with ultralytics {data['versions']['ultralytics']} "
        f"(torch {data['versions']['torch']}), image size {data['imgsz']}, {data['training']['epochs']} epochs.",
        f"Shipped: the {data['chosen_start']} start (better held-back figures). A scan counts a class from the "
        "profile's `[thresholds]` for its kind: "
        + ", ".join(f"{k} {v}" for k, v in data["operating_thresholds"].items())
        + f". The single threshold that did best on the tune part was {data['suggested_threshold']}.",
        "",
        "Reproduce (about an hour on 2 CPU cores; needs ../shared/eval for the real images):",
        "",
        "```sh",
        data["command"],
        "```",
        "",
        "## Held-back figures",
        "",
        "Per image, on the holdout part of the fixed split (never trained or tuned on). An image counts as flagged",
        "when any class scores at or above its threshold. Recall for police categories, false-positive rate for",
        "negative categories; cells are flagged images (rate).",
        "",
        "At the profile's operating thresholds (what `media-screen scan` does):",
        "",
    ]
    starts = data["starts"]
    if not any(s["holdout"]["categories"] for s in starts.values()):
        lines[-3:-1] = [
            "**No held-back images**: no `[[image_labels]]` source with `report = true` is in this configuration,",
            "so nothing here measures the model on images it was not trained or tuned on. Add labelled photos.",
            "",
        ]
    lines += _figures_table(starts, "holdout")
    lines.append("| training minutes | | | " + " | ".join(str(s["minutes"]) for s in starts.values()) + " |")
    lines += ["", "At each start's suggested threshold (best single threshold on the tune part):", ""]
    lines += _figures_table(starts, "holdout_at_suggested_threshold")
    names = list(starts)
    lines += ["", "Starting points:", ""]
    lines += [f"- **{n}**: {starts[n]['description']}." for n in names]
    if data["conversion"]:
        c = data["conversion"]
        lines += [
            "",
            f"Conversion check: the converted NudeNet model matched its ONNX on a training image to "
            f"{c['max_abs_difference']:.2g} (largest output {c['largest_output']:.1f}).",
        ]
    lines += ["", "## Data", "", "| source | kind | licence |", "|---|---|---|"]
    lines += [f"| {s['name']} | {s['kind']} | {s['licence']} |" for s in data["sources"]]
    comp = data["composites"]
    lines += [
        "",
        f"Synthetic composites: {comp['train']} (train) and {comp['tune']} (tune) images with the profile's enrolled "
        f"references ({', '.join(comp['references'])}) warped, relit, blurred, "
        "occluded and JPEG-compressed onto background photos (scikit-image's sample photos and negative images of "
        "the train part). Enrolled marks of other kinds (the door decal) are not learned here: the insignia and "
        "police_vehicle detectors match them.",
        "",
        "Hard negatives (other uniforms, ambulances and fire engines, ordinary cars) are background images with "
        "empty labels, shown as often as the positives beside them; copies per epoch in the train part: "
        + "; ".join(
            f"{s['name']}: " + ", ".join(f"{k} x{v}" for k, v in s.get("repeat_per_epoch", {}).items())
            for s in data["sources"]
            if s.get("repeat_per_epoch")
        )
        + ".",
        "",
        "Image-level labels become weak **whole-image** boxes, and only for tightly cropped images (longest side at "
        "most the source's `weak_box_max_side`, the ~224 px eval crops). The model therefore learns \"this crop "
        "shows a police officer / a marked vehicle\" rather than tight boxes; its boxes on larger photos are "
        "coarse. Larger positives have no honest box and are kept out of training.",
        "",
        "Images per part (real images; the holdout part is scored only):",
        "",
        "| source / category | train | tune | holdout |",
        "|---|---|---|---|",
    ]
    parts = data["split"]["images_per_part"]
    keys = sorted(set().union(*(parts[p] for p in parts)))
    for key in keys:
        counts = " | ".join(str(parts[part].get(key, 0)) for part in ("train", "tune", "holdout"))
        lines.append(f"| {key} | {counts} |")
    lines += [
        "",
        f"The split is fixed by a salted hash (`{data['split']['salt']}`) of each file's source and path: holdout "
        f"{data['split']['holdout_fraction']}, tune {data['split']['tune_fraction']}, the rest train. "
        "The evaluation images are read in place from ../shared/eval and are never copied into this repository.",
        "",
        "**Licence status.** Several of these sources are web-scraped research datasets with unclear or "
        "research-only licences (see ../shared/eval/README.md). The weights are a derivative of them and of "
        "NudeNet (AGPL-3.0 ultralytics export): use for internal screening only; retrain on the department's own "
        "photos (README, \"Retrain on your own photos\") before any wider use.",
        "",
        "Files: " + ", ".join(f"`{name}` ({size / 1e6:.1f} MB)" for name, size in data["files"].items()) + ". "
        f"The ONNX has {data.get('onnx_weights') or 'float32'} weights with float32 input and output, at a fixed "
        f"{data['imgsz']} px input (float16 weights are kept only when they match the float32 export). "
        "Training ran with every network call refused (a socket guard): "
        "ultralytics downloaded no weights, fonts or AMP-check model.",
        "",
    ]
    return "\n".join(lines)


def _figures_table(starts: dict, key: str) -> list[str]:
    names = list(starts)
    lines = ["| source / category | measure | images | " + " | ".join(names) + " |", "|" + "---|" * (3 + len(names))]
    columns = [starts[n][key]["categories"] for n in names]
    for index, category in enumerate(columns[0]):
        cells = [f"{column[index]['flagged']} ({column[index]['rate']:.2f})" for column in columns]
        lines.append(
            f"| {category['source']} / {category['category']} | {category['measure']} | {category['images']} | "
            + " | ".join(cells)
            + " |"
        )
    thresholds = [starts[n][key]["thresholds"] for n in names]
    shown = [", ".join(f"{v:g}" for v in dict.fromkeys(t.values())) for t in thresholds]
    lines.append("| thresholds | | | " + " | ".join(shown) + " |")
    lines.append("| ms per image | | | " + " | ".join(str(starts[n][key]["ms_per_image"]) for n in names) + " |")
    return lines


def render_summary(report: "TrainReport") -> str:
    """A few lines for the terminal: held-back figures per start, and what was written."""
    lines = []
    for outcome in report.outcomes:
        marker = "*" if outcome is report.chosen else " "
        cells = ", ".join(
            f"{c.category} {'recall' if c.positive else 'FP'} {c.rate:.2f} ({c.flagged}/{c.images})"
            for c in outcome.holdout.categories
        )
        lines.append(f"{marker} {outcome.fit.start}: {cells}; {outcome.minutes:.0f} min")
    lines += [f"wrote {path}" for path in report.shipped]
    return "\n".join(lines)
