"""Small stills with chosen metadata, written in any supported format, for the still-metadata tests."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin, TiffImagePlugin

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "TIFF": "tif", "HEIF": "heic", "AVIF": "avif"}


def register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def picture(width: int = 48, height: int = 32) -> Image.Image:
    return Image.linear_gradient("L").resize((width, height)).convert("RGB")


def dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Decimal degrees -> (d, m, s) rationals with 1/10000 s resolution."""
    value = abs(degrees)
    whole = int(value)
    minutes = int((value - whole) * 60)
    seconds = round(((value - whole) * 60 - minutes) * 60 * 10000)
    rational = TiffImagePlugin.IFDRational
    return rational(whole, 1), rational(minutes, 1), rational(seconds, 10000)


def gps_tags(lat: float, lon: float) -> dict[int, object]:
    return {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}


def exif_with(gps: dict[int, object] | None = None, ifd0=None, exif_ifd=None) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    if exif_ifd:
        exif.get_ifd(EXIF_IFD).update(exif_ifd)
    if gps is not None:
        exif.get_ifd(GPS_IFD).update(gps)
    return exif


def xmp_packet(body: str, namespaces: str = "") -> bytes:
    """An XMP packet whose rdf:Description holds `body` (attributes go in `namespaces`)."""
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f"{namespaces}>{body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    ).encode("utf-8")


def xmp_gps(lat_text: str, lon_text: str) -> bytes:
    return xmp_packet(f"<exif:GPSLatitude>{lat_text}</exif:GPSLatitude><exif:GPSLongitude>{lon_text}</exif:GPSLongitude>")


def write(path: Path, fmt: str, exif: Image.Exif | bytes | None = None, xmp: bytes | None = None) -> Path:
    """Save a small picture as `fmt` with the given EXIF block and XMP packet."""
    register_heif()
    image = picture()
    options: dict = {}
    if fmt == "TIFF":  # Pillow writes the GPS IFD and tag 700 only through tiffinfo
        info = TiffImagePlugin.ImageFileDirectory_v2()
        if isinstance(exif, Image.Exif):
            for tag, value in exif.items():
                info[tag] = value
            for ifd in (EXIF_IFD, GPS_IFD):
                if exif.get_ifd(ifd):
                    info[ifd] = dict(exif.get_ifd(ifd))
        if xmp:
            info[700] = xmp
        options["tiffinfo"] = info
    else:
        if exif is not None:  # as bytes: an Exif holding only sub-IFDs is falsy, and PNG/AVIF would drop it
            options["exif"] = exif.tobytes() if isinstance(exif, Image.Exif) else exif
        if xmp and fmt == "PNG":
            text = PngImagePlugin.PngInfo()
            text.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
            options["pnginfo"] = text
        elif xmp:
            options["xmp"] = xmp
    if fmt in ("HEIF", "AVIF", "WEBP", "JPEG"):
        options["quality"] = 50
    image.save(path, fmt, **options)
    return path


def jpeg_bytes(image: Image.Image | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    (image or picture()).save(buffer, "JPEG", quality=80, **options)
    return buffer.getvalue()


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def insert_after_app0(jpeg: bytes, *segments: bytes) -> bytes:
    app0_end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:app0_end] + b"".join(segments) + jpeg[app0_end:]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_chunks_before_iend(png: bytes, *chunks: bytes) -> bytes:
    """Append chunks after the image data (where Pillow's open() does not look)."""
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + b"".join(chunks) + png[iend:]


def exif_with_thumbnail(thumbnail: bytes) -> bytes:
    """'Exif\\0\\0' + a little-endian TIFF: IFD0 (Make) -> IFD1 (JPEG thumbnail offset, length) -> the thumbnail."""
    ifd0, ifd1 = 8, 8 + 2 + 12 + 4
    thumbnail_at = ifd1 + 2 + 2 * 12 + 4
    tiff = b"II*\x00" + struct.pack("<I", ifd0)
    tiff += struct.pack("<H", 1) + struct.pack("<HHI4s", 0x010F, 2, 4, b"Cam\x00") + struct.pack("<I", ifd1)
    tiff += struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, thumbnail_at)
    tiff += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail)) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff + thumbnail


def iptc_dataset(number: int, value: str, record: int = 2) -> bytes:
    """One IIM dataset: 0x1C, record, dataset number, length, UTF-8 value."""
    data = value.encode("utf-8")
    return bytes([0x1C, record, number]) + struct.pack(">H", len(data)) + data


def photoshop_app13(*datasets: bytes) -> bytes:
    """A JPEG APP13 'Photoshop 3.0' segment whose resource 0x0404 holds the IIM datasets (declared UTF-8)."""
    iim = iptc_dataset(90, "\x1b%G", record=1) + b"".join(datasets)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    return segment(0xED, b"Photoshop 3.0\x00" + resource + b"\x00" * (len(iim) & 1))


IPTC_CORE = 'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"'


def covert_detective_jpeg() -> bytes:
    """The example of issue 14: a covert detective's photo whose editor wrote who and where into IPTC and XMP.

    IPTC By-line "Det. Jane Roe, Concord PD Narcotics", IPTC Contact and XMP CreatorWorkEmail
    "jroe@concordpd.org", XMP AuthorsPosition "Undercover detective", XMP Location "1350 Galindo St".
    """
    xmp = xmp_packet(
        "<dc:creator><rdf:Seq><rdf:li>Det. Jane Roe, Concord PD Narcotics</rdf:li></rdf:Seq></dc:creator>"
        "<photoshop:AuthorsPosition>Undercover detective</photoshop:AuthorsPosition>"
        "<Iptc4xmpCore:Location>1350 Galindo St</Iptc4xmpCore:Location>"
        '<Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">'
        "<Iptc4xmpCore:CiEmailWork>jroe@concordpd.org</Iptc4xmpCore:CiEmailWork>"
        "</Iptc4xmpCore:CreatorContactInfo>",
        IPTC_CORE,
    )
    iptc = photoshop_app13(iptc_dataset(80, "Det. Jane Roe, Concord PD Narcotics"), iptc_dataset(118, "jroe@concordpd.org"))
    return insert_after_app0(jpeg_bytes(xmp=xmp), iptc)
