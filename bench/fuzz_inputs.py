#!/usr/bin/env python3
"""Fuzz campaign: damaged and hostile copies of the sample media, screened by `media-screen scan`.

    python bench/fuzz_inputs.py [--count 1000] [--seed 1] [--jobs 1] [--file-timeout 20] [--detectors LIST] [--keep]

Every mutant is derived deterministically from (seed, index): the same seed always writes the same
bytes. Mutants are written to a fresh temporary folder, never into the repository; sample_media is
only read. The seeds are the media files under sample_media plus PNG copies of three of its JPEGs
(with EXIF and an XMP text chunk), so that PNG chunks are fuzzed too. One mutation kind per file,
taken in turn from MUTATIONS.

The folder is then scanned once, as a user would (`media-screen scan DIR --format json`), with
every default detector unless --detectors says otherwise, and the campaign checks:
  * no Python traceback or library warning on stderr, and the exit code is one the CLI documents (0, 1, 3);
  * every mutant is in the report, once;
  * a file that Pillow (stills) or PyAV (videos) cannot decode is reported ERROR;
  * the per-file time bound held: no file over the bound unless it is ERROR, none over the hard bound;
  * no analysis failed through the pipeline's catch-all (an exception no parser expected) or
    crashed its worker process;
  * the mutants and sample_media are byte for byte what they were before the scan.
It prints counts (files, per mutation kind, verdicts, errors by kind, violations) and exits 1 on a
violation, keeping the mutants' folder for a look; 0 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_screen.batch.scan import hard_time_limit  # noqa: E402
from media_screen.config import load_profile  # noqa: E402
from media_screen.errors import MediaScreenError  # noqa: E402
from media_screen.inputs.source import probe_bytes  # noqa: E402
from media_screen.model import MediaType  # noqa: E402

SAMPLE_MEDIA = REPO / "sample_media"
PNG_FROM = ("metadata/gps_exif.jpg", "metadata/serial_and_owner.jpg", "detectors/clean_cat.jpg")
MAX_MUTANT_BYTES = 8 << 20
ORACLE_SECONDS = 60  # one file's reference decode; longer counts as "cannot decode"
ORACLE_MEMORY = 4 << 30

JPEG, PNG, HEIF, VIDEO = "jpeg", "png", "heif", "video"  # seed formats; HEIF and VIDEO are both ISO BMFF
ALL = (JPEG, PNG, HEIF, VIDEO)
BMFF = (HEIF, VIDEO)


@dataclass(frozen=True)
class Seed:
    name: str  # relative to sample_media; "<name>.png" for the PNG copies
    data: bytes
    format: str


@dataclass(frozen=True)
class Part:
    """One JPEG segment, PNG chunk or BMFF box: where it is and where its length field is."""

    type: bytes
    start: int
    end: int
    length_at: int
    length_size: int


# --- structure of the seed formats -------------------------------------------------------------


def jpeg_segments(data: bytes) -> list[Part]:
    parts, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == 0xD9:
            break
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        parts.append(Part(bytes([marker]), pos, min(end, len(data)), pos + 2, 2))
        if marker == 0xDA:  # entropy-coded data follows
            break
        pos = end
    return parts


def png_chunks(data: bytes) -> list[Part]:
    parts, pos = [], 8
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        parts.append(Part(kind, pos, min(pos + 12 + length, len(data)), pos, 4))
        pos += 12 + length
    return parts


BOX_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"iprp", b"ipco", b"ilst"}


def bmff_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Part]:
    parts, pos, end = [], start, len(data) if end is None else end
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size < 8 or pos + size > end:
            break
        parts.append(Part(kind, pos, pos + size, pos, 4))
        if kind in BOX_CONTAINERS:
            parts += bmff_boxes(data, pos + 8, pos + size)
        elif kind == b"meta":  # a full box in ISO files, a plain container in QuickTime
            full = data[pos + 12 : pos + 16] not in (b"hdlr", b"keys", b"ilst")
            parts += bmff_boxes(data, pos + 8 + 4 * full, pos + size)
        elif kind == b"stsd":
            parts += bmff_boxes(data, pos + 16, pos + size)
        pos += size
    return parts


def structure(seed: Seed) -> list[Part]:
    if seed.format == JPEG:
        return jpeg_segments(seed.data)
    if seed.format == PNG:
        return png_chunks(seed.data)
    return bmff_boxes(seed.data)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


# --- one function per mutation kind ----------------------------------------------------------


def bit_flip(seed: Seed, rng: random.Random) -> bytes:
    """1 to 32 bits flipped; half of them in the first 4 KB, where the headers are."""
    data = bytearray(seed.data)
    for _ in range(rng.randint(1, 32)):
        limit = min(len(data), 4096) if rng.random() < 0.5 else len(data)
        data[rng.randrange(limit)] ^= 1 << rng.randrange(8)
    return bytes(data)


def truncate(seed: Seed, rng: random.Random) -> bytes:
    """Cut anywhere, often inside the headers."""
    limit = min(len(seed.data), 4096) if rng.random() < 0.3 else len(seed.data)
    return seed.data[: rng.randrange(limit)]


def zero_range(seed: Seed, rng: random.Random) -> bytes:
    """A run of 1 byte to a quarter of the file set to zero."""
    length = rng.randint(1, max(1, len(seed.data) // 4))
    start = rng.randrange(max(1, len(seed.data) - length))
    return seed.data[:start] + bytes(length) + seed.data[start + length :]


def length_field(seed: Seed, rng: random.Random) -> bytes:
    """A JPEG segment's, PNG chunk's or BMFF box's length set to a hostile value."""
    part = rng.choice(structure(seed))
    largest = (1 << (8 * part.length_size)) - 1
    current = int.from_bytes(seed.data[part.length_at : part.length_at + part.length_size], "big")
    value = rng.choice([0, 1, 2, 7, 8, current - 1, current + 1, current * 2, largest, rng.randrange(largest)])
    value = min(max(value, 0), largest)
    if value == current:  # e.g. IEND's length 0 doubled
        value = (current + 1) & largest
    field = value.to_bytes(part.length_size, "big")
    return seed.data[: part.length_at] + field + seed.data[part.length_at + part.length_size :]


