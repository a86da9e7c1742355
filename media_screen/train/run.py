"""`media-screen train`: dataset -> both starting points -> held-back figures -> ship the better one.

Everything runs inside `no_network()`: a download attempt by ultralytics fails the run.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from media_screen.config import Profile, load_profile
from media_screen.errors import UsageError
from media_screen.userdirs import cache_dir
from media_screen.train.card import write_card
from media_screen.train.dataset import Dataset, build_dataset
from media_screen.train.evaluate import Figures, choose_threshold, figures, operating_thresholds, score_images, uniform
from media_screen.train.export import export_onnx
from media_screen.train.fit import Conversion, FitResult, convert_start, fit
from media_screen.train.network_guard import NetworkAttemptError, no_network
from media_screen.train.settings import STARTS, TrainSettings, load_settings
from media_screen.train.split import Part


@dataclass(frozen=True)
class StartOutcome:
    fit: FitResult
    suggested_threshold: float  # the best single threshold on the tune part
    holdout: Figures  # at the profile's operating thresholds (what a scan uses)
    holdout_at_suggested: Figures  # at the suggested threshold
    minutes: float

    @property
    def merit(self) -> float:
        """Mean recall over positive categories minus mean false-positive rate over negative ones."""
        positives = [c.rate for c in self.holdout.categories if c.positive]
        negatives = [c.rate for c in self.holdout.categories if not c.positive]
        mean = lambda values: sum(values) / len(values) if values else 0.0  # noqa: E731
        return mean(positives) - mean(negatives)


@dataclass(frozen=True)
class TrainReport:
    settings: TrainSettings
    dataset: Dataset
    conversion: Conversion | None
    outcomes: tuple[StartOutcome, ...]
    chosen: StartOutcome
    shipped: tuple[Path, ...]  # model, ONNX (when written), card files


def default_work_dir(settings: TrainSettings) -> Path:
    return cache_dir() / "train" / settings.name


def run_training(
    config: Path,
    work_dir: Path | None = None,
    starts: Sequence[str] | None = None,
    epochs: int | None = None,
    command: str = "",
) -> TrainReport:
    settings = load_settings(config)
    if starts:
        unknown = sorted(set(starts) - set(STARTS))
        if unknown:
            raise UsageError(f"unknown starting point(s) {unknown}; known: {', '.join(STARTS)}")
        settings = dataclasses.replace(settings, starts=tuple(dict.fromkeys(starts)))
    if epochs:
        settings = dataclasses.replace(settings, epochs=epochs)
    work_dir = Path(work_dir) if work_dir else default_work_dir(settings)
    work_dir.mkdir(parents=True, exist_ok=True)
    profile = load_profile(settings.profile)
    with no_network() as attempts:
        dataset = build_dataset(settings, work_dir, profile)
        conversion = convert_start(dataset, work_dir) if "nudenet" in settings.starts else None
        outcomes = tuple(
            _train_start(settings, dataset, start, work_dir, conversion, profile) for start in settings.starts
        )
        chosen = max(outcomes, key=lambda o: o.merit)  # ties keep the first listed start
        shipped = _ship(settings, chosen, work_dir)
        report = TrainReport(settings, dataset, conversion, outcomes, chosen, shipped)
        shipped += write_card(report, command)
    if attempts:
        raise NetworkAttemptError(f"training tried to reach the network: {attempts}")
    return dataclasses.replace(report, shipped=shipped)


def _train_start(
    settings: TrainSettings,
    dataset: Dataset,
    start: str,
    work_dir: Path,
    conversion: Conversion | None,
    profile: Profile,
) -> StartOutcome:
    started = time.monotonic()
    result = fit(settings, dataset, start, work_dir, conversion)
    minutes = (time.monotonic() - started) / 60
    tune = [i for i in dataset.part(Part.TUNE) if _reported(settings, i.source)]
    tune_scores, _ = score_images(result.weights, tune, settings.imgsz)
    suggested = choose_threshold(tune_scores, settings.classes)
    holdout = [i for i in dataset.part(Part.HOLDOUT) if _reported(settings, i.source)]
    holdout_scores, ms = score_images(result.weights, holdout, settings.imgsz)
    return StartOutcome(
        fit=result,
        suggested_threshold=suggested,
        holdout=figures(holdout_scores, operating_thresholds(profile, settings.classes), ms),
        holdout_at_suggested=figures(holdout_scores, uniform(suggested, settings.classes), ms),
        minutes=minutes,
    )


def _reported(settings: TrainSettings, source: str) -> bool:
    return any(s.name == source and s.report for s in settings.image_labels)


def _ship(settings: TrainSettings, chosen: StartOutcome, work_dir: Path) -> tuple[Path, ...]:
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    model_path = settings.output_dir / f"{settings.name}.pt"
    shutil.copyfile(chosen.fit.weights, model_path)
    onnx_path = export_onnx(model_path, settings.imgsz, work_dir / "export")
    shipped_onnx = settings.output_dir / f"{settings.name}.onnx"
    shutil.copyfile(onnx_path, shipped_onnx)
    return (model_path, shipped_onnx)
