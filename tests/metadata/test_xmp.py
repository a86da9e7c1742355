"""XMP packets: coordinate forms, attribute and element forms, structs, identifiers, and no entity expansion."""

from __future__ import annotations

import time

import pytest
from still_builders import xmp_packet

from media_screen.metadata.xmp import parse_coordinate, xmp_metadata
from media_screen.model import FactKind


@pytest.mark.parametrize(
    "text, degrees",
    [
        ("54,59.38N", 54.989667),
        ("54,59,22.8N", 54.989667),
        ("1,54.85W", -1.914167),
        ("33,55.0512S", -33.91752),
        ("-1.914167", -1.914167),
        ("48.8887264", 48.8887264),
        ("54 59 22.8 N", 54.989667),
        ("54°59'22.8\"N", 54.989667),
        ("54/1,5938/100N", 54.989667),
    ],
)
def test_coordinate_forms_are_read(text: str, degrees: float):
    assert parse_coordinate(text) == pytest.approx(degrees, abs=1e-6)


@pytest.mark.parametrize("text", ["", "north", "54,59.38X", "12/0,0N", "1,2,3,4N"])
def test_unreadable_coordinates_give_none(text: str):
    assert parse_coordinate(text) is None


def test_attribute_form_is_read():
    # given GPS properties written as attributes of rdf:Description
    packet = xmp_packet("", 'exif:GPSLatitude="37,52.896N" exif:GPSLongitude="121,54.852W" exif:GPSAltitude="1173/1"')
    # when the packet is read
    _, readings = xmp_metadata(packet)
    # then the position and altitude are found
    assert (readings[0].lat, readings[0].lon) == pytest.approx((37.8816, -121.9142), abs=1e-6)
    assert readings[0].altitude_m == pytest.approx(1173.0)


def test_where_the_photo_was_taken_comes_before_where_it_shows():
    # given an IPTC-style packet: LocationShown first in the document, LocationCreated after it
    struct = (
        '<Iptc4xmpExt:{name}><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<exif:GPSLatitude>{lat}</exif:GPSLatitude><exif:GPSLongitude>{lon}</exif:GPSLongitude>"
        "</rdf:li></rdf:Bag></Iptc4xmpExt:{name}>"
    )
    body = struct.format(name="LocationShown", lat="48,8.82N", lon="17,5.88E")
    body += struct.format(name="LocationCreated", lat="48,16.5N", lon="16,20.28E")
    packet = xmp_packet(body, 'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"')
    # when the packet is read
    _, readings = xmp_metadata(packet)
    # then both are readings and the place it was taken comes first
    assert [r.source for r in readings] == [
        "XMP LocationCreated exif:GPSLatitude",
        "XMP LocationShown exif:GPSLatitude",
    ]
    assert (readings[0].lat, readings[0].lon) == pytest.approx((48.275, 16.338))


def test_identifiers_in_xmp_are_facts():
    # given serial numbers and names in aux:, exifEX: and dc: properties
    packet = xmp_packet(
        "<aux:SerialNumber>6607572</aux:SerialNumber>"
        "<dc:creator><rdf:Seq><rdf:li>Robin Example</rdf:li></rdf:Seq></dc:creator>",
        'xmlns:exifEX="http://cipa.jp/exif/1.0/" exifEX:BodySerialNumber="B-1" aux:OwnerName="Robin Example"',
    )
    # when the packet is read
    facts, readings = xmp_metadata(packet)
    # then each is a fact named after its XMP property
    found = {(f.kind, f.key, f.value, f.source) for f in facts}
    assert (FactKind.DEVICE_SERIAL, "aux:SerialNumber", "6607572", "XMP aux:SerialNumber") in found
    assert (FactKind.DEVICE_SERIAL, "exifEX:BodySerialNumber", "B-1", "XMP exifEX:BodySerialNumber") in found
    assert (FactKind.OWNER_NAME, "dc:creator", "Robin Example", "XMP dc:creator") in found
    assert (FactKind.OWNER_NAME, "aux:OwnerName", "Robin Example", "XMP aux:OwnerName") in found
    assert readings == []


def test_entities_are_never_expanded():
    # given a packet that declares a "billion laughs" entity and uses it, next to real GPS elements
    packet = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        + xmp_packet("<exif:GPSLatitude>10,30N</exif:GPSLatitude><exif:GPSLongitude>&lol2;</exif:GPSLongitude>")
    )
    # when the packet is read
    _, readings = xmp_metadata(packet)
    # then the entity is not expanded: the latitude is read, the longitude is reported as unreadable text
    assert readings[0].lat == pytest.approx(10.5)
    assert readings[0].lon is None and "&lol2;" in readings[0].problem


def test_malformed_packet_is_still_read_for_gps():
    # given a packet cut before its closing tags (not well-formed XML)
    packet = xmp_packet('<exif:GPSLatitude>54,59.38N</exif:GPSLatitude><exif:GPSLongitude>1,54.85W</exif:GPSLongitude>')
    broken = packet[: packet.index(b"</rdf:Description>")]
    # when the packet is read, then the position is found by the fallback reader
    _, readings = xmp_metadata(broken)
    assert (readings[0].lat, readings[0].lon) == pytest.approx((54.989667, -1.914167), abs=1e-6)


