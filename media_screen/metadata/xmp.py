"""XMP packets: GPS positions and identifying properties, parsed without entity expansion.

A packet that declares a DOCTYPE or an ENTITY, or that is not well-formed XML,
is never given to the XML parser's entity machinery: it is read with regular
expressions instead, which see the same properties in their two common forms
(`exif:GPSLatitude="54,59.38N"` and `<exif:GPSLatitude>54,59.38N</exif:GPSLatitude>`).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from media_screen.metadata.geo import GpsReading
from media_screen.metadata.text_fields import field_fact
from media_screen.model import FactKind, MetadataFact
from media_screen.sanitize import clean_text

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
EXIF = "http://ns.adobe.com/exif/1.0/"
AUX = "http://ns.adobe.com/exif/1.0/aux/"
EXIF_EX = "http://cipa.jp/exif/1.0/"
DC = "http://purl.org/dc/elements/1.1/"
TIFF = "http://ns.adobe.com/tiff/1.0/"
XMP = "http://ns.adobe.com/xap/1.0/"

_GPS_NAMES = ("GPSLatitude", "GPSLongitude", "GPSAltitude", "GPSAltitudeRef", "GPSTimeStamp")

# (namespace, property) -> (fact kind, the name a reader knows it by)
_PROPERTIES = {
    (AUX, "SerialNumber"): (FactKind.DEVICE_SERIAL, "aux:SerialNumber"),
    (AUX, "LensSerialNumber"): (FactKind.DEVICE_SERIAL, "aux:LensSerialNumber"),
    (EXIF_EX, "BodySerialNumber"): (FactKind.DEVICE_SERIAL, "exifEX:BodySerialNumber"),
    (EXIF_EX, "LensSerialNumber"): (FactKind.DEVICE_SERIAL, "exifEX:LensSerialNumber"),
    (AUX, "OwnerName"): (FactKind.OWNER_NAME, "aux:OwnerName"),
    (EXIF_EX, "CameraOwnerName"): (FactKind.OWNER_NAME, "exifEX:CameraOwnerName"),
    (DC, "creator"): (FactKind.OWNER_NAME, "dc:creator"),
    (DC, "rights"): (FactKind.OWNER_NAME, "dc:rights"),
    (TIFF, "Make"): (FactKind.DEVICE, "tiff:Make"),
    (TIFF, "Model"): (FactKind.DEVICE, "tiff:Model"),
    (XMP, "CreatorTool"): (FactKind.SOFTWARE, "xmp:CreatorTool"),
    (EXIF, "DateTimeOriginal"): (FactKind.CAPTURE_TIME, "exif:DateTimeOriginal"),
}
_IDENTIFIERS = (FactKind.DEVICE_SERIAL, FactKind.OWNER_NAME)
_MEANINGFUL = re.compile(r"[1-9A-Za-z]")

_ROOTS = ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<x:xapmeta", b"</x:xapmeta>"), (b"<rdf:RDF", b"</rdf:RDF>"))
_UNSAFE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_NUMBER = r"\d+(?:\.\d*)?(?:/\d+)?"
_COORDINATE = re.compile(
    rf"^([+-]?)({_NUMBER})(?:[,\s]+({_NUMBER}))?(?:[,\s]+({_NUMBER}))?\s*([NSEW]?)$", re.IGNORECASE
)


@dataclass(frozen=True)
class _GpsGroup:
    """GPS properties that sit together on one XMP node."""

    values: dict[str, str]
    context: str | None  # None: the top-level description; else the struct it sits in
    rank: int  # 0 top level, 1 where the photo was taken (LocationCreated), 2 anything else


def xmp_metadata(packet: bytes) -> tuple[list[MetadataFact], list[GpsReading]]:
    """Facts and GPS readings from one XMP packet; an unreadable packet gives nothing."""
    text = packet_text(packet)
    if text is None:
        return [], []
    root = None
    if not _UNSAFE.search(packet):
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError:
            root = None
    if root is None:
        properties, groups = _scan_with_regex(text)
        fields = _text_fields_with_regex(text)
    else:
        properties, groups = _scan_tree(root)
        fields = _text_fields(root, _prefixes(text))
    facts = []
    for (namespace, name), value in properties:
        kind, key = _PROPERTIES[(namespace, name)]
        value = clean_text(value)
        if value and (kind not in _IDENTIFIERS or _MEANINGFUL.search(value)):
            facts.append(MetadataFact(kind, key, value, f"XMP {key}"))
    known = {key for _, key in _PROPERTIES.values()}
    for key, value in fields:
        kind = FactKind.PLACE_TEXT if key.rpartition(":")[2] in _PLACE_NAMES else FactKind.TEXT
        fact = None if key in known else field_fact(kind, key, value, f"XMP {key}")
        if fact is not None:
            facts.append(fact)
    readings = [_reading(group) for group in sorted(groups, key=lambda g: g.rank)]
    return facts, readings


# Properties that name a place (photoshop:City, Iptc4xmpCore:Location, Iptc4xmpExt:Sublocation, the
# creator's contact address ...), by local name in any namespace.
_PLACE_NAMES = {
    "City", "State", "Country", "CountryCode", "Location", "Sublocation", "ProvinceState", "CountryName",
    "WorldRegion", "LocationName", "CiAdrExtadr", "CiAdrCity", "CiAdrRegion", "CiAdrPcode", "CiAdrCtry",
}
# Namespaces of identifiers, edit history and rendering settings: no free text a person writes.
_NOT_TEXT_NAMESPACES = {
    "http://ns.adobe.com/xap/1.0/mm/", "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#", "http://ns.adobe.com/camera-raw-settings/1.0/",
    "http://ns.adobe.com/xap/1.0/g/", "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "http://ns.adobe.com/xap/1.0/t/pg/", "http://ns.adobe.com/xap/1.0/sType/Font#", "adobe:ns:meta/",
    "http://www.w3.org/XML/1998/namespace",  # xml:lang="x-default"
}
_ID_VALUE = re.compile(r"^(?:(?:xmp|uuid|adobe)[.:]\S*|[A-Fa-f0-9-]{16,}|\d{4}[-:]\d\d[-:\dT+Z.\s]*)$")  # IDs, dates
_NUMBER_VALUE = re.compile(r"^[\d\s.,:;/+-]*$")
# Namespaces of words people write (titles, keywords, captions, rights): a bare number there is text
# ("1488" as a keyword); elsewhere (exif, tiff, a drone's or a camera's own) it is a measurement.
_WORDS_PREFIXES = ("dc:", "photoshop:", "Iptc4xmpCore:", "Iptc4xmpExt:", "xmpRights:", "plus:", "lr:", "mwg-kw:")


def _not_text(key: str, value: str) -> bool:
    """Identifiers and dates anywhere; bare numbers outside the namespaces of written words."""
    return bool(_ID_VALUE.match(value)) or (not key.startswith(_WORDS_PREFIXES) and bool(_NUMBER_VALUE.match(value)))
_MAX_FIELDS = 512


def _prefixes(text: str) -> dict[str, str]:
    """Namespace URI -> the prefix the packet declares for it (the names a user knows: photoshop:City)."""
    return {uri: prefix for prefix, uri in re.findall(r"xmlns:([\w.-]+)\s*=\s*[\"']([^\"']+)[\"']", text)}


def _text_fields(root: ElementTree.Element, prefixes: dict[str, str]) -> list[tuple[str, str]]:
    """(prefix:name, text) of every text property in any namespace, array items joined with '; '."""
    def name(tag: str) -> str | None:
        namespace, local = _split(tag)
        if namespace in (RDF, "") or namespace in _NOT_TEXT_NAMESPACES or (namespace == EXIF and local.startswith("GPS")):
            return None
        return f"{prefixes.get(namespace, namespace.rstrip('/#').rpartition('/')[2] or 'ns')}:{local}"

    values: dict[str, list[str]] = {}

    def add(key: str | None, value: str | None) -> None:
        value = " ".join((value or "").split())
        if key and value and not _not_text(key, value) and len(values) < _MAX_FIELDS:
            if value not in values.setdefault(key, []):
                values[key].append(value)

    def walk(element: ElementTree.Element, owner: str | None) -> None:
        for attribute, value in element.attrib.items():
            add(name(attribute), value)
        key = name(element.tag) or owner  # rdf:li, rdf:Bag ... belong to the property above them
        children = list(element)
        if not children:
            if key is not None and element.tag != f"{{{RDF}}}Description":
                add(key, element.text)
            return
        for child in children:
            walk(child, key)

    walk(root, None)
    return [(key, "; ".join(texts)) for key, texts in values.items() if texts]


def _text_fields_with_regex(text: str) -> list[tuple[str, str]]:
    """The same from a packet the XML parser is not given: simple elements and attributes only."""
    found: dict[str, list[str]] = {}
    pattern = re.compile(r"<([\w.-]+:[\w.-]+)(?:\s[^>]*)?>([^<]+)</\1>|\s([\w.-]+:[\w.-]+)\s*=\s*\"([^\"]*)\"")
    for match in pattern.finditer(text):
        key, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if key.startswith(("rdf:", "x:", "xmlns:", "xml:", "xmpMM:", "stEvt:", "stRef:", "crs:", "exif:GPS")):
            continue
        value = html.unescape(" ".join(value.split()))
        if value and not _not_text(key, value) and len(found) < _MAX_FIELDS:
            found.setdefault(key, []).append(value)
    return [(key, "; ".join(dict.fromkeys(values))) for key, values in found.items()]


def packet_text(packet: bytes) -> str | None:
    """The x:xmpmeta (or bare rdf:RDF) element of a packet, as text."""
    if packet[:2] in (b"\xff\xfe", b"\xfe\xff"):
        packet = packet.decode("utf-16", errors="replace").encode("utf-8")
    for opening, closing in _ROOTS:
        start = packet.find(opening)
        if start >= 0:
            end = packet.find(closing, start)
            stop = end + len(closing) if end >= 0 else len(packet)
            return packet[start:stop].decode("utf-8", errors="replace")
    return None


def parse_coordinate(text: str | None) -> float | None:
    """'54,59.38N', '54,59,22.8N', '54 59 22.8 N', '-1.9141' or 54°59'22.8"N -> signed decimal degrees."""
    if not text:
        return None
    for mark in "°'\"":
        text = text.replace(mark, " ")
    match = _COORDINATE.match(text.strip())
    if match is None:
        return None
    sign, *parts, hemisphere = match.groups()
    numbers = [_rational(p) for p in parts if p is not None]
    if any(n is None for n in numbers):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    negative = sign == "-" or hemisphere.upper() in ("S", "W")
    return -degrees if negative else degrees