def duplicate_segment(seed: Seed, rng: random.Random) -> bytes:
    """A segment, chunk or box repeated right after itself, once to a few thousand times."""
    part = rng.choice(structure(seed))
    piece = seed.data[part.start : part.end]
    copies = min(rng.choice([1, 2, 16, 5000]), max(1, MAX_MUTANT_BYTES // max(1, len(piece))))
    return seed.data[: part.end] + piece * copies + seed.data[part.end :]


HUGE_SIZES = [(65535, 65535), (11000, 11000), (65535, 1), (1, 65535), (0, 0), (0x7FFFFFFF, 0x7FFFFFFF), (20000, 9000)]


def huge_dimensions(seed: Seed, rng: random.Random) -> bytes:
    """Declared picture size set to more pixels than the limit (or none): JPEG SOF, PNG IHDR, HEIF ispe,
    MP4 tkhd and visual sample entry. A decoder that believed it would allocate gigabytes."""
    width, height = rng.choice(HUGE_SIZES)
    data = bytearray(seed.data)
    for part in structure(seed):
        if seed.format == JPEG and part.type[0] in range(0xC0, 0xD0) and part.type[0] not in (0xC4, 0xC8, 0xCC):
            data[part.start + 5 : part.start + 9] = struct.pack(">HH", min(height, 65535), min(width, 65535))
        elif part.type == b"IHDR":
            header = struct.pack(">II", width, height) + bytes(data[part.start + 16 : part.start + 21])
            data[part.start : part.end] = png_chunk(b"IHDR", header)
        elif part.type == b"ispe":
            data[part.start + 12 : part.start + 20] = struct.pack(">II", width, height)
        elif part.type == b"tkhd":
            data[part.end - 8 : part.end] = struct.pack(">II", (width & 0xFFFF) << 16, (height & 0xFFFF) << 16)
        elif part.type in (b"avc1", b"hvc1", b"hev1", b"mp4v", b"jpeg", b"s263"):
            data[part.start + 32 : part.start + 36] = struct.pack(">HH", width & 0xFFFF, height & 0xFFFF)
    return bytes(data)


def zlib_bomb(seed: Seed, rng: random.Random) -> bytes:
    """A PNG whose small zlib streams inflate to hundreds of megabytes: pixels over the limit, pixels
    just under it, or an XMP / EXIF text chunk (the metadata walker inflates those itself)."""
    chunks = png_chunks(seed.data)
    ihdr = next(p for p in chunks if p.type == b"IHDR")
    variant = rng.choice(["over_limit", "under_limit", "text", "text"])
    if variant == "text":
        keyword = rng.choice([b"XML:com.adobe.xmp", b"Raw profile type exif"])
        packet = zlib.compress(b"<x:xmpmeta " + b" " * (64 << 20), 9)
        if rng.random() < 0.5:
            text = png_chunk(b"zTXt", keyword + b"\x00\x00" + packet)
        else:
            text = png_chunk(b"iTXt", keyword + b"\x00\x01\x00\x00\x00" + packet)
        return seed.data[: ihdr.end] + text + seed.data[ihdr.end :]
    side = 12_000 if variant == "over_limit" else 8_000  # 144 MP over, 64 MP under the default 120 MP limit
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))  # 8-bit grey
    squeeze = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte + pixels
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    return seed.data[:8] + header + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


