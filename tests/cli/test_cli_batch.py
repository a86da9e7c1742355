"""The batch side of the command line: parallel scans, cache, HTML, approvals, audit log, Ctrl-C."""

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from media_screen.batch import scan as batch_module
from media_screen.cli import main as cli
from media_screen import detectors as registry
from media_screen.cli.main import app
from media_screen.config import default_profile_text
from media_screen.status import ExitStatus

runner = CliRunner()


@pytest.fixture(autouse=True)
def private_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_SCREEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDIA_SCREEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    monkeypatch.setitem(registry.REGISTRY, "slow", "fake_detectors:SlowDetector")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    Image.new("RGB", (80, 60), (0, 255, 0)).save(media / "1-badge.png")
    Image.new("RGB", (80, 60), (30, 60, 90)).save(media / "2-plain.png")
    Image.new("RGB", (80, 60), (90, 60, 30)).save(media / "3-plain.png")
    return media


def invoke(*args: str):
    return runner.invoke(app, list(args))


def scan_jsonl(*args: str) -> tuple[list[dict], object]:
    result = invoke("scan", *args, "--format", "jsonl")
    return [json.loads(line) for line in result.stdout.splitlines()], result


def audit_events() -> list[dict]:
    return [json.loads(line) for line in invoke("audit", "show", "--json").stdout.splitlines()]


def test_parallel_scan_in_input_order_then_from_the_cache(folder: Path):
    # given a folder scanned by two workers
    first, result = scan_jsonl(str(folder), "--detectors", "badge_stub", "--jobs", "2")
    assert result.exit_code == ExitStatus.FINDINGS
    assert [Path(line["path"]).name for line in first] == ["1-badge.png", "2-plain.png", "3-plain.png"]
    assert [line["verdict"] for line in first] == ["PERMISSION_REQUIRED", "CLEAR", "CLEAR"]
    # when it is scanned again
    second, _ = scan_jsonl(str(folder), "--detectors", "badge_stub", "--jobs", "2")
    # then the same results come from the cache, as the audit log records
    assert [line["verdict"] for line in second] == [line["verdict"] for line in first]
    assert [event["cached"] for event in audit_events()] == [False] * 3 + [True] * 3
    assert "3 analysis result(s)" in invoke("cache", "info").stdout


def test_cache_clear_and_no_cache_force_new_analysis(folder: Path):
    scan_jsonl(str(folder), "--detectors", "badge_stub", "--jobs", "0")
    cleared = invoke("cache", "clear")
    assert cleared.exit_code == 0 and "3 analysis result(s) removed" in cleared.stderr
    scan_jsonl(str(folder), "--detectors", "badge_stub", "--jobs", "0")
    scan_jsonl(str(folder), "--detectors", "badge_stub", "--jobs", "0", "--no-cache")
    assert [event["cached"] for event in audit_events()] == [False] * 3 + [False] * 3 + [False] * 3


