"""Batch scans on Ray (`media-screen scan --ray`): the same scan, its files screened by Ray actors.

The driver is `media_screen.batch.scan.BatchScan`, unchanged: it walks the paths, answers unchanged files
from its cache (the only writer), hands the rest to a pool and streams results back in input order.
With `ScanOptions.engine == Engine.RAY` that pool is `RayPool` (dispatch.py), whose actors each hold
one Screener loaded the way a local worker process loads it (actor.py), so the reports are the same.
`session.py` starts a Ray instance on this machine, or connects to a cluster. Ray is imported only
here, and only when a Ray scan starts: it comes with the `cluster` extra.
"""

from media_screen.cluster.dispatch import RayPool
from media_screen.cluster.session import RaySession, cpus_per_worker, start_local_ray

__all__ = ["RayPool", "RaySession", "cpus_per_worker", "start_local_ray"]
