#!/usr/bin/env python3
"""Multi-node check on one machine (issue 16): a Ray head and a second worker node, two raylets, one scan over both.

Starts `ray start --head` and `ray start --address` on this machine with one CPU each (usage stats off,
no dashboard), scans the folder (default sample_media/detectors) through that cluster with one actor per
node, and with the local pool; prints which node screened how many files, whether the reports (timings
aside) are identical, the times and the load average; then stops both nodes' processes (by id).

Run:  ~/.venvs/media-screen/bin/python bench/ray_two_nodes.py [FOLDER]
"""

from __future__ import annotations

import collections
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.batch.scan import BatchScan  # noqa: E402
from media_screen.config import ClusterOptions, Engine, ScanOptions, load_profile  # noqa: E402
from media_screen.offline import ray_switches  # noqa: E402
from media_screen.report.text import render_json  # noqa: E402

RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Ray's token authentication, one token for the head, the worker node and the driver (as on a real cluster)
os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})


def ray_cli(*arguments: str) -> None:
    environment = {**os.environ, **ray_switches()}
    subprocess.run([RAY, *arguments], check=True, env=environment, stdout=subprocess.DEVNULL, stderr=sys.stderr)


class RecordingScan(BatchScan):
    """BatchScan that keeps its pool, to read which node screened each file."""

    def _pool(self):
        self.pool = super()._pool()
        return self.pool


def scan(folder: Path, options: ScanOptions):
    started = time.perf_counter()
    with RecordingScan([folder], load_profile(), options, jobs=2) as batch:
        results = list(batch)
    reports = [r.report for r in results]
    document = json.loads(render_json(reports, options.audience))
    for entry in document["files"]:
        entry.pop("timings_s", None)
    return time.perf_counter() - started, document, getattr(batch, "pool", None)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "sample_media" / "detectors"
    port = free_port()
    address = f"127.0.0.1:{port}"
    temp = tempfile.mkdtemp(prefix="ray2-", dir="/tmp")
    print(f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
    started = time.perf_counter()
    try:
        ray_cli("start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                f"--temp-dir={temp}", "--disable-usage-stats")
        ray_cli("start", f"--address={address}", "--num-cpus=1")
        print(f"two nodes started in {time.perf_counter() - started:.1f} s", flush=True)
        import ray

        ray.init(address=address, log_to_driver=False)
        nodes = [n for n in ray.nodes() if n["Alive"]]
        print(f"nodes alive: {len(nodes)} ({', '.join(n['NodeID'][:8] for n in nodes)}), "
              f"CPUs {ray.cluster_resources().get('CPU', 0):g}", flush=True)
        ray_seconds, ray_document, pool = scan(folder, ScanOptions(engine=Engine.RAY, cluster=ClusterOptions()))
        spread = collections.Counter(node[:8] for node in pool.nodes.values())
        ray.shutdown()
        local_seconds, local_document, _ = scan(folder, ScanOptions())
        files = len(local_document["files"])
        print(f"{files} files: Ray on two nodes {ray_seconds:.1f} s (actors' model loading included), "
              f"local pool {local_seconds:.1f} s")
        print(f"files per node: {dict(spread)}")
        print(f"reports identical (timings aside): {ray_document == local_document}")
        print(f"load average after: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    finally:
        stop_processes_of(temp)


def stop_processes_of(temp: str) -> None:
    """Stop the two nodes' processes only (not `ray stop`, which stops every Ray on the machine): those whose
    command line names this run's temp folder, by process id."""
    import signal

    mine, parents = [], {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if temp.encode() in (entry / "cmdline").read_bytes():
                    mine.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    # and their children (Ray's agents rename themselves, so their command line no longer names the folder)
    added = True
    while added:
        children = [pid for pid, parent in parents.items() if parent in mine and pid not in mine]
        mine += children
        added = bool(children)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in mine:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(2)
    print(f"stopped {len(mine)} Ray processes of this run")


if __name__ == "__main__":
    main()
