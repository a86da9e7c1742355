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

Usage: python scripts/make_metadata_samples.py   (rewrites the files and this script's expected.json keys)
"""

from __future__ import annotations

import io
import json
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

    path = save_jpeg("gps_zero.jpg", 7, exif=exif_block(gps=(0.0, 0.0)))
    record(path, CLEAR, "GPS IFD at 0/0 (no fix): reported as invalid GPS, not as a location")

    buffer = io.BytesIO()
    scene(8).save(buffer, "JPEG", quality=90)
    path = OUT / "corrupt_truncated.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    record(path, ERROR, "JPEG cut in half: the picture cannot be decoded")

    path = OUT / "empty.jpg"
    path.write_bytes(b"")
    record(path, ERROR, "zero-byte file")

    path = OUT / "not_an_image.jpg"
    path.write_text("These are meeting notes saved with a .jpg name; there is no picture here.\n", "utf-8")
    record(path, ERROR, "a text file named .jpg (the type is read from the content)")
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
