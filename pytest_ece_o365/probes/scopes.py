"""The delegated permissions ECE's mail access needs, under the Outlook resource (plain values, no I/O).

Source: Microsoft, "Authenticate an IMAP, POP or SMTP connection using OAuth" (:data:`SOURCE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pytest_ece_o365.knowledge.sources import MS_MAIL_OAUTH, Source

SOURCE: Final[Source] = MS_MAIL_OAUTH

#: The delegated permission each inbound protocol needs, and SMTP's (names under the Outlook resource).
INBOUND_SCOPES: Mapping[str, str] = {"imap": "IMAP.AccessAsUser.All", "pop3": "POP.AccessAsUser.All"}
SMTP_SCOPE: Final = "SMTP.Send"
