"""Redact one video: every frame masked, not only the frames the detectors looked at.

Two passes over the stream. Pass 1 decodes every frame and runs the detectors on
every `detect_every`-th frame (and the last one), linking detections of the same
object into tracks (`media_screen.video.tracking.assign`). Pass 2 decodes again
and masks each frame from the tracks: between two detections the box is
interpolated and dilated by up to half the motion between them; before a
track's first detection and after its last, the box is held (growing with the
track's speed) back to the previous detection frame and on to the next one, so
an object that appears or leaves between two detection frames is still masked.
On each detection frame the obscured picture is searched again by the detectors
that found something there; an object they still recognise through the mosaic
or blur gets its whole track filled.

Later rounds (redactor.py): when the re-scan of the copy still finds an object, pass 1 is not run
again; the object is followed backwards and forwards from the frame it was seen in (follow.py) and
masked along that track, or, when it lies under an existing track's mask (seen through it), that
track is filled; then pass 2 writes the copy again.

The copy is written at the published size (--publish: a larger video is scaled down to the platform's
long side, once, while each frame is converted from the decoder's format; the detectors, the masks and
the re-scan all work in the copy's pixels; `--publish full` keeps the original size).

The copy is a new container (MP4 unless the input was MOV / MKV): H.264 (libx264,
or MPEG-4 part 2 when this FFmpeg lacks it), rotation baked into the pixels, no
container or stream tags, no location atoms, no data / telemetry / subtitle
streams, audio only with `--keep-audio`.

Coverage check: in every frame, every tracked object (from its first to its last
detection, and every raw detection) must lie under the mask drawn in that frame;
frames where one does not are counted and must be zero.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

import av
import numpy as np

from media_screen.config import Profile
from media_screen.detectors.base import Detector
from media_screen.errors import CorruptMediaError
from media_screen.model import Box, Detection, DetectionKind, Frame, ObscuredRegion, RemovedMetadata
from media_screen.redact.options import CHECK_THRESHOLD_FACTOR, REDACT_THRESHOLD_FACTOR, RedactOptions, RedactStyle
from media_screen.redact.follow import FOLLOW_FACTOR, Seed, follow, near, seed_at
from media_screen.redact.recheck import detect_near
from media_screen.redact.regions import FILL_FLAG, Region, Shape, corner_pair, obscure, obscure_checked, region_for
from media_screen.pipeline import TimeCheck, no_time_bound
from media_screen.redact.writer import Writer
from media_screen.sanitize import clean_text
from media_screen.inputs.source import Source
from media_screen.video.orientation import display_matrix, upright_frame, upright_size
from media_screen.video.sampling import Progress, Sample, StreamTiming
from media_screen.video.stream import incomplete_reason, video_stream
from media_screen.video.tracking import assign

MAX_MISSES = 2  # detection frames a track may go unseen before it ends
BASE_PAD = 0.05  # of the box's larger side, on every side of an interpolated or held box
MOTION_PAD = 0.5  # of the displacement between two detections, at the midpoint
COVERAGE_CORE = 0.8  # the central part of an object's box that must be under the mask
COVERAGE_MIN = 0.99
SCENE_SHARE = 0.9  # of the frame a re-scan's box covers for it to be a finding about the whole scene
UNDER_MASK_SHARE = 0.8  # of a re-scan's box inside a mask for the object to count as seen through that mask
KEEP_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
COPYABLE_AUDIO = {"mp4": {"aac", "mp3", "alac"}, "mov": {"aac", "mp3", "alac", "pcm_s16le"},
                  "matroska": {"aac", "mp3", "opus", "vorbis", "flac", "pcm_s16le"}}


def output_suffix(source: Path) -> str:
    return source.suffix if source.suffix.lower() in KEEP_CONTAINERS else ".mp4"


@dataclass(frozen=True)
class VideoRedaction:
    suffix: str
    method: str
    obscured: tuple[ObscuredRegion, ...]
    removed: tuple[RemovedMetadata, ...]
    kept: tuple[str, ...]
    frames_total: int
    frames_unmasked: int
    plan: "_Pass1 | None" = None  # the tracks masked, for the next round
    followed: int = 0  # objects the re-scan of an earlier copy found, followed and masked in this one


# --- tracks ---------------------------------------------------------------------------------------


@dataclass
class MaskTrack:
    """One object's detections on detection frames; gives its mask in any frame."""

    kind: DetectionKind
    detector: str
    keys: list[tuple[int, Detection]] = field(default_factory=list)
    misses: int = 0
    hold_before: int = 0  # frames masked before the first detection
    hold_after: int = 0  # ... and after the last
    force_fill: bool = False  # a re-scan saw the object through its mask

    @property
    def fill(self) -> bool:
        """True when a detector recognised the object through the chosen style: the whole track is filled."""
        return self.force_fill or any(d.evidence.get(FILL_FLAG) for _, d in self.keys)

    @property
    def first(self) -> int:
        return self.keys[0][0]

    @property
    def last(self) -> int:
        return self.keys[-1][0]

    def span(self) -> tuple[int, int]:
        return self.first - self.hold_before, self.last + self.hold_after

    def box_at(self, index: int) -> tuple[Box, float] | None:
        """(the object's expected box, padding to add) in frame `index`; None outside the track's span."""
        start, end = self.span()
        if not start <= index <= end:
            return None
        if index <= self.first:
            return self._held(self.keys[0][1].box, self.first - index, self._speed(0))
        if index >= self.last:
            return self._held(self.keys[-1][1].box, index - self.last, self._speed(len(self.keys) - 1))
        for (fa, a), (fb, b) in zip(self.keys, self.keys[1:]):
            if fa <= index <= fb:
                t = (index - fa) / (fb - fa)
                box = Box(*(pa + (pb - pa) * t for pa, pb in zip(_corners(a.box), _corners(b.box))))
                (ax, ay), (bx, by) = a.box.center, b.box.center
                motion = max(abs(bx - ax), abs(by - ay)) * MOTION_PAD * (1 - abs(2 * t - 1))
                return box, motion + BASE_PAD * max(box.width, box.height)
        return None

    def _speed(self, key: int) -> float:
        """Pixels per frame around key `key` (0 for a single detection)."""
        if len(self.keys) < 2:
            return 0.0
        (fa, a), (fb, b) = (self.keys[0], self.keys[1]) if key == 0 else (self.keys[key - 1], self.keys[key])
        (ax, ay), (bx, by) = a.box.center, b.box.center
        return max(abs(bx - ax), abs(by - ay)) / max(fb - fa, 1)

    @staticmethod
    def _held(box: Box, frames_away: int, speed: float) -> tuple[Box, float]:
        size = max(box.width, box.height)
        return box, BASE_PAD * size + (speed + 0.02 * size) * frames_away

    def region_at(self, index: int, options: RedactOptions) -> tuple[Region, Box] | None:
        """The region to draw in frame `index` and the box it must cover."""
        found = self.box_at(index)
        if found is None:
            return None
        box, pad = found
        grown = Detection(self.kind, "", 1.0, Box(box.x1 - pad, box.y1 - pad, box.x2 + pad, box.y2 + pad),
                          self.detector)
        region = region_for(grown, options)
        if region.shape == Shape.POLYGON:  # no quad between detections: a box, in every frame alike
            region = Region(region.kind, Shape.BOX, corner_pair(region.bounds), region.score, region.detector)
        return region, box