def _rational(text: str) -> float | None:
    numerator, _, denominator = text.partition("/")
    if denominator:
        return float(numerator) / float(denominator) if float(denominator) else None
    return float(numerator)


def _reading(group: _GpsGroup) -> GpsReading:
    context = f"{group.context} " if group.context else ""
    source = f"XMP {context}exif:GPSLatitude"
    lat_text, lon_text = group.values.get("GPSLatitude"), group.values.get("GPSLongitude")
    lat, lon = parse_coordinate(lat_text), parse_coordinate(lon_text)
    problem = None
    if lat is None or lon is None:
        unreadable = [clean_text(t, 40) for t in (lat_text, lon_text) if t and parse_coordinate(t) is None]
        problem = f"XMP GPS coordinate is not readable ({unreadable[0]!r})" if unreadable else None
    altitude = None
    if group.values.get("GPSAltitude"):
        try:
            altitude = _rational(group.values["GPSAltitude"].strip())
        except ValueError:
            altitude = None
        if altitude is not None and group.values.get("GPSAltitudeRef", "").strip() == "1":
            altitude = -abs(altitude)
    gps_time = clean_text(group.values.get("GPSTimeStamp", ""), 40) or None
    return GpsReading(lat, lon, source, altitude_m=altitude, gps_time=gps_time, problem=problem)


