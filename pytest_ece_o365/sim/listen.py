"""Listening sockets that refuse a port already taken, on every system, and the loop that serves them."""

from __future__ import annotations

import selectors
import socket
import sys
import threading
from collections.abc import Iterator


def claim_port_options(sock: socket.socket) -> None:
    """Set the options that let a restarted simulator rebind at once, but never share a port.

    On POSIX that is SO_REUSEADDR (a port in TIME_WAIT may be rebound; one in use may not). On Windows
    SO_REUSEADDR would let a second socket bind a port in use, so the exclusive option is used instead.
    """
    if sys.platform == "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


def while_readable(sock: socket.socket, stop: threading.Event) -> Iterator[None]:
    """Yield each time ``sock`` has something to read (a datagram, a connection to accept), until ``stop``.

    A selector with a short timeout rather than a blocking recv()/accept(): closing a socket from another
    thread does not reliably wake a blocked call on every platform, and the loop must notice ``stop``.
    """
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        while not stop.is_set():
            if selector.select(timeout=0.05):
                yield