def _corners(box: Box) -> tuple[float, float, float, float]:
    return box.x1, box.y1, box.x2, box.y2


def link_keyframes(
    keyframes: Sequence[tuple[int, Sequence[Detection]]], stride: int, last_index: int
) -> list[MaskTrack]:
    """Tracks from the detections on detection frames (frame index, detections), in frame order."""
    open_tracks: list[MaskTrack] = []
    tracks: list[MaskTrack] = []
    previous = None
    for index, detections in keyframes:
        pairs = assign([track.keys[-1][1] for track in open_tracks], detections)
        used_t, used_d = {t for t, _ in pairs}, {d for _, d in pairs}
        for t_index, d_index in pairs:
            open_tracks[t_index].keys.append((index, detections[d_index]))
            open_tracks[t_index].misses = 0
        for t_index, track in enumerate(open_tracks):
            if t_index not in used_t:
                track.misses += 1
        for d_index, detection in enumerate(detections):
            if d_index not in used_d:
                track = MaskTrack(detection.kind, detection.detector, [(index, detection)])
                # unseen on the previous detection frame: masked back to it (it may have been missed there)
                track.hold_before = index - previous if previous is not None else index
                open_tracks.append(track)
                tracks.append(track)
        open_tracks = [t for t in open_tracks if t.misses <= MAX_MISSES]
        previous = index
    for track in tracks:  # held on to the next detection frame where it was not seen (or the end)
        track.hold_after = min(stride, last_index - track.last)
    return tracks


