#!/usr/bin/env python3
"""Make the metadata samples in sample_media/metadata/ and record their expected verdicts.

Each sample is a small synthetic scene (sky, hills, sun, a tree: no people, no
text) carrying one kind of metadata finding. The expected verdicts below are
worked out by hand from the built-in profile (media_screen/default_profile.toml),
not by running the tool, so the sample test checks the tool against the rules:

  GPS (rules.location, location_official_advice):  official REVIEW, personal REVIEW, covert DO_NOT_POST
  GPS inside a sensitive place (location_sensitive): DO_NOT_POST for every audience
  serial number / owner name (device_identifiers):  official CLEAR (info), personal REVIEW, covert REVIEW
  GPS block without a position (location_invalid):  info for everyone -> CLEAR
  unreadable file: ERROR for everyone (fail closed)

Text fields (IPTC IIM, XMP, PNG text) go through the text rules (issue 14):
  a place written as text (place_text):            official REVIEW, personal REVIEW, covert DO_NOT_POST (B.10)
  ... that is a sensitive place (place_sensitive): DO_NOT_POST for every audience (B.10)
  internal-affairs wording (internal_matters):     DO_NOT_POST for every audience (B.7)
  a hate code of the lexicon (derogatory):          DO_NOT_POST for every audience (B.5)
  a caption (FILE.caption.txt) saying a named arrestee confessed (guilt_statement):
                                                    official REVIEW, personal DO_NOT_POST, covert DO_NOT_POST (A.4.b)

Usage: python scripts/make_metadata_samples.py   (rewrites the files and this script's expected.json keys)
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_media" / "metadata"
EXPECTED = REPO / "sample_media" / "expected.json"
SIZE = (160, 120)

GPS_TAGS = 0x8825
EXIF_TAGS = 0x8769
MAKE, MODEL, SOFTWARE, ARTIST = 0x010F, 0x0110, 0x0131, 0x013B
DATE_TIME_ORIGINAL, CAMERA_OWNER, BODY_SERIAL, LENS_SERIAL = 0x9003, 0xA430, 0xA431, 0xA435

GPS_REVIEW = {"official": "REVIEW", "personal": "REVIEW", "covert": "DO_NOT_POST", "sections": ["B.10"]}
BLOCKED = {"official": "DO_NOT_POST", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST", "sections": ["B.10"]}
IDENTIFIERS = {"official": "CLEAR", "personal": "REVIEW", "covert": "REVIEW", "sections": ["B.10"]}
CLEAR = {"official": "CLEAR", "personal": "CLEAR", "covert": "CLEAR", "sections": []}
BLOCKED_B7 = {**BLOCKED, "sections": ["B.7"]}
BLOCKED_B5 = {**BLOCKED, "sections": ["B.5"]}
GUILT = {"official": "REVIEW", "personal": "DO_NOT_POST", "covert": "DO_NOT_POST", "sections": ["A.4.b"]}
ERROR = {"official": "ERROR", "personal": "ERROR", "covert": "ERROR", "sections": []}


def scene(seed: int) -> Image.Image:
    """A plain landscape: sky gradient, two hills, a sun and a tree; colours vary with the seed."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    y, x = np.mgrid[0:height, 0:width]
    sky_top, sky_bottom = np.array([70, 120, 200]) + rng.integers(-20, 20, 3), np.array([180, 210, 240])
    t = (y / height)[..., None]
    pixels = sky_top * (1 - t) + sky_bottom * t
    for centre, rise, colour in ((40, 0.55, (60, 140, 60)), (120, 0.65, (40, 110, 50))):
        hill = y > height * rise + 18 * np.cos((x - centre) / 25.0)
        pixels[hill] = np.array(colour) + rng.integers(-15, 15, 3)
    sun = (x - 125) ** 2 + (y - 25) ** 2 < 12**2
    pixels[sun] = (250, 220, 90)
    trunk = (abs(x - 50) < 3) & (y > 60) & (y < 85)
    pixels[trunk] = (100, 70, 40)
    crown = (x - 50) ** 2 + (y - 55) ** 2 < 11**2
    pixels[crown] = (30, 100, 40)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def rational_dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = Fraction(abs(degrees)).limit_denominator(10**7)
    whole = int(value)
    minutes = int((value - whole) * 60)
    seconds = round(float(((value - whole) * 60 - minutes) * 60) * 100)
    return (
        TiffImagePlugin.IFDRational(whole, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds, 100),
    )