def _scan_tree(root: ElementTree.Element):
    parents = {child: parent for parent in root.iter() for child in parent}
    properties = []
    top: dict[str, str] = {}
    nested = []
    for element in root.iter():
        parent = parents.get(element)
        at_top = element.tag == f"{{{RDF}}}Description" and parent is not None and parent.tag == f"{{{RDF}}}RDF"
        if at_top:
            properties += _identifying_properties(element)
        values = _gps_values(element)
        if not values:
            continue
        if at_top:
            top.update(values)
        else:
            context = _struct_name(element, parents)
            rank = 1 if context == "LocationCreated" else 2
            nested.append(_GpsGroup(values, context, rank))
    groups = [_GpsGroup(top, None, 0)] + nested
    return properties, [g for g in groups if "GPSLatitude" in g.values or "GPSLongitude" in g.values]


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _gps_values(element: ElementTree.Element) -> dict[str, str]:
    values = {}
    for name, value in element.attrib.items():
        namespace, local = _split(name)
        if namespace == EXIF and local in _GPS_NAMES:
            values[local] = value
    for child in element:
        namespace, local = _split(child.tag)
        if namespace == EXIF and local in _GPS_NAMES:
            values[local] = (child.text or "").strip()
    return values


def _struct_name(element: ElementTree.Element, parents: dict) -> str | None:
    node = element
    while node is not None:
        namespace, local = _split(node.tag)
        if namespace != RDF:
            return local
        node = parents.get(node)
    return None


