"""Approvers' signing keys: ed25519 key pairs, the public-key text the profile lists, signing and verifying.

`media-screen keys init` writes the private key (PKCS#8 PEM, 0600, optionally encrypted with a
passphrase) and beside it the public half as a ready-to-paste `[[approvers]]` table. A public key is
written as text, `ed25519:` and the base64 of its 32 bytes, in the profile and in every signed approval.

`cryptography` is imported inside the functions that need it, so reading a profile costs nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from media_screen.errors import PassphraseRequiredError, SigningKeyError
from media_screen.sanitize import clean_text
from media_screen.userdirs import data_dir

KEY_PREFIX = "ed25519:"
KEY_FOLDER = "keys"
PRIVATE_NAME = "approver_ed25519.pem"
PUBLIC_SUFFIX = ".pub.toml"
PASSPHRASE_VARIABLE = "MEDIA_SCREEN_KEY_PASSPHRASE"


@dataclass(frozen=True)
class ApproverKey:
    """The public half of a key pair and the name its owner gave it."""

    name: str
    key: str  # KEY_PREFIX + base64 of the raw public key
    private_path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def approvers_table(self) -> str:
        """The `[[approvers]]` table that makes a profile trust this key."""
        return f"[[approvers]]\nname = {_toml_string(self.name)}\nkey = {_toml_string(self.key)}\n"


def default_private_path() -> Path:
    return data_dir() / KEY_FOLDER / PRIVATE_NAME


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.removesuffix(".pem") + PUBLIC_SUFFIX)


def public_key_bytes(text: str) -> bytes:
    """The 32 bytes of a public key written as `ed25519:<base64>`; ValueError when it is not one."""
    if not isinstance(text, str) or not text.startswith(KEY_PREFIX):
        raise ValueError(f"a public key is written {KEY_PREFIX}<base64>, not {str(text)[:60]!r}")
    try:
        raw = base64.b64decode(text.removeprefix(KEY_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(f"the public key {text[:60]!r} is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"the public key {text[:60]!r} is {len(raw)} bytes, an ed25519 key is 32")
    return raw


def fingerprint(key: str) -> str:
    """A short name for a public key, for people to compare: the first 16 hex digits of its sha256."""
    try:
        return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]
    except ValueError:
        return "not-a-key"


def create_key(name: str, passphrase: bytes | None = None, path: Path | None = None,
               overwrite: bool = False) -> ApproverKey:
    """Make a key pair; the private key is written 0600 (encrypted when a passphrase is given), atomically.

    Raises SigningKeyError when a key is already there (unless `overwrite`) or cannot be written.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    name = clean_text(name, 200)
    if not name:
        raise SigningKeyError("a signing key needs the name of its owner (--name)")
    private_path = Path(path) if path else default_private_path()
    if not overwrite and private_path.exists():
        raise SigningKeyError(f"a signing key already exists at {private_path}; it was not replaced")
    private_key = Ed25519PrivateKey.generate()
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    key = ApproverKey(name, _public_text(private_key), private_path)
    try:
        private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomically(private_path, pem, overwrite)
        _write_atomically(public_path(private_path), key.approvers_table().encode("utf-8"), True)
    except FileExistsError:
        raise SigningKeyError(f"a signing key already exists at {private_path}; it was not replaced") from None
    except OSError as exc:
        raise SigningKeyError(f"cannot write the signing key {private_path}: {exc.strerror or exc}") from None
    return key


def read_public(private_path: Path | None = None) -> ApproverKey:
    """The name and public key written beside a private key by `create_key`."""
    private_path = Path(private_path) if private_path else default_private_path()
    path = public_path(private_path)
    try:
        table = tomllib.loads(path.read_text("utf-8"))["approvers"][0]
        public_key_bytes(table["key"])
        return ApproverKey(str(table["name"]), table["key"], private_path)
    except FileNotFoundError:
        raise SigningKeyError(
            f"no signing key at {private_path}; make one with `media-screen keys init --name \"...\"`"
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise SigningKeyError(f"the public key file {path} cannot be read: {exc}") from None


class Signer:
    """A loaded private key: signs approvals. Built by `load_signer`."""

    def __init__(self, private_key, public: ApproverKey) -> None:
        self._private_key = private_key
        self.public = public

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._private_key.sign(payload)).decode("ascii")


def load_signer(private_path: Path | None = None, passphrase: bytes | None = None) -> Signer:
    """The private key, decrypted with `passphrase` when it is protected.

    Raises PassphraseRequiredError when it is protected and no passphrase was given, SigningKeyError
    when it is missing, unreadable, the passphrase is wrong, or it does not match its public file.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = read_public(private_path)
    try:
        pem = public.private_path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {public.private_path}: {exc.strerror or exc}") from None
    encrypted = b"ENCRYPTED" in pem.split(b"\n", 1)[0]
    if encrypted and not passphrase:
        raise PassphraseRequiredError(f"the signing key {public.private_path} is protected by a passphrase")
    try:
        private_key = serialization.load_pem_private_key(pem, passphrase if encrypted else None)
    except (ValueError, TypeError) as exc:
        detail = "wrong passphrase" if encrypted else f"not a PEM private key ({exc})"
        raise SigningKeyError(f"cannot load the signing key {public.private_path}: {detail}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"the signing key {public.private_path} is not an ed25519 key")
    if _public_text(private_key) != public.key:
        raise SigningKeyError(
            f"the signing key {public.private_path} does not match {public_path(public.private_path)}"
        )
    return Signer(private_key, public)


def verify(key: str, payload: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is `key`'s signature of `payload`; False for anything malformed."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes(key))
        public_key.verify(base64.b64decode(signature, validate=True), payload)
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


def _public_text(private_key) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON's escapes are TOML basic-string escapes


def _write_atomically(path: Path, data: bytes, overwrite: bool) -> None:
    """Write beside `path` (0600 from the start, as mkstemp makes it) and move into place in one step.

    Without `overwrite` the move is a hard link, which fails if `path` appeared meanwhile.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