# --- passes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pass1:
    frames: int
    times: list[float]
    tracks: list[MaskTrack]
    width: int  # of the copy: upright, at the published size
    height: int
    rotated: bool
    long_side: int | None  # the published long side the frames are scaled to (None: the original size)
    scaled_from: tuple[int, int] | None  # the upright original's size, when the copy is smaller


def _decoded(container, stream) -> Iterator[av.VideoFrame]:
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                yield frame
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"video stream cannot be decoded to its end: {exc}") from exc


def _upright_pixels(frame: av.VideoFrame, long_side: int | None) -> tuple[np.ndarray, bool]:
    """BGR pixels turned upright (video.py's rules) at the published size, and whether turning was needed."""
    pixels = upright_frame(Sample(frame, 0.0, 0, "redact"), long_side).pixels
    turned = display_matrix(frame) not in (None, (1, 0, 0, 1)) or bool(frame.rotation)
    return pixels, turned


def _detect(pixels, index, time_s, detectors, options, profile) -> tuple[Detection, ...]:
    """Selected detections in one frame; those a detector still sees once obscured carry FILL_FLAG."""

    def detect(image: np.ndarray, using, factor: float = REDACT_THRESHOLD_FACTOR) -> list[Detection]:
        frame = Frame(pixels=image, time_s=time_s, index=index)
        return [d for detector in using for d in detector.detect(frame) if options.selects(d, profile, factor)]

    detections = detect(pixels, detectors)
    if not detections or options.effective_style == RedactStyle.FILL:
        return tuple(detections)
    # the check runs only the detectors that found something here: what they found is what was obscured
    finders = [detector for detector in detectors if any(d.detector == detector.name for d in detections)]
    # only the regions changed, so the check looks near them (recheck.py)
    _, done = obscure_checked(pixels, detections, options, lambda image: detect_near(
        image, detections, lambda crop: detect(crop, finders, CHECK_THRESHOLD_FACTOR)))
    return tuple(
        dataclasses.replace(o.detection, evidence={**o.detection.evidence, FILL_FLAG: True})
        if o.style == RedactStyle.FILL else o.detection
        for o in done
    )


def _pass1(source: Source, detectors, options: RedactOptions, profile: Profile, check_time: TimeCheck) -> _Pass1:
    stride = options.detect_every
    long_side = profile.publish_long_side(options.publish)
    keyframes: list[tuple[int, tuple[Detection, ...]]] = []
    times: list[float] = []
    width = height = 0
    rotated = False
    last: av.VideoFrame | None = None
    with av.open(source.reader(), metadata_errors="replace") as container:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        timing = StreamTiming.of(container, stream)
        start = stream.start_time or 0
        for index, frame in enumerate(_decoded(container, stream)):
            check_time(f"first pass, frame {index}")
            times.append(float((frame.pts - start) * frame.time_base) if frame.pts is not None else index / 30)
            last = frame
            if index % stride == 0:
                pixels, rotated = _upright_pixels(frame, long_side)
                height, width = pixels.shape[:2]
                keyframes.append((index, _detect(pixels, index, times[-1], detectors, options, profile)))
    if last is None:
        raise CorruptMediaError("no video frame could be decoded")
    incomplete = incomplete_reason(Progress(decoded_to_s=times[-1] + timing.frame_s, frames_decoded=len(times)), timing)
    if incomplete:  # a copy would silently be shorter than the original
        raise CorruptMediaError(f"cannot make a complete copy: {incomplete}")
    last_index = len(times) - 1
    if keyframes[-1][0] != last_index:  # the last frame is always looked at
        pixels, _ = _upright_pixels(last, long_side)
        keyframes.append((last_index, _detect(pixels, last_index, times[-1], detectors, options, profile)))
    tracks = link_keyframes(keyframes, stride, last_index)
    upright = upright_size(last)
    scaled_from = upright if upright != (width, height) else None
    return _Pass1(len(times), times, tracks, width, height, rotated, long_side, scaled_from)


