import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media_screen.errors import CorruptMediaError, DecompressionBombError, UnsupportedMediaError
from media_screen.inputs.still import decode_file, decode_still_views, verify_still
from media_screen.inputs.source import Source, probe_bytes, probe_file
from media_screen.model import MediaType


def image_bytes(fmt: str, size=(32, 16), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "fmt, media_type",
    [("JPEG", MediaType.JPEG), ("PNG", MediaType.PNG), ("WEBP", MediaType.WEBP), ("TIFF", MediaType.TIFF)],
)
def test_probe_identifies_format_by_content(fmt, media_type):
    assert probe_bytes(image_bytes(fmt)).media_type == media_type


def test_probe_identifies_heic_by_brand():
    import pillow_heif

    pillow_heif.register_heif_opener()
    assert probe_bytes(image_bytes("HEIF")).media_type == MediaType.HEIF


@pytest.mark.parametrize(
    "head, name",
    [
        (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ", "MOV"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "MP4"),
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x003gp4", "3GP"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "AVI"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00webm", "WebM"),
    ],
)
def test_probe_identifies_video_containers(head, name):
    probe = probe_bytes(head + b"\x00" * 64)
    assert probe.media_type == MediaType.VIDEO and probe.format_name == name


def test_probe_identifies_mpeg_ts_with_timecode_prefix():
    packet = b"\x00\x00\x00\x00\x47" + b"\xff" * 187
    assert probe_bytes(packet * 4).format_name == "MPEG-TS"


def test_probe_ignores_the_extension(tmp_path: Path):
    # given a JPEG named .png / when probed / then it is a JPEG
    path = tmp_path / "photo.png"
    path.write_bytes(image_bytes("JPEG"))
    assert probe_file(path).media_type == MediaType.JPEG


def test_text_file_is_unsupported(tmp_path: Path):
    path = tmp_path / "notes.jpg"
    path.write_text("hello, not an image")
    with pytest.raises(UnsupportedMediaError):
        probe_file(path)


def test_empty_file_is_corrupt(tmp_path: Path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(CorruptMediaError, match="0 bytes"):
        probe_file(path)


def test_truncated_jpeg_is_corrupt(tmp_path: Path):
    data = image_bytes("JPEG", size=(256, 256), quality=95)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMediaError):
        decode_file(path, 10_000_000)


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path):
    path = tmp_path / "big.png"
    path.write_bytes(image_bytes("PNG", size=(400, 300)))
    with pytest.raises(DecompressionBombError):
        decode_file(path, max_pixels=10_000)


def rotated_jpeg(path: Path) -> Path:
    """A blue 40x20 JPEG stored with EXIF orientation 6 (rotate 90 cw to display: 20 wide, 40 high)."""
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6
    image.save(path, "JPEG", exif=exif)
    return path


def test_exif_orientation_is_applied(tmp_path: Path):
    # given a 40x20 image stored with orientation 6 (rotate 90 cw to display)
    path = rotated_jpeg(tmp_path / "rotated.jpg")
    # when decoded / then pixels are upright (20 wide, 40 high) and BGR
    frame, info = decode_file(path, 10_000_000)
    assert (frame.width, frame.height) == (20, 40)
    assert (info.width, info.height, info.orientation) == (20, 40, 6)
    assert frame.pixels.dtype == np.uint8 and frame.pixels[10, 10, 0] > 200  # blue lands in channel 0 (BGR)


def test_verify_still_reports_upright_size_without_keeping_pixels(tmp_path: Path):
    path = rotated_jpeg(tmp_path / "rotated.jpg")
    info = verify_still(Source.open(path), 10_000_000)
    assert (info.width, info.height, info.orientation) == (20, 40, 6)


