"""GPS readings -> Location: validity checks, offline reverse geocoding, sensitive places."""

from __future__ import annotations

import pytest

from media_screen.metadata.geo import GpsReading, distance_m, locate, nearest_place
from media_screen.model import FactKind

HQ = (37.97475, -122.03036)  # Concord PD headquarters, a sensitive place of the default profile


@pytest.mark.parametrize(
    "lat, lon, problem",
    [
        (0.0, 0.0, "0/0"),
        (91.0, 10.0, "out of range"),
        (10.0, -180.5, "out of range"),
        (None, 10.0, "missing"),
        (float("nan"), 10.0, "not numbers"),
    ],
)
def test_invalid_readings_are_facts_not_locations(profile, lat, lon, problem):
    # given a reading that is not a usable position
    reading = GpsReading(lat, lon, "EXIF GPS IFD")
    # when it is located
    location, invalid = locate([reading], profile)
    # then there is no location, and one GPS_INVALID fact says why and where it came from
    assert location is None
    assert [(f.kind, f.source) for f in invalid] == [(FactKind.GPS_INVALID, "EXIF GPS IFD")]
    assert problem in invalid[0].value


def test_a_readers_own_problem_is_kept(profile):
    reading = GpsReading(None, None, "EXIF GPS IFD", problem="GPS coordinates are 0/0 rationals (undefined)")
    _, invalid = locate([reading], profile)
    assert invalid[0].value == "GPS coordinates are 0/0 rationals (undefined)"


def test_a_valid_reading_wins_over_an_invalid_one(profile):
    # given an empty EXIF GPS block and a good XMP position
    readings = [GpsReading(None, None, "EXIF GPS IFD"), GpsReading(48.8887, 21.0433, "XMP exif:GPSLatitude")]
    # when they are located, then the XMP position is the location and the empty block is not reported
    location, invalid = locate(readings, profile)
    assert location.source == "XMP exif:GPSLatitude" and invalid == ()


def test_position_inside_a_sensitive_place_is_flagged(profile):
    # given a position about 40 m from headquarters
    location, _ = locate([GpsReading(37.97500, -122.03000, "EXIF GPS IFD")], profile)
    # then the sensitive place is named, with its distance
    assert [hit.name.split(",")[0] for hit in location.sensitive] == ["Concord Police Department headquarters"]
    assert 30 < location.sensitive[0].distance_m < 60


def test_position_outside_every_sensitive_place_is_not_flagged(profile):
    location, _ = locate([GpsReading(37.88163, -121.91420, "EXIF GPS IFD")], profile)
    assert location.sensitive == ()


def test_known_place_is_reverse_geocoded_offline():
    # given the Eiffel Tower's position, the nearest populated place in GeoNames is in Paris's region
    place = nearest_place(48.85837, 2.294481)
    assert place is not None and place.endswith(", FR") and "Ile-de-France" in place


def test_distance_is_great_circle_metres():
    # one degree of latitude is about 111.2 km anywhere
    assert distance_m(10.0, 20.0, 11.0, 20.0) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(*HQ, *HQ) == 0.0
