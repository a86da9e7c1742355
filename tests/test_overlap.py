"""Joining overlapping things until none overlap."""

from __future__ import annotations

from media_screen.overlap import merge_overlapping


def spans_overlap(a, b):
    return a[0] < b[1] and b[0] < a[1]


def joined(a, b):
    return (min(a[0], b[0]), max(a[1], b[1]))


def test_a_chain_of_overlaps_becomes_one_and_separate_things_stay_apart():
    # given spans where 0-10 overlaps 8-20, which overlaps 18-30 (but 0-10 and 18-30 do not), and 50-60 alone
    spans = [(0, 10), (50, 60), (18, 30), (8, 20)]
    # when merged, then the chain is one span in the first one's place and the lone span is kept
    assert merge_overlapping(spans, spans_overlap, joined) == [(0, 30), (50, 60)]
    assert spans == [(0, 10), (50, 60), (18, 30), (8, 20)]  # the input list is left as it was


def test_nothing_to_merge():
    assert merge_overlapping([], spans_overlap, joined) == []
    assert merge_overlapping([(0, 1), (1, 2)], spans_overlap, joined) == [(0, 1), (1, 2)]  # touching is not overlapping here