def test_verify_still_finds_a_truncated_jpeg(tmp_path: Path):
    # given a detailed JPEG cut in half / when verified / then it is corrupt, as in a full decode
    noisy = io.BytesIO()
    Image.effect_noise((512, 512), 80).convert("RGB").save(noisy, "JPEG", quality=95)
    path = tmp_path / "cut.jpg"
    path.write_bytes(noisy.getvalue()[: len(noisy.getvalue()) // 2])
    with pytest.raises(CorruptMediaError):
        verify_still(Source.open(path), 10_000_000)


def test_damaged_exif_tag_is_not_printed_as_a_pillow_warning(tmp_path: Path):
    import warnings

    # given a JPEG whose EXIF Make tag claims 16 million characters (found by bench/fuzz_inputs.py:
    # Pillow's "Tag data larger than file" warning reached stderr from the scan's workers)
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"
    data = bytearray(image_bytes("JPEG", exif=exif))
    count_at = data.index(b"\x01\x0f\x00\x02") + 4  # tag 271, type ASCII, then the count
    data[count_at : count_at + 4] = (0xFFFFFF).to_bytes(4, "big")
    path = tmp_path / "long_make.jpg"
    path.write_bytes(bytes(data))
    # when it is verified and decoded with every warning turned into an error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = verify_still(Source.open(path), 10_000_000)
        frame, _ = decode_file(path, 10_000_000)
    # then both succeed quietly: the picture itself is whole
    assert (info.width, info.height) == (32, 16) and frame.pixels.shape == (16, 32, 3)


def test_a_jpeg_is_decoded_straight_to_the_published_size_with_dct_scaling(tmp_path: Path, monkeypatch):
    from PIL import JpegImagePlugin

    # given a 4000x3000 JPEG, and Pillow's draft watched
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (20, 160, 60)).save(path, "JPEG")
    drafts = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def watched(self, mode, size):
        drafts.append(size)
        return real_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", watched)
    # when decoded for a 2048 px long side
    frame, info = decode_file(path, 100_000_000, long_side=2048)
    # then the decoder was asked for half size, the frame has the exact published size, the info the original's
    assert drafts == [(2000, 1500)]
    assert (frame.width, frame.height) == (2048, 1536)
    assert (info.width, info.height) == (4000, 3000)
    assert abs(int(frame.pixels[768, 1024, 1]) - 160) <= 3  # colour kept (BGR)


def test_a_jpeg_one_pixel_tall_and_very_wide_is_decoded(tmp_path: Path):
    # given a 20000 x 1 JPEG (a fuzzed header declared 65535 x 1): DCT scaling would ask for 0 rows
    path = tmp_path / "strip.jpg"
    Image.new("RGB", (20000, 1), (20, 160, 60)).save(path, "JPEG")
    # when decoded for a 2048 px long side / then it is, at the published size, not a crash
    frame, info = decode_file(path, 100_000_000, long_side=2048)
    assert (info.width, info.height) == (20000, 1) and frame.width == 2048 and frame.height >= 1


def test_an_upright_turned_photo_is_published_at_its_long_side(tmp_path: Path):
    # given a 400x300 JPEG stored with orientation 6 (shown 300 wide, 400 high)
    image = Image.new("RGB", (400, 300), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6
    path = tmp_path / "turned.jpg"
    image.save(path, "JPEG", exif=exif)
    # when decoded for a 200 px long side / then the frame is upright at 150x200 and the info says 300x400
    frame, info = decode_file(path, 10_000_000, long_side=200)
    assert (frame.width, frame.height) == (150, 200)
    assert (info.width, info.height, info.orientation) == (300, 400, 6)


def test_a_png_is_resized_to_the_published_size_and_a_small_photo_is_left_alone(tmp_path: Path):
    path = tmp_path / "big.png"
    Image.new("RGB", (3000, 1000), (10, 20, 30)).save(path, "PNG")
    frame, info = decode_file(path, 10_000_000, long_side=1080)
    assert (frame.width, frame.height, info.width, info.height) == (1080, 360, 3000, 1000)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (640, 480), (10, 20, 30)).save(small, "JPEG")
    frame, _ = decode_file(small, 10_000_000, long_side=1080)
    assert (frame.width, frame.height) == (640, 480)


def test_a_metadata_sweep_finds_a_truncated_later_frame_of_an_animation(tmp_path: Path):
    # given an animated PNG of five noisy frames cut off in its third frame (the first frame is whole)
    frames = [Image.fromarray(np.random.default_rng(i).integers(0, 255, (60, 80, 3), dtype=np.uint8)) for i in range(5)]
    whole = tmp_path / "whole.png"
    frames[0].save(whole, save_all=True, append_images=frames[1:], duration=100)
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    # when the sweep checks that each decodes, then the whole one passes and the cut one is corrupt
    with Source.open(whole) as source:
        assert verify_still(source, 10**8).width == 80
    with Source.open(cut) as source, pytest.raises(CorruptMediaError):
        verify_still(source, 10**8)


def see_through(path: Path, rgb: np.ndarray, alpha: np.ndarray) -> Path:
    Image.fromarray(np.dstack([rgb, alpha]).astype(np.uint8), "RGBA").save(path)
    return path


def test_see_through_pixels_are_decoded_over_white_and_also_given_over_black(tmp_path: Path):
    # given a PNG of black and white squares on a wholly see-through background (that hides black)
    rgb, alpha = np.zeros((20, 40, 3), np.uint8), np.zeros((20, 40), np.uint8)
    rgb[5:15, 25:35] = 255
    alpha[5:15, 5:15] = alpha[5:15, 25:35] = 255
    path = see_through(tmp_path / "sticker.png", rgb, alpha)
    # when it is decoded with its other views
    with Source.open(path) as source:
        frame, _, views = decode_still_views(source, 10**8)
    # then the decoded picture is over white (the black square shows), as decode_still gives it, and the one other
    # view over black (the white square shows); the hidden colours are all one, so no view without the alpha channel
    assert frame.pixels[0, 0].tolist() == [255, 255, 255] and frame.pixels[10, 10].tolist() == [0, 0, 0]
    assert np.array_equal(frame.pixels, decode_file(path, 10**8)[0].pixels)
    assert [name for name, _ in views] == ["over a dark background"]
    dark = views[0][1].pixels
    assert dark[0, 0].tolist() == [0, 0, 0] and dark[10, 30].tolist() == [255, 255, 255]


def test_colours_hidden_under_see_through_pixels_are_a_view_of_their_own(tmp_path: Path):
    # given a PNG whose see-through pixels hide a red square (shown where a platform drops the alpha channel)
    rgb, alpha = np.full((20, 40, 3), 255, np.uint8), np.zeros((20, 40), np.uint8)
    rgb[5:15, 5:15] = (255, 0, 0)
    alpha[:2, :2] = 255
    path = see_through(tmp_path / "hidden.png", rgb, alpha)
    with Source.open(path) as source:
        views = dict(decode_still_views(source, 10**8)[2])
    assert set(views) == {"over a dark background", "under its transparency"}
    assert views["under its transparency"].pixels[10, 10].tolist() == [0, 0, 255]  # BGR: the red square


def test_an_opaque_png_has_no_other_view(tmp_path: Path):
    rgb, alpha = np.zeros((20, 40, 3), np.uint8), np.full((20, 40), 255, np.uint8)
    with Source.open(see_through(tmp_path / "opaque.png", rgb, alpha)) as source:
        assert decode_still_views(source, 10**8)[2] == []
    (tmp_path / "plain.png").write_bytes(image_bytes("PNG"))
    with Source.open(tmp_path / "plain.png") as source:
        assert decode_still_views(source, 10**8)[2] == []


def test_a_see_through_still_and_its_views_come_from_one_decode(tmp_path: Path, monkeypatch):
    # given a see-through PNG, and a count of the times Pillow opens a picture
    rgb, alpha = np.zeros((20, 40, 3), np.uint8), np.zeros((20, 40), np.uint8)
    alpha[5:15, 5:15] = 255
    path = see_through(tmp_path / "sticker.png", rgb, alpha)
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(1) or real_open(*args, **kwargs))
    # when it is decoded with its other views
    with Source.open(path) as source:
        _, _, views = decode_still_views(source, 10**8)
    # then it was opened once (a second decode for the views is gone), and the view over black is there
    assert len(opened) == 1 and [name for name, _ in views] == ["over a dark background"]
