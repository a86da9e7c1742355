"""The command line: parse -> options -> one library call -> render -> exit code.

The only module that prints or exits. Data goes to stdout (or --output),
diagnostics to stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Optional

import typer
from rich.console import Console
from rich.text import Text

from media_screen import __version__
from media_screen import detectors as registry
from media_screen.store.approvals import ApprovalRegister
from media_screen.store.audit import AuditLog, current_user, read_log
from media_screen.store.keys import PASSPHRASE_VARIABLE as _PASSPHRASE_VARIABLE
from media_screen.batch.scan import BatchScan, available_cores
from media_screen.cli.protect import protect_app
from media_screen.store.cache import ResultCache, detector_versions
from media_screen.config import (
    ClusterOptions, Engine, FailOn, PublishTarget, ScanOptions, default_profile_text, load_profile,
)
from media_screen.errors import MediaScreenError, StoreDamagedError, UsageError
from media_screen.inputs.source import sha256_of
from media_screen.model import Audience, Verdict
from media_screen.redact import (
    KeepMetadata,
    RedactOptions,
    RedactStyle,
    RedactTarget,
    RescanScope,
    plan_copies,
    redact_paths,
    uncovered_targets,
)
from media_screen.report import OutputFormat
from media_screen.report.redaction import (
    render_redaction_csv,
    render_redaction_json,
    render_redaction_jsonl_line,
    render_redaction_table,
)
from media_screen.report.serialize import skipped_line
from media_screen.report.table import render_table
from media_screen.report.text import render_csv, render_json, render_jsonl_line
from media_screen.sanitize import clean_text
from media_screen.status import (
    AUDIT_VERIFY_EXIT_CODES_HELP,
    EXIT_CODES_HELP,
    REDACT_EXIT_CODES_HELP,
    ExitStatus,
    exit_status,
    redact_exit_status,
)

app = typer.Typer(
    help=f"Screen photos and videos against Concord PD General Order 07.08 before posting. {EXIT_CODES_HELP}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
profile_app = typer.Typer(help="Show or write the department profile (rules, thresholds, places).")
app.add_typer(profile_app, name="profile")
cache_app = typer.Typer(help="The result cache (unchanged files are not analysed again).")
app.add_typer(cache_app, name="cache")
audit_app = typer.Typer(help="The audit log of every scan, redaction and approval.")
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="Approvers' signing keys: B.2 approvals are signed, and scans honour only trusted keys.")
app.add_typer(keys_app, name="keys")
app.add_typer(protect_app, name="protect")

stderr = Console(stderr=True)

ProfileOption = typer.Option(None, "--profile", help="Department profile TOML (default: built-in Concord PD).")
PublishOption = typer.Option(
    None, "--publish", help="Where it will be posted: analyse (and redact writes) at the size that platform shows "
    "(the profile's \\[publish]: facebook 2048, instagram 1080, x 4096 px long side); full: the original size. "
    "Default: the profile's (facebook).",
)


def _fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
    stderr.print(f"[red]media-screen:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(status))


def _write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write next to the target and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines([text] if isinstance(text, str) else text)
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
    every_sample: bool = typer.Option(
        False, "--every-sample", help="Video: run the detectors on every sampled frame, even one unchanged from the last."
    ),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", min=0, help="Worker processes (default: all cores; 0: in this process, no hard time bound)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Analyse every file again; neither read nor write the cache."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    caption: Optional[str] = typer.Option(
        None, help="Text to be posted with the files, screened with each (as is a FILE.caption.txt beside a file)."
    ),
    publish: Optional[PublishTarget] = PublishOption,
    ray: Optional[str] = typer.Option(
        None, "--ray", metavar="[ADDRESS]", help="Screen on Ray actors: the cluster at ADDRESS (host:port, auto), "
        "else RAY_ADDRESS, else a Ray instance started here (needs the cluster extra). --jobs: actors.",
    ),
    cpus_per_worker: Optional[float] = typer.Option(
        None, "--cpus-per-worker", min=0.01, help="--ray: CPUs per actor (default: the profile's \\[cluster], else 1)."
    ),
    ship_bytes: bool = typer.Option(
        False, "--ship-bytes", help="--ray: send file contents to the actors, for nodes without the shared mount."
    ),
) -> None:
    if ray is None and (cpus_per_worker is not None or ship_bytes):
        _fail("--cpus-per-worker and --ship-bytes go with --ray")
    if ray is not None and jobs == 0:
        _fail("--ray screens on Ray actors; --jobs 0 (in this process) cannot go with it")
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
        reuse_unchanged_frames=not every_sample,
        caption=caption,
        publish=publish,
        engine=Engine.LOCAL if ray is None else Engine.RAY,
        cluster=ClusterOptions(address=ray or None, cpus_per_worker=cpus_per_worker, ship_bytes=ship_bytes),
    )
    reports, verdicts, skipped = [], [], []
    stream = output_format == OutputFormat.JSONL and output is None
    with contextlib.ExitStack() as resources:
        cache = None if no_cache else resources.enter_context(ResultCache())
        approvals = resources.enter_context(ApprovalRegister())
        audit = resources.enter_context(AuditLog())
        shown = _warn_damage((cache, approvals))  # before the scan: it may take a while
        if cache is not None and cache.damage is not None:
            cache = None
        try:
            batch = resources.enter_context(
                BatchScan(paths, loaded, options, jobs=jobs, cache=cache, approvals=approvals, audit=audit)
            )
            skipped = batch.skipped
            with _progress(len(batch.paths), quiet) as advance:
                for result in batch:
                    advance(result.cached)
                    verdicts.append(result.report.verdict)
                    if stream:  # JSON Lines to stdout: nothing kept, memory stays flat
                        typer.echo(render_jsonl_line(result.report, audience))
                    else:
                        reports.append(result.report)
        except MediaScreenError as exc:  # a detector that cannot load: a setup problem, not a file problem
            _fail(str(exc), ExitStatus.ERROR)
        except KeyboardInterrupt:
            stderr.print(f"interrupted after {len(verdicts)} file(s); partial report follows")
            verdicts.append(Verdict.ERROR)  # the files not screened are not clear: exit 3
    _warn_damage((cache, approvals, audit), shown)  # what failed during the scan
    if skipped and output_format in (OutputFormat.JSONL, OutputFormat.CSV):  # formats with no place for them
        stderr.print(f"{skipped_line(len(skipped))} (listed by --format json, table or html)", highlight=False)
    _emit(reports, audience, output_format, output, stream, loaded, jobs, skipped)
    raise typer.Exit(int(exit_status(verdicts, fail_on)))


_MEANWHILE = {
    ResultCache.STORE: "every file is analysed afresh and nothing is cached",
    ApprovalRegister.STORE: "no B.2 approval is applied (those files stay PERMISSION_REQUIRED)",
    AuditLog.STORE: "this run is not recorded in it",
}


def _warn_damage(stores: Iterable, shown: set[str] | None = None) -> set[str]:
    """One line on stderr per damaged store (cache, approvals, audit log), each said once; returns those said."""
    shown = set() if shown is None else shown
    for store in stores:
        damage = getattr(store, "damage", None)
        if damage is not None and str(damage) not in shown:
            shown.add(str(damage))
            stderr.print(f"warning: {damage}; meanwhile {_MEANWHILE[damage.store]}",
                         markup=False, highlight=False, soft_wrap=True)
    return shown


def _progress(total: int, quiet: bool, verb: str = "scanning"):
    """A progress bar (files/s, ETA) on stderr when it is a terminal; silent when piped or --quiet. It is
    advanced with the number of files answered from the cache (0 or 1) for each file done."""
    if quiet or total == 0 or not stderr.is_terminal:
        return contextlib.nullcontext(lambda cached=0: None)
    return _ProgressBar(total, verb)


class _ProgressBar:
    def __init__(self, total: int, verb: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=stderr, transient=True,
        )
        self.verb = verb
        self.task = self.progress.add_task(verb, total=total, rate="")
        self.cached = 0

    def __enter__(self):
        self.progress.start()
        return self.advance

    def advance(self, cached: int = 0) -> None:
        self.cached += cached
        speed = self.progress.tasks[0].speed
        self.progress.update(
            self.task, advance=1, description=f"{self.verb} ({self.cached} from cache)" if self.cached else self.verb,
            rate=f"{speed:.1f} files/s" if speed else "",
        )

    def __exit__(self, *exc_info) -> None:
        self.progress.stop()


def _emit(reports, audience, output_format, output, streamed, profile, jobs=None, skipped=()) -> None:
    if streamed:
        return
    if output_format == OutputFormat.HTML:
        from media_screen.report.html import iter_html
        from media_screen.report.thumbnails import iter_pictures

        processes = available_cores() if jobs is None else jobs
        chunks = iter_html(reports, audience, iter_pictures(reports, profile, audience, processes), skipped=skipped)
        if output:
            _write_atomically(output, chunks)
        else:
            sys.stdout.writelines(chunks)
        return
    if output_format == OutputFormat.TABLE:
        if not output:
            Console(width=160 if not sys.stdout.isatty() else None).print(render_table(reports, audience, skipped))
            return
        buffer = Console(file=io.StringIO(), width=160, no_color=True)
        buffer.print(render_table(reports, audience, skipped))
        text = buffer.file.getvalue()
    elif output_format == OutputFormat.JSON:
        text = render_json(reports, audience, skipped) + "\n"
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
    max_rounds: int = typer.Option(
        3, min=1, help="Copies made at most: what a re-scan still finds is masked and the copy re-scanned."
    ),
    rescan: RescanScope = typer.Option(
        RescanScope.FULL, help="What each copy is re-scanned for: full, everything a scan looks for (the copy's verdict "
        "and what it still shows that no target masks, e.g. a weapon); targets, only what --what masks (faster)."
    ),
    profile: Optional[Path] = ProfileOption,
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    hidden: bool = typer.Option(False, "--hidden", help="Include hidden files and folders."),
    publish: Optional[PublishTarget] = PublishOption,
    file_timeout: Optional[float] = typer.Option(
        None, help="Seconds allowed per file, every round and re-scan included; a file past it gets no copy "
        "(default: the profile's limits.redact_timeout_s)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    try:
        if output_format == OutputFormat.HTML:
            raise UsageError("--format html is for scan reports; choose table, json, jsonl or csv")
        options = RedactOptions(
            targets=_parse_enum_list(what, RedactTarget, "--what"),
            style=style,
            audience=audience,
            keep_metadata=_parse_enum_list(keep_metadata, KeepMetadata, "--keep-metadata"),
            keep_audio=keep_audio,
            include_hidden=hidden,
            detect_every=detect_every,
            max_rounds=max_rounds,
            publish=publish,
            rescan=rescan,
            file_timeout_s=file_timeout,
        )
        loaded = load_profile(profile)
        missing = uncovered_targets(options.targets, loaded)
        plan = plan_copies(paths, out, hidden)  # counted for the progress bar; refuses an unsafe --out
    except (MediaScreenError, ValueError) as exc:
        _fail(str(exc))
    if missing:
        stderr.print("warning: no detector finds " + ", ".join(sorted(t.value for t in missing)))
    if plan.skipped:  # found in folders, neither named nor made like a photo or video: no effect on the exit code
        stderr.print(f"{skipped_line(len(plan.skipped))}: no copy written", highlight=False)
    reports = []
    audit, versions = AuditLog(), detector_versions(loaded, ScanOptions())
    try:
        with _progress(len(plan.copies), quiet, "redacting") as advance:
            for report in redact_paths(paths, out, loaded, options, plan):
                advance()
                reports.append(report)
                _audit_redaction(audit, report, loaded, versions)
                if output_format == OutputFormat.JSONL:
                    typer.echo(render_redaction_jsonl_line(report, audience))
    except UsageError as exc:
        _fail(str(exc))
    except MediaScreenError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    except KeyboardInterrupt:
        stderr.print(f"interrupted after {len(reports)} file(s); partial report follows")
    audit.close()
    _warn_damage((audit,))
    if output_format == OutputFormat.TABLE:
        Console(width=160 if not sys.stdout.isatty() else None).print(render_redaction_table(reports, audience))
    elif output_format == OutputFormat.JSON:
        typer.echo(render_redaction_json(reports, audience))
    elif output_format == OutputFormat.CSV:
        sys.stdout.write(render_redaction_csv(reports))
    raise typer.Exit(int(redact_exit_status(reports)))


def _audit_redaction(audit: AuditLog, report, profile, versions) -> None:
    output_sha256 = report.rescan.sha256 if report.rescan else None
    audit.redaction(report, report.source_sha256, output_sha256, profile.digest, versions)


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
    rows = [("metadata", "yes", "gps, device, thumbnail", "exifread + XMP + container atoms", "-", "")]
    for info in infos:
        kinds = ", ".join(k.value for k in info.kinds)
        available = "yes" if info.available else "NO"
        rows.append((info.name, available, kinds, info.model, info.version, info.problem or ""))
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: "[detectors.x]" in a message is not markup
    Console(width=160).print(table)


@cache_app.command("clear", help="Delete every cached analysis; the next scan analyses every file again.")
def cache_clear() -> None:
    try:
        with ResultCache() as cache:
            dropped = cache.clear()
    except StoreDamagedError as exc:
        _fail(f"cannot clear the cache: {exc}", ExitStatus.ERROR)
    stderr.print(f"cache cleared: {dropped} analysis result(s) removed from {cache.path}")


@cache_app.command("info", help="Where the cache is and how much it holds.")
def cache_info() -> None:
    try:
        with ResultCache() as cache:
            counts = cache.counts()
    except StoreDamagedError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    typer.echo(f"{cache.path}: {counts['analyses']} analysis result(s), {counts['files']} file hash(es)")


@audit_app.command("show", help="List the audit log, oldest first (--last N for the newest N).")
def audit_show(
    last: Optional[int] = typer.Option(None, "--last", min=1, help="Only the newest N events."),
    as_json: bool = typer.Option(False, "--json", help="The raw JSON lines."),
) -> None:
    from rich.table import Table

    try:
        reading = read_log(last=last)
    except StoreDamagedError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    events = reading.events
    if as_json:
        for event in events:
            typer.echo(json.dumps(event, ensure_ascii=False))
        _fail_if_damaged(reading.damage)
        return
    table = Table(title=f"audit log ({len(events)} event(s))")
    for column in ("time", "event", "user@host", "verdict", "sha256", "file", "profile"):
        table.add_column(column, overflow="fold")
    for event in events:
        outcome = event.get("verdict") or event.get("status") or (f"by {event.get('approved_by')}")
        cells = (
            event.get("time", ""), event.get("event", ""), f"{event.get('user', '')}@{event.get('host', '')}",
            outcome or "", (event.get("sha256") or "")[:16], event.get("path") or "",
            (event.get("profile_sha256") or "")[:12],
        )
        table.add_row(*(Text(clean_text(cell, 4096)) for cell in cells))  # Text: no markup from the log
    Console(width=200).print(table)
    _fail_if_damaged(reading.damage)


def _fail_if_damaged(damage: StoreDamagedError | None) -> None:
    if damage is not None:
        _fail(f"{damage}; the readable events are shown above", ExitStatus.ERROR)


@audit_app.command("verify", help=f"Walk the audit log's hash chain; name the first line changed, removed or "
                   f"inserted. {AUDIT_VERIFY_EXIT_CODES_HELP}")
def audit_verify(
    head: Optional[str] = typer.Option(
        None, "--head", metavar="LINE:SHA256",
        help="A head printed by an earlier verify and kept outside this machine: that line must be unchanged.",
    ),
) -> None:
    from media_screen.status import audit_verify_exit_status
    from media_screen.store.audit import verify_chain

    anchor = None
    if head is not None:
        line, _, digest = head.partition(":")
        hexadecimal = len(digest) == 64 and all(c in "0123456789abcdefABCDEF" for c in digest)
        if not (line.isdigit() and int(line) > 0 and hexadecimal):
            _fail("--head is LINE:SHA256 as `audit verify` printed it, e.g. 120:3f2a...(64 hex digits)")
        anchor = (int(line), digest)
    try:
        verification = verify_chain(anchor=anchor)
    except StoreDamagedError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    where = clean_text(verification.path, 4096)
    for torn in verification.torn_lines:
        stderr.print(f"warning: line {torn} of the audit log was only partly written (media-screen was stopped "
                     "while appending it); it is not an event and holds nothing to verify",
                     markup=False, highlight=False)
    if not verification.exists:
        typer.echo(f"no audit log at {where} (nothing recorded yet, or it was moved away)")
    else:
        broken = verification.first_break
        state = "chain intact" if broken is None else f"chain BROKEN at line {broken.line} ({broken.kind.value})"
        typer.echo(f"audit log {where}: {verification.lines} line(s), log id {verification.log_id or '-'}, {state}")
        if broken is not None:
            typer.echo(f"line {broken.line}: {broken.detail}")
        elif verification.head is not None:
            typer.echo(f"head: {verification.head_line}:{verification.head}")
            stderr.print("keep the head somewhere this machine cannot change; `media-screen audit verify --head "
                         "LINE:SHA256` later proves that nothing up to that line was changed",
                         markup=False, highlight=False)
    raise typer.Exit(int(audit_verify_exit_status(verification)))


@keys_app.command(
    "init", help="Make your ed25519 signing key pair and print the approvers table to paste into the profile."
)
def keys_init(
    name: str = typer.Option(..., "--name", help="Your name as approver (the Chief or the designee)."),
    passphrase: bool = typer.Option(
        False, "--passphrase",
        help=f"Protect the private key with a passphrase (${_PASSPHRASE_VARIABLE}, else asked for).",
    ),
    key: Optional[Path] = typer.Option(
        None, "--key", help="Where to write the private key (default: the data folder)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing key (approvals it signed stop verifying "
                               "once the profile drops it)."),
) -> None:
    from media_screen.store.keys import create_key

    secret = os.environ.get(_PASSPHRASE_VARIABLE, "").encode("utf-8") or None
    if secret is None and passphrase:
        secret = typer.prompt("Passphrase for the new key", hide_input=True, confirmation_prompt=True,
                              err=True).encode("utf-8") or None
    try:
        made = create_key(name, secret, key, overwrite=force)
    except MediaScreenError as exc:
        _fail(str(exc))
    protection = "protected by a passphrase" if secret else (
        "NOT protected by a passphrase: anyone who can read it can sign as you"
    )
    stderr.print(f"wrote the private key {made.private_path} (mode 0600; {protection}); "
                 f"key fingerprint {made.fingerprint}. Add this table to the department profile's approvers:",
                 markup=False, highlight=False, soft_wrap=True)
    typer.echo(made.approvers_table(), nl=False)


@keys_app.command("show", help="Print your public key as the approvers table to paste into the profile.")
def keys_show(
    key: Optional[Path] = typer.Option(None, "--key", help="The private key (default: the data folder)."),
) -> None:
    from media_screen.store.keys import read_public

    try:
        public = read_public(key)
    except MediaScreenError as exc:
        _fail(str(exc))
    stderr.print(f"{public.private_path}: key fingerprint {public.fingerprint}", markup=False, highlight=False)
    typer.echo(public.approvers_table(), nl=False)


def _signer(key: Optional[Path]):
    """The approver's private key: the passphrase from the environment, else asked for on a terminal."""
    from media_screen.errors import PassphraseRequiredError
    from media_screen.store.keys import load_signer

    secret = os.environ.get(_PASSPHRASE_VARIABLE, "").encode("utf-8") or None
    try:
        try:
            return load_signer(key, secret)
        except PassphraseRequiredError as exc:
            if not sys.stdin.isatty():
                _fail(f"{exc}; set {_PASSPHRASE_VARIABLE} or run approve in a terminal")
            return load_signer(key, typer.prompt("Passphrase", hide_input=True, err=True).encode("utf-8"))
    except MediaScreenError as exc:
        _fail(str(exc))


