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
    #: The diagnosed cause's stable id (``aadsts-700082``, ``dns-nxdomain``): on every finding, the key for
    #: waivers, comparisons and support cases (contract §4). Its owner check is in diagnosis.causes.
    cause: str = ""
    #: The target of the owner's result where this cause is reported ("" = this result's own target): a
    #: mailbox's session blocked by DNS has cause ``dns-nxdomain`` at ``outlook.office365.com``.
    cause_at: str = ""
    #: On a skipped result that another result explains: that result's (check id, target).
    blocked_by: tuple[str, str] | None = None
    #: The result that reports this finding when the cause's owner is not in the run — the step this
    #: check waited for (token.refresh for a mailbox session with no token). Not part of the results file.
    relay: tuple[str, str] | None = None
    #: One documentation URL for the finding (contract §4 ``doc``: Microsoft Learn, Cisco, or the product's
    #: own page); "" when its diagnosis row names none.
    doc: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", bounded(self.evidence))  # a peer that keeps talking: issue 12

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
    cause: str,
    setting: str | None = None,
    evidence: tuple[str, ...] = (),
    cause_at: str = "",
    doc: str = "",
) -> Verdict:
    """A finding that fails the check: what was seen, what to do, who must do it, and its cause's id."""
    return Verdict("failed", detail, remediation, owner, setting, evidence, cause, cause_at, doc=doc)


def advisory(
    detail: str,
    remediation: str,
    owner: Owner,
    *,
    cause: str,
    setting: str | None = None,
    evidence: tuple[str, ...] = (),
    cause_at: str = "",
    doc: str = "",
) -> Verdict:
    """A finding worth acting on that does not fail the run (unless ``--ece-strict``)."""
    finding = failed(
        detail, remediation, owner, cause=cause, setting=setting, evidence=evidence, cause_at=cause_at, doc=doc
    )
    return replace(finding, status="advisory")


def cannot_tell(reason: str, *, evidence: tuple[str, ...] = ()) -> Verdict:
    """The check lacks an input (no [graph], a secret not set, an opaque token): skipped with the reason."""
    return Verdict("skipped", reason, evidence=evidence)


def relayed(finding: Verdict, by: tuple[str, str]) -> Verdict:
    """``finding``, reported by ``by`` (check id, target) when the cause's own check is not in the run."""
    return replace(finding, relay=by)


def blocked(finding: Verdict, by: tuple[str, str]) -> Verdict:
    """``finding`` is another result's (``by``: its check id and target), which reports it: this one is
    skipped, saying so (contract §4 ``blocked_by``, §5 "blocked by network.dns for smtp.office365.com")."""
    check_id, target = by
    where = f" for {target}" if target else ""
    detail = f"blocked by {check_id}{where} ({finding.cause}): {finding.detail}"
    return Verdict("skipped", detail, evidence=finding.evidence, cause=finding.cause, blocked_by=by)


#: Evidence per result, at most (what a peer that keeps talking can put into one result; contract §4 evidence).
MAX_EVIDENCE_LINES = 150
MAX_EVIDENCE_LINE = 1000
MAX_EVIDENCE_CHARS = 60_000
_EVIDENCE_TAIL = 30  # the last lines are kept too: they hold the probe's conclusion


def bounded(evidence: tuple[str, ...]) -> tuple[str, ...]:
    """``evidence`` within the caps above; one line in the middle says how much was cut."""
    total = sum(len(line) for line in evidence)
    longest = max((len(line) for line in evidence), default=0)
    if len(evidence) <= MAX_EVIDENCE_LINES and total <= MAX_EVIDENCE_CHARS and longest <= MAX_EVIDENCE_LINE:
        return evidence
    lines = [line if len(line) <= MAX_EVIDENCE_LINE else f"{line[:MAX_EVIDENCE_LINE]}… (cut)" for line in evidence]
    tail = lines[-_EVIDENCE_TAIL:] if len(lines) > MAX_EVIDENCE_LINES else []
    head = lines[: MAX_EVIDENCE_LINES - len(tail)]
    size = sum(len(line) for line in (*head, *tail))
    while size > MAX_EVIDENCE_CHARS and (head or tail):
        size -= len(head.pop() if head else tail.pop(0))
    dropped = len(lines) - len(head) - len(tail)
    note = f"[… {dropped} of {len(lines)} evidence lines cut here: evidence is capped per result …]"
    return (*head, note, *tail) if dropped else (*head, *tail)
