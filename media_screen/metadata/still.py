"""Metadata of still images (JPEG, PNG, WebP, TIFF, HEIC/HEIF/AVIF) without decoding a pixel.

exifread reads the EXIF of the file itself first. Where it finds none (some WebP,
PNG and HEIC layouts, JPEGs with unusual segments before APP1), the EXIF block
that the container walk found is handed to exifread as a TIFF stream. The XMP
packet and embedded previews come from the same container walk.
"""

from __future__ import annotations

from media_screen.errors import CorruptMediaError
from media_screen.metadata.containers import read_container
from media_screen.metadata.exif import exif_facts, exif_text_facts, gps_readings, has_exif, read_exif, read_exif_bytes
from media_screen.metadata.geo import GpsReading
from media_screen.metadata.iptc import iptc_facts
from media_screen.metadata.text_fields import field_fact
from media_screen.metadata.xmp import xmp_metadata
from media_screen.model import FactKind, MediaType, MetadataFact
from media_screen.inputs.source import Source


def read_still_metadata(source: Source) -> tuple[list[MetadataFact], list[GpsReading]]:
    """Facts (device, owner, software, capture time, previews) and raw GPS readings, EXIF before XMP.

    A file without metadata gives two empty lists. An EXIF block that exists but
    cannot be parsed at all raises CorruptMediaError: it may hide a location.
    """
    probe = source.probe
    blocks = read_container(source)
    with source.reader() as handle:
        exif = read_exif(handle)
    if not has_exif(exif.tags) and blocks.exif:
        exif = read_exif_bytes(blocks.exif)
    if exif.problem and (blocks.exif or probe.media_type == MediaType.TIFF):
        raise CorruptMediaError(f"metadata cannot be read: {exif.problem}")
    facts = exif_facts(exif.tags) + exif_text_facts(exif.tags, blocks.exif)
    readings = gps_readings(exif.tags)
    if blocks.iptc:
        facts += iptc_facts(blocks.iptc, blocks.iptc_source or "")
    if blocks.xmp:
        xmp_facts, xmp_readings = xmp_metadata(blocks.xmp)
        facts += xmp_facts
        readings += xmp_readings
    for source, key, value in blocks.texts:
        fact = field_fact(_TEXT_KEY_KINDS.get(key.casefold(), FactKind.TEXT), key, value, f"{source} {key}")
        facts += [fact] if fact is not None else []
    facts += [MetadataFact(FactKind.THUMBNAIL, "preview", p.description, p.source) for p in blocks.previews]
    return _unique(facts), readings


# PNG text keywords (PNG spec 11.3.4.2 and common practice) that say who made the file or where.
_TEXT_KEY_KINDS = {
    "author": FactKind.OWNER_NAME,
    "copyright": FactKind.OWNER_NAME,
    "location": FactKind.PLACE_TEXT,
    "software": FactKind.SOFTWARE,
    "creation time": FactKind.CAPTURE_TIME,
}


def _unique(facts: list[MetadataFact]) -> list[MetadataFact]:
    """One fact per kind and value: EXIF Artist and XMP dc:creator naming the same person are one finding."""
    seen: set[tuple[FactKind, str]] = set()
    unique = []
    for fact in facts:
        if (fact.kind, fact.value.casefold()) not in seen:
            seen.add((fact.kind, fact.value.casefold()))
            unique.append(fact)
    return unique
