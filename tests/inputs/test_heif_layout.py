"""A HEIC is whole when every item's data, as its item location box places it, lies inside the file."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from media_screen.errors import CorruptMediaError
from media_screen.inputs.heif_layout import item_extents, layout_problem
from media_screen.inputs.still import verify_still
from media_screen.inputs.source import Source

SAMPLE = Path(__file__).resolve().parents[2] / "sample_media" / "metadata" / "gps.heic"


def test_the_sample_heic_is_whole():
    assert layout_problem(open(SAMPLE, "rb"), SAMPLE.stat().st_size) is None


def test_a_truncated_heic_is_found_without_decoding_it(tmp_path):
    # given the sample HEIC without its last 16 bytes (the end of the coded picture)
    cut = tmp_path / "cut.heic"
    cut.write_bytes(SAMPLE.read_bytes()[:-16])
    # then the layout says which item runs past the end, and the metadata sweep's check is an error
    assert "past the end of the file" in layout_problem(open(cut, "rb"), cut.stat().st_size)
    with pytest.raises(CorruptMediaError):
        verify_still(Source.open(cut), 100_000_000)


def test_a_photo_sized_heic_cut_short_is_incomplete_for_the_metadata_sweep(tmp_path):
    # given a 320 x 256 HEIC written by pillow-heif, without its last 200 bytes
    import numpy as np
    from PIL import Image

    from media_screen.inputs.still import register_heif

    register_heif()
    whole = tmp_path / "whole.heic"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 320, 3), dtype=np.uint8)).save(whole, format="HEIF")
    cut = tmp_path / "cut.heic"
    cut.write_bytes(whole.read_bytes()[:-200])
    # then the whole file passes and the cut one is reported incomplete, naming the item
    assert verify_still(Source.open(whole), 100_000_000).width == 320
    with pytest.raises(CorruptMediaError, match="incomplete: item 1: its data runs to byte"):
        verify_still(Source.open(cut), 100_000_000)


def test_a_whole_heic_passes_the_metadata_sweeps_check():
    assert verify_still(Source.open(SAMPLE), 100_000_000).width > 0


def test_version_1_extents_with_base_offsets_and_construction_methods():
    # given an iloc (version 1): 4-byte offsets and lengths, 4-byte base offsets, no index;
    # item 1 in the file (method 0) at base 1000 + 8, 100 bytes; item 2 in idat (method 1) at 0, 16 bytes
    payload = bytes([1, 0, 0, 0]) + bytes([0x44, 0x40]) + struct.pack(">H", 2)
    payload += struct.pack(">HHHIH", 1, 0, 0, 1000, 1) + struct.pack(">II", 8, 100)
    payload += struct.pack(">HHHIH", 2, 1, 0, 0, 1) + struct.pack(">II", 0, 16)
    # when read, then each extent has its item, method, absolute offset and length
    assert item_extents(payload) == [(1, 0, 1008, 100), (2, 1, 0, 16)]


def test_an_iloc_that_ends_early_is_a_problem_not_a_crash():
    payload = bytes([1, 0, 0, 0, 0x44, 0x40]) + struct.pack(">H", 3)  # three items promised, none there
    with pytest.raises(ValueError):
        item_extents(payload)
