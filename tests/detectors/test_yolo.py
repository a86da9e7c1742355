"""The yolo detector: any YOLO model file, its class names mapped to detection kinds by the profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_screen.config import parse_profile
from media_screen.detectors.model_files import MODELS_ENV
from media_screen.detectors.yolo import YoloDetector
from media_screen.errors import ModelUnavailableError, ProfileError
from media_screen.model import DetectionKind, Frame
from tiny_yolo import draw_scene, train_tiny_yolo

CLASSES = '[detectors.yolo.classes]\nbadge = "badge"\nlight_bar = "light_bar"\n'


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return train_tiny_yolo(tmp_path_factory.mktemp("tiny-yolo"))


def yolo_profile(model: str, base_dir: Path, min_score: float = 0.25):
    text = f'[detectors.yolo]\nmodel = "{model}"\nmin_score = {min_score}\n{CLASSES}'
    return parse_profile(text, base_dir)


def test_mapped_classes_become_kinds_and_boxes_are_the_models_own(tiny_model, tmp_path):
    # given the tiny model, which knows badge, light_bar and unmapped_thing, and a profile mapping only the
    # first two; a very low score floor so that the barely trained model reports plenty of boxes
    detector = YoloDetector.from_profile(yolo_profile(str(tiny_model), tmp_path, min_score=0.0001))
    picture, _ = draw_scene(seed=100)
    # when the detector runs, and ultralytics runs the same model directly
    found = detector.detect(Frame(pixels=picture))
    from ultralytics import YOLO

    model = YOLO(str(tiny_model))
    everything = model.predict(picture, conf=0.0001, iou=0.45, verbose=False, device="cpu")[0]
    assert "unmapped_thing" in {everything.names[int(c)] for c in everything.boxes.cls}  # so dropping it is tested
    mapped = model.predict(picture, conf=0.0001, iou=0.45, classes=[0, 1], verbose=False, device="cpu")[0]
    # then exactly the mapped classes' boxes come out, each with its kind from the profile, and its score
    # and box as ultralytics gave them
    expected = sorted(
        (mapped.names[int(cls)], round(float(score), 4), tuple(round(float(v), 1) for v in xyxy))
        for cls, score, xyxy in zip(mapped.boxes.cls, mapped.boxes.conf, mapped.boxes.xyxy)
    )
    got = sorted((d.label, round(d.score, 4), tuple(round(v, 1) for v in d.box.as_list())) for d in found)
    assert got == expected and len(got) > 0
    assert {d.kind for d in found} <= {DetectionKind.BADGE, DetectionKind.LIGHT_BAR}
    assert all(d.kind.value == d.label and d.detector == "yolo" for d in found)


def test_a_relative_model_path_resolves_in_the_models_folder(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv(MODELS_ENV, str(tiny_model.parent))
    info = YoloDetector.describe(yolo_profile(tiny_model.name, tmp_path))
    assert info.available and info.model == str(tiny_model)
    assert set(info.kinds) == {DetectionKind.BADGE, DetectionKind.LIGHT_BAR}


def test_a_missing_model_is_unavailable_and_says_how_to_get_one(tmp_path, monkeypatch):
    # given an empty models folder
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    profile = yolo_profile("police_yolov8n.pt", tmp_path)
    # then the detector lists itself as unavailable, naming the file and the training command ...
    info = YoloDetector.describe(profile)
    assert not info.available
    assert str(tmp_path / "police_yolov8n.pt") in info.problem and "media-screen train" in info.problem
    # ... and refuses to load with the same message
    with pytest.raises(ModelUnavailableError, match="media-screen train"):
        YoloDetector.from_profile(profile)


def test_a_class_mapped_to_an_unknown_kind_is_a_profile_error(tiny_model, tmp_path):
    text = f'[detectors.yolo]\nmodel = "{tiny_model}"\n[detectors.yolo.classes]\nbadge = "shiny_thing"\n'
    with pytest.raises(ProfileError, match="shiny_thing"):
        YoloDetector.from_profile(parse_profile(text, tmp_path))


def test_a_model_without_any_mapped_class_is_a_profile_error(tiny_model, tmp_path):
    text = f'[detectors.yolo]\nmodel = "{tiny_model}"\n[detectors.yolo.classes]\npolice_car = "police_vehicle"\n'
    with pytest.raises(ProfileError, match="badge, light_bar, unmapped_thing"):
        YoloDetector.from_profile(parse_profile(text, tmp_path))


def test_a_corrupt_model_file_is_unavailable_not_a_crash(tmp_path):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model at all")
    with pytest.raises(ModelUnavailableError, match="cannot load the YOLO model"):
        YoloDetector.from_profile(yolo_profile(str(broken), tmp_path))
