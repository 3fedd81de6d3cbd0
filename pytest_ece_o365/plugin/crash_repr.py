"""A crashed check's traceback, shown whole and then redacted.

pytest's ``saferepr`` shortens each local (``-l``) and argument to about 240 characters by cutting it in
the middle — before any redaction could see it. A token cut there is masked by neither its remembered
value nor its shape (a JWT without its header, the tail of an opaque token, a ``'refresh_token': '…``
with no closing quote): ~230 characters of it would reach the terminal and the reports. So a crash is
rendered with nothing shortened (as ``-vvv`` does), and the whole text is redacted.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ece_o365.redact import redact


def crash_text(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
    """pytest's own long/short repr of ``excinfo`` for ``item``, with whole locals and arguments, redacted."""
    config = item.config
    tbfilter: Any = False
    if config.getoption("fulltrace", False):
        style = "long"
    else:
        tbfilter = getattr(item, "_traceback_filter", True)
        if style is None or style == "auto":
            style = "short" if config.getoption("tbstyle", "auto") == "short" else "long"
    shown = excinfo.getrepr(
        funcargs=True,
        showlocals=config.getoption("showlocals", False),
        style=style,
        tbfilter=tbfilter,
        truncate_locals=False,
        truncate_args=False,
    )
    return redact(str(shown))
