"""What one Ray actor holds: a batch worker's Screener, loaded once, screening one file per call.

The actor loads its models with the local worker's own `open_worker` and screens with its `scan_one`,
so a report is the same whichever engine made it. A setup failure is kept and answered by `ready()`
(the driver stops the batch with it, as it does for a local worker). This module imports no Ray:
the driver wraps the class with `ray.remote` when a Ray scan starts.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from media_screen.report.codec import report_from_json, report_to_json
from media_screen.batch.worker import WorkerSetup, open_worker, scan_one, setup_error


class ScreenWorker:
    def __init__(self, setup: WorkerSetup) -> None:
        self.key = setup.analysis_key
        self.error: str | None = None
        try:
            self.screener, self.cache = open_worker(setup)
        except Exception as exc:  # noqa: BLE001 - answered by ready(); the driver stops the batch
            self.error = setup_error(exc)

    def ready(self) -> tuple[str | None, str]:
        """(the setup error or None, the id of the node this actor runs on)."""
        return self.error, _node_id()

    def screen(self, index: int, path: str) -> tuple:
        """Screen a file read from its path (the archive is mounted on every node)."""
        from_cache, report_json = scan_one(self.screener, self.cache, self.key, Path(path))
        return ("done", index, from_cache, report_json)

    def screen_bytes(self, index: int, path: str, content: bytes) -> tuple:
        """Screen a file's content sent by the driver (`--ship-bytes`), from a private copy with the same name.

        The copy is removed at once; where a report names the copy, it names the original path instead.
        """
        with tempfile.TemporaryDirectory(prefix="media-screen-shipped-") as folder:
            copy = Path(folder) / Path(path).name
            with open(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(content)
            from_cache, report_json = scan_one(self.screener, self.cache, self.key, copy)
        report = report_from_json(report_json)
        error = report.error.replace(str(copy), path) if report.error else None
        report_json = report_to_json(dataclasses.replace(report, path=path, error=error))
        return ("done", index, from_cache, report_json)


def _node_id() -> str:
    try:
        import ray

        return ray.get_runtime_context().get_node_id()
    except Exception:  # noqa: BLE001 - outside Ray (a unit test): no node
        return ""
