"""Keeping refresh tokens alive and forecasting expiries (contract §1 ``--ece-keep-tokens``, §4 ``expiry``).

Microsoft: refresh tokens live 90 days (other than single-page apps' 24 hours) and "replace themselves
with a fresh token upon every use"; old ones are not revoked when used
(https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens, "Token lifetime", checked
2026-12-05). A token that nobody redeems for 90 days is therefore lost: a scheduled run with
``--ece-keep-tokens`` writes the rotated token back to its ``{ file = … }`` secret, so the next run (and
ECE, if it reads the same file) starts a new 90 days.

After every successful redemption of a ``{ file = … }`` token this records the time next to the token
file (``<file>.redeemed.json``, owner-only), and the results file's ``expiry`` list forecasts
``last redemption + 90 days`` for it — what the product can know; for an ``{ env = … }`` token it cannot.
The client secrets' end dates come from Graph (``passwordCredentials[].endDateTime``) when ``[graph]``
is configured. A simulated run writes and records nothing: its tokens are the simulator's, not the files'.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.cli.errors import CommandError
from pytest_ece_o365.cli.private_file import replace_private
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.probes.graph_model import AppObservation
from pytest_ece_o365.probes.token import TokenObservation
from pytest_ece_o365.secret import SecretRef

REFRESH_TOKEN_LIFETIME = dt.timedelta(days=90)  # the Microsoft page above, checked 2026-12-05
RECORD_SUFFIX = ".redeemed.json"
RECORD_SCHEMA = "pytest-ece-o365/redemption/1"
_RECORD_MAX_BYTES = 64 * 1024


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_path(token_file: Path) -> Path:
    return token_file.with_name(token_file.name + RECORD_SUFFIX)


def record_redemption(token_file: Path, when: dt.datetime, *, kept: bool) -> None:
    """Record (owner-only) that this product redeemed the token in ``token_file`` at ``when``."""
    document = {"schema": RECORD_SCHEMA, "last_redeemed": _stamp(when), "rotated_token_kept": kept}
    replace_private(record_path(token_file), json.dumps(document) + "\n")


def last_redemption(token_file: Path) -> dt.datetime | None:
    """The recorded last redemption of ``token_file``'s token; None when there is no readable record."""
    path = record_path(token_file)
    try:
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            document = json.loads(handle.read(_RECORD_MAX_BYTES).decode("utf-8"))
        moment = dt.datetime.strptime(str(document["last_redeemed"]), "%Y-%m-%dT%H:%M:%SZ")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return moment.replace(tzinfo=dt.timezone.utc)


@dataclass
class TokenUpkeep:
    """What the run did with its tokens: terminal lines (``warn`` ones in red) and the ``expiry`` list."""

    lines: list[tuple[str, bool]] = field(default_factory=list)
    expiry: list[dict[str, Any]] = field(default_factory=list)

    def say(self, line: str, *, warn: bool = False) -> None:
        self.lines.append((line, warn))


def _keep(
    done: TokenUpkeep, ref: SecretRef, file: Path, observation: TokenObservation, *, keep: bool, now: dt.datetime
) -> None:
    """Write the rotated token back (``keep``) and record the redemption next to ``file``."""
    kept = False
    if keep and observation.rotated is not None:
        try:
            replace_private(file, observation.rotated.reveal() + "\n")
            kept = True
            done.say(f"--ece-keep-tokens: the rotated refresh token of {ref.key_path} was written to {file}")
        except CommandError as exc:
            done.say(f"--ece-keep-tokens: {ref.key_path}: {exc}; the old token stays in use", warn=True)
    try:
        record_redemption(file, now, kept=kept)
    except CommandError as exc:
        done.say(f"{ref.key_path}: the redemption could not be recorded: {exc}", warn=True)


def _ref(deployment: DeploymentConfig, key_path: str) -> SecretRef | None:
    """The refresh token's SecretRef at ``key_path``."""
    refs = (mailbox.refresh_token for mailbox in deployment.mailboxes)
    return next((ref for ref in refs if ref is not None and ref.key_path == key_path), None)


def upkeep(
    deployment: DeploymentConfig, observations: dict[Any, object], *, keep: bool, simulated: bool
) -> TokenUpkeep:
    """Record redemptions, write rotated tokens back (``keep``), and forecast every expiry this run knows."""
    now = dt.datetime.now(dt.timezone.utc)
    done = TokenUpkeep()
    for observation in observations.values():
        if isinstance(observation, AppObservation) and observation.ok and observation.app is not None:
            if observation.client_id.lower() != deployment.azure_ad.client_id.lower():
                continue
            for credential in observation.app.passwords:
                if credential.end is not None:
                    target = f"app {observation.client_id} client secret {credential.label}"
                    done.expiry.append({"kind": "client_secret", "target": target, "expires": _stamp(credential.end)})
    redeemed = [o for o in observations.values() if isinstance(o, TokenObservation) and o.ok]
    if simulated:
        if keep:
            done.say("--ece-keep-tokens: a simulated run redeems the simulator's tokens; no token file was written")
        return done
    for observation in redeemed:
        ref = _ref(deployment, observation.need.secret_key_path)
        if ref is not None and ref.file is None and keep:
            done.say(
                f"--ece-keep-tokens: {ref.key_path} is {ref.describe()}: a variable cannot be written, the "
                "rotated token was dropped (give the token as { file = ... } to keep it)",
                warn=True,
            )
        if ref is not None and ref.file is not None:
            _keep(done, ref, ref.file, observation, keep=keep, now=now)
    for mailbox in deployment.mailboxes:
        ref = mailbox.refresh_token
        if ref is None or ref.file is None or (when := last_redemption(ref.file)) is None:
            continue
        done.expiry.append({"kind": "refresh_token", "target": mailbox.address, "last_redeemed": _stamp(when),
                            "expires": _stamp(when + REFRESH_TOKEN_LIFETIME)})  # fmt: skip
    return done


def token_upkeep(run: Any, config: pytest.Config) -> TokenUpkeep:
    """:func:`upkeep` for a run (an ``EceSession``) at its end; its terminal lines go to ``run.token_lines``."""
    survey = run.context.survey
    observations = survey.observations() if survey is not None else {}
    keep = bool(config.getoption("ece_keep_tokens"))
    done = upkeep(run.deployment, observations, keep=keep, simulated=run.simulator is not None)
    run.token_lines = done.lines
    return done
