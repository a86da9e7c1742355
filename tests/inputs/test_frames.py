"""Stills of more than one picture (inputs/frames.py): an animation's frames with their times, a TIFF's pages."""

from pathlib import Path

import pytest
from PIL import Image

from media_screen.errors import DecompressionBombError
from media_screen.inputs.frames import (
    MAX_ANIMATION_PIXELS_FACTOR, animation_frames, frame_count, page_count, tiff_pages,
)
from media_screen.inputs.source import Source
from media_screen.inputs.still import verify_still


def animated(path: Path, fmt: str, colours, durations=(100, 250, 400), size=(40, 30)) -> Path:
    """An animation whose frames are each one colour, shown for `durations` milliseconds."""
    frames = [Image.new("RGB", size, colour) for colour in colours]
    extra = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=list(durations), loop=0, **extra)
    return path


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_every_frame_of_an_animation_is_given_with_its_time(tmp_path: Path, fmt):
    # given an animated PNG or WebP of three coloured frames shown 0.1, 0.25 and 0.4 s
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    path = animated(tmp_path / f"a.{fmt.lower()}", fmt, colours)
    # when its frames are read
    with Source.open(path) as source:
        assert frame_count(source, 10**8) == 3
        info, count, frames = animation_frames(source, 10**8)
        shown = list(frames)
    # then every frame, in order, as shown (BGR), with the times it appears and gives way
    assert count == 3 and (info.width, info.height) == (40, 30)
    assert [(round(start, 3), round(end, 3)) for start, end, _ in shown] == [(0.0, 0.1), (0.1, 0.35), (0.35, 0.75)]
    assert [tuple(int(v) for v in frame.pixels[5, 5][::-1]) for _, _, frame in shown] == colours
    assert [frame.time_s for _, _, frame in shown] == [0.0, 0.1, 0.35]


def test_a_still_png_and_a_jpeg_have_one_frame(tmp_path: Path):
    (tmp_path / "still.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "still.jpg").write_bytes(image_bytes("JPEG"))
    for name in ("still.png", "still.jpg"):
        with Source.open(tmp_path / name) as source:
            assert frame_count(source, 10**8) == 1


def test_an_animation_of_too_many_pixels_in_all_is_refused(tmp_path: Path):
    # given an animation of twelve 40x30 frames, and a limit that one frame passes but the twelve do not
    path = animated(tmp_path / "a.png", "PNG", [(i, i, i) for i in range(12)], durations=[100] * 12)
    limit = 1500
    assert 40 * 30 <= limit and 12 * 40 * 30 > MAX_ANIMATION_PIXELS_FACTOR * limit
    # when its frames are asked for, then it is refused as a bomb before any frame is decoded
    with Source.open(path) as source, pytest.raises(DecompressionBombError, match="12 pictures .frames or pages. of 40x30"):
        animation_frames(source, limit)



def image_bytes(fmt: str) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def test_every_page_of_a_tiff_is_given_with_its_own_size(tmp_path: Path):
    # given a TIFF document of two pages of different sizes
    first, second = Image.new("RGB", (40, 30), (10, 20, 30)), Image.new("RGB", (50, 20), (200, 100, 50))
    path = tmp_path / "doc.tif"
    first.save(path, save_all=True, append_images=[second])
    # when its pages are read
    with Source.open(path) as source:
        assert page_count(source, 10**8) == 2 and frame_count(source, 10**8) == 1  # pages are not an animation
        info, count, pages = tiff_pages(source, 10**8)
        shown = list(pages)
    # then both, each at its own size and in its own colour, the media info giving the first page's
    assert count == 2 and (info.width, info.height) == (40, 30)
    assert [size for _, size in shown] == [(40, 30), (50, 20)]
    assert [tuple(int(v) for v in frame.pixels[3, 3][::-1]) for frame, _ in shown] == [(10, 20, 30), (200, 100, 50)]


def test_a_metadata_sweep_finds_a_tiff_page_too_large(tmp_path: Path):
    # given a TIFF whose first page is small and whose second is over the pixel limit
    path = tmp_path / "doc.tif"
    Image.new("RGB", (10, 10)).save(path, save_all=True, append_images=[Image.new("RGB", (60, 60))])
    # when the sweep checks it, then it is refused as a bomb
    with Source.open(path) as source, pytest.raises(DecompressionBombError, match="page 2"):
        verify_still(source, 1000)
