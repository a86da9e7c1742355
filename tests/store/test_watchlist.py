"""The protected-faces watchlist: encrypted, 0600, atomic, and it tells a wrong passphrase from a damaged file."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from media_screen.errors import WatchlistError, WatchlistPassphraseError
from media_screen.store import watchlist as store

SECRET = b"correct horse battery staple"


def _vectors(seed: int, rows: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, 128)).astype(np.float32)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "team" / "watchlist.bin"
    watchlist = store.Watchlist("model-x").with_person("Officer Jane Roe", _vectors(1))
    store.save(watchlist, path, SECRET)
    return path, watchlist


def test_round_trip_keeps_names_and_embeddings_exactly(saved):
    path, watchlist = saved
    loaded = store.load(path, SECRET)
    assert loaded.model == "model-x"
    assert loaded.names() == ("Officer Jane Roe",)
    np.testing.assert_array_equal(loaded.people[0].embeddings, watchlist.people[0].embeddings)


def test_file_is_0600_and_holds_neither_name_nor_embedding_in_clear(saved):
    path, watchlist = saved
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = path.read_bytes()
    assert b"Jane" not in data and b"Roe" not in data
    assert watchlist.people[0].embeddings.tobytes()[:16] not in data
    assert data.startswith(store.MAGIC)


def test_rewrite_is_atomic_and_stays_0600(saved):
    path, watchlist = saved
    store.save(watchlist.with_person("Det. Max Doe", _vectors(2)), path, SECRET)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["watchlist.bin"]  # no temporary file left
    assert store.load(path, SECRET).names() == ("Officer Jane Roe", "Det. Max Doe")


def test_each_write_uses_a_fresh_salt_and_nonce(saved):
    path, watchlist = saved
    first = path.read_bytes()
    store.save(watchlist, path, SECRET)
    assert path.read_bytes() != first


@pytest.mark.parametrize(
    "given, when_loading_with, then",
    [
        ("wrong passphrase", b"guess", "does not open with this passphrase"),
        ("no passphrase", None, "is encrypted"),
    ],
)
def test_passphrase_problems_are_named(saved, given, when_loading_with, then):
    path, _ = saved
    with pytest.raises(WatchlistPassphraseError, match=then):
        store.load(path, when_loading_with)


def test_altered_header_or_ciphertext_does_not_open(saved):
    path, _ = saved
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    path.write_bytes(header.replace(b"model-x", b"model-y") + b"\n" + body)
    with pytest.raises(WatchlistPassphraseError, match="altered"):
        store.load(path, SECRET)
    flipped = bytearray(data)
    flipped[-1] ^= 1
    path.write_bytes(bytes(flipped))
    with pytest.raises(WatchlistPassphraseError):
        store.load(path, SECRET)


@pytest.mark.parametrize("content", [b"", b"hello\n", b"media-screen watchlist {not json}\nxx", b"\x00" * 64])
def test_not_a_watchlist_is_a_clear_error(tmp_path, content):
    path = tmp_path / "watchlist.bin"
    path.write_bytes(content)
    with pytest.raises(WatchlistError, match="not a media-screen watchlist"):
        store.load(path, SECRET)


def test_hostile_kdf_parameters_are_refused_before_any_work(saved):
    path, _ = saved
    header, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(header.replace(b'"n": 32768', b'"n": 1073741824') + b"\n" + body)
    with pytest.raises(WatchlistError, match="not a media-screen watchlist"):
        store.load(path, SECRET)


def test_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(WatchlistError, match="protect enroll"):
        store.load(tmp_path / "absent.bin", SECRET)


def test_saving_without_passphrase_is_refused(tmp_path):
    with pytest.raises(WatchlistPassphraseError):
        store.save(store.Watchlist("m"), tmp_path / "w.bin", b"")
    assert not (tmp_path / "w.bin").exists()


def test_enrol_again_adds_embeddings_and_remove_drops_the_person():
    watchlist = store.Watchlist("m").with_person("Jane Roe", _vectors(1, 3))
    watchlist = watchlist.with_person("jane roe", _vectors(2, 2))  # same person, any case
    assert watchlist.names() == ("Jane Roe",)
    assert watchlist.people[0].embeddings.shape == (5, 128)
    assert watchlist.without("JANE ROE").people == ()
    with pytest.raises(WatchlistError, match="no one named"):
        watchlist.without("Nobody")


def test_names_lose_control_characters_and_blank_names_are_refused():
    watchlist = store.Watchlist("m").with_person("Jane\x1b[31m  Roe\n", _vectors(1))
    assert watchlist.names() == ("Jane[31m Roe",)
    with pytest.raises(WatchlistError, match="needs a name"):
        store.Watchlist("m").with_person(" \t", _vectors(1))
