"""Listening sockets that refuse a port already taken, on every system."""

from __future__ import annotations

import socket
import sys


def claim_port_options(sock: socket.socket) -> None:
    """Set the options that let a restarted simulator rebind at once, but never share a port.

    On POSIX that is SO_REUSEADDR (a port in TIME_WAIT may be rebound; one in use may not). On Windows
    SO_REUSEADDR would let a second socket bind a port in use, so the exclusive option is used instead.
    """
    if sys.platform == "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