NEST_TYPES = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"meta", b"iprp", b"ipco"]


def nested_boxes(seed: Seed, rng: random.Random) -> bytes:
    """A box nested 16 to 100,000 levels deep: the file's moov (or meta) wrapped in containers, or a
    separate chain of containers put before it."""
    depth = rng.choice([16, 300, 5000, 100_000])
    kinds = [rng.choice(NEST_TYPES) if rng.random() < 0.5 else b"moov" for _ in range(depth)]
    top = [p for p in bmff_boxes(seed.data) if p.type in (b"moov", b"meta") and p.start in _top_level(seed.data)]
    target = rng.choice(top) if top and rng.random() < 0.6 else None
    inner = seed.data[target.start : target.end] if target else _box(b"free", b"")
    headers = b"".join(struct.pack(">I4s", 8 * (depth - i) + len(inner), kind) for i, kind in enumerate(kinds))
    if target:
        return seed.data[: target.start] + headers + inner + seed.data[target.end :]
    after_ftyp = bmff_boxes(seed.data)[0].end
    return seed.data[:after_ftyp] + headers + inner + seed.data[after_ftyp:]


def _top_level(data: bytes) -> set[int]:
    starts, pos = set(), 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 8:
            break
        starts.add(pos)
        pos += size
    return starts


@dataclass(frozen=True)
class Mutation:
    mutate: Callable[[Seed, random.Random], bytes]
    formats: tuple[str, ...]


MUTATIONS: dict[str, Mutation] = {
    "bit_flip": Mutation(bit_flip, ALL),
    "truncate": Mutation(truncate, ALL),
    "zero_range": Mutation(zero_range, ALL),
    "length_field": Mutation(length_field, ALL),
    "duplicate_segment": Mutation(duplicate_segment, ALL),
    "huge_dimensions": Mutation(huge_dimensions, ALL),
    "zlib_bomb": Mutation(zlib_bomb, (PNG,)),
    "nested_boxes": Mutation(nested_boxes, BMFF),
}


# --- seeds and mutants -----------------------------------------------------------------------


