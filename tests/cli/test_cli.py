import csv
import io
import json
import os
import random
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.config import default_profile_text
from media_screen.errors import PassphraseRequiredError
from media_screen.status import ExitStatus
from media_screen.store.keys import load_signer

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture()
def photos(tmp_path: Path) -> Path:
    Image.new("RGB", (64, 48), (90, 120, 150)).save(tmp_path / "clean.jpg", "JPEG")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return tmp_path


def scan(*args: str):
    return runner.invoke(app, ["scan", *args])


def test_json_output_follows_the_versioned_contract(photos: Path):
    result = scan(str(photos / "clean.jpg"), "--format", "json", "--detectors", "metadata")
    document = json.loads(result.stdout)
    assert result.exit_code == ExitStatus.OK
    assert document["schema"] == "media-screen/1" and document["audience"] == "personal"
    entry = document["files"][0]
    for key in ("path", "sha256", "media_type", "verdict", "error", "location", "findings", "detections"):
        assert key in entry
    assert entry["verdict"] == "CLEAR" and document["summary"]["files"] == 1


def test_a_broken_file_gives_exit_3_and_the_batch_goes_on(photos: Path):
    result = scan(str(photos), "--format", "jsonl", "--detectors", "metadata")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == ExitStatus.ERROR
    assert {line["verdict"] for line in lines} == {"ERROR", "CLEAR"}


def test_csv_has_one_row_per_file_without_findings(photos: Path):
    result = scan(str(photos / "clean.jpg"), "--format", "csv", "--detectors", "metadata")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0]["verdict"] == "CLEAR"


def test_table_lists_the_verdict_and_a_summary(photos: Path):
    result = scan(str(photos), "--detectors", "metadata")
    assert "ERROR" in result.stdout and "2 file(s)" in result.stdout


def test_report_is_written_to_output_file(photos: Path, tmp_path: Path):
    out = tmp_path / "out" / "report.json"
    result = scan(str(photos / "clean.jpg"), "--format", "json", "-o", str(out), "--detectors", "metadata")
    assert result.exit_code == ExitStatus.OK and json.loads(out.read_text())["summary"]["files"] == 1


@pytest.fixture()
def card(tmp_path: Path) -> Path:
    """A camera card or phone export: photos with sidecars and a note beside them."""
    folder = tmp_path / "card"
    folder.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(folder / "IMG_0001.JPG", "JPEG")
    (folder / "IMG_0001.AAE").write_bytes(b'<?xml version="1.0"?><plist version="1.0"><dict/></plist>')
    (folder / "README.txt").write_text("photos from the open day\n")
    return folder


def test_a_folder_scan_skips_what_is_not_media_without_changing_the_exit_code(card: Path):
    # given a folder of one clean photo, a sidecar and a note / when it is scanned
    result = scan(str(card), "--format", "json", "--detectors", "metadata")
    document = json.loads(result.stdout)
    # then the photo is screened, the other two are listed as skipped, and the exit code is the photo's
    assert result.exit_code == ExitStatus.OK
    assert [Path(f["path"]).name for f in document["files"]] == ["IMG_0001.JPG"]
    assert [Path(p).name for p in document["skipped"]] == ["IMG_0001.AAE", "README.txt"]
    assert document["summary"]["skipped"] == 2 and document["summary"]["files"] == 1
    table = scan(str(card), "--detectors", "metadata")
    assert "skipped 2 files that are not photos or videos" in table.stdout and table.exit_code == ExitStatus.OK
    lines = scan(str(card), "--format", "jsonl", "--detectors", "metadata")
    assert len(lines.stdout.splitlines()) == 1 and "skipped 2 files" in lines.stderr


def test_a_non_media_file_named_on_the_command_line_or_with_a_photo_name_is_an_error(card: Path):
    (card / "notes.jpg").write_text("a note that claims to be a photo")
    for args in ([str(card / "README.txt")], [str(card)]):
        document = json.loads(scan(*args, "--format", "json", "--detectors", "metadata").stdout)
        errors = [Path(f["path"]).name for f in document["files"] if f["verdict"] == "ERROR"]
        assert errors == (["README.txt"] if len(document["files"]) == 1 else ["notes.jpg"])
    assert scan(str(card), "--detectors", "metadata").exit_code == ExitStatus.ERROR


def test_unknown_detector_is_a_usage_error(photos: Path):
    result = scan(str(photos), "--detectors", "nonsense")
    assert result.exit_code == ExitStatus.USAGE and "unknown detector" in result.stderr


def test_unknown_audience_is_a_usage_error(photos: Path):
    assert scan(str(photos), "--audience", "everyone").exit_code == ExitStatus.USAGE


