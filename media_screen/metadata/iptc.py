"""IPTC IIM (the "IPTC-NAA" record photo editors write: By-line, City, Caption ...) as text facts.

In JPEG it sits in an APP13 "Photoshop 3.0" segment, as image resource 0x0404 among
Photoshop's other resources; in TIFF it is tag 33723, the IIM stream itself. Each dataset is
0x1C, record, dataset number, a length and the value. Only record 2 (application) carries
text about the picture; record 1 says how that text is encoded. Every value is read within
the block's bounds: a length that points past the end stops the walk, keeping what came before.
"""

from __future__ import annotations

import struct

from media_screen.metadata.text_fields import field_fact
from media_screen.model import FactKind, MetadataFact

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
IPTC_RESOURCE = 0x0404
MAX_DATASETS = 4096

# Record 2 datasets: number -> (name, fact kind). Unlisted text datasets become TEXT facts named "2:NNN".
DATASETS = {
    5: ("ObjectName", FactKind.TEXT),
    15: ("Category", FactKind.TEXT),
    20: ("SupplementalCategories", FactKind.TEXT),
    25: ("Keywords", FactKind.TEXT),
    26: ("ContentLocationCode", FactKind.PLACE_TEXT),
    27: ("ContentLocationName", FactKind.PLACE_TEXT),
    40: ("SpecialInstructions", FactKind.TEXT),
    65: ("OriginatingProgram", FactKind.SOFTWARE),
    80: ("By-line", FactKind.OWNER_NAME),
    85: ("By-lineTitle", FactKind.TEXT),
    90: ("City", FactKind.PLACE_TEXT),
    92: ("Sub-location", FactKind.PLACE_TEXT),
    95: ("Province-State", FactKind.PLACE_TEXT),
    100: ("Country-PrimaryLocationCode", FactKind.PLACE_TEXT),
    101: ("Country-PrimaryLocationName", FactKind.PLACE_TEXT),
    103: ("OriginalTransmissionReference", FactKind.TEXT),
    105: ("Headline", FactKind.TEXT),
    110: ("Credit", FactKind.TEXT),
    115: ("Source", FactKind.TEXT),
    116: ("CopyrightNotice", FactKind.OWNER_NAME),
    118: ("Contact", FactKind.TEXT),
    120: ("Caption-Abstract", FactKind.TEXT),
    122: ("Writer-Editor", FactKind.TEXT),
}
# Numbers, dates, times and binary previews: nothing a person or a place can be read from.
NOT_TEXT = {0, 3, 8, 10, 30, 35, 37, 38, 47, 55, 60, 62, 63, 70, 75, 130, 131, 135, 150, 151, 152, 153, 154, 200, 201, 202}


def iptc_from_photoshop(block: bytes) -> bytes | None:
    """The IIM stream of image resource 0x0404 in a Photoshop IRB block (APP13 payload), or None."""
    data = block[len(PHOTOSHOP_HEADER) :] if block.startswith(PHOTOSHOP_HEADER) else block
    offset = 0
    while offset + 12 <= len(data) and data[offset : offset + 4] == b"8BIM":
        resource = struct.unpack(">H", data[offset + 4 : offset + 6])[0]
        name_length = data[offset + 6]
        offset += 6 + 1 + name_length + ((1 + name_length) & 1)  # Pascal name padded to an even size
        if offset + 4 > len(data):
            return None
        size = struct.unpack(">I", data[offset : offset + 4])[0]
        offset += 4
        if resource == IPTC_RESOURCE:
            return data[offset : offset + size]
        offset += size + (size & 1)
    return None


def iptc_datasets(stream: bytes) -> list[tuple[int, int, bytes]]:
    """(record, dataset, value) in stream order; a malformed tail ends the list."""
    found = []
    offset = 0
    while offset + 5 <= len(stream) and stream[offset] == 0x1C and len(found) < MAX_DATASETS:
        record, dataset = stream[offset + 1], stream[offset + 2]
        size = struct.unpack(">H", stream[offset + 3 : offset + 5])[0]
        offset += 5
        if size & 0x8000:  # extended dataset: the next (size & 0x7FFF) bytes hold the length
            count = size & 0x7FFF
            if count > 4 or offset + count > len(stream):
                break
            size = int.from_bytes(stream[offset : offset + count], "big")
            offset += count
        if offset + size > len(stream):
            break
        found.append((record, dataset, stream[offset : offset + size]))
        offset += size
    return found


def iptc_facts(stream: bytes, source: str) -> list[MetadataFact]:
    """One fact per text dataset of record 2 (repeated ones such as Keywords joined with '; ')."""
    datasets = iptc_datasets(stream)
    utf8 = any(r == 1 and d == 90 and b"\x1b%G" in v for r, d, v in datasets)
    values: dict[int, list[str]] = {}
    for record, dataset, raw in datasets:
        if record != 2 or dataset in NOT_TEXT:
            continue
        text = " ".join(_decode(raw, utf8).split())
        if text and text not in values.setdefault(dataset, []):
            values[dataset].append(text)
    facts = []
    for dataset, texts in values.items():
        name, kind = DATASETS.get(dataset, (f"2:{dataset:03d}", FactKind.TEXT))
        fact = field_fact(kind, f"IPTC {name}", "; ".join(texts), f"{source} IPTC {name}")
        if fact is not None:
            facts.append(fact)
    return facts


def _decode(raw: bytes, utf8: bool) -> str:
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8" if utf8 else "latin-1", errors="replace")
