#!/usr/bin/env python3
"""What reading Content Credentials costs: per format, for files with a manifest and for files without.

    python bench/c2pa_speed.py [--repeat 20]

Signs fresh test files with scripts/make_c2pa_samples.py into a temporary folder, then prints, with
the load average (the machine is shared):
  * the header walk every still and video pays (find_stores) on files without a manifest;
  * the median wall time of reading a manifest into facts (credential_facts), per format, warm;
  * the first read in a fresh process: importing c2pa-python (its 23 MB native library), building the
    offline Context and reading one JPEG.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from media_screen.metadata.c2pa import credential_facts, find_stores  # noqa: E402
from media_screen.inputs.source import Source  # noqa: E402

WITHOUT = ["sample_media/metadata/clean.jpg", "sample_media/metadata/place_text.png",
           "sample_media/metadata/gps.heic", "sample_media/video/face_2s_to_4s.mp4"]
COLD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from media_screen.metadata.c2pa import credential_facts
from media_screen.inputs.source import Source
path = Path(sys.argv[1])
credential_facts(Source.open(path))
print(time.perf_counter() - started)
"""


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    arguments = parser.parse_args()
    spec = importlib.util.spec_from_file_location("make_c2pa_samples", REPO / "scripts" / "make_c2pa_samples.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    print(f"c2pa bench, {arguments.repeat} repeats, {load()}")
    with tempfile.TemporaryDirectory() as folder:
        signed = maker.make_all(Path(folder))
        print("files without a manifest: header walk (find_stores), median")
        for relative in WITHOUT:
            path = REPO / relative
            source = Source.open(path)
            ms = median_ms(lambda: find_stores(source), arguments.repeat)
            print(f"  {relative:45s} {path.stat().st_size:>9,d} B  {ms:7.3f} ms")
        print("files with a manifest: read into facts (credential_facts), warm, median")
        for path in sorted(signed):
            if path.name in ("c2pa_damaged.jpg", "c2pa_remote.jpg"):
                continue
            source = Source.open(path)
            credential_facts(source)  # loads the bindings once
            ms = median_ms(lambda: credential_facts(source), arguments.repeat)
            print(f"  {path.name:45s} {path.stat().st_size:>9,d} B  {ms:7.2f} ms")
        large = Path(folder) / "c2pa_large.jpg"  # the whole asset is hashed when the manifest is validated
        noise = np.random.default_rng(1).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
        large.write_bytes(maker.signed(maker.test_signer(), "image/jpeg", maker.encoded(Image.fromarray(noise), "JPEG"),
                                       [maker.ACTIONS]))
        source = Source.open(large)
        ms = median_ms(lambda: credential_facts(source), max(3, arguments.repeat // 4))
        print(f"  {large.name + ' (4000 x 3000 noise)':45s} {large.stat().st_size:>9,d} B  {ms:7.2f} ms")
        cold = subprocess.run([sys.executable, "-c", COLD, str(Path(folder) / "c2pa_creator.jpg")],
                              capture_output=True, text=True, cwd=REPO, check=True)
        print(f"first read in a fresh process (imports included): {1000 * float(cold.stdout.split()[-1]):.0f} ms")
    print(f"done, {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
