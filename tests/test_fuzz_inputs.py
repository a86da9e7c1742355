"""bench/fuzz_inputs.py keeps working: its mutants are deterministic, its checks catch what they should,
and a short campaign through the real CLI passes."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fuzz():
    sys.path.insert(0, str(REPO / "bench"))  # importable by name: its reference decoder runs in a spawned child
    try:
        yield importlib.import_module("fuzz_inputs")
    finally:
        sys.path.remove(str(REPO / "bench"))


def test_same_seed_writes_the_same_mutants_and_every_kind(fuzz, tmp_path):
    # given the sample media as seeds
    seeds = fuzz.load_seeds()
    # when the same seed writes mutants twice
    first = fuzz.write_mutants(seeds, 2 * len(fuzz.MUTATIONS), 3, (tmp_path / "a").resolve())
    second = fuzz.write_mutants(seeds, 2 * len(fuzz.MUTATIONS), 3, (tmp_path / "b").resolve())
    # then the bytes are the same, each kind is used, and each file's bytes match the recorded hash
    assert [m.sha256 for m in first] == [m.sha256 for m in second]
    assert {m.kind for m in first} == set(fuzz.MUTATIONS)
    for mutant in first:
        assert hashlib.sha256(mutant.path.read_bytes()).hexdigest() == mutant.sha256


def test_every_mutation_changes_its_seed_and_applies_to_the_formats_it_names(fuzz):
    # given each seed and each mutation kind that names its format
    seeds = fuzz.load_seeds()
    for kind, mutation in fuzz.MUTATIONS.items():
        for seed in (s for s in seeds if s.format in mutation.formats):
            # when it mutates the seed
            data = mutation.mutate(seed, fuzz.random.Random(f"{kind}:{seed.name}"))
            # then the result differs from the seed (and no exception was raised)
            assert data != seed.data, (kind, seed.name)


def _entry(path, verdict="CLEAR", error=None, total=0.5, sha256=None):
    return {"path": str(path), "verdict": verdict, "error": error, "sha256": sha256, "timings_s": {"total": total}}


@pytest.mark.parametrize(
    "entry_changes, undecodable, stderr, expected",
    [
        ({}, {}, "", []),
        ({}, {0: "truncated"}, "", ["undecodable but not ERROR"]),
        ({"verdict": "ERROR", "error": "image data cannot be decoded"}, {0: "truncated"}, "", []),
        ({"total": 25.0}, {}, "", ["time bound not held"]),
        ({"verdict": "ERROR", "error": "analysis failed: KeyError: 3"}, {}, "", ["unexpected exception"]),
        ({}, {}, "Traceback (most recent call last):\n", ["traceback on stderr"]),
        ({}, {}, "/x/PIL/TiffImagePlugin.py:946: UserWarning: Tag data larger than file.\n", ["library warning on stderr"]),
        ({"path": "elsewhere.jpg"}, {}, "", ["missing from report"]),
    ],
)
def test_check_names_each_broken_promise(fuzz, tmp_path, entry_changes, undecodable, stderr, expected):
    # given one mutant and a scan report about it
    mutant = fuzz.Mutant(0, "bit_flip", "x.jpg", tmp_path / "00000_bit_flip_x.jpg", "ab" * 32)
    entry = _entry(**{"path": mutant.path, **entry_changes})
    # when the campaign checks the report
    violations = fuzz.check([mutant], {"files": [entry]}, stderr, 3, undecodable, {0: mutant.sha256}, 20.0)
    # then exactly the expected promises are broken
    assert [kind for kind, _, _ in violations] == expected


def test_check_notices_a_changed_input(fuzz, tmp_path):
    mutant = fuzz.Mutant(0, "truncate", "x.jpg", tmp_path / "00000_truncate_x.jpg", "ab" * 32)
    violations = fuzz.check([mutant], {"files": [_entry(mutant.path)]}, "", 0, {}, {0: "cd" * 32}, 20.0)
    assert [kind for kind, _, _ in violations] == ["input changed"]


def test_a_short_campaign_through_the_cli_passes(fuzz, capsys):
    # given the sample media / when 24 mutants (3 of each kind) are scanned by the CLI with a pixel detector
    code = fuzz.main(["--count", "24", "--seed", "11", "--detectors", "faces"])
    # then no promise is broken, and the counts are printed
    out = capsys.readouterr().out
    assert code == 0, out
    assert "violations: 0" in out and "files per mutation kind: " in out
