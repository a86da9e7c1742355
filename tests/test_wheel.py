"""The wheel is complete: built from the package alone and installed into a fresh environment, away from the
source tree, it finds its profile, references, trained head, YOLO model and label font as package data and
screens the samples with every detector that can run here.

Dependencies come from the environment running the tests (a path file in the fresh environment names its
site-packages, as `--system-site-packages` would name the system's), so nothing is downloaded; the
project itself is installed from the wheel with `--no-deps`.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from media_screen import detectors as registry
from media_screen.config import load_profile

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_media"
# The YOLO model is 6.1 MB of it and the COCO SSD converted for onnxruntime 16.9 MB (15.7 compressed); a .pt
# checkpoint would add 6.2 MB more (and fails the check below on its own).
MAX_WHEEL_BYTES = 25_000_000


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel` builds from a copy of what a source distribution holds (no models/, no tests)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "media_screen", source / "media_screen", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
               "-w", str(dist), str(source)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    (built,) = dist.glob("media_screen-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """The `bin` folder of a fresh environment holding only the wheel (and a path to our dependencies)."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=False, clear=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # a plain path line: the directories are searched, their own .pth files (our editable install) are not run
    Path(purelib, "media_screen_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    return root / "bin"


def run_installed(bin_dir: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run a program of the fresh environment away from the source tree, with private stores."""
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIA_SCREEN_MODELS", "PYTHONPATH")}
    env.update(MEDIA_SCREEN_CACHE_DIR=str(tmp_path / "cache"), MEDIA_SCREEN_DATA_DIR=str(tmp_path / "data"))
    # the full path as argv[0]: Python finds its environment from it (a bare "python" would be looked up on PATH)
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1800)


def available_here() -> list[str]:
    """Every registered detector that can run in the environment running the tests (opt-in ones too)."""
    return [info.name for info in registry.describe_all(load_profile()) if info.available]


def test_the_wheel_carries_the_runtime_files_and_no_training_checkpoint(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "media_screen/default_profile.toml",
        "media_screen/assets/police_items_head.npz",
        "media_screen/assets/references/patch.png",
        "media_screen/assets/references/badge.png",
        "media_screen/assets/references/decal.png",
        "media_screen/assets/references/described.npz",
        "media_screen/assets/references/hate/swastika_clockwise.png",
        "media_screen/assets/references/hate/swastika_counterclockwise.png",
        "media_screen/assets/references/hate/ss_runes.png",
        "media_screen/assets/references/hate/celtic_cross_hate.png",
        "media_screen/assets/derogatory_lexicon.txt",
        "media_screen/assets/fonts/DejaVuSans.ttf",
        "media_screen/assets/fonts/LICENSE_DEJAVU",
        "media_screen/models/police_yolov8n.onnx",
        "media_screen/models/police_yolov8n.md",
        "media_screen/models/coco_ssd_pruned.md",
        "media_screen/models/weapons_head.npz",
        "media_screen/models/coco_ssd_pruned.onnx",
    ):
        assert needed in names, needed
    assert not [name for name in names if name.endswith(".pt")]  # training artefacts stay in the repository
    assert wheel.stat().st_size < MAX_WHEEL_BYTES


def test_the_installed_wheel_finds_its_package_data_and_every_detector_can_run(installed: Path, tmp_path: Path):
    probe = (
        "import json, media_screen; from media_screen import detectors as r; from media_screen.config import load_profile;"
        "from media_screen.detectors.model_files import models_dir; from media_screen.report.thumbnails import label_font;"
        "from media_screen.detectors import described_marks;"
        "print(json.dumps({'package': media_screen.__file__, 'models': str(models_dir()),"
        " 'font': getattr(label_font(12), 'path', None),"
        " 'detectors': {i.name: i.problem for i in r.describe_all(load_profile())},"
        " 'described': str(described_marks.DESCRIBED)}))"
    )
    found = json.loads(run_installed(installed, tmp_path, "python", "-c", probe).stdout)
    site_packages = str(installed.parent / "lib")
    assert found["package"].startswith(site_packages) and found["models"].startswith(site_packages)
    assert found["font"] and found["font"].startswith(site_packages)
    assert found["described"].startswith(site_packages) and Path(found["described"]).is_file()
    assert {name: found["detectors"][name] for name in available_here()} == {name: None for name in available_here()}


def test_the_installed_wheel_screens_the_samples_with_every_detector(installed: Path, tmp_path: Path):
    # given the samples and every detector that can run here, the opt-in YOLO model included
    names = ",".join(available_here())
    assert "yolo" in names
    # when the installed command screens the sample folder
    result = run_installed(installed, tmp_path, "media-screen", "scan", str(SAMPLES), "--detectors", names,
                           "--format", "json", "--no-cache", "--quiet")
    document = json.loads(result.stdout)
    # then every sample gets the verdict and the detections that sample_media/expected.json gives it
    expected = json.loads((SAMPLES / "expected.json").read_text("utf-8"))
    got = {Path(f["path"]).relative_to(SAMPLES).as_posix(): f for f in document["files"]}
    assert set(got) == set(expected)
    assert {name: got[name]["verdict"] for name in expected} == {name: e["personal"] for name, e in expected.items()}
    for name, entry in expected.items():
        assert set(entry.get("detections", ())) <= {d["kind"] for d in got[name]["detections"]}, name
    # and what is not a sample (expected.json, redact_expected.json, a caption sidecar) is skipped, not screened
    every_file = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*") if p.is_file()}
    assert {Path(p).relative_to(SAMPLES).as_posix() for p in document["skipped"]} == every_file - set(expected)
    assert result.returncode == 3  # the deliberately broken samples
