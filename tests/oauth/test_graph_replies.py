"""Every Microsoft Graph reply of shared/reference/office365-replies.jsonl is a test case: served with its
status by a local HTTPS server, the Graph client classifies it (403: the [graph] reader lacks a permission,
404: not found, other: Graph's error), and a 403 becomes the skip that names the permission to grant — the
[graph] reader is this tool's own input, so its refusals are never a finding about the deployment."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from probes.localdns import LocalDns

from oauth.localhttps import LocalHttps, network_for
from oauth.test_token_replies import REPLIES
from pytest_ece_o365.diagnosis.graph import reader_skip_reason
from pytest_ece_o365.probes.graph_client import GraphClient, GraphFailed
from pytest_ece_o365.secret import Secret

#: status -> the class the Graph client gives it
CLASSES = {403: "graph-forbidden", 404: "not-found", 400: "graph-error"}


def _graph_replies() -> list[dict[str, Any]]:
    if not REPLIES.is_file():
        return []
    rows = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["protocol"] == "graph"]


def _body(reply: str) -> str:
    """The reply as Graph sends it. The reference keeps what the threads show (some cut short, one in Python's
    quotes): the error's code and message are taken from it verbatim."""
    code = re.search(r"""['"]code['"]:\s*['"]([^'"]+)""", reply)
    message = re.search(r"""['"]message['"]:\s*(['"])(.*?)\1""", reply, re.DOTALL)
    assert code and message, reply
    return json.dumps({"error": {"code": code.group(1), "message": message.group(2)}})


@pytest.mark.skipif(not REPLIES.is_file(), reason=f"the reference replies are not at {REPLIES}")
@pytest.mark.parametrize("reply", _graph_replies(), ids=lambda row: row["id"])
def test_every_real_graph_reply_is_classified_and_a_403_names_the_permission(
    https: Callable[..., LocalHttps], local_dns: LocalDns, bundle: Path, reply: dict[str, Any]
) -> None:
    status = int(reply["http_status"])
    body = _body(reply["reply"])
    server = https(lambda method, path: (status, body))
    config = SimpleNamespace(
        network=network_for(local_dns.port, bundle), o365=SimpleNamespace(graph=f"https://login.ok.test:{server.port}")
    )
    env = SimpleNamespace(config=config, timeout=2.0)
    env.get = lambda need: need.observe(env)  # a sub-need (the DNS lookup), computed inline as the survey does
    client = GraphClient(cast(Any, env), Secret("reader-token"))
    with pytest.raises(GraphFailed) as info:
        client.get("applications", {"$filter": "appId eq 'x'"}, permission="Application.Read.All")
    assert info.value.error == CLASSES[status], reply["meaning"]
    assert json.loads(body)["error"]["code"] in info.value.message  # Graph's own code is kept for the evidence
    if status == 403:
        reason = reader_skip_reason(info.value.error, info.value.message, info.value.lacks)
        assert "lacks the Microsoft Graph application permission Application.Read.All" in reason
        assert "Grant admin consent" in reason
