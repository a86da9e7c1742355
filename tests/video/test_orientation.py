"""Reading a frame's side data (media_screen/video/orientation.py) whichever way the installed PyAV hands it out."""

from __future__ import annotations

from types import SimpleNamespace

from media_screen.video.orientation import side_data


class _Entry:
    buffer_size = 36

    def __init__(self, kind: str) -> None:
        self.type = kind


class _Mapping(dict):
    """PyAV 18.1.1: a mapping from each entry's type to the entry; iterating gives the types."""


def test_side_data_entries_come_out_of_a_sequence_as_pyav_18_1_0_gives_them():
    entries = [_Entry("DISPLAYMATRIX"), _Entry("SEI_UNREGISTERED")]
    assert list(side_data(SimpleNamespace(side_data=entries))) == entries


def test_side_data_entries_come_out_of_a_mapping_as_pyav_18_1_1_gives_them():
    entries = [_Entry("DISPLAYMATRIX"), _Entry("SEI_UNREGISTERED")]
    mapping = _Mapping({entry.type: entry for entry in entries})
    assert list(side_data(SimpleNamespace(side_data=mapping))) == entries
