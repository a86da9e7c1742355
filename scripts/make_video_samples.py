#!/usr/bin/env python3
"""Make the short sample clips in sample_media/video/ and record what each should give in expected.json.

Every clip is built from skimage's bundled stills and encoded with PyAV (the FFmpeg
inside its wheel), so the script needs no network and no other media:

  face_2s_to_4s.mp4        the astronaut's head pans across from 2.0 s to 4.0 s (face detector time range)
  location_keys.mov        QuickTime Keys com.apple.quicktime.location.ISO6709 (Todos Santos Plaza, Concord CA)
  location_loci_hq.mp4     3GPP loci inside the Concord PD headquarters radius (sensitive place)
  location_zero.mov        udta (c)xyz of +00.0000+000.0000/ (no fix: reported invalid)
  truncated.3gp            location (3GPP loci) intact, media data cut at 45 %: ERROR, "decoded to ... of ..."
  MVIMG_motion_photo.jpg   a motion photo: a JPEG with a 2 s QuickTime clip after it whose Keys hold the location
                           (the picture has none): the hidden video's location is the file's

Run:  ~/.venvs/media-screen/bin/python scripts/make_video_samples.py
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Mapping

import av
import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_media" / "video"
EXPECTED = REPO / "sample_media" / "expected.json"

FACE_START_S, FACE_END_S = 2.0, 4.0
PLAZA = "+37.9780-122.0313+020.000/"  # Todos Santos Plaza, Concord CA (outside the HQ radius)
HQ = "+37.9748-122.0304/"  # Concord PD headquarters, 1350 Galindo St
ZERO = "+00.0000+000.0000/"


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: int = 10,
    container_format: str | None = None,
    codec: str = "libx264",
    metadata: Mapping[str, str] | None = None,
    muxer_options: Mapping[str, str] | None = None,
    rotation: int = 0,
    gop: int | None = None,
) -> Path:
    """Encode RGB uint8 frames (all the same size) into a small clip."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=container_format, options=dict(muxer_options or {})) as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        stream = container.add_stream(codec, rate=Fraction(fps))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop or fps
        if codec == "libx264":
            stream.options = {"crf": "30", "preset": "veryfast", "tune": "stillimage"}
        if rotation:
            stream.set_display_rotation(rotation)
        for pixels in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")))
        container.mux(stream.encode(None))
    return path