@app.command(help="Sign and record that the Chief (or a designee) approved this exact file for use by another "
             "party (B.2). Scans honour it only when the profile lists the signing key among its approvers.")
def approve(
    file: Path = typer.Argument(..., help="The file approved; any later change to it voids the approval."),
    by: Optional[str] = typer.Option(None, "--by", help="Who approved it; must be the name of your signing key."),
    note: str = typer.Option("", "--note", help="Free text kept with the approval (e.g. the request reference)."),
    key: Optional[Path] = typer.Option(None, "--key", help="Your private key (default: made by `keys init`)."),
    profile: Optional[Path] = ProfileOption,
) -> None:
    from media_screen.store.approvals import ApprovalCheck, check_approval, sign_approval

    if by is not None and not by.strip():
        _fail("--by must name who approved the file")
    try:
        loaded = load_profile(profile)
        if not file.is_file():
            _fail(f"{file}: not a regular file")
        sha256 = sha256_of(file)
    except MediaScreenError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror or exc}", ExitStatus.ERROR)
    signer = _signer(key)
    if by is not None and clean_text(by, 200) != signer.public.name:
        _fail(f"--by names {clean_text(by)!r} but the signing key {signer.public.private_path} is "
              f"{signer.public.name!r}; each approver signs with their own key")
    approval = sign_approval(signer, sha256, note, str(file.resolve()), current_user())
    try:
        with ApprovalRegister() as register, AuditLog() as audit:
            register.record(approval)
            audit.approval(approval)
    except StoreDamagedError as exc:
        _fail(f"the approval was not recorded: {exc}", ExitStatus.ERROR)
    _warn_damage((audit,))
    stderr.print(f"approved {clean_text(file)} (sha256 {sha256[:16]}...) by {approval.approved_by}, signed with key "
                 f"{signer.public.fingerprint}", markup=False, highlight=False)
    if check_approval(approval, loaded.approvers).check != ApprovalCheck.VERIFIED:
        stderr.print(f"warning: the profile does not list this key under [[approvers]], so scans with it do not "
                     f"honour the approval until it does:\n{signer.public.approvers_table()}",
                     markup=False, highlight=False, soft_wrap=True)