def test_help_documents_exit_codes():
    assert "3 at least one file could not be analysed" in " ".join(runner.invoke(app, ["scan", "--help"]).stdout.split())


def test_profile_init_writes_an_editable_copy_that_show_accepts(tmp_path: Path):
    path = tmp_path / "profile.toml"
    assert runner.invoke(app, ["profile", "init", str(path)]).exit_code == 0
    shown = runner.invoke(app, ["profile", "show", "--profile", str(path)])
    assert shown.exit_code == 0 and "[rules.location]" in shown.stdout
    assert runner.invoke(app, ["profile", "init", str(path)]).exit_code == ExitStatus.USAGE  # no silent overwrite


def test_a_photo_is_screened_with_the_copy_profile_init_wrote(tmp_path: Path):
    # given the editable copy in a folder of its own, without the shipped reference images beside it
    path = tmp_path / "department" / "profile.toml"
    path.parent.mkdir()
    assert runner.invoke(app, ["profile", "init", str(path)]).exit_code == 0
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), (120, 130, 140)).save(photo)
    # when a photo is screened for enrolled marks with it
    result = scan(str(photo), "--profile", str(path), "--detectors", "insignia", "--no-cache")
    # then the references it names come from the package (as the lexicon does) and the photo is analysed
    assert result.exit_code == ExitStatus.OK, result.output


