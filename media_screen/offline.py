"""Every library's network off switch, set in one place before any of them is first imported.

`media_screen/__init__.py` imports this module first, so `configure()` runs in every process that
imports the package: the command line and each spawned batch worker (which also inherits the
parent's environment). Python-level socket patching cannot stop native code, so each switch is
the library's own, set in the environment or in its settings file before its first import:

- onnxruntime starts a native telemetry client on import that resolves and posts to
  mobile.events.data.microsoft.com a few seconds later; only ORT_DISABLE_TELEMETRY=1, read at
  import, stops it (`onnxruntime.disable_telemetry_events()` does not);
- ultralytics checks for updates, sends analytics and crash reports, downloads fonts and weights
  and pip-installs packages unless told not to: YOLO_OFFLINE makes its online check answer "no"
  without a DNS query, YOLO_AUTOINSTALL stops installs, and its settings file (kept under our own
  cache folder) gets `sync` and every experiment-logger integration turned off. It also reads the
  machine's hardware (MAC) address for an analytics id, which opens an AF_INET socket; a random
  node id is given instead, so that address is never read;
- Hugging Face libraries (if present) and any tool honouring DO_NOT_TRACK;
- imageio (a scikit-image dependency) would fetch missing plugins from the internet;
- matplotlib is kept on its file-only Agg backend, so no GUI backend connects to a display server;
- c2pa-python (Content Credentials) reads no environment switch: its native library fetches a remote
  manifest named in a file's XMP (`dcterms:provenance`) and can fetch certificate status (OCSP) unless
  the settings of the Context it reads with say no. C2PA_READ_SETTINGS below is that Context's
  settings (media_screen/metadata/c2pa.py builds the one Context every read uses); no trust list is
  configured, so none is fetched either;
- Ray (`scan --ray`, the `cluster` extra) sends usage statistics unless RAY_USAGE_STATS_ENABLED=0,
  which its processes read at import. A Ray instance this process starts (`local_ray_environment()`)
  is also kept on loopback (its node address is 127.0.0.1, so it never asks the route to 8.8.8.8 for
  one, and nothing listens on another interface), and its helper processes get a dead loopback HTTP
  proxy: the process Ray starts even without a dashboard asks cloud metadata addresses
  (169.254.169.254, metadata.google.internal) which cloud it runs in, whatever the usage setting.

torch and ai-edge-litert (LiteRT/TFLite) send nothing by themselves in their pip builds (LiteRT's
metrics module is a no-op), so they need no switch; the system-call test
(tests/test_offline_syscalls.py) checks every command for any socket that is not AF_UNIX/netlink.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import uuid
from pathlib import Path

from media_screen.userdirs import cache_dir

# Forced, not defaulted: a variable left in the user's environment must not turn telemetry back on.
OFF_SWITCHES: dict[str, str] = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime
    "YOLO_OFFLINE": "true",  # ultralytics
    "YOLO_AUTOINSTALL": "false",  # ultralytics
    "HF_HUB_OFFLINE": "1",  # huggingface_hub
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub
    "HF_DATASETS_OFFLINE": "1",  # datasets
    "TRANSFORMERS_OFFLINE": "1",  # transformers
    "DO_NOT_TRACK": "1",  # the consoledonottrack.com convention
    "IMAGEIO_NO_INTERNET": "1",  # imageio
    "MPLBACKEND": "Agg",  # matplotlib
    "RAY_USAGE_STATS_ENABLED": "0",  # ray: no usage report
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",  # ray: nor the prompt about it
}
# For the processes of a Ray instance started on this machine (see the module doc); set while it starts.
_NO_PROXY = "127.0.0.1,localhost,::1"
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port, where nothing listens: any non-loopback HTTP fails at once
LOCAL_RAY_SWITCHES: dict[str, str] = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # Ray's "local only" mode: node address 127.0.0.1, no route probe
    **{name: DEAD_PROXY for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")},
    **{name: _NO_PROXY for name in ("no_proxy", "NO_PROXY")},
}
# c2pa-python's settings for reading (c2pa-rs settings schema): never fetch a remote manifest, certificate
# status or anything else over the network (an empty allowed-host list refuses every URL, whatever else asks).
C2PA_READ_SETTINGS: dict = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    "core": {"allowed_network_hosts": []},
}
# Read once at import, as it always was; media_screen.userdirs.cache_dir() reads it at call time.
CACHE_DIR = cache_dir()
ULTRALYTICS_SETTINGS_OFF = ("sync", "clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")


def ray_switches() -> dict[str, str]:
    """The off switches a Ray worker process needs, given in its runtime environment (on any node)."""
    return {name: value for name, value in OFF_SWITCHES.items()}


def local_ray_environment() -> dict[str, str]:
    """The environment a Ray instance started by this process inherits: off switches, loopback only."""
    return {**OFF_SWITCHES, **LOCAL_RAY_SWITCHES}


def ultralytics_config_dir() -> Path:
    """YOLO_CONFIG_DIR: ultralytics keeps its settings file in the `Ultralytics` folder below it."""
    return cache_dir() / "ultralytics"


def configure() -> None:
    os.environ.update(OFF_SWITCHES)
    os.environ["YOLO_CONFIG_DIR"] = str(ultralytics_config_dir())
    os.environ.setdefault("YOLO_VERBOSE", "false")
    keep_ultralytics_settings_offline(ultralytics_config_dir() / "Ultralytics" / "settings.json")
    _never_read_the_hardware_address()


def keep_ultralytics_settings_offline(path: Path) -> bool:
    """Turn `sync` and the logger integrations off in ultralytics' settings file; True when it was written.

    No environment variable controls them. Keys missing from a new file are filled in by
    ultralytics on its first import, keeping these values. When the file cannot be written,
    YOLO_OFFLINE alone still keeps ultralytics from sending anything.
    """
    try:
        settings = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    if all(settings.get(name) is False for name in ULTRALYTICS_SETTINGS_OFF):
        return False
    settings.update({name: False for name in ULTRALYTICS_SETTINGS_OFF})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings, handle, indent=2)
        os.replace(tmp, path)  # another process reading it sees the old file or the new one, never half
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    return True


def _never_read_the_hardware_address() -> None:
    """Give `uuid.getnode()` a random node id (as it does itself when no address is found).

    Ultralytics hashes the MAC address into an analytics id on import; reading it makes libuuid
    open an AF_INET socket for an interface ioctl. `uuid._node` is getnode()'s own cache.
    """
    if getattr(uuid, "_node", 0) is None:
        uuid._node = random.getrandbits(48) | (1 << 40)  # the multicast bit marks a random node (RFC 4122 4.5)


configure()
