"""The command line: parse -> options -> one library call -> render -> exit code.

The only module that prints or exits. Data goes to stdout (or --output),
diagnostics to stderr.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from media_screen import __version__
from media_screen import detectors as registry
from media_screen.config import FailOn, ScanOptions, default_profile_text, load_profile
from media_screen.errors import MediaScreenError, UsageError
from media_screen.model import Audience
from media_screen.pipeline import scan_paths
from media_screen.redact import KeepMetadata, RedactOptions, RedactStyle, RedactTarget, redact_paths, uncovered_kinds
from media_screen.report import OutputFormat
from media_screen.report.redaction import (
    render_redaction_csv,
    render_redaction_json,
    render_redaction_jsonl_line,
    render_redaction_table,
)
from media_screen.report.table import render_table
from media_screen.report.text import render_csv, render_json, render_jsonl_line
from media_screen.status import EXIT_CODES_HELP, REDACT_EXIT_CODES_HELP, ExitStatus, exit_status, redact_exit_status

app = typer.Typer(
    help=f"Screen photos and videos against Concord PD General Order 07.08 before posting. {EXIT_CODES_HELP}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
profile_app = typer.Typer(help="Show or write the department profile (rules, thresholds, places).")
app.add_typer(profile_app, name="profile")

stderr = Console(stderr=True)

ProfileOption = typer.Option(None, "--profile", help="Department profile TOML (default: built-in Concord PD).")


def _fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
    stderr.print(f"[red]media-screen:[/red] {message}", highlight=False)
    raise typer.Exit(int(status))


def _write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command(help=f"Screen files and folders; print a verdict per file. {EXIT_CODES_HELP}")
def scan(
    paths: list[Path] = typer.Argument(..., help="Files and folders (folders are walked recursively)."),
    audience: Audience = typer.Option(Audience.PERSONAL, help="Who will post the media."),
    profile: Optional[Path] = ProfileOption,
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report here (atomically)."),
    fail_on: FailOn = typer.Option(FailOn.REVIEW, help="Lowest verdict that makes the exit code 1."),
    detectors: Optional[str] = typer.Option(
        None, help="Comma-separated detectors to run; 'metadata' alone skips pixel analysis."
    ),
    hidden: bool = typer.Option(False, "--hidden", help="Include hidden files and folders."),
    file_timeout: Optional[float] = typer.Option(None, help="Seconds allowed per file (default: profile)."),
    sample_every: float = typer.Option(1.0, help="Video: seconds between sampled frames."),
    max_frames: int = typer.Option(300, help="Video: most frames analysed per file."),
) -> None:
    try:
        loaded = load_profile(profile)
        names = tuple(n.strip() for n in detectors.split(",") if n.strip()) if detectors else None
        registry.resolve_names(names)  # reject unknown names before any file is read
    except MediaScreenError as exc:
        _fail(str(exc))
    options = ScanOptions(
        audience=audience,
        detectors=names,
        include_hidden=hidden,
        file_timeout_s=file_timeout,
        sample_every_s=sample_every,
        max_frames=max_frames,
    )
    reports = []
    stream = output_format == OutputFormat.JSONL and output is None
    try:
        for report in scan_paths(paths, loaded, options):
            reports.append(report)
            if stream:
                typer.echo(render_jsonl_line(report, audience))
    except MediaScreenError as exc:  # a detector that cannot load: a setup problem, not a file problem
        _fail(str(exc), ExitStatus.ERROR)
    except KeyboardInterrupt:
        stderr.print(f"interrupted after {len(reports)} file(s); partial report follows")
    _emit(reports, audience, output_format, output, stream)
    raise typer.Exit(int(exit_status((r.verdict for r in reports), fail_on)))


def _emit(reports, audience: Audience, output_format: OutputFormat, output: Path | None, streamed: bool) -> None:
    if streamed:
        return
    if output_format == OutputFormat.TABLE:
        if not output:
            Console(width=160 if not sys.stdout.isatty() else None).print(render_table(reports, audience))
            return
        buffer = Console(file=io.StringIO(), width=160, no_color=True)
        buffer.print(render_table(reports, audience))
        text = buffer.file.getvalue()
    elif output_format == OutputFormat.JSON:
        text = render_json(reports, audience) + "\n"
    elif output_format == OutputFormat.JSONL:
        text = "".join(render_jsonl_line(r, audience) + "\n" for r in reports)
    else:
        text = render_csv(reports)
    if output:
        _write_atomically(output, text)
    else:
        sys.stdout.write(text)


def _parse_enum_list(text: str, enum_type, option: str) -> frozenset:
    values = [v.strip() for v in text.split(",") if v.strip()]
    try:
        return frozenset(enum_type(v) for v in values)
    except ValueError:
        known = ", ".join(e.value for e in enum_type)
        _fail(f"{option}: unknown value in {text!r}; choose from {known}")


@app.command(help=f"Write cleaned copies: obscure faces, insignia, text ..., strip metadata, re-scan each copy. "
             f"{REDACT_EXIT_CODES_HELP}")
def redact(
    paths: list[Path] = typer.Argument(..., help="Files and folders (folders are walked and mirrored under --out)."),
    out: Path = typer.Option(..., "--out", help="Folder for the copies; never an input folder or inside one."),
    what: str = typer.Option(
        ",".join(t.value for t in RedactTarget), help="Comma-separated: " + ", ".join(t.value for t in RedactTarget)
    ),
    style: Optional[RedactStyle] = typer.Option(None, help="How to obscure (default: fill for covert, else pixelate)."),
    audience: Audience = typer.Option(Audience.PERSONAL, help="Who will post the copies."),
    keep_metadata: str = typer.Option(
        KeepMetadata.ICC.value, help="Comma-separated allowlist: " + ", ".join(k.value for k in KeepMetadata)
    ),
    keep_audio: bool = typer.Option(False, "--keep-audio", help="Video: keep the audio track (dropped by default)."),
    detect_every: int = typer.Option(5, min=1, help="Video: run detectors on every n-th frame, track in between."),
    profile: Optional[Path] = ProfileOption,
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    hidden: bool = typer.Option(False, "--hidden", help="Include hidden files and folders."),
) -> None:
    try:
        options = RedactOptions(
            targets=_parse_enum_list(what, RedactTarget, "--what"),
            style=style,
            audience=audience,
            keep_metadata=_parse_enum_list(keep_metadata, KeepMetadata, "--keep-metadata"),
            keep_audio=keep_audio,
            include_hidden=hidden,
            detect_every=detect_every,
        )
        loaded = load_profile(profile)
        missing = uncovered_kinds(options.kinds, loaded)
    except (MediaScreenError, ValueError) as exc:
        _fail(str(exc))
    if missing:
        stderr.print("warning: no detector finds " + ", ".join(sorted(k.value for k in missing)))
    reports = []
    try:
        for report in redact_paths(paths, out, loaded, options):
            reports.append(report)
            if output_format == OutputFormat.JSONL:
                typer.echo(render_redaction_jsonl_line(report, audience))
    except UsageError as exc:
        _fail(str(exc))
    except MediaScreenError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    except KeyboardInterrupt:
        stderr.print(f"interrupted after {len(reports)} file(s); partial report follows")
    if output_format == OutputFormat.TABLE:
        Console(width=160 if not sys.stdout.isatty() else None).print(render_redaction_table(reports, audience))
    elif output_format == OutputFormat.JSON:
        typer.echo(render_redaction_json(reports, audience))
    elif output_format == OutputFormat.CSV:
        sys.stdout.write(render_redaction_csv(reports))
    raise typer.Exit(int(redact_exit_status(reports)))


@app.command("detectors", help="List every detector with its model, version and whether it can run here.")
def list_detectors(profile: Optional[Path] = ProfileOption) -> None:
    from rich.table import Table

    try:
        infos = registry.describe_all(load_profile(profile))
    except MediaScreenError as exc:
        _fail(str(exc))
    table = Table(title="detectors")
    for column in ("name", "available", "kinds", "model", "version", "problem"):
        table.add_column(column, overflow="fold")
    table.add_row("metadata", "yes", "gps, device, thumbnail", "exifread + XMP + container atoms", "-", "")
    for info in infos:
        table.add_row(
            info.name,
            "yes" if info.available else "NO",
            ", ".join(k.value for k in info.kinds),
            info.model,
            info.version,
            info.problem or "",
        )
    Console(width=160).print(table)


@profile_app.command("show", help="Print the effective profile.")
def profile_show(profile: Optional[Path] = ProfileOption) -> None:
    try:
        load_profile(profile)  # validate before printing
    except MediaScreenError as exc:
        _fail(str(exc))
    typer.echo(profile.read_text("utf-8") if profile else default_profile_text(), nl=False)


@profile_app.command("init", help="Write an editable copy of the built-in profile.")
def profile_init(
    path: Path = typer.Argument(Path("media-screen-profile.toml")),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite")
    _write_atomically(path, default_profile_text())
    stderr.print(f"wrote {path}")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"media-screen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True),
) -> None:
    """Offline screening of photos and videos under GO 07.08."""


def main() -> None:
    app()
