"""One input read once: the bytes, their hash, the probe, independent readers; a scan analyses what it hashed."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from media_screen import pipeline
from media_screen.inputs import source as source_module
from media_screen.config import ScanOptions
from media_screen.errors import CorruptMediaError, MediaScreenError
from media_screen.model import MediaType, Verdict
from media_screen.pipeline import Screener
from media_screen.inputs.source import Source


def jpeg_bytes(rgb=(10, 200, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, rgb).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_hash_and_the_readers_describe_the_bytes_read_when_the_file_changes_afterwards(tmp_path: Path):
    # given a photo opened as a source
    path = tmp_path / "photo.jpg"
    original = jpeg_bytes()
    path.write_bytes(original)
    with Source.open(path) as source:
        # when the file on disk is replaced by other content
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        # then the source still hashes, probes and reads what it read
        assert source.sha256 == hashlib.sha256(original).hexdigest()
        assert source.probe.media_type == MediaType.JPEG
        assert source.reader().read() == original


@pytest.mark.parametrize("mapped", [False, True])
def test_each_reader_has_its_own_position_in_memory_and_when_mapped(tmp_path: Path, monkeypatch, mapped):
    # given a file read into memory, or mapped because it is over the in-memory limit
    if mapped:
        monkeypatch.setattr(source_module, "IN_MEMORY_BYTES", 16)
    path = tmp_path / "clip.bin"
    data = bytes(range(256)) * 4
    path.write_bytes(data)
    with Source.open(path) as source:
        # when two readers read and seek independently
        first, second = source.reader(), source.reader()
        first.seek(100)
        head = second.read(10)
        middle = first.read(10)
        second.seek(-4, io.SEEK_END)
        tail = second.read()
        # then each saw its own part, and the whole content hashes as the file did
        assert (head, middle, tail) == (data[:10], data[100:110], data[-4:])
        assert source.sha256 == hashlib.sha256(data).hexdigest() and source.size == len(data)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    # given a named pipe nobody writes to
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    # when it is opened as a source, then it is refused at once, not waited on
    with pytest.raises(MediaScreenError, match="not a regular file"):
        Source.open(fifo)


def test_an_empty_file_is_corrupt(tmp_path: Path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with Source.open(path) as source, pytest.raises(CorruptMediaError, match="empty file"):
        source.probe


def test_a_scan_reports_the_hash_and_size_of_the_bytes_it_analysed(tmp_path: Path, profile, monkeypatch):
    # given a photo that another program replaces on disk after its metadata is read, before it is decoded
    path = tmp_path / "photo.jpg"
    original = jpeg_bytes()
    path.write_bytes(original)
    read_metadata = pipeline.read_metadata

    def read_then_replace(source, profile):
        metadata = read_metadata(source, profile)
        path.write_bytes(jpeg_bytes((250, 0, 0), (32, 32)))
        return metadata

    monkeypatch.setattr(pipeline, "read_metadata", read_then_replace)
    # when it is screened
    report = Screener(profile, ScanOptions(detectors=("metadata",))).scan_file(path)
    # then the report describes the picture analysed: its hash and its size, not the new file's
    assert report.verdict == Verdict.CLEAR
    assert report.sha256 == hashlib.sha256(original).hexdigest()
    assert (report.media.width, report.media.height) == (64, 48)
    assert path.read_bytes() != original


SCAN_ONE_FILE = """
import sys
from pathlib import Path
from media_screen import detectors as registry
from media_screen.config import ScanOptions, load_profile
from media_screen.pipeline import Screener
registry.REGISTRY["badge_stub"] = "fake_detectors:BadgeDetector"
report = Screener(load_profile(), ScanOptions(detectors=("badge_stub",))).scan_file(Path(sys.argv[1]))
print(report.verdict.name, report.media.width)
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_a_scan_opens_its_input_once(tmp_path: Path):
    # given a photo with pixels to decode and metadata to read
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_bytes())
    trace = tmp_path / "opens.strace"
    tests = Path(__file__).parents[1]
    # when a screen of it (hash, probe, metadata, decode, a detector) runs under strace
    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(trace), sys.executable, "-c",
         SCAN_ONE_FILE, str(path)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tests), os.environ.get("PYTHONPATH")]))},
    )
    assert result.returncode == 0 and result.stdout.split() == ["CLEAR", "64"], result.stderr[-2000:]
    # then the file was opened exactly once: every stage read the same bytes
    opens = [line for line in trace.read_text().splitlines() if f'"{path}"' in line]
    assert len(opens) == 1, opens
