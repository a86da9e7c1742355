"""Where each copy goes: under --out, the folder structure mirrored, never over an input, written atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from media_screen.errors import UsageError
from media_screen.inputs.walk import collect_inputs


@dataclass(frozen=True)
class PlannedCopy:
    source: Path
    target: Path  # the copy's path; its suffix may still change (an AVI becomes an MP4)


@dataclass(frozen=True)
class CopyPlan:
    """What a redaction will write, from one walk of its inputs."""

    copies: list[PlannedCopy]
    skipped: list[Path]  # found in folders, neither named nor made like a photo or video: no copy


def plan_copies(paths: Iterable[Path], out: Path, include_hidden: bool = False) -> CopyPlan:
    """Every input file and the path of its copy, and the walked files set aside. Raises UsageError when
    --out is unsafe.

    A folder input `photos/` is mirrored as `OUT/photos/...`; a file input goes to `OUT/<name>`. What a
    folder holds that is not a photo or video (inputs/walk.py: neither its name nor its content) gets no copy.
    Refused: --out being an input folder or inside one (the copies would be walked as inputs on
    the next run, and could land on inputs), --out being a file, and any copy that would be an input.
    """
    paths = list(paths)
    out_abs = out.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    copies: list[PlannedCopy] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            folder = path.resolve()
            if out_abs == folder or out_abs.is_relative_to(folder):
                raise UsageError(
                    f"--out {out} is the input folder {path} or inside it; choose a folder outside every input"
                )
            walked = collect_inputs([path], include_hidden)
            skipped.extend(walked.skipped)
            for source in walked.files:
                copies.append(PlannedCopy(source, out / (folder.name or "root") / source.relative_to(path)))
        else:
            copies.append(PlannedCopy(path, out / path.name))
    inputs = input_identities(paths, copies)
    for copy in copies:
        refuse_input_target(copy.target, inputs)
    return CopyPlan(copies, skipped)


def input_identities(paths: Iterable[Path], copies: Iterable[PlannedCopy]) -> set[Path]:
    return {p.resolve() for p in paths} | {c.source.resolve() for c in copies}


def refuse_input_target(target: Path, inputs: set[Path]) -> None:
    """Raise UsageError when writing `target` would replace an input (same path, link or hard link)."""
    resolved = target.resolve()
    if resolved in inputs:
        raise UsageError(f"the copy {target} would overwrite the input {resolved}")
    if target.exists():
        for source in inputs:
            if source.is_file() and os.path.samefile(source, target):
                raise UsageError(f"the copy {target} is the same file as the input {source}")


def temporary_beside(target: Path) -> Path:
    """A new empty file next to `target` (same folder, so os.replace is atomic), hidden while written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".partial{target.suffix}")
    os.close(fd)
    return Path(name)
