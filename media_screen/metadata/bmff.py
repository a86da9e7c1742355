"""A small, bounded ISO base media (MP4 / QuickTime / 3GPP) box walker for hostile files.

Only box headers are read while walking; payloads are read on request and never
beyond a caller's limit. Sizes that overrun their parent, nesting deeper than
MAX_DEPTH and more than MAX_BOXES boxes end the walk where they occur; what was
read up to there is kept and the problem is recorded, not raised.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

MAX_DEPTH = 12
MAX_BOXES = 20_000

# Boxes whose payload is a list of child boxes.
CONTAINERS = {
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"ilst", b"mvex", b"tref",
}
# Full boxes (version + flags) whose payload is then a list of child boxes.
FULL_CONTAINERS = {b"stsd": 8}  # stsd: version/flags + entry count


@dataclass(frozen=True)
class Box:
    type: bytes
    offset: int  # of the header
    size: int  # header included
    header_size: int
    depth: int

    @property
    def payload_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def payload_size(self) -> int:
        return self.size - self.header_size

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def name(self) -> str:
        return self.type.decode("latin-1")


@dataclass
class BoxReader:
    """Walks the boxes of one open file; `problems` says where the structure stopped making sense."""

    handle: BinaryIO
    file_size: int
    problems: list[str] = field(default_factory=list)
    boxes_seen: int = 0

    def children(self, start: int, end: int, depth: int) -> Iterator[Box]:
        """The boxes laid end to end between `start` and `end` (one level, no recursion)."""
        if depth > MAX_DEPTH:
            self.problems.append(f"boxes nested deeper than {MAX_DEPTH} levels at offset {start}")
            return
        end = min(end, self.file_size)
        offset = start
        while offset + 8 <= end:
            self.boxes_seen += 1
            if self.boxes_seen > MAX_BOXES:
                self.problems.append(f"more than {MAX_BOXES} boxes; stopped reading")
                return
            box = self._header(offset, end, depth)
            if box is None:
                return
            yield box
            offset = box.end

    def _header(self, offset: int, end: int, depth: int) -> Box | None:
        self.handle.seek(offset)
        header = self.handle.read(16)
        if len(header) < 8:
            return None
        size, box_type = struct.unpack(">I4s", header[:8])
        header_size = 8
        if size == 1:
            if len(header) < 16:
                self.problems.append(f"box {box_type!r} at {offset}: truncated 64-bit size")
                return None
            size = struct.unpack(">Q", header[8:16])[0]
            header_size = 16
        elif size == 0:  # "extends to the end of its parent"
            size = end - offset
        if size < header_size:
            self.problems.append(f"box {box_type!r} at {offset}: size {size} is smaller than its header")
            return None
        if offset + size > end:
            where = "file" if end >= self.file_size else "parent box"
            self.problems.append(
                f"box {_printable(box_type)} at {offset}: {size} bytes run past the end of the {where}"
            )
            size = end - offset  # keep the part that exists (a truncated mdat or moov)
        return Box(box_type, offset, size, header_size, depth)

    def walk(
        self, start: int = 0, end: int | None = None, parents: tuple[Box, ...] = ()
    ) -> Iterator[tuple[tuple[Box, ...], Box]]:
        """(parents, box) for every box, depth first, descending into containers (and `meta`, full box or not)."""
        for box in self.children(start, self.file_size if end is None else end, len(parents)):
            yield parents, box
            first_child = self.child_offset(box, parents[-1].type if parents else b"")
            if first_child is not None:
                yield from self.walk(first_child, box.end, parents + (box,))

    def child_offset(self, box: Box, parent_type: bytes) -> int | None:
        """Where a container's children start, or None when the box holds no boxes."""
        if box.type in CONTAINERS or parent_type == b"ilst":  # each ilst item holds 'data' boxes
            return box.payload_offset
        if box.type in FULL_CONTAINERS:
            return box.payload_offset + FULL_CONTAINERS[box.type]
        if box.type == b"meta":
            # ISO 'meta' is a full box (4 bytes version/flags); QuickTime's 'meta' is a plain container.
            self.handle.seek(box.payload_offset)
            head = self.handle.read(8)
            if len(head) == 8 and head[4:8] in (b"hdlr", b"keys", b"ilst", b"xml ", b"free"):
                return box.payload_offset
            return box.payload_offset + 4
        return None

    def read(self, box: Box, limit: int, skip: int = 0) -> bytes:
        """Up to `limit` bytes of a box's payload (after `skip` bytes); never the whole of a huge box."""
        available = max(0, box.payload_size - skip)
        self.handle.seek(box.payload_offset + skip)
        return self.handle.read(min(available, limit))

    def read_at(self, offset: int, size: int, limit: int) -> bytes:
        if offset < 0 or offset >= self.file_size:
            return b""
        self.handle.seek(offset)
        return self.handle.read(min(size, limit, self.file_size - offset))


def _printable(box_type: bytes) -> str:
    return repr(box_type.decode("latin-1"))


def path_of(parents: tuple[Box, ...], box: Box) -> str:
    """e.g. 'moov/udta/©xyz'"""
    return "/".join(b.name for b in (*parents, box))