@pytest.fixture()
def damaged_stores(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """The result cache, approval register and audit log of a private home, each overwritten with random bytes."""
    monkeypatch.setenv("MEDIA_SCREEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDIA_SCREEN_DATA_DIR", str(tmp_path / "data"))
    stores = {
        "result cache": tmp_path / "cache" / "results.sqlite3",
        "approval register": tmp_path / "data" / "approvals.sqlite3",
        "audit log": tmp_path / "data" / "audit.jsonl",
    }
    for number, path in enumerate(stores.values()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(random.Random(number).randbytes(4096))
    return stores


def test_a_scan_with_every_store_damaged_goes_on_and_says_so_once_per_store(damaged_stores, tmp_path, monkeypatch):
    # given a badge photo (B.2) and the cache, approval register and audit log all damaged
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    photo = tmp_path / "badge.png"
    Image.new("RGB", (80, 60), (0, 255, 0)).save(photo)
    # when it is scanned
    result = scan(str(photo), "--format", "json", "--detectors", "badge_stub", "--jobs", "0")
    # then the scan reports the file as usual: B.2 stays PERMISSION_REQUIRED, and the finding says why
    (entry,) = json.loads(result.stdout)["files"]
    assert result.exit_code == ExitStatus.FINDINGS and entry["verdict"] == "PERMISSION_REQUIRED"
    assert "approval register could not be read" in entry["findings"][0]["message"]
    # and stderr has one line for each damaged database, with the way to recover, and no traceback
    lines = result.stderr.splitlines()
    for store in ("result cache", "approval register"):
        (line,) = [line for line in lines if f"the {store} " in line]
        assert "move it aside" in line and str(damaged_stores[store]) in line
    assert "Traceback" not in result.stderr and len(lines) == 2  # the audit log was appended to regardless


@pytest.mark.parametrize(
    "command, store",
    [(["approvals"], "approval register"), (["approvals", "--json"], "approval register"),
     (["audit", "show"], "audit log"), (["audit", "show", "--json"], "audit log"),
     (["cache", "info"], "result cache"), (["cache", "clear"], "result cache"),
     (["approve", str(REPO / "sample_media" / "metadata" / "clean.jpg"), "--by", "Chief"], "approval register")],
)
def test_the_store_commands_say_what_is_damaged_and_how_to_recover(damaged_stores, command, store):
    assert runner.invoke(app, ["keys", "init", "--name", "Chief"]).exit_code == 0  # approve needs a signing key
    result = runner.invoke(app, command)
    assert result.exit_code == ExitStatus.ERROR and isinstance(result.exception, SystemExit)  # exited, not crashed
    message = " ".join(result.stderr.split())
    assert f"the {store} {damaged_stores[store]} is damaged" in message and "move it aside" in message
    assert "Traceback" not in result.stderr


def test_json_names_a_file_with_control_characters_exactly_and_the_table_and_html_clean_it(tmp_path: Path):
    # given a photo whose name holds a terminal escape, a tab and a byte that is not UTF-8
    name = b"odd\x1b[31m\tname\xff.jpg"
    folder = tmp_path / "odd"
    folder.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(os.fsencode(folder) + b"/" + name, "JPEG")
    # when it is scanned to JSON and JSON Lines, twice (the second answer comes from the cache)
    for _ in range(2):
        document = json.loads(scan(str(folder), "--format", "json", "--detectors", "metadata").stdout)
        line = json.loads(scan(str(folder), "--format", "jsonl", "--detectors", "metadata").stdout)
        # then each gives the exact name: a script can open the file it names
        for entry in (document["files"][0], line):
            assert os.fsencode(entry["path"]) == os.fsencode(folder) + b"/" + name
            assert entry["verdict"] == "CLEAR" and Path(entry["path"]).is_file()
    # and the table and the HTML show it without its control characters
    for output_format in ("table", "html"):
        shown = scan(str(folder), "--format", output_format, "--detectors", "metadata").stdout
        assert "\x1b" not in shown and "odd[31m" in shown


# -- keys, signed approvals and the audit chain ---------------------------------------------------

@pytest.fixture()
def private_home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("MEDIA_SCREEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDIA_SCREEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MEDIA_SCREEN_KEY_PASSPHRASE", raising=False)
    return tmp_path / "data"


def test_keys_init_prints_the_approvers_table_and_keys_show_repeats_it(private_home: Path):
    made = runner.invoke(app, ["keys", "init", "--name", "Chief R. Example"])
    assert made.exit_code == 0
    assert made.stdout.startswith('[[approvers]]\nname = "Chief R. Example"\nkey = "ed25519:')
    assert "NOT protected by a passphrase" in made.stderr and (private_home / "keys").is_dir()
    assert runner.invoke(app, ["keys", "show"]).stdout == made.stdout
    again = runner.invoke(app, ["keys", "init", "--name", "Chief R. Example"])
    assert again.exit_code == ExitStatus.USAGE and "already exists" in again.stderr  # no silent replacement


def test_approve_signs_with_a_passphrase_protected_key_from_the_environment(private_home: Path, monkeypatch):
    # given a key protected by a passphrase taken from the environment
    monkeypatch.setenv("MEDIA_SCREEN_KEY_PASSPHRASE", "correct horse")
    assert "protected by a passphrase" in runner.invoke(app, ["keys", "init", "--name", "Chief"]).stderr
    photo = str(REPO / "sample_media" / "metadata" / "clean.jpg")
    # when approve runs with it, then the approval is signed
    assert runner.invoke(app, ["approve", photo]).exit_code == 0
    # and without the passphrase (and no terminal to ask on) it is refused
    monkeypatch.delenv("MEDIA_SCREEN_KEY_PASSPHRASE")
    refused = runner.invoke(app, ["approve", photo])
    assert refused.exit_code == ExitStatus.USAGE and "MEDIA_SCREEN_KEY_PASSPHRASE" in refused.stderr
    monkeypatch.setenv("MEDIA_SCREEN_KEY_PASSPHRASE", "wrong horse")
    assert "wrong passphrase" in runner.invoke(app, ["approve", photo]).stderr
    assert len(runner.invoke(app, ["approvals", "--json"]).stdout.splitlines()) == 1


def test_keys_init_asks_for_a_passphrase_twice_when_none_is_in_the_environment(private_home: Path):
    # given a new key made with --passphrase, typed twice
    made = runner.invoke(app, ["keys", "init", "--name", "Chief", "--passphrase"], input="s3cret words\ns3cret words\n")
    assert made.exit_code == 0 and "protected by a passphrase" in made.stderr
    # then the key on disk opens with that passphrase only
    key = private_home / "keys" / "approver_ed25519.pem"
    assert load_signer(key, b"s3cret words").public.name == "Chief"
    with pytest.raises(PassphraseRequiredError):
        load_signer(key)


def test_approve_without_a_key_says_how_to_make_one(private_home: Path):
    result = runner.invoke(app, ["approve", str(REPO / "sample_media" / "metadata" / "clean.jpg"), "--by", "Chief"])
    assert result.exit_code == ExitStatus.USAGE and "keys init" in result.stderr


def test_approvals_shows_who_signed_and_whether_it_verifies(private_home: Path, tmp_path: Path):
    # given an approval signed by the Chief, listed against the built-in profile and one that trusts the key
    table = runner.invoke(app, ["keys", "init", "--name", "Chief R. Example"]).stdout
    profile = tmp_path / "profile.toml"
    profile.write_text(default_profile_text() + "\n" + table, "utf-8")
    approved = runner.invoke(app, ["approve", str(REPO / "sample_media" / "metadata" / "clean.jpg"), "--note", "x"])
    assert "does not list this key" in " ".join(approved.stderr.split())  # the built-in profile trusts no one
    # then each listing says whether the signature verifies against that profile's approvers
    untrusted = json.loads(runner.invoke(app, ["approvals", "--json"]).stdout)
    trusted = json.loads(runner.invoke(app, ["approvals", "--json", "--profile", str(profile)]).stdout)
    assert (untrusted["check"], untrusted["signer"]) == ("untrusted key", None)
    assert (trusted["check"], trusted["signer"]) == ("verified", "Chief R. Example")
    shown = runner.invoke(app, ["approvals", "--profile", str(profile)]).stdout
    assert "verified" in shown and trusted["key_fingerprint"] in shown


def _audit_lines(private_home: Path) -> list[bytes]:
    return (private_home / "audit.jsonl").read_bytes().splitlines()


def test_audit_verify_passes_an_untouched_log_and_prints_its_head(private_home: Path, photos: Path):
    scan(str(photos / "clean.jpg"), "--detectors", "metadata")
    scan(str(photos / "clean.jpg"), "--detectors", "metadata")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == ExitStatus.OK and "2 line(s)" in result.stdout and "chain intact" in result.stdout
    head = result.stdout.split("head: ")[1].strip()
    assert runner.invoke(app, ["audit", "verify", "--head", head]).exit_code == ExitStatus.OK
    assert runner.invoke(app, ["audit", "verify", "--head", "2:abc"]).exit_code == ExitStatus.USAGE


def test_audit_verify_names_a_changed_line_and_exits_1(private_home: Path, photos: Path):
    # given three scans recorded, then the second line's verdict edited by hand
    for _ in range(3):
        scan(str(photos / "clean.jpg"), "--detectors", "metadata")
    lines = _audit_lines(private_home)
    lines[1] = lines[1].replace(b'"verdict": "CLEAR"', b'"verdict": "REVIEW"')
    (private_home / "audit.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    # when the chain is verified, then it names line 2 and exits 1
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == ExitStatus.FINDINGS
    assert "chain BROKEN at line 2 (changed)" in result.stdout and "line 2 was changed" in result.stdout


def test_audit_verify_reports_a_torn_last_line_without_failing(private_home: Path, photos: Path):
    scan(str(photos / "clean.jpg"), "--detectors", "metadata")
    with open(private_home / "audit.jsonl", "ab") as handle:
        handle.write(b'{"seq": 2, "prev": "ab')
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == ExitStatus.OK and "chain intact" in result.stdout
    assert "line 2 of the audit log was only partly written" in " ".join(result.stderr.split())


def test_audit_verify_of_a_log_it_cannot_read_says_what_is_damaged(private_home: Path):
    (private_home / "audit.jsonl").mkdir(parents=True)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == ExitStatus.ERROR and "move it aside" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_caption_is_screened_with_the_photo_and_quoted(photos: Path):
    # given a clean photo and a caption saying a named arrestee confessed
    caption = "Jane Doe, arrested Tuesday, confessed to the burglary."
    # when scanned for the official account with the caption
    result = scan(str(photos / "clean.jpg"), "--caption", caption, "--audience", "official", "--format", "json",
                  "--detectors", "metadata", "--no-cache")
    [entry] = json.loads(result.stdout)["files"]
    # then it is REVIEW (exit 1) under A.4.b, with the words quoted
    assert result.exit_code == ExitStatus.FINDINGS and entry["verdict"] == "REVIEW"
    [finding] = entry["findings"]
    assert finding["section"] == "A.4.b" and caption in finding["message"]


def test_publish_names_the_platform_whose_size_is_analysed_and_the_report_says_so(tmp_path, monkeypatch):
    # given a 1600x1200 badge photo (the stub finds a badge in its middle half)
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    photo = tmp_path / "badge.png"
    Image.new("RGB", (1600, 1200), (0, 255, 0)).save(photo)
    # when scanned for Instagram
    result = scan(str(photo), "--format", "json", "--detectors", "badge_stub", "--jobs", "0", "--no-cache",
                  "--publish", "instagram")
    # then the JSON says it was analysed at 1080 px, and the badge's box is in the photo's own pixels
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["analysed"] == {"publish": "instagram", "long_side": 1080, "width": 1080, "height": 810}
    assert entry["width"] == 1600 and entry["detections"][0]["box"] == [400.0, 300.0, 1200.0, 900.0]
    # and --publish full analyses the original
    result = scan(str(photo), "--format", "json", "--detectors", "badge_stub", "--jobs", "0", "--no-cache",
                  "--publish", "full")
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["analysed"] == {"publish": "full", "long_side": None, "width": 1600, "height": 1200}


def test_an_unknown_publish_target_is_a_usage_error(photos: Path):
    result = scan(str(photos / "clean.jpg"), "--publish", "myspace")
    assert result.exit_code == ExitStatus.USAGE and "facebook" in result.stderr
