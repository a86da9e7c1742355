"""Frames turned the way they are shown: the display matrix (rotation, mirroring) applied before any detector."""

from __future__ import annotations

from typing import Iterator

import av
import numpy as np

from media_screen.detectors.frame_cache import frozen
from media_screen.model import Frame
from media_screen.publish import published_size
from media_screen.video.sampling import Sample


def upright_size(frame: av.VideoFrame | None) -> tuple[int, int] | None:
    if frame is None:
        return None
    matrix = display_matrix(frame)
    turned = (matrix is not None and matrix[0] == 0) or (matrix is None and abs(frame.rotation or 0) == 90)
    return (frame.height, frame.width) if turned else (frame.width, frame.height)



def side_data(frame: av.VideoFrame) -> Iterator["av.sidedata.sidedata.SideData"]:
    """The frame's side data entries. PyAV 18.1.0 iterates over the entries; 18.1.1 made the container a
    mapping that iterates over their types (and its values() fails on 18.1.0), so both are read here."""
    container = frame.side_data
    for item in container:
        yield item if hasattr(item, "buffer_size") else container[item]


def display_matrix(frame: av.VideoFrame) -> tuple[int, int, int, int] | None:
    """(a, b, c, d) of the frame's display matrix, each rounded to -1, 0 or 1; None without one."""
    for entry in side_data(frame):
        if entry.type == av.sidedata.sidedata.Type.DISPLAYMATRIX and entry.buffer_size >= 36:
            values = np.frombuffer(bytes(memoryview(entry))[:36], dtype="<i4")
            a, b, c, d = (int(np.sign(round(v / 65536))) for v in (values[0], values[1], values[3], values[4]))
            if (a, b, c, d) != (0, 0, 0, 0):
                return a, b, c, d
    return None


def upright(pixels: np.ndarray, matrix: tuple[int, int, int, int] | None) -> np.ndarray:
    """Apply a display matrix's rotation / mirroring (FFmpeg convention: x' = a x + c y, y' = b x + d y)."""
    if matrix is None:
        return pixels
    a, b, c, d = matrix
    if a == 0 and d == 0 and b and c:  # 90 or 270 degrees (or a transpose)
        out = pixels.transpose(1, 0, 2)
        if b < 0:
            out = out[::-1, :]
        if c < 0:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)
    out = pixels
    if a < 0:
        out = out[:, ::-1]
    if d < 0:
        out = out[::-1, :]
    return out if out is pixels else np.ascontiguousarray(out)


def upright_frame(sample: Sample, long_side: int | None = None) -> Frame:
    """The sample as BGR pixels, turned upright; scaled to `long_side` by the same conversion (once)."""
    coded = (sample.frame.width, sample.frame.height)
    width, height = published_size(*coded, long_side)
    if (width, height) == coded:
        pixels = sample.frame.to_ndarray(format="bgr24")
    else:
        pixels = sample.frame.to_ndarray(format="bgr24", width=width, height=height, interpolation="AREA")
    matrix = display_matrix(sample.frame)
    if matrix is None and sample.frame.rotation:
        pixels = np.ascontiguousarray(np.rot90(pixels, k=int(sample.frame.rotation) // 90))
    else:
        pixels = upright(pixels, matrix)
    return Frame(pixels=frozen(pixels), time_s=round(sample.time_s, 3), index=sample.index)
