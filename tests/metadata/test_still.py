"""Still-image metadata: per format, it finds GPS, clean input gives nothing, corrupt input gives a clear error or nothing."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from PIL import TiffImagePlugin, features
from still_builders import (
    FORMATS,
    covert_detective_jpeg,
    exif_with,
    exif_with_thumbnail,
    gps_tags,
    insert_after_app0,
    iptc_dataset,
    jpeg_bytes,
    photoshop_app13,
    picture,
    png_chunk,
    png_with_chunks_before_iend,
    segment,
    write,
    xmp_gps,
    xmp_packet,
)

from media_screen.errors import CorruptMediaError
from media_screen.inputs.source import Source
from media_screen.metadata.still import read_still_metadata
from media_screen.model import FactKind

LAT, LON = 37.88163, -121.9142  # Mount Diablo summit
CAN_SAVE = {fmt for fmt in FORMATS if fmt != "AVIF" or features.check("avif")}
SAVABLE = sorted(CAN_SAVE)


def read(path: Path):
    return read_still_metadata(Source.open(path))


def only_position(readings):
    assert len(readings) >= 1
    return readings[0]


# --- three tests per format -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SAVABLE)
def test_gps_in_exif_is_found(tmp_path: Path, fmt: str):
    # given a picture whose EXIF GPS IFD holds a position in the western hemisphere
    path = write(tmp_path / f"gps.{FORMATS[fmt]}", fmt, exif=exif_with(gps=gps_tags(LAT, LON)))
    # when its metadata is read
    _, readings = read(path)
    # then the position is found, signed by its hemisphere references, and says where it came from
    reading = only_position(readings)
    assert reading.lat == pytest.approx(LAT, abs=1e-5) and reading.lon == pytest.approx(LON, abs=1e-5)
    assert reading.source == "EXIF GPS IFD" and reading.problem is None


@pytest.mark.parametrize("fmt", SAVABLE)
def test_clean_picture_gives_nothing(tmp_path: Path, fmt: str):
    # given a picture saved without any metadata
    path = write(tmp_path / f"clean.{FORMATS[fmt]}", fmt)
    # when its metadata is read, then there is nothing: no facts, no readings, no error
    assert read(path) == ([], [])


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's AVIF writer, while building the input
@pytest.mark.parametrize("fmt", SAVABLE)
def test_corrupt_exif_block_gives_a_clear_error_or_nothing(tmp_path: Path, fmt: str):
    # given an EXIF block whose IFD points far past its end, followed by junk
    junk = b"Exif\x00\x00MM\x00*\x7f\xff\xff\xf0" + bytes(range(256)) * 4
    if fmt == "TIFF":  # the file is the EXIF stream: cut it inside IFD0
        path = write(tmp_path / "whole.tif", fmt, exif=exif_with(gps=gps_tags(LAT, LON)))
        path.write_bytes(path.read_bytes()[:40])
    else:
        path = write(tmp_path / f"junk.{FORMATS[fmt]}", fmt, exif=junk)
    # when its metadata is read
    try:
        _, readings = read(path)
    except CorruptMediaError as exc:
        # then either the reader says the metadata cannot be read ...
        assert "metadata" in str(exc)
    else:
        # ... or it returns no position (never a made-up one)
        assert all(r.lat is None or r.lon is None for r in readings)


@pytest.mark.parametrize("fmt", SAVABLE)
def test_truncated_file_never_crashes_the_reader(tmp_path: Path, fmt: str):
    # given a file with GPS metadata cut in half
    path = write(tmp_path / f"cut.{FORMATS[fmt]}", fmt, exif=exif_with(gps=gps_tags(LAT, LON)))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    # when its metadata is read, then only the library's own error can come out
    try:
        read(path)
    except CorruptMediaError:
        pass


def test_heic_whose_meta_box_claims_no_size_never_crashes_the_reader(tmp_path: Path):
    # given the sample HEIC with its meta box's size set to 0 ("to the end of the file"), which exifread
    # does not implement (found by bench/fuzz_inputs.py: NotImplementedError reached the pipeline's catch-all)
    data = bytearray((Path(__file__).resolve().parents[2] / "sample_media" / "metadata" / "gps.heic").read_bytes())
    assert data[32:36] == b"meta"
    data[28:32] = bytes(4)
    path = tmp_path / "meta_size_zero.heic"
    path.write_bytes(bytes(data))
    # when its metadata is read, then only the library's own error can come out
    try:
        read(path)
    except CorruptMediaError:
        pass


@pytest.mark.parametrize("fmt", sorted(CAN_SAVE - {"AVIF"}))
def test_gps_only_in_xmp_is_found(tmp_path: Path, fmt: str):
    # given a picture with no EXIF whose XMP packet holds "DDD,MM.mmk" coordinates
    path = write(tmp_path / f"xmp.{FORMATS[fmt]}", fmt, xmp=xmp_gps("54,59.38N", "1,54.85W"))
    # when its metadata is read
    _, readings = read(path)
    # then the XMP position is found
    reading = only_position(readings)
    assert (reading.lat, reading.lon) == pytest.approx((54.989667, -1.914167), abs=1e-6)
    assert reading.source == "XMP exif:GPSLatitude"


# --- JPEG ---------------------------------------------------------------------------------------


def test_jpeg_with_a_large_segment_before_exif_is_read_through_the_container_walk(tmp_path: Path):
    # given a JPEG where a 6 kB APP2 segment (an ICC profile, say) sits between APP0 and the EXIF APP1,
    # a layout exifread's own JPEG scanner gives up on
    base = jpeg_bytes(exif=exif_with(gps=gps_tags(LAT, LON)))
    path = tmp_path / "icc_first.jpg"
    path.write_bytes(insert_after_app0(base, segment(0xE2, b"ICC_PROFILE\x00" + bytes(6000))))
    # when its metadata is read, then the GPS position is still found
    _, readings = read(path)
    assert only_position(readings).lat == pytest.approx(LAT, abs=1e-5)


def test_identifiers_are_facts_with_their_tag_as_source(tmp_path: Path):
    # given a JPEG naming the camera, its serial numbers, its owner and the software
    exif = exif_with(
        ifd0={0x010F: "ExampleCam", 0x0110: "EC-1", 0x0131: "Editor 2.1", 0x013B: "Sam Doe", 0x8298: "(c) Sam Doe"},
        exif_ifd={0xA431: "SN-4471", 0xA435: "LENS-77", 0xA430: "Sam Doe", 0x9003: "2024:05:18 10:42:07"},
    )
    path = tmp_path / "ids.jpg"
    path.write_bytes(jpeg_bytes(exif=exif))
    # when its metadata is read
    facts, readings = read(path)
    # then each identifier is a fact of the right kind, with the tag it came from, and there is no position
    found = {(f.kind, f.key, f.value, f.source) for f in facts}
    assert (FactKind.DEVICE_SERIAL, "BodySerialNumber", "SN-4471", "EXIF BodySerialNumber") in found
    assert (FactKind.DEVICE_SERIAL, "LensSerialNumber", "LENS-77", "EXIF LensSerialNumber") in found
    assert (FactKind.OWNER_NAME, "Artist", "Sam Doe", "EXIF Artist") in found
    assert (FactKind.OWNER_NAME, "Copyright", "(c) Sam Doe", "EXIF Copyright") in found
    assert (FactKind.DEVICE, "Make", "ExampleCam", "EXIF Make") in found
    assert (FactKind.SOFTWARE, "Software", "Editor 2.1", "EXIF Software") in found
    assert (FactKind.CAPTURE_TIME, "DateTimeOriginal", "2024:05:18 10:42:07", "EXIF DateTimeOriginal") in found
    # and the owner named twice (Artist, CameraOwnerName) is one fact, not two findings
    assert [f.value for f in facts if f.kind == FactKind.OWNER_NAME].count("Sam Doe") == 1
    assert readings == []


def test_placeholder_serials_and_control_characters_are_not_reported_as_given(tmp_path: Path):
    # given a blank serial number and an owner name carrying a terminal escape sequence
    exif = exif_with(ifd0={0x013B: "Sam\x1b[31m Doe\x07"}, exif_ifd={0xA431: "0000000000"})
    path = tmp_path / "odd.jpg"
    path.write_bytes(jpeg_bytes(exif=exif))
    # when its metadata is read
    facts, _ = read(path)
    # then the placeholder serial is dropped and the name is stored without control characters
    assert [f.value for f in facts if f.kind == FactKind.DEVICE_SERIAL] == []
    assert [f.value for f in facts if f.kind == FactKind.OWNER_NAME] == ["Sam[31m Doe"]


def test_gps_block_of_zero_over_zero_rationals_is_a_reading_with_a_problem(tmp_path: Path):
    # given a GPS IFD whose coordinates are 0/0 rationals (a camera without a fix)
    undefined = tuple(TiffImagePlugin.IFDRational(0, 0) for _ in range(3))
    path = tmp_path / "nofix.jpg"
    path.write_bytes(jpeg_bytes(exif=exif_with(gps={1: "N", 2: undefined, 3: "E", 4: undefined})))
    # when its metadata is read
    _, readings = read(path)
    # then there is one reading, with no position and the reason why
    reading = only_position(readings)
    assert reading.lat is None and "0/0" in reading.problem


def test_gps_block_without_coordinates_is_a_reading_without_position(tmp_path: Path):
    # given a GPS IFD holding only the version
    path = tmp_path / "version_only.jpg"
    path.write_bytes(jpeg_bytes(exif=exif_with(gps={0: b"\x02\x03\x00\x00"})))
    # when its metadata is read, then the block is reported, without a position
    reading = only_position(read(path)[1])
    assert reading.lat is None and reading.lon is None and "no coordinates" in reading.problem


def test_exif_comes_before_xmp(tmp_path: Path):
    # given a JPEG with a position in EXIF and another in XMP
    path = tmp_path / "both.jpg"
    path.write_bytes(jpeg_bytes(exif=exif_with(gps=gps_tags(LAT, LON)), xmp=xmp_gps("10,0N", "20,0E")))
    # when its metadata is read, then both are readings, EXIF first
    _, readings = read(path)
    assert [r.source for r in readings] == ["EXIF GPS IFD", "XMP exif:GPSLatitude"]
    assert readings[1].lat == pytest.approx(10.0)


def test_exif_thumbnail_and_mpf_preview_are_reported(tmp_path: Path):
    # given a JPEG with an IFD1 thumbnail, and a multi-picture (MPF) JPEG
    thumbnail = jpeg_bytes(picture(16, 12))
    with_thumbnail = tmp_path / "thumb.jpg"
    with_thumbnail.write_bytes(jpeg_bytes(exif=exif_with_thumbnail(thumbnail)))
    multi_picture = tmp_path / "mpf.jpg"
    picture().save(multi_picture, "MPO", save_all=True, append_images=[picture(24, 16)])
    # when their metadata is read
    thumbnail_facts = [f for f in read(with_thumbnail)[0] if f.kind == FactKind.THUMBNAIL]
    preview_facts = [f for f in read(multi_picture)[0] if f.kind == FactKind.THUMBNAIL]
    # then each embedded copy is a THUMBNAIL fact saying where it sits
    assert [f.source for f in thumbnail_facts] == ["EXIF IFD1 (thumbnail)"]
    assert f"{len(thumbnail):,} bytes" in thumbnail_facts[0].value
    assert [f.source for f in preview_facts] == ["JPEG APP2 MPF"]


def test_maker_note_claiming_billions_of_values_does_not_stall_the_reader(tmp_path: Path):
    # given a Canon-labelled JPEG whose MakerNote tag claims 2**31 bytes (exifread reads them one by one)
    exif = bytearray(exif_with(ifd0={0x010F: "Canon"}, exif_ifd={0x927C: b"\x00" * 8}).tobytes())
    order = "big" if exif[6:8] == b"MM" else "little"
    entry = exif.index((0x927C).to_bytes(2, order))  # the MakerNote entry: tag, type, count, offset
    exif[entry + 2 : entry + 8] = (7).to_bytes(2, order) + (2**31).to_bytes(4, order)  # UNDEFINED x 2**31
    path = tmp_path / "makernote.jpg"
    path.write_bytes(jpeg_bytes(exif=bytes(exif)))
    # when its metadata is read, then the parse stops at its budget and the plain tags survive
    facts, _ = read(path)
    assert ("Make", "Canon") in {(f.key, f.value) for f in facts}


# --- PNG ----------------------------------------------------------------------------------------


def test_png_exif_and_compressed_xmp_after_the_image_data_are_found(tmp_path: Path):
    # given a PNG whose eXIf chunk and zlib-compressed XMP iTXt chunk come after IDAT
    plain = tmp_path / "plain.png"
    picture().save(plain)
    exif = exif_with(gps=gps_tags(LAT, LON), ifd0={0x010F: "LateCam"}).tobytes()[6:]
    xmp = zlib.compress(xmp_packet("", 'aux:SerialNumber="SN-9"'))
    late = png_with_chunks_before_iend(
        plain.read_bytes(),
        png_chunk(b"eXIf", exif),
        png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + xmp),
    )
    path = tmp_path / "late.png"
    path.write_bytes(late)
    # when its metadata is read
    facts, readings = read(path)
    # then both are found
    assert only_position(readings).lon == pytest.approx(LON, abs=1e-5)
    assert ("aux:SerialNumber", "SN-9") in {(f.key, f.value) for f in facts}


def test_png_imagemagick_raw_exif_profile_is_found(tmp_path: Path):
    # given a PNG carrying EXIF the way ImageMagick writes it: hex digits in a zTXt "Raw profile type exif"
    block = exif_with(gps=gps_tags(LAT, LON)).tobytes()
    text = f"\nexif\n{len(block):8d}\n{block.hex()}\n".encode()
    plain = tmp_path / "plain.png"
    picture().save(plain)
    path = tmp_path / "raw_profile.png"
    chunk = png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(text))
    path.write_bytes(png_with_chunks_before_iend(plain.read_bytes(), chunk))
    # when its metadata is read, then the position is found
    assert only_position(read(path)[1]).lat == pytest.approx(LAT, abs=1e-5)


def test_png_text_chunk_that_inflates_without_end_is_cut_off(tmp_path: Path):
    # given a PNG whose XMP zTXt chunk inflates to 64 MB of spaces (a compression bomb)
    plain = tmp_path / "plain.png"
    picture().save(plain)
    bomb = zlib.compress(b" " * (64 << 20), 9)
    path = tmp_path / "bomb.png"
    path.write_bytes(png_with_chunks_before_iend(plain.read_bytes(), png_chunk(b"zTXt", b"XML:com.adobe.xmp\x00\x00" + bomb)))
    # when its metadata is read, then nothing comes of it (inflation stops at the cap)
    assert read(path) == ([], [])


# --- text fields (issue 14) ----------------------------------------------------------------------------


def test_the_issue_14_covert_detective_photo_gives_every_identity_and_place_field(tmp_path: Path):
    # given issue 14's example: IPTC By-line and Contact, XMP AuthorsPosition, CreatorWorkEmail and Location
    path = tmp_path / "covert.jpg"
    path.write_bytes(covert_detective_jpeg())
    # when its metadata is read
    facts, _ = read(path)
    found = {(f.kind, f.value) for f in facts}
    # then the by-line, e-mail, position and address are all there (a value written twice is one fact)
    assert (FactKind.OWNER_NAME, "Det. Jane Roe, Concord PD Narcotics") in found
    assert (FactKind.TEXT, "jroe@concordpd.org") in found
    assert (FactKind.TEXT, "Undercover detective") in found
    assert (FactKind.PLACE_TEXT, "1350 Galindo St") in found


def test_png_text_chunks_are_facts_and_a_location_chunk_is_a_place(tmp_path: Path):
    png = (tmp_path / "plain.png")
    picture().save(png, "PNG")
    chunks = [png_chunk(b"tEXt", b"Author\x00Jane Roe"), png_chunk(b"tEXt", b"Location\x00Heather Farm Park"),
              png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"Undercover detective")),
              png_chunk(b"iTXt", b"Description\x00\x00\x00\x00\x00jroe@concordpd.org")]
    path = tmp_path / "text.png"
    path.write_bytes(png_with_chunks_before_iend(png.read_bytes(), *chunks))
    facts, _ = read(path)
    assert {(f.kind, f.key, f.value) for f in facts} == {
        (FactKind.OWNER_NAME, "Author", "Jane Roe"),
        (FactKind.PLACE_TEXT, "Location", "Heather Farm Park"),
        (FactKind.TEXT, "Comment", "Undercover detective"),
        (FactKind.TEXT, "Description", "jroe@concordpd.org"),
    }


def test_exif_free_text_jpeg_comment_and_iptc_are_facts(tmp_path: Path):
    exif = exif_with(ifd0={0x010E: "Sgt. Miller's retirement", 0x9C9C: "Narcotics unit".encode("utf-16-le") + b"\0\0"},
                     exif_ifd={0x9286: b"ASCII\x00\x00\x00call 925-671-3000"})
    jpeg = jpeg_bytes(exif=exif.tobytes())
    path = tmp_path / "text.jpg"
    path.write_bytes(insert_after_app0(jpeg, segment(0xFE, b"Concord PD\x00"),
                                       photoshop_app13(iptc_dataset(90, "Concord"))))
    facts, _ = read(path)
    found = {(f.source, f.value) for f in facts}
    assert ("EXIF ImageDescription", "Sgt. Miller's retirement") in found
    assert ("EXIF XPComment", "Narcotics unit") in found
    assert ("EXIF UserComment", "call 925-671-3000") in found
    assert ("JPEG COM Comment", "Concord PD") in found
    assert ("JPEG APP13 IPTC City", "Concord") in found


def test_a_broken_app13_segment_gives_no_iptc_and_no_error(tmp_path: Path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(insert_after_app0(jpeg_bytes(), segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00")))
    assert read(path) == ([], [])


@pytest.mark.parametrize("fmt", SAVABLE)
def test_xmp_text_is_found_in_every_format(tmp_path: Path, fmt: str):
    # given the XMP packet a photo editor writes (WebP XMP chunk, HEIC/AVIF XMP item, PNG iTXt, TIFF tag 700 ...)
    packet = xmp_packet("<photoshop:AuthorsPosition>Undercover detective</photoshop:AuthorsPosition>",
                        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"')
    path = write(tmp_path / f"xmp.{FORMATS[fmt]}", fmt, xmp=packet)
    # when read, then the position is a text fact
    facts, _ = read(path)
    assert (FactKind.TEXT, "Undercover detective") in {(f.kind, f.value) for f in facts}


def test_iptc_in_a_tiff_tag_is_found(tmp_path: Path):
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[33723] = iptc_dataset(80, "Det. Jane Roe")
    info.tagtype[33723] = 7  # UNDEFINED: the IIM stream as bytes
    path = tmp_path / "iptc.tif"
    picture().save(path, "TIFF", tiffinfo=info)
    facts, _ = read(path)
    assert ("TIFF IPTC-NAA tag IPTC By-line", "Det. Jane Roe") in {(f.source, f.value) for f in facts}


def test_exif_block_cut_inside_its_user_comment_is_read_without_a_pillow_warning(tmp_path: Path):
    import warnings

    # given a JPEG whose EXIF block ends 40 bytes into its UserComment's text (found by bench/fuzz_inputs.py:
    # Pillow's "Truncated File Read" warning from the UserComment reader reached stderr from scan workers)
    exif = exif_with(ifd0={0x010F: "ExampleCam"}, exif_ifd={0x9286: b"ASCII\x00\x00\x00" + b"by-line " * 12})
    block = exif.tobytes()[:-40]
    path = tmp_path / "cut_comment.jpg"
    path.write_bytes(insert_after_app0(jpeg_bytes(), segment(0xE1, block)))
    # when its metadata is read, every warning recorded (an error would be swallowed by the reader)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        facts, _ = read(path)
    # then it is read quietly, the make included
    assert [str(w.message) for w in caught] == []
    assert ("Make", "ExampleCam") in [(f.key, f.value) for f in facts]