def background(width: int, height: int, shift: int = 0) -> np.ndarray:
    """A soft gradient with two plain shapes: nothing a detector should find."""
    y, x = np.mgrid[0:height, 0:width]
    frame = np.empty((height, width, 3), np.uint8)
    frame[..., 0] = 90 + (x + shift) % width * 60 // width
    frame[..., 1] = 110 + y * 50 // height
    frame[..., 2] = 140
    frame[height // 8 : height // 3, width // 12 : width // 4] = (200, 190, 170)
    frame[2 * height // 3 : 7 * height // 8, 3 * width // 4 : 11 * width // 12] = (70, 80, 95)
    return frame


def astronaut_head(height: int) -> np.ndarray:
    """The astronaut's head and shoulders (no flag, no patches), scaled to `height` pixels."""
    from PIL import Image
    from skimage import data

    crop = data.astronaut()[0:240, 110:340]
    width = round(crop.shape[1] * height / crop.shape[0])
    return np.asarray(Image.fromarray(crop).resize((width, height), Image.LANCZOS))


def face_pass_frames(width: int = 320, height: int = 240, fps: int = 10, seconds: float = 6.0) -> list[np.ndarray]:
    """The head pans left to right while FACE_START_S <= t < FACE_END_S; background only otherwise."""
    head = astronaut_head(int(height * 0.7))
    frames = []
    for i in range(int(seconds * fps)):
        t = i / fps
        frame = background(width, height)
        if FACE_START_S <= t < FACE_END_S:
            progress = (t - FACE_START_S) / (FACE_END_S - FACE_START_S)
            left = int(10 + progress * (width - head.shape[1] - 20))
            top = (height - head.shape[0]) // 2
            frame[top : top + head.shape[0], left : left + head.shape[1]] = head
        frames.append(frame)
    return frames


def plain_frames(width: int = 160, height: int = 120, fps: int = 5, seconds: float = 2.0) -> list[np.ndarray]:
    return [background(width, height, shift=i * 4) for i in range(int(seconds * fps))]


def truncate_media_data(path: Path, fraction: float) -> None:
    """Cut the file inside its `mdat` box at `fraction` of the media data (moov comes first and survives)."""
    from media_screen.metadata.bmff import BoxReader

    data = path.read_bytes()
    with open(path, "rb") as handle:
        reader = BoxReader(handle, len(data))
        mdat = next(box for _, box in reader.walk() if box.type == b"mdat")
    path.write_bytes(data[: mdat.payload_offset + int(mdat.payload_size * fraction)])


def make_motion_photo(path: Path, clip: Path) -> Path:
    """A JPEG of the background with `clip` after it, as phones save a motion photo; the clip file is removed."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.fromarray(background(160, 120)).save(picture, "JPEG", quality=85)
    path.write_bytes(picture.getvalue() + clip.read_bytes())
    clip.unlink()
    return path


def update_expected(entries: Mapping[str, dict]) -> None:
    """Load expected.json, replace only our own keys, write it back (other scripts own the rest)."""
    current = json.loads(EXPECTED.read_text("utf-8")) if EXPECTED.exists() else {}
    current.update(entries)
    EXPECTED.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8")


def verdicts(official: str, personal: str, covert: str) -> dict:
    return {"official": official, "personal": personal, "covert": covert}


def main() -> int:
    faststart = {"movflags": "faststart"}
    keys = {"movflags": "use_metadata_tags+faststart"}
    write_clip(OUT / "face_2s_to_4s.mp4", face_pass_frames(), muxer_options=faststart)
    write_clip(OUT / "location_keys.mov", plain_frames(), fps=5, container_format="mov", muxer_options=keys,
               metadata={"com.apple.quicktime.location.ISO6709": PLAZA, "com.apple.quicktime.make": "Apple",
                         "com.apple.quicktime.model": "iPhone 12"})
    write_clip(OUT / "location_loci_hq.mp4", plain_frames(), fps=5, muxer_options=faststart,
               metadata={"location": HQ})  # the mp4 muxer writes "location" as 3GPP loci
    write_clip(OUT / "location_zero.mov", plain_frames(), fps=5, container_format="mov", muxer_options=faststart,
               metadata={"location": ZERO})  # the mov muxer writes it as udta (c)xyz
    truncated = write_clip(OUT / "truncated.3gp", plain_frames(seconds=6.0), fps=5, container_format="3gp",
                           muxer_options=faststart, metadata={"location": PLAZA})
    truncate_media_data(truncated, 0.45)
    hidden = write_clip(OUT / "motion_clip.tmp.mov", plain_frames(), fps=5, container_format="mov", muxer_options=keys,
                        metadata={"com.apple.quicktime.location.ISO6709": PLAZA})
    make_motion_photo(OUT / "MVIMG_motion_photo.jpg", hidden)
    update_expected({
        "video/face_2s_to_4s.mp4": {
            **verdicts("CLEAR", "CLEAR", "CLEAR"),
            "sections": [],
            "detectors": "all",
            "detections": ["face"],
            "time_ranges": {"face": [FACE_START_S, FACE_END_S]},
            "note": "astronaut's head pans across between 2.0 s and 4.0 s; sampled once a second",
        },
        "video/location_keys.mov": {
            **verdicts("REVIEW", "REVIEW", "DO_NOT_POST"),
            "sections": ["B.10"],
            "location": [37.978, -122.0313],
            "location_source": "QuickTime Keys com.apple.quicktime.location.ISO6709",
        },
        "video/location_loci_hq.mp4": {
            **verdicts("DO_NOT_POST", "DO_NOT_POST", "DO_NOT_POST"),
            "sections": ["B.10"],
            "location": [37.9748, -122.0304],
            "location_source": "3GPP udta loci",
            "sensitive_place": True,
        },
        "video/location_zero.mov": {
            **verdicts("CLEAR", "CLEAR", "CLEAR"),
            "sections": [],
            "location": None,
            "location_invalid": True,
        },
        "video/MVIMG_motion_photo.jpg": {
            **verdicts("REVIEW", "REVIEW", "DO_NOT_POST"),
            "sections": ["B.10"],
            "location": [37.978, -122.0313],
            "location_source": "embedded video QuickTime Keys com.apple.quicktime.location.ISO6709",
            "note": "motion photo: the location is in the video hidden after the picture",
        },
        "video/truncated.3gp": {
            **verdicts("ERROR", "ERROR", "ERROR"),
            "sections": ["B.10"],
            "location": [37.978, -122.0313],
            "error_contains": "decoded to",
        },
    })
    for clip in sorted(OUT.iterdir()):
        print(f"{clip.relative_to(REPO)}: {clip.stat().st_size:,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
