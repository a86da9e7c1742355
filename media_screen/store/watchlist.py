"""The protected-faces watchlist: names and face embeddings, never photos, encrypted at rest.

The file is written 0600, atomically (a temporary file in the same folder, fsynced, renamed over
the old one), and always encrypted: AES-256-GCM under a key derived from the passphrase with
scrypt (n=2**15, r=8, p=1; a fresh 16-byte salt and 12-byte nonce on every write). The first line
is a readable header (format, KDF parameters, salt, embedding model); it is bound to the
ciphertext as associated data, so changing it makes the file unreadable rather than weaker.
Names and embeddings are both inside the ciphertext: without the passphrase the file tells only
that a watchlist exists, its size (roughly how many embeddings) and which model made them.

The passphrase comes from MEDIA_SCREEN_WATCHLIST_PASSPHRASE or, on a terminal, from the CLI's
prompt; this module never prompts. A wrong passphrase and a damaged file are told apart only as
far as AES-GCM can: both fail authentication, and the message says so.

`cryptography` is imported inside the functions that need it, so reading a profile costs nothing.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from media_screen.errors import WatchlistError, WatchlistPassphraseError
from media_screen.sanitize import clean_text
from media_screen.userdirs import data_dir

PASSPHRASE_VARIABLE = "MEDIA_SCREEN_WATCHLIST_PASSPHRASE"
FILE_NAME = "watchlist.bin"
MAGIC = b"media-screen watchlist"
FORMAT = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES, NONCE_BYTES, KEY_BYTES = 16, 12, 32
MAX_NAME = 100
MAX_FILE_BYTES = 64 * 1024 * 1024  # refuse to read anything larger (a watchlist of a few people is a few kB)


@dataclass(frozen=True)
class ProtectedPerson:
    """One enrolled person: a name and one embedding per enrolment photo (rows of a float32 array)."""

    name: str
    embeddings: np.ndarray = field(compare=False)  # (n, d) float32
    enrolled_at: str = ""


@dataclass(frozen=True)
class Watchlist:
    """Everyone enrolled, and the embedding model their vectors came from (vectors of two models never mix)."""

    model: str
    people: tuple[ProtectedPerson, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(person.name for person in self.people)

    def find(self, name: str) -> ProtectedPerson | None:
        wanted = normalise_name(name).casefold()
        return next((p for p in self.people if p.name.casefold() == wanted), None)

    def with_person(self, name: str, embeddings: np.ndarray, when: datetime | None = None) -> "Watchlist":
        """A watchlist with `embeddings` added to `name` (created when new)."""
        name = normalise_name(name)
        vectors = np.asarray(embeddings, np.float32)
        if vectors.ndim != 2 or len(vectors) == 0:
            raise WatchlistError("enrolment needs at least one face embedding")
        stamp = (when or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        existing = self.find(name)
        if existing is None:
            return replace(self, people=(*self.people, ProtectedPerson(name, vectors, stamp)))
        if existing.embeddings.shape[1] != vectors.shape[1]:
            raise WatchlistError("embedding sizes differ from the ones enrolled; the model changed")
        merged = ProtectedPerson(existing.name, np.concatenate([existing.embeddings, vectors]), stamp)
        return replace(self, people=tuple(merged if p is existing else p for p in self.people))

    def without(self, name: str) -> "Watchlist":
        existing = self.find(name)
        if existing is None:
            raise WatchlistError(f"no one named {normalise_name(name)!r} is enrolled")
        return replace(self, people=tuple(p for p in self.people if p is not existing))


def normalise_name(name: str) -> str:
    """A name as stored and shown: control characters removed, spaces collapsed, at most MAX_NAME characters."""
    cleaned = " ".join(clean_text(str(name), MAX_NAME * 4).split())[:MAX_NAME]
    if not cleaned:
        raise WatchlistError("a protected person needs a name")
    return cleaned


def default_path() -> Path:
    return data_dir() / FILE_NAME


def passphrase_from_environment() -> bytes | None:
    value = os.environ.get(PASSPHRASE_VARIABLE)
    return value.encode("utf-8") if value else None


def exists(path: Path) -> bool:
    return Path(path).exists()


def load(path: Path, passphrase: bytes | None) -> Watchlist:
    """Decrypt and parse the watchlist at `path`.

    Raises WatchlistPassphraseError when no passphrase was given or it does not open the file,
    WatchlistError when the file is missing, unreadable or not a watchlist.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise WatchlistError(f"no watchlist at {path}; enrol someone with `media-screen protect enroll`") from None
    except OSError as exc:
        raise WatchlistError(f"cannot read the watchlist {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise WatchlistError(f"the watchlist {path} is larger than {MAX_FILE_BYTES} bytes: not a watchlist")
    header_line, sep, ciphertext = data.partition(b"\n")
    header = _parse_header(header_line, path) if sep else None
    if header is None:
        raise WatchlistError(f"{path} is not a media-screen watchlist (or it is damaged)")
    if not passphrase:
        raise WatchlistPassphraseError(
            f"the watchlist {path} is encrypted: set {PASSPHRASE_VARIABLE} (the protect commands also ask on a terminal)"
        )
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = _derive_key(passphrase, header)
    try:
        plaintext = AESGCM(key).decrypt(header["nonce"], ciphertext, header_line)
    except InvalidTag:
        raise WatchlistPassphraseError(
            f"the watchlist {path} does not open with this passphrase (wrong passphrase, or the file was altered)"
        ) from None
    return _parse_body(plaintext, path)


def save(watchlist: Watchlist, path: Path, passphrase: bytes) -> None:
    """Encrypt and write the watchlist atomically, 0600 (its folder 0700 when created here)."""
    if not passphrase:
        raise WatchlistPassphraseError(
            f"a watchlist is always encrypted: set {PASSPHRASE_VARIABLE} or give a passphrase when asked"
        )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = {
        "format": FORMAT,
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": os.urandom(SALT_BYTES),
        "nonce": os.urandom(NONCE_BYTES),
        "cipher": "AES-256-GCM",
        "model": watchlist.model,
    }
    header_line = MAGIC + b" " + json.dumps(_encoded_header(header), sort_keys=True).encode("ascii")
    ciphertext = AESGCM(_derive_key(passphrase, header)).encrypt(header["nonce"], _body(watchlist), header_line)
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomically(path, header_line + b"\n" + ciphertext)
    except OSError as exc:
        raise WatchlistError(f"cannot write the watchlist {path}: {exc.strerror or exc}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def _derive_key(passphrase: bytes, header: dict) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=header["salt"], length=KEY_BYTES, n=header["n"], r=header["r"], p=header["p"]).derive(passphrase)


def _encoded_header(header: dict) -> dict:
    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in header.items()}


def _parse_header(line: bytes, path: Path) -> dict | None:
    if not line.startswith(MAGIC + b" "):
        return None
    try:
        raw = json.loads(line[len(MAGIC) + 1 :])
        if raw.get("format") != FORMAT:
            raise WatchlistError(f"the watchlist {path} has format {raw.get('format')!r}; this version reads {FORMAT}")
        header = {
            "n": int(raw["n"]),
            "r": int(raw["r"]),
            "p": int(raw["p"]),
            "salt": base64.b64decode(raw["salt"], validate=True),
            "nonce": base64.b64decode(raw["nonce"], validate=True),
            "model": str(raw["model"]),
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    # Bounds keep a hostile header from asking scrypt for gigabytes of memory.
    if not (2**10 <= header["n"] <= 2**20 and 1 <= header["r"] <= 16 and 1 <= header["p"] <= 4):
        return None
    if len(header["nonce"]) != NONCE_BYTES or len(header["salt"]) < 8:
        return None
    return header


def _body(watchlist: Watchlist) -> bytes:
    people = [
        {
            "name": person.name,
            "enrolled_at": person.enrolled_at,
            "shape": list(person.embeddings.shape),
            "embeddings": base64.b64encode(np.ascontiguousarray(person.embeddings, "<f4").tobytes()).decode("ascii"),
        }
        for person in watchlist.people
    ]
    return json.dumps({"model": watchlist.model, "people": people}, sort_keys=True).encode("utf-8")


def _parse_body(plaintext: bytes, path: Path) -> Watchlist:
    try:
        doc = json.loads(plaintext)
        people = []
        for entry in doc["people"]:
            rows, columns = (int(v) for v in entry["shape"])
            vectors = np.frombuffer(base64.b64decode(entry["embeddings"], validate=True), "<f4").reshape(rows, columns)
            if not np.isfinite(vectors).all():
                raise ValueError("non-finite embedding")
            people.append(ProtectedPerson(normalise_name(entry["name"]), vectors.astype(np.float32), str(entry.get("enrolled_at", ""))))
        return Watchlist(str(doc["model"]), tuple(people))
    except (ValueError, KeyError, TypeError, WatchlistError) as exc:
        raise WatchlistError(f"the watchlist {path} opened but its content is damaged ({exc})") from None
