"""IPTC IIM: it finds the text datasets, clean input gives nothing, corrupt input keeps what came before and never raises."""

from __future__ import annotations

import struct

from still_builders import iptc_dataset, photoshop_app13

from media_screen.metadata.iptc import iptc_datasets, iptc_facts, iptc_from_photoshop
from media_screen.model import FactKind


def stream_of(*datasets: bytes) -> bytes:
    """The IIM stream inside an APP13 segment made by the builder (marker and length dropped)."""
    return iptc_from_photoshop(photoshop_app13(*datasets)[4:])


def test_text_datasets_become_facts_by_kind():
    # given a by-line, a contact, a city and a caption
    stream = stream_of(
        iptc_dataset(80, "Det. Jane Roe, Concord PD Narcotics"),
        iptc_dataset(118, "jroe@concordpd.org"),
        iptc_dataset(90, "Concord"),
        iptc_dataset(120, "Interview room B"),
    )
    # when read
    facts = {f.key: f for f in iptc_facts(stream, "JPEG APP13")}
    # then the by-line is an owner name, the city a place, the rest text, each named as ExifTool names them
    assert facts["IPTC By-line"].kind == FactKind.OWNER_NAME
    assert facts["IPTC By-line"].value == "Det. Jane Roe, Concord PD Narcotics"
    assert facts["IPTC City"].kind == FactKind.PLACE_TEXT
    assert facts["IPTC Contact"].kind == FactKind.TEXT and facts["IPTC Contact"].source == "JPEG APP13 IPTC Contact"
    assert facts["IPTC Caption-Abstract"].value == "Interview room B"


def test_repeated_keywords_are_one_fact_and_dates_are_not_text():
    stream = stream_of(iptc_dataset(25, "sunset"), iptc_dataset(25, "hills"), iptc_dataset(55, "20240518"))
    facts = iptc_facts(stream, "JPEG APP13")
    assert [(f.key, f.value) for f in facts] == [("IPTC Keywords", "sunset; hills")]


def test_a_street_address_in_a_text_dataset_is_a_place():
    [fact] = iptc_facts(stream_of(iptc_dataset(92, "1350 Galindo Street")), "JPEG APP13")
    assert fact.kind == FactKind.PLACE_TEXT


def test_latin1_text_without_a_utf8_declaration_is_decoded():
    stream = bytes([0x1C, 2, 80]) + struct.pack(">H", 4) + "José".encode("latin-1")
    assert [f.value for f in iptc_facts(stream, "TIFF")] == ["José"]


def test_clean_input_gives_nothing():
    assert iptc_facts(b"", "JPEG APP13") == []
    assert iptc_from_photoshop(b"Photoshop 3.0\x00") is None
    assert iptc_from_photoshop(b"Photoshop 3.0\x008BIM\x04\x0c\x00\x00\x00\x00\x00\x00") is None  # only a thumbnail


def test_a_dataset_whose_length_points_past_the_end_ends_the_walk_and_keeps_what_came_before():
    good = iptc_dataset(90, "Concord")
    lying = bytes([0x1C, 2, 120]) + struct.pack(">H", 60000) + b"short"
    assert iptc_datasets(good + lying) == [(2, 90, b"Concord")]
    extended = bytes([0x1C, 2, 120]) + struct.pack(">H", 0x8000 | 9) + b"\xff" * 9  # a 9-byte length field
    assert iptc_datasets(good + extended) == [(2, 90, b"Concord")]


def test_a_resource_whose_size_points_past_the_end_is_cut_at_the_end():
    block = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + struct.pack(">I", 10**9) + iptc_dataset(90, "Concord")
    assert iptc_facts(iptc_from_photoshop(block), "JPEG APP13")[0].value == "Concord"
