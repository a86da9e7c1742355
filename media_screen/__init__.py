"""media-screen: offline screening of photos and videos under Concord PD General Order 07.08."""

from media_screen import offline as _offline  # noqa: F401  (must run before any model library is imported)

__version__ = "0.1.0"
