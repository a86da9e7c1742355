"""Errors (media_screen/errors.py): where in a file a failure happened."""

from media_screen.errors import CorruptMediaError, StoreDamagedError, where


def test_an_error_is_prefixed_with_where_it_happened_and_keeps_its_kind():
    # given a content error from a file's second video track
    found = where(CorruptMediaError("damaged packet at 3.000 s"), "video track 2")
    # then it is the same kind of error, saying which track
    assert isinstance(found, CorruptMediaError) and str(found) == "video track 2: damaged packet at 3.000 s"


def test_an_error_built_from_other_arguments_is_given_back_unchanged():
    damaged = StoreDamagedError("cache", "/tmp/cache.sqlite", "not a database")
    assert where(damaged, "video track 2") is damaged
