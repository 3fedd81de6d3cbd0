"""HTTP for the Graph probes: one deadline per probe, and Graph's errors classified (never raised raw)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from pytest_ece_o365.probes.http import HttpProbeError, probe_client
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.redact import clip
from pytest_ece_o365.secret import Secret

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv


class GraphFailed(Exception):
    def __init__(self, error: str, message: str, status: int = 0, lacks: str = "") -> None:
        super().__init__(message)
        self.error, self.message, self.status, self.lacks = error, message, status, lacks


class GraphClient:
    """GETs against ``{graph}/v1.0/`` with the reader's token; failures become :class:`GraphFailed`."""

    def __init__(self, env: SurveyEnv, token: Secret) -> None:
        self.transcript = Transcript()
        # One deadline for all of a probe's GETs: four requests end within one timeout, not four.
        self.client = probe_client(env, self.transcript)
        self.base = env.config.o365.graph.rstrip("/") + "/v1.0/"
        self.token = token

    def get(self, path: str, params: dict[str, str] | None = None, *, permission: str) -> Mapping[str, Any]:
        """The JSON object at ``path``; ``permission`` is what a 403 there means the reader lacks."""
        headers = {"Authorization": f"Bearer {self.token.reveal()}", "Accept": "application/json"}
        try:
            reply = self.client.get(self.base + path + query_string(params), headers=headers)
        except HttpProbeError as exc:
            raise GraphFailed(exc.error, exc.message) from None
        return graph_reply(path, reply.status_code, reply.text, permission)


def graph_reply(path: str, status: int, text: str, permission: str) -> Mapping[str, Any]:
    """The JSON object Graph answered GET ``path`` with, or :class:`GraphFailed` (never anything else)."""
    try:
        body = json.loads(text) if text else {}
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        body = None
    if not isinstance(body, dict):
        raise GraphFailed("graph-error", f"Graph answered HTTP {status} with no JSON object")
    if status < 400:
        return body
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    said = f"HTTP {status} {_short(error.get('code', ''))}: {_short(error.get('message', ''))}".strip()
    if status == 401:
        raise GraphFailed("graph-unauthorized", f"Graph refused the reader's token ({said})", 401)
    if status == 403:
        message = f"Graph denied GET {path.split('?')[0]}: {said}"
        raise GraphFailed("graph-forbidden", message, 403, permission)
    if status == 404:
        raise GraphFailed("not-found", said, 404)
    raise GraphFailed("graph-error", f"Graph answered {said}", status)


def _short(value: object) -> str:
    """A member of Graph's error object as a finding quotes it: text, at most 300 characters."""
    text = type(value).__name__ if isinstance(value, (dict, list)) else "" if value is None else str(value)
    return clip(text, 300)


def query_string(params: dict[str, str] | None) -> str:
    # OData's own characters stay readable in the transcript: $filter=appId%20eq%20'...'&$select=a,b
    return "?" + urlencode(params, safe="$',()", quote_via=quote) if params else ""
