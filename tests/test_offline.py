import json
import os
import uuid
from pathlib import Path

from media_screen import offline


def test_every_off_switch_is_forced_over_a_value_left_in_the_environment(monkeypatch, tmp_path: Path):
    # given a user environment that would turn onnxruntime's telemetry and tracking back on
    monkeypatch.setenv("MEDIA_SCREEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "0")
    monkeypatch.setenv("DO_NOT_TRACK", "0")
    monkeypatch.setenv("YOLO_CONFIG_DIR", "/somewhere/else")
    # when the package configures itself
    offline.configure()
    # then every switch has our value and ultralytics reads its settings from our cache folder
    for name, value in offline.OFF_SWITCHES.items():
        assert os.environ[name] == value, name
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    assert os.environ["YOLO_CONFIG_DIR"] == str(tmp_path / "ultralytics")


def test_ultralytics_settings_get_sync_off_and_keep_the_users_other_values(tmp_path: Path):
    # given an ultralytics settings file with analytics sync on
    path = tmp_path / "Ultralytics" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"sync": True, "mlflow": True, "runs_dir": "/data/runs"}), "utf-8")
    # when it is kept offline, twice
    written = offline.keep_ultralytics_settings_offline(path), offline.keep_ultralytics_settings_offline(path)
    # then sync and every logger integration are off, the rest kept, and the second call wrote nothing
    settings = json.loads(path.read_text("utf-8"))
    assert all(settings[name] is False for name in offline.ULTRALYTICS_SETTINGS_OFF)
    assert settings["runs_dir"] == "/data/runs"
    assert written == (True, False)


def test_a_missing_or_garbled_settings_file_is_replaced_by_one_with_sync_off(tmp_path: Path):
    garbled = tmp_path / "garbled" / "settings.json"
    garbled.parent.mkdir()
    garbled.write_bytes(b"\x00\xff not json")
    for path in (tmp_path / "new" / "settings.json", garbled):
        assert offline.keep_ultralytics_settings_offline(path)
        assert json.loads(path.read_text("utf-8"))["sync"] is False


def test_a_settings_folder_that_cannot_be_written_is_not_fatal(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert offline.keep_ultralytics_settings_offline(blocker / "Ultralytics" / "settings.json") is False


def test_the_hardware_address_is_never_read():
    # given the package imported (configure() ran), uuid.getnode() answers from its cache:
    # a random node id, marked as such by the multicast bit, and no interface was queried
    assert uuid.getnode() & (1 << 40)
