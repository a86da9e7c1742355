"""Prove that training stays offline: any attempt to open a network connection raises.

Ultralytics is told not to download anything (media_screen.offline sets YOLO_OFFLINE); this guard
turns a forgotten download (weights, fonts, the AMP-check model) into a loud error instead of a
silent hang, and records what was attempted.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager
from typing import Iterator

from media_screen.errors import MediaScreenError


class NetworkAttemptError(MediaScreenError):
    """Something tried to open a network connection during an offline run."""


@contextmanager
def no_network() -> Iterator[list[str]]:
    """Within the block, connecting or resolving names raises NetworkAttemptError; yields the attempts."""
    attempts: list[str] = []
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)

    def refuse(what: str):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise NetworkAttemptError(f"offline run: blocked network access ({what} {args[1:2] or args[:1]})")

        return blocked

    socket.socket.connect = refuse("socket.connect")
    socket.socket.connect_ex = refuse("socket.connect_ex")
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo = saved
