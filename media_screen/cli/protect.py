"""`media-screen protect`: enrol, list and remove protected people (covert officers) on the watchlist.

Parse -> one library call -> print; the passphrase comes from MEDIA_SCREEN_WATCHLIST_PASSPHRASE,
else it is asked for on a terminal (twice when a new watchlist is made).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from media_screen.config import load_profile
from media_screen.errors import MediaScreenError, WatchlistError, WatchlistPassphraseError
from media_screen.status import ExitStatus
from media_screen.store import watchlist as store

protect_app = typer.Typer(
    help="Protected faces (B.10): enrol covert officers so scans flag their faces. Only embeddings are kept, "
    f"encrypted with a passphrase (${store.PASSPHRASE_VARIABLE}, else asked for).",
    no_args_is_help=True,
)
stderr = Console(stderr=True)
ProfileOption = typer.Option(None, "--profile", help="Department profile TOML (its \\[detectors.protected] watchlist).")


def _fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
    stderr.print(f"[red]media-screen:[/red] {message}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(int(status))


def _passphrase(new: bool) -> bytes:
    secret = store.passphrase_from_environment()
    if secret:
        return secret
    if not sys.stdin.isatty():
        _fail(f"the watchlist is encrypted: set {store.PASSPHRASE_VARIABLE} or run this in a terminal")
    prompt = "Passphrase for the new watchlist" if new else "Watchlist passphrase"
    secret = typer.prompt(prompt, hide_input=True, confirmation_prompt=new, err=True).encode("utf-8")
    if not secret:
        _fail("the watchlist needs a passphrase")
    return secret


def _path_and_profile(profile: Optional[Path]):
    from media_screen.detectors.protected import watchlist_path

    loaded = load_profile(profile)
    return watchlist_path(loaded), loaded


def _status_of(exc: MediaScreenError) -> ExitStatus:
    return ExitStatus.USAGE if isinstance(exc, (WatchlistPassphraseError, WatchlistError)) else ExitStatus.ERROR


@protect_app.command("enroll", help="Enrol NAME from photos each showing only that person's face (three or more "
                     "photos, different days and angles, recognise best). Photos are read, never stored.")
def enroll(
    name: str = typer.Argument(..., help="The name reported when this face is recognised."),
    photos: List[Path] = typer.Argument(..., help="Photos of the person, one face each."),
    profile: Optional[Path] = ProfileOption,
) -> None:
    from media_screen.faceid.embedder import model_info
    from media_screen.faceid.enrolment import embed_enrolment_photos

    try:
        path, loaded = _path_and_profile(profile)
        new = not store.exists(path)
        secret = _passphrase(new)
        watchlist = store.Watchlist(model_info().name) if new else store.load(path, secret)
        enrolled = embed_enrolment_photos(list(photos), loaded)
        import numpy as np

        updated = watchlist.with_person(name, np.stack([photo.embedding for photo in enrolled]))
        store.save(updated, path, secret)
    except MediaScreenError as exc:
        _fail(str(exc), _status_of(exc))
    person = updated.find(name)
    sizes = ", ".join(f"{photo.face_px:.0f}" for photo in enrolled)
    typer.echo(f"enrolled {person.name}: {len(enrolled)} photo(s) (face heights {sizes} px); "
               f"{len(person.embeddings)} embedding(s) in total")
    stderr.print(f"watchlist {path} (0600, encrypted): {len(updated.people)} protected person(s)",
                 markup=False, highlight=False, soft_wrap=True)


@protect_app.command("list", help="List the protected people: name, embeddings, date of the last enrolment.")
def list_people(profile: Optional[Path] = ProfileOption) -> None:
    try:
        path, _ = _path_and_profile(profile)
        if not store.exists(path):
            stderr.print(f"no watchlist at {path}: nobody is protected", markup=False, highlight=False)
            return
        watchlist = store.load(path, _passphrase(False))
    except MediaScreenError as exc:
        _fail(str(exc), _status_of(exc))
    for person in watchlist.people:
        typer.echo(f"{person.name}\t{len(person.embeddings)} embedding(s)\tenrolled {person.enrolled_at}")
    stderr.print(f"{len(watchlist.people)} protected person(s) in {path}", markup=False, highlight=False)


@protect_app.command("remove", help="Remove NAME and all of their embeddings from the watchlist.")
def remove(
    name: str = typer.Argument(..., help="The enrolled name (case does not matter)."),
    profile: Optional[Path] = ProfileOption,
) -> None:
    try:
        path, _ = _path_and_profile(profile)
        secret = _passphrase(False)
        watchlist = store.load(path, secret)
        updated = watchlist.without(name)
        store.save(updated, path, secret)
    except MediaScreenError as exc:
        _fail(str(exc), _status_of(exc))
    typer.echo(f"removed {store.normalise_name(name)}; {len(updated.people)} protected person(s) left")