def test_html_report_is_written_with_every_file(folder: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    result = invoke("scan", str(folder), "--detectors", "badge_stub", "--jobs", "0", "--format", "html", "-o", str(out))
    html = out.read_text("utf-8")
    assert result.exit_code == ExitStatus.FINDINGS
    assert 'data-files="3"' in html and html.count('class="file"') == 3 and "data:image/jpeg;base64," in html


def test_html_report_lists_the_skipped_files(folder: Path, tmp_path: Path):
    (folder / "notes.txt").write_text("<b>not media</b>")
    out = tmp_path / "report.html"
    result = invoke("scan", str(folder), "--detectors", "badge_stub", "--jobs", "0", "--format", "html", "-o", str(out))
    html = out.read_text("utf-8")
    assert result.exit_code == ExitStatus.FINDINGS and html.count('class="file"') == 3
    assert 'data-skipped="1"' in html and "skipped 1 file that is not a photo or video" in html
    assert "notes.txt" in html


def test_approval_lowers_b2_to_review_until_the_file_changes(folder: Path, tmp_path: Path):
    # given the designee's signing key, listed in the department profile
    table = invoke("keys", "init", "--name", "Deputy Chief Example").stdout
    profile = tmp_path / "profile.toml"
    profile.write_text(default_profile_text() + "\n" + table, "utf-8")
    badge = folder / "1-badge.png"
    scan = ("scan", str(badge), "--detectors", "badge_stub", "--jobs", "0", "--format", "json", "--profile", str(profile))
    assert json.loads(invoke(*scan).stdout)["files"][0]["verdict"] == "PERMISSION_REQUIRED"
    # when the Chief's designee approves this exact file
    approved = invoke("approve", str(badge), "--by", "Deputy Chief Example", "--note", "press release 7",
                      "--profile", str(profile))
    assert approved.exit_code == 0 and "does not list" not in approved.stderr
    listed = invoke("approvals", "--json", "--profile", str(profile)).stdout.splitlines()
    assert len(listed) == 1 and json.loads(listed[0])["approved_by"] == "Deputy Chief Example"
    assert json.loads(listed[0])["check"] == "verified"
    # then the B.2 finding is kept, marked approved, and the verdict is REVIEW
    entry = json.loads(invoke(*scan).stdout)["files"][0]
    assert entry["verdict"] == "REVIEW"
    assert "approved by Deputy Chief Example" in entry["findings"][0]["message"]
    assert entry["findings"][0]["evidence"]["approval_note"] == "press release 7"
    # and any change to the file voids the approval
    picture = Image.open(badge)
    picture.putpixel((10, 10), (0, 250, 0))
    picture.save(badge)
    assert json.loads(invoke(*scan).stdout)["files"][0]["verdict"] == "PERMISSION_REQUIRED"
    assert [e["event"] for e in audit_events()] == ["scan", "approval", "scan", "scan"]


def test_approve_refuses_a_missing_file_and_an_empty_name(tmp_path: Path, folder: Path):
    assert invoke("approve", str(tmp_path / "absent.jpg"), "--by", "Chief").exit_code == ExitStatus.USAGE
    assert invoke("approve", str(folder / "1-badge.png"), "--by", " ").exit_code == ExitStatus.USAGE


def test_audit_show_lists_scans(folder: Path):
    scan_jsonl(str(folder), "--detectors", "metadata", "--jobs", "0")
    shown = invoke("audit", "show", "--last", "2")
    assert shown.exit_code == 0 and "2-plain.png" in shown.stdout and "3-plain.png" in shown.stdout
    assert "1-badge.png" not in shown.stdout


def test_a_hanging_file_times_out_and_the_batch_goes_on(folder: Path):
    Image.new("RGB", (80, 60), (255, 0, 255)).save(folder / "2a-hangs.png")
    lines, result = scan_jsonl(str(folder), "--detectors", "slow", "--jobs", "1", "--file-timeout", "1")
    assert result.exit_code == ExitStatus.ERROR
    assert [line["verdict"] for line in lines] == ["CLEAR", "CLEAR", "ERROR", "CLEAR"]
    assert "exceeded 1 s" in lines[2]["error"]


def test_ctrl_c_stops_and_still_writes_the_partial_report(folder: Path, tmp_path: Path, monkeypatch):
    class InterruptedScan(batch_module.BatchScan):
        def __iter__(self):
            for number, result in enumerate(super().__iter__()):
                if number == 1:
                    raise KeyboardInterrupt
                yield result

    monkeypatch.setattr(cli, "BatchScan", InterruptedScan)
    out = tmp_path / "partial.json"
    result = invoke("scan", str(folder), "--detectors", "metadata", "--jobs", "0", "--format", "json", "-o", str(out))
    assert "interrupted after 1 file(s)" in result.stderr
    assert result.exit_code == ExitStatus.ERROR  # the files not screened are not clear
    assert json.loads(out.read_text())["summary"]["files"] == 1


def test_no_progress_bar_when_output_is_not_a_terminal(folder: Path):
    result = invoke("scan", str(folder), "--detectors", "metadata", "--jobs", "0", "--format", "json")
    assert result.stderr == ""


def test_redact_refuses_the_html_format(folder: Path, tmp_path: Path):
    result = invoke("redact", str(folder), "--out", str(tmp_path / "out"), "--format", "html")
    assert result.exit_code == ExitStatus.USAGE and "html" in result.stderr


def test_a_terminal_gets_a_progress_bar_unless_quiet(folder: Path, monkeypatch):
    import io

    from rich.console import Console

    terminal = io.StringIO()
    monkeypatch.setattr(cli, "stderr", Console(file=terminal, force_terminal=True, width=120))
    invoke("scan", str(folder), "--detectors", "metadata", "--jobs", "0", "--format", "json")
    assert "3/3" in terminal.getvalue() and "files/s" in terminal.getvalue()
    terminal.truncate(0)
    invoke("scan", str(folder), "--detectors", "metadata", "--jobs", "0", "--format", "json", "--quiet")
    assert terminal.getvalue().strip("\x00") == ""


def test_a_terminal_gets_a_redaction_progress_bar_unless_quiet(folder: Path, tmp_path: Path, monkeypatch):
    import io

    from rich.console import Console

    # given a terminal on stderr and redactions that need no model (metadata strip only)
    monkeypatch.setattr(registry, "REGISTRY", {})
    terminal = io.StringIO()
    monkeypatch.setattr(cli, "stderr", Console(file=terminal, force_terminal=True, width=120))
    # when the folder is redacted, then the bar counts its files
    invoke("redact", str(folder), "--out", str(tmp_path / "one"), "--format", "json")
    assert "redacting" in terminal.getvalue() and "3/3" in terminal.getvalue()
    # and with --quiet nothing is drawn
    terminal.truncate(0)
    terminal.seek(0)
    result = invoke("redact", str(folder), "--out", str(tmp_path / "two"), "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    assert "redacting" not in terminal.getvalue()


def test_redactions_are_audited(folder: Path, tmp_path: Path, monkeypatch):
    from media_screen.inputs.source import sha256_of

    monkeypatch.setattr(registry, "REGISTRY", {})  # metadata strip only: no model needed
    source = folder / "2-plain.png"
    result = invoke("redact", str(source), "--out", str(tmp_path / "safe"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    (event,) = [e for e in audit_events() if e["event"] == "redaction"]
    assert event["sha256"] == sha256_of(source) and event["status"] == "written"
    assert event["output_sha256"] and event["output_sha256"] == sha256_of(Path(event["output"]))
    assert event["profile_sha256"] and event["user"] and event["host"]


def test_ctrl_c_in_a_terminal_stops_the_workers_and_writes_the_partial_report(folder: Path, tmp_path: Path):
    import os
    import signal
    import subprocess
    import sys
    import time

    # given a scan in its own process group whose second file hangs in a worker
    Image.new("RGB", (80, 60), (255, 0, 255)).save(folder / "2-hangs.png")
    out = tmp_path / "partial.json"
    program = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from media_screen import detectors; detectors.REGISTRY['slow'] = 'fake_detectors:SlowDetector'; "
        "from media_screen.cli.main import main; sys.argv = ['media-screen', *sys.argv[2:]]; main()"
    )
    command = [sys.executable, "-c", program, str(Path(__file__).parents[1]), "scan", str(folder),
               "--detectors", "slow", "--jobs", "1", "--format", "json", "-o", str(out)]
    scan = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    audit = tmp_path / "data" / "audit.jsonl"
    for _ in range(600):  # until the first file is reported
        if audit.exists() and audit.read_text().count("\n") >= 1:
            break
        time.sleep(0.1)
    # when Ctrl-C reaches the whole process group, as from a terminal
    os.killpg(scan.pid, signal.SIGINT)
    stderr = scan.communicate(timeout=60)[1]
    # then the scan stopped, said so, wrote what it had, and left no worker behind
    assert scan.returncode == ExitStatus.ERROR and "interrupted after 1 file(s)" in stderr
    assert json.loads(out.read_text())["summary"]["files"] == 1
    for _ in range(50):  # multiprocessing's resource tracker leaves a moment after its parent
        leftover = subprocess.run(["pgrep", "-a", "-g", str(scan.pid)], capture_output=True, text=True).stdout
        if not leftover:
            break
        time.sleep(0.1)
    assert leftover == ""