def exif_block(gps: tuple[float, float] | None = None, **tags) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "ExampleCam", "EC-100"
    exif.get_ifd(EXIF_TAGS)[DATE_TIME_ORIGINAL] = "2024:05:18 10:42:07"
    for tag, value in tags.get("ifd0", {}).items():
        exif[tag] = value
    for tag, value in tags.get("exif_ifd", {}).items():
        exif.get_ifd(EXIF_TAGS)[tag] = value
    if gps is not None:
        lat, lon = gps
        block = exif.get_ifd(GPS_TAGS)
        block[0] = b"\x02\x03\x00\x00"
        block[1], block[2] = ("N" if lat >= 0 else "S"), rational_dms(lat)
        block[3], block[4] = ("E" if lon >= 0 else "W"), rational_dms(lon)
        block[5], block[6] = b"\x00", TiffImagePlugin.IFDRational(1012, 10)
        block[7] = tuple(TiffImagePlugin.IFDRational(v, 1) for v in (17, 42, 7))
        block[29] = "2024:05:18"
    return exif


def xmp_packet(lat_text: str, lon_text: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/">\n'
        f"   <exif:GPSLatitude>{lat_text}</exif:GPSLatitude>\n"
        f"   <exif:GPSLongitude>{lon_text}</exif:GPSLongitude>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode("utf-8")


def xmp_description(body: str) -> bytes:
    """An XMP packet whose one rdf:Description holds `body` (dc, photoshop and Iptc4xmpCore declared)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        ' xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">\n'
        f"{body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode("utf-8")


def iptc_app13(datasets: list[tuple[int, str]]) -> bytes:
    """A JPEG APP13 segment as photo editors write it: 'Photoshop 3.0', resource 8BIM 0x0404, IIM record 2 (UTF-8)."""
    iim = b"\x1c\x01\x5a" + struct.pack(">H", 3) + b"\x1b%G"  # 1:90 coded character set = UTF-8
    for number, value in datasets:
        data = value.encode("utf-8")
        iim += bytes([0x1C, 2, number]) + struct.pack(">H", len(data)) + data
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    payload = b"Photoshop 3.0\x00" + resource + b"\x00" * (len(iim) & 1)
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def with_segment(path: Path, segment: bytes) -> None:
    """Insert a segment right after the JPEG's APP0 (JFIF), where editors put APP13."""
    jpeg = path.read_bytes()
    app0_end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    path.write_bytes(jpeg[:app0_end] + segment + jpeg[app0_end:])


def png_text_chunk(kind: bytes, keyword: str, text: str) -> bytes:
    if kind == b"iTXt":
        payload = keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    else:
        payload = keyword.encode("latin-1") + b"\x00" + text.encode("latin-1")
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def save_jpeg(name: str, seed: int, **save) -> Path:
    path = OUT / name
    scene(seed).save(path, "JPEG", quality=70, **save)
    return path


def make_samples() -> dict[str, dict]:
    """Write every sample; return {relative path: expected entry}."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    OUT.mkdir(parents=True, exist_ok=True)
    made: dict[str, dict] = {}

    def record(path: Path, expected: dict, note: str) -> None:
        made[path.relative_to(REPO / "sample_media").as_posix()] = {**expected, "note": note}

    # Mount Diablo summit, a public landmark far from any sensitive place of the default profile.
    path = save_jpeg("gps_exif.jpg", 1, exif=exif_block(gps=(37.88163, -121.91420)))
    record(path, GPS_REVIEW, "GPS position in the EXIF GPS IFD (JPEG)")

    path = save_jpeg("gps_xmp_only.jpg", 2, xmp=xmp_packet("37,46.164N", "122,29.172W"))
    record(path, GPS_REVIEW, "GPS position only in XMP exif:GPSLatitude/GPSLongitude, no EXIF at all")

    path = OUT / "gps.heic"
    scene(3).save(path, "HEIF", quality=40, exif=exif_block(gps=(37.80440, -122.27110)).tobytes())
    record(path, GPS_REVIEW, "GPS position in the EXIF item of a HEIC file")

    # About 40 m from Concord PD headquarters (sensitive place of the default profile, radius 250 m).
    path = save_jpeg("gps_sensitive_place.jpg", 4, exif=exif_block(gps=(37.97500, -122.03000)))
    record(path, BLOCKED, "GPS position inside a sensitive place of the default profile")

    identifiers = exif_block(
        ifd0={ARTIST: "Jordan Example"},
        exif_ifd={BODY_SERIAL: "EC100-4471209", LENS_SERIAL: "L-99812", CAMERA_OWNER: "Jordan Example"},
    )
    path = save_jpeg("serial_and_owner.jpg", 5, exif=identifiers)
    record(path, IDENTIFIERS, "camera body and lens serial numbers and the owner's name in EXIF, no GPS")

    path = save_jpeg("clean.jpg", 6)
    record(path, CLEAR, "no metadata at all")

    # Issue 14's example: a covert detective's photo editor wrote who and where into IPTC IIM and XMP.
    covert_xmp = xmp_description(
        "   <dc:creator><rdf:Seq><rdf:li>Det. Jane Roe, Concord PD Narcotics</rdf:li></rdf:Seq></dc:creator>\n"
        "   <photoshop:AuthorsPosition>Undercover detective</photoshop:AuthorsPosition>\n"
        "   <Iptc4xmpCore:Location>1350 Galindo St</Iptc4xmpCore:Location>\n"
        '   <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">'
        "<Iptc4xmpCore:CiEmailWork>jroe@concordpd.org</Iptc4xmpCore:CiEmailWork></Iptc4xmpCore:CreatorContactInfo>"
    )
    path = save_jpeg("identity_text_covert.jpg", 9, xmp=covert_xmp)
    with_segment(path, iptc_app13([(80, "Det. Jane Roe, Concord PD Narcotics"), (118, "jroe@concordpd.org")]))
    record(path, BLOCKED, "IPTC By-line 'Det. Jane Roe, Concord PD Narcotics', IPTC Contact / XMP CreatorWorkEmail "
           "'jroe@concordpd.org', XMP AuthorsPosition 'Undercover detective', XMP Location '1350 Galindo St' (the "
           "headquarters' address: sensitive for everyone)")

    path = save_jpeg("city_sensitive_iptc.jpg", 10)
    with_segment(path, iptc_app13([(90, "Concord"), (95, "NH"), (101, "United States")]))
    record(path, BLOCKED, "IPTC City 'Concord', Province-State 'NH': one GeoNames place, 217 m from the Concord NH "
           "police station (a sensitive place of the default profile, radius 250 m)")

    png = io.BytesIO()
    scene(11).save(png, "PNG")
    data = png.getvalue()
    iend = data.rindex(b"IEND") - 4
    chunks = png_text_chunk(b"tEXt", "Location", "Heather Farm Park, Walnut Creek") + png_text_chunk(
        b"iTXt", "Description", "Sunset over the hills"
    )
    path = OUT / "place_text.png"
    path.write_bytes(data[:iend] + chunks + data[iend:])
    record(path, GPS_REVIEW, "PNG tEXt Location names a park (no GPS): a place written as text")

    path = save_jpeg("internal_affairs_caption.jpg", 12)
    with_segment(path, iptc_app13([(120, "Interview room B before the Internal Affairs hearing, IA case 2024-031")]))
    record(path, BLOCKED_B7, "IPTC Caption-Abstract about an Internal Affairs hearing with an IA case number")

    path = save_jpeg("hate_code_keywords.jpg", 13, xmp=xmp_description(
        "   <dc:subject><rdf:Bag><rdf:li>sunset</rdf:li><rdf:li>1488</rdf:li></rdf:Bag></dc:subject>"
    ))
    record(path, BLOCKED_B5, "XMP dc:subject keyword 1488, a numeric hate code of the derogatory lexicon")

    path = save_jpeg("arrest_caption.jpg", 14)
    OUT.joinpath("arrest_caption.jpg.caption.txt").write_text(
        "Jane Doe, arrested Tuesday on Galindo Street, confessed to the burglary.\n", "utf-8"
    )
    record(path, GUILT, "no metadata; its sidecar arrest_caption.jpg.caption.txt says a named arrestee confessed")

    path = save_jpeg("gps_zero.jpg", 7, exif=exif_block(gps=(0.0, 0.0)))
    record(path, CLEAR, "GPS IFD at 0/0 (no fix): reported as invalid GPS, not as a location")

    buffer = io.BytesIO()
    scene(8).save(buffer, "JPEG", quality=90)
    path = OUT / "corrupt_truncated.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    record(path, ERROR, "JPEG cut in half: the picture cannot be decoded")

    path = OUT / "empty.jpg"
    path.write_bytes(b"")
    record(path, ERROR, "zero-byte file; named .jpg, so a folder scan reports it rather than skipping it")

    path = OUT / "not_an_image.jpg"
    path.write_text("These are meeting notes saved with a .jpg name; there is no picture here.\n", "utf-8")
    record(path, ERROR, "a text file named .jpg (the type is read from the content); a folder scan does not skip it: "
           "its name claims a photo")
    return made


def update_expected(entries: dict[str, dict]) -> None:
    """Load expected.json, replace only this script's keys, write it back (other scripts own other keys)."""
    current = json.loads(EXPECTED.read_text("utf-8")) if EXPECTED.exists() else {}
    current.update(entries)
    EXPECTED.write_text(json.dumps(current, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")


def main() -> None:
    entries = make_samples()
    update_expected(entries)
    for relative in sorted(entries):
        size = (REPO / "sample_media" / relative).stat().st_size
        print(f"{relative:40s} {size:7,d} bytes")


if __name__ == "__main__":
    main()