def _open_output(destination: Path, suffix: str, width: int, height: int, in_stream) -> tuple:
    muxer = KEEP_CONTAINERS.get(suffix.lower(), "mp4")
    options = {"fflags": "+bitexact"}  # no encoder version, no creation time
    if muxer in ("mp4", "mov"):
        options["movflags"] = "+faststart"
    output = av.open(str(destination), "w", format=muxer, options=options)
    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    rate = in_stream.average_rate or in_stream.guessed_rate or Fraction(30)
    stream = output.add_stream(codec, rate=rate)
    stream.width, stream.height = width + width % 2, height + height % 2
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = in_stream.time_base or Fraction(1, 90000)
    if codec == "libx264":
        stream.options = {"crf": "20", "preset": "superfast"}
    else:
        stream.bit_rate = 4_000_000
    return output, stream, muxer, codec


def redact_video(
    source: Source,
    detectors: Sequence[Detector],
    options: RedactOptions,
    profile: Profile,
    destination: Path,
    missed: Sequence[Detection] = (),
    plan: _Pass1 | None = None,
    check_time: TimeCheck = no_time_bound,
) -> VideoRedaction:
    """Write the masked copy to `destination`. A later round passes the earlier round's `plan` and the
    objects its re-scan still found (`missed`): those are followed and masked too. `check_time(stage)` raises
    when the file's time bound has passed; it is called for every frame of every pass."""
    first = plan or _pass1(source, detectors, options, profile, check_time)
    followed = 0
    if missed:
        first, followed = _with_missed(source, first, missed, detectors, options, profile, check_time)
    suffix = output_suffix(source.path)
    unmasked = 0
    drawn: dict[int, int] = {}
    with av.open(source.reader(), metadata_errors="replace") as container:
        in_stream = video_stream(container)
        in_stream.thread_type = "AUTO"
        removed = _inventory(container, in_stream, options.keep_audio, first.rotated)
        audio_in = container.streams.audio[0] if options.keep_audio and container.streams.audio else None
        output, out_stream, muxer, codec = _open_output(destination, suffix, first.width, first.height, in_stream)
        with output:
            output.metadata.clear()
            audio_out, copy_audio = _audio_stream(output, audio_in, muxer)
            index = 0
            demuxed = (in_stream, audio_in) if audio_in is not None else (in_stream,)
            writer = Writer()
            try:
                for packet in container.demux(*demuxed):
                    if packet.stream is audio_in:
                        _mux_audio(writer, output, packet, audio_out, copy_audio)
                        continue
                    for frame in packet.decode():
                        check_time(f"writing frame {index}")
                        if index >= first.frames:
                            raise CorruptMediaError("the video decoded to more frames on the second pass")
                        out, missing = _masked_frame(frame, index, first, options, drawn)
                        writer.submit(_encode, output, out_stream, out)
                        unmasked += missing
                        index += 1
                for frame in _flush(in_stream):
                    out, missing = _masked_frame(frame, index, first, options, drawn)
                    writer.submit(_encode, output, out_stream, out)
                    unmasked += missing
                    index += 1
                writer.close()  # every frame encoded (an encoder error is raised here)
            except av.error.FFmpegError as exc:
                raise CorruptMediaError(f"video stream cannot be decoded to its end: {exc}") from exc
            finally:
                writer.abandon()
            if index != first.frames:
                raise CorruptMediaError(f"the second pass decoded {index} of {first.frames} frames")
            _encode(output, out_stream, None)  # flush the encoder
            if audio_out is not None and not copy_audio:
                _encode(output, audio_out, None)
    obscured = tuple(_obscured(t, first, drawn.get(i, 0), options) for i, t in enumerate(first.tracks))
    method = f"re-encoded video ({codec}, {muxer}), {first.frames} frames, detectors on every " \
             f"{options.detect_every}th frame, {len(first.tracks)} object(s) tracked and masked " \
             f"({options.effective_style.value})"
    kept = ("audio (copied)" if copy_audio else "audio (re-encoded to AAC)",) if audio_in is not None else ()
    if first.scaled_from:
        method += f", resized from {first.scaled_from[0]}x{first.scaled_from[1]} to {first.width}x{first.height} (--publish)"
    if followed:
        method += f", {followed} of them found by a re-scan and followed"
    return VideoRedaction(suffix, method, obscured, removed, kept, first.frames, unmasked, first, followed)


