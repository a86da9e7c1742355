"""Text fields of any container as facts, and places written as text checked against the sensitive places.

Every reader turns the free-text fields it finds (IPTC IIM, XMP in any namespace, PNG text
chunks, EXIF ASCII tags, QuickTime user data) into TEXT facts, and the fields that name a
place (city, sub-location, state, country, a street address) into PLACE_TEXT facts; the
policy runs the department's text rules over both. `place_facts` then resolves place text
offline: a street address equal to a sensitive place's street line, or a place name that
resolves to exactly one GeoNames place inside a sensitive place's radius, becomes a
PLACE_SENSITIVE fact.
"""

from __future__ import annotations

import re
from typing import Iterable

from media_screen.config import Profile, SensitivePlace
from media_screen.model import FactKind, MetadataFact
from media_screen.sanitize import clean_text

FIELD_TEXT_LIMIT = 2000  # characters kept of one text field: enough for a caption, bounded for a hostile one

# Street-type words as written in addresses -> one spelling, so "1350 Galindo Street" equals "1350 Galindo St".
_STREET_TYPES = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "BOULEVARD": "BLVD", "DRIVE": "DR",
    "LANE": "LN", "COURT": "CT", "PLACE": "PL", "HIGHWAY": "HWY", "PARKWAY": "PKWY", "CIRCLE": "CIR",
    "TERRACE": "TER", "SQUARE": "SQ", "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
}
_STREET_WORDS = "|".join(sorted({*_STREET_TYPES, *_STREET_TYPES.values()} - {"N", "S", "E", "W"}, key=len, reverse=True))
STREET_ADDRESS = re.compile(rf"\b\d{{1,6}}[A-Z]?\s+(?:[A-Z0-9][\w'.-]*\s+){{1,4}}(?:{_STREET_WORDS})\b\.?", re.IGNORECASE)

# Fields whose text is a place name that may resolve to a GeoNames place, by the key the readers give them.
_CITY_KEYS = re.compile(r"(?:^|[\s:/])(?:City|CiAdrCity|Sub-location|Sublocation|ContentLocationName)$", re.IGNORECASE)
_REGION_KEYS = re.compile(r"(?:^|[\s:/])(?:Province-State|State|ProvinceState|CiAdrRegion)$", re.IGNORECASE)
_COUNTRY_KEYS = re.compile(
    r"(?:^|[\s:/])(?:Country|CountryName|CountryCode|Country-PrimaryLocationName|Country-PrimaryLocationCode|CiAdrCtry)$",
    re.IGNORECASE,
)

_US_STATES = {  # GeoNames admin1 -> postal code, as IPTC Province-State is often written
    "Alabama": "al", "Alaska": "ak", "Arizona": "az", "Arkansas": "ar", "California": "ca", "Colorado": "co",
    "Connecticut": "ct", "Delaware": "de", "Florida": "fl", "Georgia": "ga", "Hawaii": "hi", "Idaho": "id",
    "Illinois": "il", "Indiana": "in", "Iowa": "ia", "Kansas": "ks", "Kentucky": "ky", "Louisiana": "la",
    "Maine": "me", "Maryland": "md", "Massachusetts": "ma", "Michigan": "mi", "Minnesota": "mn",
    "Mississippi": "ms", "Missouri": "mo", "Montana": "mt", "Nebraska": "ne", "Nevada": "nv",
    "New Hampshire": "nh", "New Jersey": "nj", "New Mexico": "nm", "New York": "ny", "North Carolina": "nc",
    "North Dakota": "nd", "Ohio": "oh", "Oklahoma": "ok", "Oregon": "or", "Pennsylvania": "pa",
    "Rhode Island": "ri", "South Carolina": "sc", "South Dakota": "sd", "Tennessee": "tn", "Texas": "tx",
    "Utah": "ut", "Vermont": "vt", "Virginia": "va", "Washington": "wa", "West Virginia": "wv",
    "Wisconsin": "wi", "Wyoming": "wy", "Washington, D.C.": "dc",
}
_COUNTRY_NAMES = {"US": ("usa", "united states", "united states of america", "u.s.a.", "u.s.")}


def field_fact(kind: FactKind, key: str, value: object, source: str) -> MetadataFact | None:
    """A fact for one text field; a street address in a TEXT field makes it PLACE_TEXT. None when empty."""
    text = clean_text(value, FIELD_TEXT_LIMIT)
    if not text:
        return None
    if kind == FactKind.TEXT and STREET_ADDRESS.search(text):
        kind = FactKind.PLACE_TEXT
    return MetadataFact(kind, clean_text(key), text, source)


def normalized_street(text: str) -> str:
    """'1350 Galindo Street.' -> '1350 GALINDO ST': upper case, punctuation dropped, street types abbreviated."""
    words = re.sub(r"[^\w\s]", " ", text.upper()).split()
    return " ".join(_STREET_TYPES.get(w, w) for w in words)


def place_facts(facts: Iterable[MetadataFact], profile: Profile) -> tuple[MetadataFact, ...]:
    """PLACE_SENSITIVE facts for place text that is a sensitive place of the profile."""
    facts = [f for f in facts if f.kind == FactKind.PLACE_TEXT]
    if not facts or not profile.sensitive_places:
        return ()
    found = []
    for fact in facts:
        for place in profile.sensitive_places:
            if _same_street(fact.value, place):
                detail = f"{fact.key} {fact.value!r} is the address of {place.name}"
                found.append(MetadataFact(FactKind.PLACE_SENSITIVE, fact.key, detail, fact.source))
    found += _named_places(facts, profile.sensitive_places)
    return tuple(found)


def _same_street(text: str, place: SensitivePlace) -> bool:
    if not place.address:
        return False
    street = normalized_street(place.address.split(",")[0])
    written = [normalized_street(m.group(0)) for m in STREET_ADDRESS.finditer(text)]
    return street in written or normalized_street(text.split(",")[0]) == street


def _named_places(facts: list[MetadataFact], places: tuple[SensitivePlace, ...]) -> list[MetadataFact]:
    """City-like fields resolved with the state and country fields beside them; only an unambiguous one counts."""
    from media_screen.metadata.geo import distance_m, places_named

    regions = {f.value.casefold() for f in facts if _REGION_KEYS.search(f.key)}
    countries = {f.value.casefold() for f in facts if _COUNTRY_KEYS.search(f.key)}
    found = []
    for fact in facts:
        if not _CITY_KEYS.search(fact.key):
            continue
        candidates = places_named(fact.value)
        in_region = [c for c in candidates if {c.admin1.casefold(), _US_STATES.get(c.admin1, "?")} & regions]
        candidates = in_region or candidates  # a region written in a form GeoNames does not use narrows nothing
        in_country = [c for c in candidates if {c.country_code.casefold(), *_COUNTRY_NAMES.get(c.country_code, ())} & countries]
        candidates = in_country or candidates
        if len(candidates) != 1:
            continue  # unknown, or several places of that name: no position to check
        town = candidates[0]
        for place in places:
            distance = distance_m(town.lat, town.lon, place.lat, place.lon)
            if distance <= place.radius_m:
                detail = (
                    f"{fact.key} {fact.value!r} resolves to {town.label} (GeoNames), {distance:.0f} m from {place.name}"
                    f" (radius {place.radius_m:.0f} m)"
                )
                found.append(MetadataFact(FactKind.PLACE_SENSITIVE, fact.key, detail, fact.source))
    return found
