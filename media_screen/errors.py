"""One base exception; each subclass names a way a file or a request can fail."""

import shlex


class MediaScreenError(Exception):
    """Base class of every error media-screen raises on purpose."""


class UnsupportedMediaError(MediaScreenError):
    """The content is not a still image or video format we can analyse."""


class CorruptMediaError(MediaScreenError):
    """The file claims a known format but cannot be decoded in full."""


class DecompressionBombError(MediaScreenError):
    """The image declares more pixels than the configured limit."""


class AnalysisTimeoutError(MediaScreenError):
    """Analysing one file took longer than the per-file time bound."""


class ModelUnavailableError(MediaScreenError):
    """A detector's model file or package is missing; the message says what to install."""


class ProfileError(MediaScreenError):
    """The department profile (TOML) is invalid."""


class UsageError(MediaScreenError):
    """The request itself is wrong (unknown detector, bad option combination)."""


class SigningKeyError(MediaScreenError):
    """An approver's signing key is missing, unreadable, already there, or its passphrase is wrong."""


class PassphraseRequiredError(SigningKeyError):
    """The signing key is passphrase-protected and no passphrase was given."""


class WatchlistError(MediaScreenError):
    """The protected-faces watchlist is missing, damaged, or cannot be written; or an enrolment is invalid."""


class WatchlistPassphraseError(WatchlistError):
    """The watchlist is encrypted and no passphrase, or a wrong one, was given."""


class StoreDamagedError(MediaScreenError):
    """One of our own files (result cache, approval register, audit log) cannot be read or written."""

    def __init__(self, store: str, path: object, detail: str) -> None:
        self.store, self.path, self.detail = store, str(path), detail
        aside = shlex.quote(self.path + ".damaged")
        super().__init__(
            f"the {store} {self.path} is damaged or cannot be used ({detail}); to recover, move it aside "
            f"(mv {shlex.quote(self.path)} {aside}) and media-screen starts a fresh one"
        )

    def __reduce__(self):
        return type(self), (self.store, self.path, self.detail)


def where(exc: MediaScreenError, place: str) -> MediaScreenError:
    """The same error with its message prefixed by where in the file it happened ("video track 2: ..."); an error
    whose class takes other arguments than a message is given back unchanged."""
    try:
        return type(exc)(f"{place}: {exc}")
    except TypeError:
        return exc

