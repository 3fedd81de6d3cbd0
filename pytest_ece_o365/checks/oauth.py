"""Checklist sections 3–4, live: the refresh token redeems, for the right account, with the right scopes
and lifetime. (Being built.)"""

from __future__ import annotations