def load_seeds(sample_media: Path = SAMPLE_MEDIA) -> list[Seed]:
    """Every media file under sample_media (by content), then PNG copies of PNG_FROM."""
    seeds = []
    for path in sorted(p for p in sample_media.rglob("*") if p.is_file()):
        data = path.read_bytes()
        fmt = _format_of(data)
        if fmt is not None:
            seeds.append(Seed(path.relative_to(sample_media).as_posix(), data, fmt))
    for name in PNG_FROM:
        seeds.append(Seed(f"{name}.png", _as_png((sample_media / name).read_bytes()), PNG))
    return seeds


def _format_of(data: bytes) -> str | None:
    try:
        probe = probe_bytes(data[:4096])
    except MediaScreenError:
        return None
    if probe.format_name in ("MP4", "MOV", "3GP", "3G2", "M4V"):
        return VIDEO
    return {MediaType.JPEG: JPEG, MediaType.PNG: PNG, MediaType.HEIF: HEIF}.get(probe.media_type)


def _as_png(jpeg: bytes) -> bytes:
    """The picture as PNG with its EXIF (eXIf chunk) and an XMP iTXt chunk holding a GPS position."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        buffer = io.BytesIO()
        image.save(buffer, "PNG", exif=image.getexif())
    data = buffer.getvalue()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="43,12.5N" '
           b'exif:GPSLongitude="71,32.1W"/></rdf:RDF></x:xmpmeta>')
    itxt = png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)
    return data[:33] + itxt + data[33:]  # after the signature and IHDR


@dataclass(frozen=True)
class Mutant:
    index: int
    kind: str
    seed: str
    path: Path
    sha256: str


def write_mutants(seeds: list[Seed], count: int, seed: int, folder: Path) -> list[Mutant]:
    """`count` mutants, kinds in turn; file i depends only on (seed, i)."""
    folder.mkdir(parents=True, exist_ok=True)
    mutants = []
    kinds = list(MUTATIONS)
    for index in range(count):
        kind = kinds[index % len(kinds)]
        rng = random.Random(f"{seed}:{index}")
        source = rng.choice([s for s in seeds if s.format in MUTATIONS[kind].formats])
        data = MUTATIONS[kind].mutate(source, rng)
        suffix = Path(source.name).suffix
        path = folder / f"{index:05d}_{kind}_{Path(source.name).stem}{suffix}"
        path.write_bytes(data)
        mutants.append(Mutant(index, kind, source.name, path, hashlib.sha256(data).hexdigest()))
    return mutants


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# --- the reference decode (Pillow for stills, PyAV for video) ----------------------------------


def _oracle_limits() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ORACLE_MEMORY, ORACLE_MEMORY))


def reference_decode(path: str, is_video: bool, max_pixels: int) -> str | None:
    """Why Pillow / PyAV cannot decode the file in full, or None when they can."""
    try:
        return _decode_video(path) if is_video else _decode_still(path, max_pixels)
    except Exception as exc:  # noqa: BLE001 - any failure of the reference decoders is the answer
        return f"{type(exc).__name__}: {exc}"[:200]


def _decode_still(path: str, max_pixels: int) -> str | None:
    import warnings

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                return f"declares {image.width}x{image.height} pixels, over the limit"
            image.load()
    return None


def _decode_video(path: str) -> str | None:
    import av

    with av.open(path, metadata_errors="replace") as container:
        streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
        if not streams:
            return "no video stream"
        frames = sum(1 for _ in container.decode(streams[0]))
    return None if frames else "no frame decodes"


def reference_decodes(mutants: list[Mutant], formats: dict[str, str], max_pixels: int) -> dict[int, str]:
    """index -> why the reference decoders fail, for the mutants they cannot decode (in a child process
    with a memory cap; one that runs out of time is restarted and the file counts as not decodable)."""
    failures: dict[int, str] = {}
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(1, initializer=_oracle_limits)
    try:
        for mutant in mutants:
            pending = pool.apply_async(reference_decode, (str(mutant.path), formats[mutant.seed] == VIDEO, max_pixels))
            try:
                why = pending.get(ORACLE_SECONDS)
            except multiprocessing.TimeoutError:
                why = f"reference decode took over {ORACLE_SECONDS} s"
                pool.terminate()
                pool = context.Pool(1, initializer=_oracle_limits)
            except Exception as exc:  # noqa: BLE001 - the child died (memory cap)
                why = f"reference decoder died: {type(exc).__name__}"
            if why is not None:
                failures[mutant.index] = why
    finally:
        pool.terminate()
    return failures


# --- the scan and the checks -----------------------------------------------------------------


def scan_command(folder: Path, jobs: int, timeout: float, detectors: str | None) -> list[str]:
    script = Path(sys.executable).with_name("media-screen")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "media_screen"]
    command += ["scan", str(folder), "--format", "json", "--no-cache", "-q", "-j", str(jobs),
                "--file-timeout", f"{timeout:g}"]
    return command + (["--detectors", detectors] if detectors else [])


PYTHON_WARNING = re.compile(r"^.*\b\w*Warning: .*$", re.MULTILINE)


def error_kind(message: str) -> str:
    """An error message without its particulars: 'image data cannot be decoded', 'analysis failed: KeyError'."""
    if message.startswith("analysis failed:"):
        return "analysis failed: " + message.split(":")[1].strip()
    head = re.split(r"[:(;]", message, maxsplit=1)[0]
    return re.sub(r"\d[\d,.]*", "N", head).strip()


def check(mutants, report, stderr, exit_code, undecodable, hashes_after, timeout) -> list[tuple[str, str, str]]:
    """(violation kind, file, detail) for every promise the scan broke."""
    violations = []
    if "Traceback" in stderr:
        violations.append(("traceback on stderr", "-", stderr[stderr.index("Traceback") :][:300]))
    for warning in sorted(set(PYTHON_WARNING.findall(stderr))):
        violations.append(("library warning on stderr", "-", warning[:200]))
    if exit_code not in (0, 1, 3):
        violations.append(("unexpected exit code", "-", str(exit_code)))
    by_path = collections.defaultdict(list)
    for entry in (report or {}).get("files", []):
        by_path[entry["path"]].append(entry)
    hard = hard_time_limit(timeout)
    for mutant in mutants:
        name = mutant.path.name
        if hashes_after.get(mutant.index) != mutant.sha256:
            violations.append(("input changed", name, "sha256 differs after the scan"))
        entries = by_path.get(str(mutant.path), [])
        if len(entries) != 1:
            violations.append(("missing from report", name, f"{len(entries)} entries"))
            continue
        entry = entries[0]
        verdict, error = entry["verdict"], entry.get("error") or ""
        if mutant.index in undecodable and verdict != "ERROR":
            violations.append(("undecodable but not ERROR", name, f"{verdict}; reference: {undecodable[mutant.index]}"))
        total = (entry.get("timings_s") or {}).get("total", 0.0)
        if total > hard or (total > timeout and verdict != "ERROR"):
            violations.append(("time bound not held", name, f"{total:.1f} s, {verdict}"))
        if error.startswith("analysis failed:") or "crashed the worker" in error or "Traceback" in error:
            violations.append(("unexpected exception", name, error[:200]))
        if entry.get("sha256") not in (None, mutant.sha256):
            violations.append(("report hashes another content", name, entry["sha256"]))
    return violations


def count_line(counter: collections.Counter) -> str:
    return ", ".join(f"{key} {value}" for key, value in counter.most_common()) or "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="mutants to write and scan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", "-j", type=int, default=1, help="scan worker processes")
    parser.add_argument("--file-timeout", type=float, default=20.0, help="seconds allowed per file")
    parser.add_argument("--detectors", default=None, help="passed to scan (default: every default detector)")
    parser.add_argument("--sample-media", type=Path, default=SAMPLE_MEDIA)
    parser.add_argument("--keep", action="store_true", help="keep the mutants' folder even without a violation")
    args = parser.parse_args(argv)

    profile = load_profile()
    sample_before = tree_digest(args.sample_media)
    seeds = load_seeds(args.sample_media)
    workdir = Path(tempfile.mkdtemp(prefix="media-screen-fuzz-"))
    folder = workdir / "mutants"
    mutants = write_mutants(seeds, args.count, args.seed, folder)
    formats = {s.name: s.format for s in seeds}
    corpus = hashlib.sha256("".join(m.sha256 for m in mutants).encode()).hexdigest()
    command = scan_command(folder, args.jobs, args.file_timeout, args.detectors)
    print(f"fuzz campaign: seed {args.seed}, {len(mutants)} files from {len(seeds)} seeds "
          f"({len(seeds) - len(PNG_FROM)} sample media files + {len(PNG_FROM)} PNG copies), corpus sha256 {corpus[:16]}")
    print(f"mutants in {folder}")
    print(f"command: {' '.join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))}")

    started = time.monotonic()
    undecodable = reference_decodes(mutants, formats, profile.max_image_pixels)
    oracle_s = time.monotonic() - started
    started = time.monotonic()
    home = workdir / "home"
    env = dict(os.environ, MEDIA_SCREEN_CACHE_DIR=str(home / "cache"), MEDIA_SCREEN_DATA_DIR=str(home / "data"))
    done = subprocess.run(command, capture_output=True, text=True, env=env, errors="replace")
    scan_s = time.monotonic() - started
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = None
    hashes_after = {m.index: hashlib.sha256(m.path.read_bytes()).hexdigest() for m in mutants if m.path.exists()}
    violations = check(mutants, report, done.stderr, done.returncode, undecodable, hashes_after, args.file_timeout)
    if report is None:
        violations.append(("no JSON report", "-", done.stdout[:200]))
    if tree_digest(args.sample_media) != sample_before:
        violations.append(("input changed", "sample_media", "the sample media changed during the campaign"))

    entries = (report or {}).get("files", [])
    verdict_of = {e["path"]: e["verdict"] for e in entries}
    totals = [(e.get("timings_s") or {}).get("total", 0.0) for e in entries]
    stderr_lines = [line for line in done.stderr.splitlines() if line.strip()]
    print(f"scan: exit {done.returncode} after {scan_s:.0f} s ({scan_s / max(1, len(mutants)):.2f} s per file); "
          f"reference decodes {oracle_s:.0f} s; stderr {len(stderr_lines)} line(s)")
    print(f"files per mutation kind: {count_line(collections.Counter(m.kind for m in mutants))}")
    print(f"files per seed format: {count_line(collections.Counter(formats[m.seed] for m in mutants))}")
    print(f"verdicts: {count_line(collections.Counter(e['verdict'] for e in entries))}")
    print("per kind (files / ERROR / Pillow-PyAV cannot decode):")
    for kind in MUTATIONS:
        of_kind = [m for m in mutants if m.kind == kind]
        errors = sum(verdict_of.get(str(m.path)) == "ERROR" for m in of_kind)
        broken = sum(m.index in undecodable for m in of_kind)
        print(f"  {kind:<18} {len(of_kind):>5} {errors:>6} {broken:>6}")
    print("errors by kind:")
    for kind, number in collections.Counter(error_kind(e["error"]) for e in entries if e.get("error")).most_common():
        print(f"  {number:>5}  {kind}")
    print(f"slowest file {max(totals, default=0.0):.1f} s (bound {args.file_timeout:g} s, hard "
          f"{hard_time_limit(args.file_timeout):g} s)")
    for line in collections.Counter(stderr_lines).most_common(5):
        print(f"stderr: {line[1]} x {line[0][:160]}")
    print(f"violations: {len(violations)}" + (f" ({count_line(collections.Counter(v[0] for v in violations))})"
                                              if violations else ""))
    for kind, name, detail in violations[:50]:
        print(f"  {kind}: {name}: {detail}")
    if violations or args.keep:
        print(f"mutants kept in {folder}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
