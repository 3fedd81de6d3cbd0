"""Checklist sections 3 and 6 through Microsoft Graph (read-only): the app registration, its secret,
its consented permissions, and the mailboxes' licences. (Being built.)"""

from __future__ import annotations
