"""One base exception; each subclass names a way a file or a request can fail."""


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
