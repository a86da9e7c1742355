"""Connect to Ray for one scan: a cluster at an address, or a Ray instance started on this machine.

Without an address (and no RAY_ADDRESS) a scan starts its own Ray instance, as the tests do, and
stops it at the end. That instance stays on loopback and has no dashboard (media_screen.offline's
`local_ray_environment()` is its environment while it starts). A process that already called
`ray.init` (a library caller, a test) is used as it is and left running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from media_screen.config import ClusterOptions, Profile
from media_screen.errors import MediaScreenError
from media_screen.offline import local_ray_environment

CLUSTER_EXTRA = "Ray scans need the cluster extra on this machine and every node: pip install 'media-screen[cluster]'"
MIN_OBJECT_STORE_BYTES = 100 * 2**20  # Ray refuses less than 75 MiB
LOCAL_ADDRESSES = ("", "local")  # start a Ray instance here ("local" is Ray's own word for it)


def ray_module() -> Any:
    """Ray, imported after media_screen.offline has set its off switches; a clear error without the extra."""
    try:
        import ray
    except ImportError as exc:
        raise MediaScreenError(f"{CLUSTER_EXTRA} ({exc})") from None
    return ray


def cpus_per_worker(cluster: ClusterOptions, profile: Profile) -> float:
    """CPUs reserved per actor: --cpus-per-worker, else the profile's [cluster] cpus_per_worker, else 1."""
    value = cluster.cpus_per_worker
    if value is None:
        value = profile.raw.get("cluster", {}).get("cpus_per_worker", 1)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise MediaScreenError(f"cpus_per_worker must be a number of CPUs, not {value!r}") from None
    if not 0 < value <= 1024:
        raise MediaScreenError(f"cpus_per_worker must be more than 0 CPUs, not {value:g}")
    return value


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def ray_temp_dir() -> str:
    """Ray's session folder: under the temporary folder, unless that path is too long for Ray's sockets there.

    A Unix socket path holds at most 107 bytes, and Ray's is about 75 bytes below this folder.
    """
    folder = os.path.join(os.environ.get("RAY_TMPDIR") or tempfile.gettempdir(), "ray")
    return folder if len(folder) <= 30 else "/tmp/ray"


def start_local_ray(num_cpus: int, object_store_bytes: int, **init_options: Any) -> None:
    """`ray.init` of a new Ray instance on this machine: loopback only, no dashboard, no usage report.

    Its processes (GCS, raylet, helpers, workers) inherit the environment it is started with.
    """
    with _environment(local_ray_environment()):
        ray = ray_module()  # Ray reads its "local only" switch when it is imported
        logging.getLogger("ray").setLevel(logging.WARNING)  # no "Started a local Ray instance" on stderr
        ray.init(
            address="local",
            num_cpus=num_cpus,
            object_store_memory=max(MIN_OBJECT_STORE_BYTES, object_store_bytes),
            include_dashboard=False,
            log_to_driver=False,  # the actors' own output stays in Ray's log files, off our stdout
            configure_logging=False,
            _temp_dir=ray_temp_dir(),
            **init_options,
        )


@dataclass
class RaySession:
    """Ray, ready for one scan; `close()` stops the instance only if this session started it."""

    started: bool = False

    @classmethod
    def open(cls, cluster: ClusterOptions, local_cpus: int) -> "RaySession":
        imported = sys.modules.get("ray")  # not imported here yet: a local instance sets its switches first
        if imported is not None and imported.is_initialized():
            return cls(started=False)
        address = cluster.address if cluster.address is not None else os.environ.get("RAY_ADDRESS", "")
        try:
            if address.strip() in LOCAL_ADDRESSES:
                start_local_ray(local_cpus, 2 * cluster.max_in_flight_bytes)
            else:
                ray = ray_module()
                logging.getLogger("ray").setLevel(logging.WARNING)
                ray.init(address=address.strip(), log_to_driver=False, configure_logging=False)
        except MediaScreenError:
            raise
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError ...
            where = f"the Ray cluster at {address}" if address.strip() not in LOCAL_ADDRESSES else "a local Ray"
            raise MediaScreenError(f"cannot start or reach {where}: {type(exc).__name__}: {exc}") from None
        return cls(started=True)

    def close(self) -> None:
        if self.started:
            ray = ray_module()
            ray.shutdown()
            self.started = False