@app.command("approvals", help="List the B.2 approvals in the register: who signed each and whether it verifies "
             "against a key the profile lists among its approvers (only verified ones are honoured).")
def list_approvals(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    profile: Optional[Path] = ProfileOption,
) -> None:
    from dataclasses import asdict

    from rich.table import Table

    from media_screen.store.approvals import check_approval

    try:
        approvers = load_profile(profile).approvers
    except MediaScreenError as exc:
        _fail(str(exc))
    try:
        with ApprovalRegister() as register:
            checked = [check_approval(approval, approvers) for approval in register.all()]
    except StoreDamagedError as exc:
        _fail(f"{exc}; until then no approval in it is applied", ExitStatus.ERROR)
    if as_json:
        for c in checked:
            fields = {**asdict(c.approval), "check": c.check.value, "signer": c.signer,
                      "key_fingerprint": c.key_fingerprint}
            typer.echo(json.dumps(fields, ensure_ascii=False))
        return
    table = Table(title=f"B.2 approvals ({len(checked)}; only those whose signature is verified are honoured)")
    for column in ("approved at", "signed by", "signature", "key", "sha256", "file", "note", "recorded by"):
        table.add_column(column, overflow="fold")
    for c in checked:
        a = c.approval
        signed_by = c.signer if c.signer is not None else f"{a.approved_by} (claimed, not trusted)"
        cells = (a.approved_at, signed_by, c.check.value, c.key_fingerprint or "-", a.sha256, a.path, a.note,
                 a.recorded_by)
        table.add_row(*(Text(clean_text(cell, 4096)) for cell in cells))
    Console(width=200).print(table)


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


