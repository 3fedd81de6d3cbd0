"""What a check concludes: pass, fail with a finding, advise, or cannot tell (skip)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Status = Literal["passed", "failed", "advisory", "waived", "skipped"]
Owner = Literal["ece-admin", "azure-admin", "exchange-admin", "network"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "advisory", "waived", "skipped")


@dataclass(frozen=True)
class Verdict:
    """A check's conclusion for one target.

    ``detail`` says what was seen, ``remediation`` what to do, ``owner`` who must do it, ``setting`` the
    name of the ECE setting involved as this ECE version labels it, ``evidence`` the (already redacted)
    protocol dialogue or values that support the conclusion.
    """

    status: Status
    detail: str
    remediation: str = ""
    owner: Owner | None = None
    setting: str | None = None
    evidence: tuple[str, ...] = ()

    @property
    def is_finding(self) -> bool:
        return self.status in ("failed", "advisory", "waived")

    def waived_by(self, reason: str, expires: str) -> Verdict:
        return replace(self, status="waived", detail=f"{self.detail} [waived until {expires}: {reason}]")

    def with_note(self, note: str) -> Verdict:
        return replace(self, detail=f"{self.detail} [{note}]")


def passed(detail: str, *, evidence: tuple[str, ...] = ()) -> Verdict:
    return Verdict("passed", detail, evidence=evidence)


def failed(
    detail: str,
    remediation: str,
    owner: Owner,
    *,
    setting: str | None = None,
    evidence: tuple[str, ...] = (),
) -> Verdict:
    """A finding that fails the check: what was seen, what to do, who must do it."""
    return Verdict("failed", detail, remediation, owner, setting, evidence)


def advisory(
    detail: str,
    remediation: str,
    owner: Owner,
    *,
    setting: str | None = None,
    evidence: tuple[str, ...] = (),
) -> Verdict:
    """A finding worth acting on that does not fail the run (unless ``--ece-strict``)."""
    return replace(failed(detail, remediation, owner, setting=setting, evidence=evidence), status="advisory")


def cannot_tell(reason: str, *, evidence: tuple[str, ...] = ()) -> Verdict:
    """The check lacks an input (no [graph], a secret not set, an opaque token): skipped with the reason."""
    return Verdict("skipped", reason, evidence=evidence)