def _with_missed(source: Source, first: _Pass1, missed: Sequence[Detection], detectors, options: RedactOptions,
                 profile: Profile, check_time: TimeCheck = no_time_bound) -> tuple[_Pass1, int]:
    """The plan with the objects a re-scan found added: a track seen through gets filled; a finding about the
    scene as a whole (a box of nearly the whole frame: the police head's verdict on a street or a parade) masks
    the frames it was seen over; any other object is followed from its frame both ways (follow.py) and becomes
    a track of its own. -> (plan, objects followed)"""
    tracks = [dataclasses.replace(t, keys=list(t.keys)) for t in first.tracks]
    seeds = []
    for detection in missed:
        seed = seed_at(detection, first.times)
        under = [t for t in tracks if _under_mask(t, seed.index, detection, options)]
        for track in under:
            track.force_fill = True
        if under:
            continue
        if detection.box.clip(first.width, first.height).area >= SCENE_SHARE * first.width * first.height:
            tracks.append(_scene_track(seed, options, first.frames))  # nothing to follow: it is the frame
        else:
            seeds.append(seed)
    if not seeds:
        return dataclasses.replace(first, tracks=tracks), 0
    duration = first.times[-1] - first.times[0] if len(first.times) > 1 else 0.0
    fps = (len(first.times) - 1) / duration if duration > 0 else 30.0
    detect = near(detectors, lambda d: options.selects(d, profile, FOLLOW_FACTOR))
    for found in follow(_upright_frames(source, first.long_side, check_time), seeds, fps, detect):
        track = MaskTrack(found.seed.detection.kind, found.seed.detection.detector, found.keys)
        track.hold_before = max(options.detect_every, track.first - found.seed.first)
        track.hold_after = min(max(options.detect_every, found.seed.last - track.last), first.frames - 1 - track.last)
        tracks.append(track)
    return dataclasses.replace(first, tracks=tracks), len(seeds)


def _scene_track(seed: Seed, options: RedactOptions, frames: int) -> MaskTrack:
    """A whole-frame finding masked over the frames the re-scan saw it in, a detection stride either side,
    filled (no pixelation of a whole scene can be trusted to hide it)."""
    keys = [(seed.first, seed.detection)] + ([(seed.last, seed.detection)] if seed.last > seed.first else [])
    track = MaskTrack(seed.detection.kind, seed.detection.detector, keys, force_fill=True)
    track.hold_before = min(options.detect_every, track.first)
    track.hold_after = min(options.detect_every, frames - 1 - track.last)
    return track


def _under_mask(track: MaskTrack, index: int, detection: Detection, options: RedactOptions) -> bool:
    """Most of the object's box lies in the track's mask in frame `index`: it was seen through the mask. (Its
    centre alone is not enough: a whole-frame finding, such as the police head's verdict on a scene whose
    officers are only partly masked, has its centre in whatever mask covers the middle of the frame.)"""
    found = track.region_at(index, options)
    if found is None or track.kind != detection.kind:
        return False
    box = detection.box
    return box.intersection(found[0].bounds) >= UNDER_MASK_SHARE * box.area > 0


def _upright_frames(source: Source, long_side: int | None, check_time: TimeCheck) -> Iterator[tuple[int, np.ndarray]]:
    with av.open(source.reader(), metadata_errors="replace") as container:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        for index, frame in enumerate(_decoded(container, stream)):
            check_time(f"following, frame {index}")
            yield index, _upright_pixels(frame, long_side)[0]


def _flush(stream) -> Iterator[av.VideoFrame]:
    try:
        yield from stream.decode(None)
    except (av.error.FFmpegError, ValueError):
        return