@app.command(help="Train the learned police detector: dataset, training, held-back figures, export, model card.")
def train(
    config: Optional[Path] = typer.Option(
        None, "--config", help="Training configuration TOML (default: models/police_yolov8n.train.toml)."
    ),
    work_dir: Optional[Path] = typer.Option(
        None, "--work-dir", help="Dataset and training runs (default: under the user cache, outside the repository)."
    ),
    start: Optional[list[str]] = typer.Option(
        None, "--start", help="Starting point, repeatable: nudenet, scratch (default: the configuration's)."
    ),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="Override the configuration's epochs."),
    items: bool = typer.Option(
        False, "--items", help="Train the police-item head (the police_items detector) instead of the YOLO model."
    ),
    weapons: bool = typer.Option(
        False, "--weapons", help="Train the weapons head (the weapons detector, B.5) instead of the YOLO model."
    ),
    eval_dir: Optional[Path] = typer.Option(
        None, "--eval-dir", help="With --items or --weapons: the labelled photos (default: ../shared/eval beside the repository)."
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", help="With --items or --weapons: where the head (.npz) and its card (.md) go (default: the work folder)."
    ),
) -> None:
    if items and weapons:
        _fail("give --items or --weapons, not both")
    if items or weapons:
        _train_head("--items" if items else "--weapons", work_dir, eval_dir, output)
        return
    from media_screen.train import run_training
    from media_screen.train.card import render_summary
    from media_screen.train.settings import DEFAULT_CONFIG_NAME, default_config_path

    shown = str(config) if config else f"models/{DEFAULT_CONFIG_NAME}"
    command = " ".join(
        ["media-screen train --config", shown, *(f"--start {s}" for s in start or ())]
        + ([f"--epochs {epochs}"] if epochs else [])
    )
    try:
        with contextlib.redirect_stdout(sys.stderr):  # ultralytics' progress is diagnostics, not data
            report = run_training(config or default_config_path(), work_dir, start, epochs, command)
    except UsageError as exc:
        _fail(str(exc))
    except MediaScreenError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    typer.echo(render_summary(report))