def test_packet_cut_inside_a_tag_is_still_read_for_gps():
    # given a packet cut inside the rdf:Description tag that holds the position as attributes
    packet = xmp_packet("", namespaces='exif:GPSLatitude="54,59.38N" exif:GPSLongitude="1,54.85W"')
    broken = packet[: packet.index(b'W"') + 2]
    # when the packet is read, then the fallback reader still finds the position
    _, readings = xmp_metadata(broken)
    assert (readings[0].lat, readings[0].lon) == pytest.approx((54.989667, -1.914167), abs=1e-6)


def test_malformed_packet_of_repeated_opening_tags_is_read_in_linear_time():
    # given a malformed 1 MB packet of opening tags that never close, the position after them
    # (found by bench/fuzz_inputs.py: the fallback reader searched ahead from every opening tag, and
    # 288 KB of them took 80 s)
    packet = xmp_packet("<exif:GPSLatitude>" * 60_000 + "<exif:GPSLongitude>1,54.85W</exif:GPSLongitude>")
    broken = packet[: packet.index(b"</rdf:Description>")]
    # when the packet is read
    started = time.perf_counter()
    _, readings = xmp_metadata(broken)
    # then it ends (the quadratic reader took tens of minutes on this packet; the bound is a guard against
    # that, far above the linear reader's time even on a loaded machine, not a speed figure), and the
    # longitude is still read
    assert time.perf_counter() - started < 30.0
    assert readings[0].lon == pytest.approx(-1.914167, abs=1e-6)


def test_packet_without_xmp_root_gives_nothing():
    assert xmp_metadata(b"<html><body>not xmp</body></html>") == ([], [])


def test_gps_time_without_coordinates_is_not_a_gps_block():
    # given a packet that only records when a GPS fix was taken
    packet = xmp_packet("<exif:GPSTimeStamp>2018-07-25T14:34:23Z</exif:GPSTimeStamp>")
    # when the packet is read, then there is no reading at all (nothing to call invalid)
    assert xmp_metadata(packet) == ([], [])


# --- text properties of any namespace (issue 14) -------------------------------------------------------


def test_text_properties_of_any_namespace_become_text_and_place_facts():
    # given IPTC Core properties, a struct, an array and a property of a namespace nobody registered
    packet = xmp_packet(
        "<photoshop:AuthorsPosition>Undercover detective</photoshop:AuthorsPosition>"
        "<Iptc4xmpCore:Location>1350 Galindo St</Iptc4xmpCore:Location>"
        '<Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">'
        "<Iptc4xmpCore:CiEmailWork>jroe@concordpd.org</Iptc4xmpCore:CiEmailWork>"
        "<Iptc4xmpCore:CiAdrCity>Concord</Iptc4xmpCore:CiAdrCity></Iptc4xmpCore:CreatorContactInfo>"
        "<dc:subject><rdf:Bag><rdf:li>sunset</rdf:li><rdf:li>1488</rdf:li></rdf:Bag></dc:subject>"
        "<acme:Note>call Sgt. Miller</acme:Note>",
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" xmlns:acme="http://example.com/acme/1.0/"',
    )
    # when read
    facts, _ = xmp_metadata(packet)
    found = {f.key: (f.kind, f.value) for f in facts}
    # then each is a fact named by the packet's own prefix; places are PLACE_TEXT; array items are joined
    assert found["photoshop:AuthorsPosition"] == (FactKind.TEXT, "Undercover detective")
    assert found["Iptc4xmpCore:Location"] == (FactKind.PLACE_TEXT, "1350 Galindo St")
    assert found["Iptc4xmpCore:CiEmailWork"] == (FactKind.TEXT, "jroe@concordpd.org")
    assert found["Iptc4xmpCore:CiAdrCity"] == (FactKind.PLACE_TEXT, "Concord")
    assert found["dc:subject"] == (FactKind.TEXT, "sunset; 1488")
    assert found["acme:Note"] == (FactKind.TEXT, "call Sgt. Miller")


def test_identifiers_dates_camera_numbers_and_gps_are_not_text():
    packet = xmp_packet(
        "<xmpMM:DocumentID>xmp.did:0a1b2c3d</xmpMM:DocumentID><xmp:CreateDate>2024-05-18T10:42:07</xmp:CreateDate>"
        "<exif:FNumber>28/10</exif:FNumber><exif:GPSLatitude>37,52.896N</exif:GPSLatitude>"
        "<photoshop:DateCreated>2024-05-18</photoshop:DateCreated>"
        "<Camera:Irradiance>530.000000</Camera:Irradiance>"  # a camera's own namespace: measurements
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default"></rdf:li></rdf:Alt></dc:title>',
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:Camera="http://pix4d.com/camera/1.0/"',
    )
    facts, _ = xmp_metadata(packet)
    assert [f for f in facts if f.kind in (FactKind.TEXT, FactKind.PLACE_TEXT)] == []


def test_text_properties_of_a_packet_with_a_doctype_are_read_without_the_parser():
    packet = b'<!DOCTYPE x [<!ENTITY a "b">]>' + xmp_packet(
        "<photoshop:City>Concord</photoshop:City>", 'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    )
    facts, _ = xmp_metadata(packet)
    assert ("photoshop:City", "Concord") in {(f.key, f.value) for f in facts if f.kind == FactKind.PLACE_TEXT}
