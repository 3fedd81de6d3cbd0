"""Diagnosis is data: a signature (check id, classified error) -> cause, remediation, owner, cause id, source.

The rows live with the checks they word: :mod:`.table` (the network checks, and how a row becomes a
verdict), :mod:`.oauth`, :mod:`.mail`, :mod:`.graph`. They are assembled here, explicitly, into
:data:`TABLE`; :data:`OWNERS` says which check reports each cause (one cause, one finding), and
``checks.base`` applies it to every result.
"""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.diagnosis import graph, mail, oauth
from pytest_ece_o365.diagnosis.causes import owners
from pytest_ece_o365.diagnosis.table import FACTS, NETWORK_ROWS, Diagnosis

TABLE: Final[dict[tuple[str, str], Diagnosis]] = {**NETWORK_ROWS, **oauth.ROWS, **mail.ROWS, **graph.ROWS}

#: Every ``{fact}`` a row may name: one placeholder syntax, filled by diagnosis.table.fill for every row.
KNOWN_FACTS: Final = FACTS | oauth.OAUTH_FACTS | mail.MAIL_FACTS | {"mailbox"}

#: cause id -> the one check that reports it.
OWNERS: Final[dict[str, str]] = {cause: min(checks) for cause, checks in owners(TABLE).items()}


def owner_of(cause: str) -> str | None:
    """The check that reports ``cause`` (None for a cause no row names: the result keeps its finding)."""
    return OWNERS.get(cause)
