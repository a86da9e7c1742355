"""Places written as text: street addresses matched against the profile's addresses, place names resolved offline."""

from __future__ import annotations

import dataclasses

from media_screen.config import SensitivePlace
from media_screen.metadata.text_fields import field_fact, normalized_street, place_facts
from media_screen.model import FactKind, MetadataFact


def place(key: str, value: str) -> MetadataFact:
    return MetadataFact(FactKind.PLACE_TEXT, key, value, f"test {key}")


def test_street_spellings_normalise_to_one():
    assert normalized_street("1350 Galindo Street.") == normalized_street("1350 GALINDO ST") == "1350 GALINDO ST"


def test_a_street_address_equal_to_a_sensitive_address_is_sensitive(profile):
    # given XMP Location naming the headquarters' street line in another spelling
    facts = [place("Iptc4xmpCore:Location", "1350 Galindo Street, Concord")]
    # when checked against the default profile
    [hit] = place_facts(facts, profile)
    # then it is a sensitive place, named
    assert hit.kind == FactKind.PLACE_SENSITIVE and "Concord Police Department headquarters" in hit.value


def test_another_number_on_the_same_street_is_not_sensitive(profile):
    assert place_facts([place("Iptc4xmpCore:Location", "1351 Galindo St")], profile) == ()


def test_a_city_that_resolves_to_one_place_inside_a_radius_is_sensitive(profile):
    # given IPTC City "Concord" and Province-State "NH": one GeoNames place, 217 m from the NH station
    facts = [place("IPTC City", "Concord"), place("IPTC Province-State", "NH")]
    [hit] = place_facts(facts, profile)
    assert "Concord, New Hampshire, US" in hit.value and "Concord NH" in hit.value


def test_an_ambiguous_city_is_not_resolved(profile):
    # given "Concord" alone: ten GeoNames places of that name, so no position to check
    assert place_facts([place("IPTC City", "Concord")], profile) == ()


def test_a_city_far_from_every_sensitive_place_is_not_sensitive(profile):
    # Concord CA's GeoNames point is 365 m from headquarters, outside its 250 m radius
    assert place_facts([place("photoshop:City", "Concord"), place("photoshop:State", "California")], profile) == ()


def test_without_sensitive_places_nothing_is_looked_up(profile):
    bare = dataclasses.replace(profile, sensitive_places=())
    assert place_facts([place("IPTC City", "Concord"), place("IPTC Province-State", "NH")], bare) == ()


def test_a_place_without_address_matches_no_street(profile):
    only_point = dataclasses.replace(profile, sensitive_places=(SensitivePlace("Post", 37.9, -122.0, 100),))
    assert place_facts([place("Iptc4xmpCore:Location", "1350 Galindo St")], only_point) == ()


def test_a_text_field_with_a_street_address_becomes_a_place_and_empty_text_no_fact():
    assert field_fact(FactKind.TEXT, "Comment", "meet at 35 Green St.", "PNG").kind == FactKind.PLACE_TEXT
    assert field_fact(FactKind.TEXT, "Comment", "Sunset, 7 pm", "PNG").kind == FactKind.TEXT
    assert field_fact(FactKind.TEXT, "Comment", " \x00\u202e ", "PNG") is None
