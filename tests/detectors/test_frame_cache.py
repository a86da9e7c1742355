"""The per-frame cache: one computation per frame content, and one content hash per frozen frame."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from media_screen.detectors import frame_cache
from media_screen.detectors.frame_cache import FrameCache, digest, frozen


@pytest.fixture
def hashes(monkeypatch) -> list[tuple[int, ...]]:
    """The shapes of the pixels actually hashed, in order."""
    seen: list[tuple[int, ...]] = []
    real = frame_cache._content_hash

    def counted(pixels):
        seen.append(pixels.shape)
        return real(pixels)

    monkeypatch.setattr(frame_cache, "_content_hash", counted)
    return seen


def test_a_frame_two_detectors_ask_for_at_once_is_computed_once():
    # given a cache and a computation that is still running when the second detector asks
    cache, pixels = FrameCache(), np.zeros((8, 8, 3), np.uint8)
    started, release, calls = threading.Event(), threading.Event(), []

    def compute():
        calls.append(1)
        started.set()
        assert release.wait(10)
        return "lines"

    first: list[str] = []
    thread = threading.Thread(target=lambda: first.append(cache.get_or_compute("ocr", pixels, compute)))
    thread.start()
    assert started.wait(10)
    # when the second asks for the same frame, and the first computation then finishes
    waiter: list[str] = []
    second = threading.Thread(target=lambda: waiter.append(cache.get_or_compute("ocr", pixels, compute)))
    second.start()
    release.set()
    thread.join(10), second.join(10)
    # then both have the one result, computed once
    assert first == waiter == ["lines"] and calls == [1]


def test_a_failed_computation_is_not_remembered():
    cache, pixels = FrameCache(), np.zeros((8, 8, 3), np.uint8)

    def fail():
        raise RuntimeError("decoder fault")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("ocr", pixels, fail)
    assert cache.get_or_compute("ocr", pixels, lambda: "lines") == "lines"


def test_the_cache_keeps_only_the_last_frames():
    cache = FrameCache(size=2)
    frames = [np.full((4, 4, 3), value, np.uint8) for value in range(3)]
    for frame in frames:
        cache.get_or_compute("ocr", frame, lambda: "first")
    # the oldest frame was forgotten, the newest two are answered from the cache
    assert cache.get_or_compute("ocr", frames[0], lambda: "again") == "again"
    assert cache.get_or_compute("ocr", frames[2], lambda: "again") == "first"


def test_a_frozen_frame_is_hashed_once_for_every_asker(hashes):
    # given a decoded frame handed out frozen
    pixels = frozen(np.random.default_rng(0).integers(0, 255, (32, 48, 3), np.uint8))
    # when three detectors' caches ask for its key
    keys = {digest(pixels) for _ in range(3)}
    # then its content was hashed once, to the same key as a writeable copy of the same pixels
    assert len(hashes) == 1 and keys == {digest(pixels.copy())}


def test_a_writeable_frame_changed_in_place_gets_a_new_key(hashes):
    # given a frame that can still be written (redaction masks its frames in place)
    pixels = np.zeros((8, 8, 3), np.uint8)
    before = digest(pixels)
    # when it is masked and asked for again
    pixels[2:6, 2:6] = 255
    # then the key follows the content: nothing computed for the old pixels is reused
    assert digest(pixels) != before and len(hashes) == 2


def test_a_view_of_a_frozen_frame_is_hashed_for_its_own_pixels(hashes):
    pixels = frozen(np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3))
    whole = digest(pixels)
    # a view does not own its memory: it is hashed each time, by what it shows
    assert digest(pixels[:4]) != whole and digest(pixels[:4]) == digest(pixels[:4].copy())
    assert len(hashes) == 4


def test_frozen_copies_a_view_and_keeps_an_array_that_owns_its_memory():
    owner = np.zeros((4, 4, 3), np.uint8)
    # when an owning array and a view are frozen
    kept, copied = frozen(owner), frozen(np.zeros((4, 8, 3), np.uint8)[:, ::2])
    # then both own their memory and refuse writes; only the view was copied
    assert kept is owner and copied.flags.owndata
    for array in (kept, copied):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0, 0, 0] = 1


def test_a_frozen_frame_that_is_gone_is_forgotten(hashes):
    # given a frozen frame whose key was asked for
    pixels = frozen(np.ones((8, 8, 3), np.uint8))
    digest(pixels)
    key = id(pixels)
    assert key in frame_cache._known
    # when the frame is dropped and the next frame is asked about
    del pixels
    gc.collect()
    following = frozen(np.zeros((8, 8, 3), np.uint8))
    digest(following)
    # then the dropped frame's remembered key is gone, and only live frames are remembered
    assert key not in frame_cache._known or frame_cache._known[key][0]() is following
    assert all(ref() is not None for ref, _ in frame_cache._known.values())


def test_a_new_frame_at_a_freed_address_is_hashed_for_its_own_pixels(hashes, monkeypatch):
    # given a frozen frame whose key is remembered, and which is then dropped while its address is reused
    first = frozen(np.ones((8, 8, 3), np.uint8))
    key = digest(first)
    second = frozen(np.zeros((8, 8, 3), np.uint8))
    monkeypatch.setitem(frame_cache._known, id(second), frame_cache._known[id(first)])  # as if at first's address
    # when the new frame is asked about, then it gets the key of its own pixels, not the dropped frame's
    assert digest(second) != key and digest(second) == digest(second.copy())
