"""Nothing leaves the machine, checked where native code cannot hide: the system calls of every process.

Each command runs under `strace -f` in a fresh environment (none of the libraries' off switches set
by the caller, private cache, data and home folders), and any socket() other than AF_UNIX/netlink,
or connect/send to an address that is not loopback, in any process or thread, fails the test.
The batch scan's worker processes are kept alive for HOLD_S seconds so that telemetry that fires
some seconds after a library's import (onnxruntime's did, ~5 s later) would be seen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from syscall_trace import network_violations, processes

TESTS = Path(__file__).resolve().parent
SAMPLES = TESTS.parent / "sample_media"
HOLD_S = 20.0
STRACE = ["strace", "-f", "-ttt", "-q", "-s", "256", "-e", "trace=socket,connect,sendto,sendmsg,sendmmsg,bind,execve"]
CLI = [sys.executable, "-m", "media_screen"]
BADGE = SAMPLES / "detectors" / "coffee_badge.jpg"
CACHED = [SAMPLES / "detectors", SAMPLES / "metadata" / "gps_exif.jpg"]  # scanned (and cached) by the driver first

# the leak this test was written for: strace lines of onnxruntime 1.32's telemetry in a batch worker
LEAK = """\
3030 1764859951.100000 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 13
3031 1764859951.200000 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 13
3031 1764859951.300000 connect(13, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16 <unfinished ...>
3031 1764859951.400000 sendto(13, "\\237\\367\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\6mobile\\6events\\4data\\t"..., 50, MSG_NOSIGNAL, NULL, 0) = 50
"""
LOCAL = """\
2962 1764859950.000000 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 4
2962 1764859950.100000 connect(4, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
2962 1764859950.200000 sendmsg(5, {msg_name={sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, msg_namelen=12}, 0) = 20
2962 1764859950.300000 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0
2962 1764859950.400000 sendto(6, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 1
2962 1764859950.500000 <... connect resumed>) = 0
"""


def test_the_trace_reader_flags_the_telemetry_leak():
    # given the trace of onnxruntime's telemetry resolving its collector's name
    violations = network_violations(LEAK.splitlines())
    # then both sockets and the connect to the nameserver are flagged (the sendto after it names no address)
    assert [line.split(" ", 1)[1][:7] for line in violations] == ["socket(", "socket(", "connect"]


def test_the_trace_reader_lets_local_sockets_and_loopback_pass():
    assert network_violations(LOCAL.splitlines()) == []


def test_the_trace_reader_knows_how_long_each_process_lived():
    trace = [
        '7 100.5 execve("/v/bin/python", ["python", "-c", "from multiprocessing.spawn import spawn_main"], ...'
        " <unfinished ...>",
        "8 100.6 socket(AF_UNIX, SOCK_STREAM, 0) = 3",
        "7 100.7 <... execve resumed>) = 0",
        "7 125.5 +++ exited with 0 +++",
    ]
    (process,) = processes(trace)
    assert process.pid == 7 and "spawn_main" in process.command and process.lifetime_s == pytest.approx(25.0)


def _environment(tmp_path: Path) -> dict[str, str]:
    """A fresh user's environment: none of the off switches media_screen.offline sets, private folders."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(tmp_path),
        "MEDIA_SCREEN_CACHE_DIR": str(tmp_path / "cache"),
        "MEDIA_SCREEN_DATA_DIR": str(tmp_path / "data"),
    }
    if "PYTHONPATH" in os.environ:  # the checkout under test, when it is not the installed one
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return environment


def _tiny_train_config(folder: Path) -> Path:
    """The tiny configuration of the train end-to-end test (seconds on CPU); the model goes to `folder`/out."""
    from train.test_train_end_to_end import TINY

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.train.toml"
    path.write_text(TINY, "utf-8")
    return path


def _traced(name: str, command: list[str], tmp_path: Path, expected_codes: set[int]) -> list[str]:
    """Run `command` under strace; return the trace's lines after checking that the command itself worked."""
    trace = tmp_path / f"{name.replace(' ', '_')}.strace"
    result = subprocess.run(
        [*STRACE, "-o", str(trace), *command], env=_environment(tmp_path), cwd=tmp_path,
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode in expected_codes, f"{name}: exit {result.returncode}\n{result.stderr[-2000:]}"
    return trace.read_text("utf-8", errors="replace").splitlines()


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_no_command_sends_anything_over_the_network_from_any_process(tmp_path: Path):
    violations: dict[str, list[str]] = {}
    # given a batch scan of every sample in two worker processes, kept alive HOLD_S s after the first result
    driver = [sys.executable, str(TESTS / "offline_scan_driver.py"), str(SAMPLES), "--jobs", "2", "--hold", str(HOLD_S)]
    trace = _traced("batch scan", driver, tmp_path, {0})
    violations["batch scan"] = network_violations(trace)
    workers = [p for p in processes(trace) if "spawn_main" in p.command]
    # (the test did what it says: two workers, each alive long enough for delayed telemetry to fire)
    assert len(workers) >= 2 and all((p.lifetime_s or 0) >= HOLD_S for p in workers), workers
    # and every other command, the way a user runs it
    out = tmp_path / "out"
    commands = {
        **{f"scan --format {fmt}": ["scan", *map(str, CACHED), "--format", fmt, "-o", str(out / f"r.{fmt}")]
           for fmt in ("json", "jsonl", "csv", "html")},
        "scan --format table": ["scan", *map(str, CACHED)],
        "scan --jobs 2 --no-cache": ["scan", str(BADGE), "--jobs", "2", "--no-cache", "--format", "jsonl"],
        "redact": ["redact", str(BADGE), "--out", str(out / "redacted"), "--format", "json"],
        "keys init": ["keys", "init", "--name", "Chief T. Example"],
        "keys show": ["keys", "show"],
        "approve": ["approve", str(BADGE), "--by", "Chief T. Example"],
        "approvals": ["approvals"],
        "audit show": ["audit", "show", "--last", "5"],
        "audit verify": ["audit", "verify"],
        "cache info": ["cache", "info"],
        "detectors": ["detectors"],
        "profile show": ["profile", "show"],
        "profile init": ["profile", "init", str(out / "profile.toml")],
        "cache clear": ["cache", "clear"],
        "train": ["train", "--config", str(_tiny_train_config(tmp_path / "train")),
                  "--work-dir", str(tmp_path / "train" / "work")],
    }
    findings_ok = {0, 1}  # 1: the samples are made to trigger findings
    for name, arguments in commands.items():
        codes = findings_ok if name.startswith(("scan", "redact")) else {0}
        violations[name] = network_violations(_traced(name, [*CLI, *arguments], tmp_path, codes))
    # then no process of any command opened a network socket or sent to a non-loopback address
    leaks = [f"{name}: {line}" for name, lines in violations.items() for line in lines[:5]]
    assert not leaks, "network system calls:\n" + "\n".join(leaks)
    # (and the commands did their work: the approval was recorded, the reports were written)
    approval = subprocess.run([*CLI, "approvals", "--json"], env=_environment(tmp_path), capture_output=True, text=True)
    assert json.loads(approval.stdout.splitlines()[-1])["approved_by"] == "Chief T. Example"
    assert json.loads(approval.stdout.splitlines()[-1])["signature"]
    written = {p.name for p in out.iterdir()}
    assert written >= {"r.json", "r.jsonl", "r.csv", "r.html", "redacted", "profile.toml"}
    assert (tmp_path / "train" / "out" / "tiny_police.onnx").is_file()


def test_the_trace_reader_lets_loopback_ip_sockets_pass_only_when_asked_and_flags_wildcard_binds():
    trace = [
        "5 1.0 socket(AF_INET6, SOCK_STREAM, IPPROTO_IP) = 3",
        '5 1.1 connect(3, {sa_family=AF_INET6, sin6_port=htons(35389), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '5 1.2 bind(3, {sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
    ]
    wildcard = '5 1.3 bind(4, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0'
    assert len(network_violations(trace)) == 1  # the IP socket itself, by default
    assert network_violations(trace, inet_sockets=True) == []
    assert len(network_violations([*trace, wildcard], inet_sockets=True)) == 1


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_a_scan_on_ray_talks_over_loopback_only(tmp_path: Path):
    pytest.importorskip("ray", reason="the cluster extra is not installed (scripts/install.sh installs it)")
    # given `scan --ray` with no address: it starts its own Ray instance (GCS, raylet, helpers, actors)
    command = [*CLI, "scan", str(BADGE), "--no-cache", "--format", "jsonl", "--ray"]
    trace = _traced("scan --ray", command, tmp_path, {1})
    # then every IP socket of every process connected, sent and listened on loopback only
    assert network_violations(trace, inet_sockets=True) == []
    # (and Ray did the work: its raylet and an actor ran)
    commands = [p.command for p in processes(trace)]
    assert any("raylet" in c for c in commands) and any("default_worker" in c for c in commands)
