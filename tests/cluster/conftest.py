"""One local Ray instance per test module (2 CPUs, a small object store), started as `scan --ray` starts one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="the cluster extra is not installed (scripts/install.sh installs it)")
    from media_screen.cluster import start_local_ray

    # the actors import the test-only detectors from these folders
    search_path = os.pathsep.join(filter(None, [str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH")]))
    start_local_ray(2, 100 * 2**20, runtime_env={"env_vars": {"PYTHONPATH": search_path}})
    yield ray
    ray.shutdown()
