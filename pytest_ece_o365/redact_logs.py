"""Every log record of the run redacted, whichever library logs it.

MSAL logs a token response that is not JSON whole (``Token response is not in json format: <body>``):
a proxy page that echoes the request shows the client secret, the refresh token, the authorization
code. Such a record reaches pytest's live log, ``--log-file``, the captured log of a failing test and,
in ``ece-o365 login``, stderr. A filter on a logger would see only that logger's own records, and a
handler filter only that handler's: so the run installs a *record factory*, through which every record
of every logger is made. It formats the message with its arguments once, redacts it
(:func:`pytest_ece_o365.redact.redact`), and redacts the traceback and stack text the same way.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from pytest_ece_o365.redact import redact

__all__ = ["install", "redacted_record", "uninstall"]

_previous: Any = None


def redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message, traceback and stack text redacted (in place; returned for chaining)."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it itself; show the template only
        message = str(record.msg)
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Make every later log record through :func:`redacted_record` (idempotent)."""
    global _previous
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_ece_o365", False):
        return
    _previous = factory

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redacted_record(factory(*args, **kwargs))

    make._ece_o365 = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)


def uninstall() -> None:
    """Put back the factory :func:`install` replaced, if ours is still the one in place."""
    global _previous
    if _previous is not None and getattr(logging.getLogRecordFactory(), "_ece_o365", False):
        logging.setLogRecordFactory(_previous)
        _previous = None