def _identifying_properties(description: ElementTree.Element):
    found = []
    for name, value in description.attrib.items():
        if _split(name) in _PROPERTIES:
            found.append((_split(name), value))
    for child in description:
        if _split(child.tag) in _PROPERTIES:
            items = [li.text.strip() for li in child.iter(f"{{{RDF}}}li") if li.text and li.text.strip()]
            found.append((_split(child.tag), "; ".join(items) if items else (child.text or "").strip()))
    return found


# The fallback reader is one linear pass over the tags (each match stops at the next `<` or `>`), then
# plain slicing: patterns that search ahead for a closing tag rescan the rest of the packet from every
# opening tag, which a packet of repeated opening tags turns into minutes of work.
_TAG = re.compile(r"<(/?)(?:[\w.-]+:)?([\w.-]+)([^<>]*)")
_ATTRIBUTE = re.compile(r"(?<![\w.-])(?:[\w.-]+:)?([\w.-]+)\s*=\s*(['\"])(.*?)\2", re.DOTALL)
_LIST_ITEM = re.compile(r"<rdf:li(?:\s[^<>]*)?>([^<]*)")
_MARKUP = re.compile(r"<[^<>]*>")


def _regex_values_by_name(text: str, names: set[str]) -> dict[str, list[str]]:
    """Values of the named properties in attribute or simple-element form, in document order (no entity
    expansion). An element's value is its text up to the first closing tag of the same name."""
    found: dict[str, list[tuple[int, str]]] = {name: [] for name in names}
    opened: dict[str, tuple[int, int]] = {}  # name -> (where its tag starts, where its content starts)
    for tag in _TAG.finditer(text):
        closing, name, rest = tag.groups()
        if closing:
            if name in opened:
                start, content_start = opened.pop(name)
                found[name].append((start, _element_text(text[content_start : tag.start()])))
            continue
        for attribute in _ATTRIBUTE.finditer(rest):
            if attribute.group(1) in names:
                found[attribute.group(1)].append((tag.start(), attribute.group(3)))
        closed = text.startswith(">", tag.end())  # not cut short by a `<` or the end of the packet
        if name in names and name not in opened and closed and not rest.rstrip().endswith("/"):
            opened[name] = (tag.start(), tag.end() + 1)
    return {name: [value for _, value in sorted(values, key=lambda item: item[0])] for name, values in found.items()}


def _element_text(value: str) -> str:
    items = _LIST_ITEM.findall(value)
    return "; ".join(i.strip() for i in items) if items else _MARKUP.sub(" ", value).strip()


def _scan_with_regex(text: str):
    values = _regex_values_by_name(text, {local for _, local in _PROPERTIES} | set(_GPS_NAMES))
    properties = []
    for (namespace, local) in _PROPERTIES:
        for value in values[local][:1]:
            properties.append(((namespace, local), value))
    columns = {name: values[name] for name in _GPS_NAMES}
    count = max(len(columns["GPSLatitude"]), len(columns["GPSLongitude"]))
    groups = []
    for index in range(count):
        values = {name: found[index] for name, found in columns.items() if index < len(found)}
        groups.append(_GpsGroup(values, None if index == 0 else "struct", 0 if index == 0 else 2))
    return properties, groups