def _masked_frame(frame, index, first: _Pass1, options: RedactOptions, drawn) -> tuple[av.VideoFrame, int]:
    """One frame with its tracked objects masked, and 1 when a tracked object in it is not under the mask."""
    regions: list[Region] = []
    filled: list[Region] = []
    expected: list[Box] = []
    for track_index, track in enumerate(first.tracks):
        found = track.region_at(index, options)
        if found is not None:
            (filled if track.fill else regions).append(found[0])
            drawn[track_index] = drawn.get(track_index, 0) + 1
            if track.first <= index <= track.last:
                expected.append(found[1])
    for track in first.tracks:  # the raw detections on this frame, too
        expected.extend(d.box for i, d in track.keys if i == index)
    even = first.width % 2 == 0 and first.height % 2 == 0
    if not regions and not filled and not first.rotated and even and frame.format.name == "yuv420p":
        # nothing to draw: the decoded picture goes straight to the encoder (scaled as pass 1 saw it)
        out = frame if first.scaled_from is None else \
            frame.reformat(width=first.width, height=first.height, format="yuv420p", interpolation="AREA")
        missing = 0
    else:
        pixels, _ = _upright_pixels(frame, first.long_side)
        pixels, mask = obscure(pixels, regions, options.effective_style)
        if filled:
            pixels, fill_mask = obscure(pixels, filled, RedactStyle.FILL)
            mask |= fill_mask
        missing = int(any(not _covered(mask, box) for box in expected))
        if not even:
            pixels = np.pad(pixels, ((0, first.height % 2), (0, first.width % 2), (0, 0)))
        out = av.VideoFrame.from_ndarray(pixels, format="bgr24")
    out.pts, out.time_base = frame.pts, frame.time_base
    return out, missing


def _encode(output, stream, frame) -> None:
    """Encode one frame (None: flush the encoder) and mux what comes out."""
    for packet in stream.encode(frame):
        output.mux(packet)


def _covered(mask: np.ndarray, box: Box) -> bool:
    core = box.scaled(COVERAGE_CORE).clip(mask.shape[1], mask.shape[0])
    x1, y1, x2, y2 = int(core.x1), int(core.y1), math.ceil(core.x2), math.ceil(core.y2)
    area = mask[y1:y2, x1:x2]
    return area.size == 0 or float((area > 0).mean()) >= COVERAGE_MIN


def _audio_stream(output, audio_in, muxer: str):
    if audio_in is None:
        return None, False
    name = audio_in.codec_context.name
    if name in COPYABLE_AUDIO.get(muxer, set()):
        stream = output.add_stream_from_template(audio_in)
        stream.metadata.clear()
        return stream, True
    stream = output.add_stream("aac", rate=audio_in.rate or 48000)
    return stream, False


def _mux_audio(writer: Writer, output, packet, audio_out, copy: bool) -> None:
    """Audio into the copy, through the writer so it keeps its place among the video frames: copied as
    packets, or decoded here and re-encoded on the writer's thread."""
    if packet.dts is None:
        return  # the demuxer's flush packet
    if copy:
        packet.stream = audio_out
        writer.submit(output.mux, packet)
        return
    for frame in packet.decode():
        frame.pts = None
        writer.submit(_encode, output, audio_out, frame)


def _inventory(container, video, keep_audio: bool, rotated: bool) -> tuple[RemovedMetadata, ...]:
    """What the input carries that the copy does not."""
    removed = []
    tags = sorted({clean_text(k, 40) for k in container.metadata})
    if tags:
        removed.append(RemovedMetadata("container tags", ", ".join(tags)))
    stream_tags = sorted({clean_text(k, 40) for s in container.streams for k in s.metadata})
    if stream_tags:
        removed.append(RemovedMetadata("stream tags", ", ".join(stream_tags)))
    for stream in container.streams:
        if stream is video or (keep_audio and stream.type == "audio" and stream is container.streams.audio[0]):
            continue
        handler = clean_text(stream.metadata.get("handler_name", ""), 40)
        detail = f"#{stream.index} {handler}".strip()
        removed.append(RemovedMetadata(f"{stream.type} stream", detail))
    if rotated:
        removed.append(RemovedMetadata("display matrix", "rotation baked into the pixels"))
    removed.append(RemovedMetadata("other container atoms", "udta / meta / uuid (XMP) / chapters are not copied"))
    return tuple(removed)


def _obscured(track: MaskTrack, first: _Pass1, frames: int, options: RedactOptions) -> ObscuredRegion:
    start, end = track.span()
    start, end = max(start, 0), min(end, first.frames - 1)
    best = max((d for _, d in track.keys), key=lambda d: d.score)
    region, _ = track.region_at(track.first, options)
    return ObscuredRegion(
        kind=track.kind,
        shape=region.shape.value,
        box=region.bounds.clip(first.width, first.height),  # within the picture: a grown box may reach past it
        score=best.score,
        detector=track.detector,
        style=(RedactStyle.FILL if track.fill else options.effective_style).value,
        first_frame=start,
        last_frame=end,
        frames=frames,
        time_s=round(first.times[start], 3),
        end_s=round(first.times[end], 3),
    )
