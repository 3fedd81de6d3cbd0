"""Checklist sections 5, 7 and 9, live: XOAUTH2 sessions to each mailbox (read-only). (Being built.)"""

from __future__ import annotations