def _train_head(flag: str, work_dir: Optional[Path], eval_dir: Optional[Path], output: Optional[Path]) -> None:
    """`media-screen train --items` / `--weapons`: one head over crop features, its card beside it."""
    if flag == "--items":
        from media_screen.train.items import card
        from media_screen.train.items.run import default_settings, train_items as train
    else:
        from media_screen.train.weapons import card
        from media_screen.train.weapons.run import default_settings, train_weapons as train

    settings = default_settings(work_dir, eval_dir, output)
    command = f"media-screen train {flag}" + (f" --eval-dir {eval_dir}" if eval_dir else "") + (
        f" --output {output}" if output else ""
    )
    try:
        report = train(settings, progress=lambda message: stderr.print(message))
    except UsageError as exc:
        _fail(str(exc))
    except MediaScreenError as exc:
        _fail(str(exc), ExitStatus.ERROR)
    _write_atomically(settings.output.with_suffix(".md"), card.render_card(report, settings, command))
    stderr.print(f"wrote {settings.output} and {settings.output.with_suffix('.md')}")
    typer.echo(card.render_summary(report))


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"media-screen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True),
) -> None:
    """Offline screening of photos and videos under GO 07.08."""


def ray_flag_arguments(arguments: list[str]) -> list[str]:
    """`--ray` may stand alone: it takes the next word only when that is a Ray address (host:port, auto, local,
    ray://...) and no file of that name exists; alone it becomes `--ray=` (RAY_ADDRESS, else a local Ray)."""
    result, rest = [], list(arguments)
    while rest:
        word = rest.pop(0)
        if word != "--ray":
            result.append(word)
            continue
        following = rest[0] if rest else ""
        is_address = following in ("auto", "local") or following.startswith("ray://") or (
            ":" in following and following.rsplit(":", 1)[1].isdigit()
        )
        if is_address and not Path(following).exists():
            result.append(f"--ray={rest.pop(0)}")
        else:
            result.append("--ray=")
    return result


def main() -> None:
    app(args=ray_flag_arguments(sys.argv[1:]))
