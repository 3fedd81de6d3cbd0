"""The checklist as pytest nodes: the deployment file is the test file, each check × target an item.

Collecting the TOML file itself (pytest's "non-python tests" pattern) keeps the checklist independent of
the user's ``python_files`` settings and conftest files, and makes node ids read like
``prod.toml::network.tcp[services-outlook.office365.com:993]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_ece_o365.catalog import CATALOG
from pytest_ece_o365.checks.base import REGISTRY, Check, CheckContext, Target
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.knowledge import ROLE_MARKERS, VERSION_MARKERS
from pytest_ece_o365.plugin.crash_repr import crash_text
from pytest_ece_o365.redact import redact
from pytest_ece_o365.verdict import Verdict

if TYPE_CHECKING:
    from pytest_ece_o365.config.deployment import DeploymentConfig


class ChecklistRun(Protocol):
    """What the collected checklist needs of the run (:class:`~pytest_ece_o365.plugin.session.EceSession`)."""

    @property
    def deployment(self) -> DeploymentConfig: ...

    @property
    def context(self) -> CheckContext: ...

    def judge(self, check: Check, target: Target) -> Verdict: ...


class CheckFailed(Exception):
    """Raised by a check item whose verdict is 'failed'; carries the finding for the report."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.detail)
        self.verdict = verdict


class ChecklistFile(pytest.File):
    """The deployment file, collected as the built-in checklist."""

    ece: ChecklistRun

    def collect(self) -> Iterator[CheckItem]:
        config = self.ece.deployment
        for spec in CATALOG:
            check = REGISTRY.get(spec.id)
            if check is None:  # in the catalog, not implemented yet
                continue
            for target in targets_for(spec, config):
                name = spec.id if target.param_id is None else f"{spec.id}[{target.param_id}]"
                yield CheckItem.from_parent(self, name=name, check=check, target=target)


class CheckItem(pytest.Item):
    """One check for one target."""

    def __init__(self, *, check: Check, target: Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.target = target
        self.verdict: Verdict | None = None
        for marker in _markers(check, target):
            self.add_marker(marker)

    @property
    def ece(self) -> ChecklistRun:
        parent = self.parent
        assert isinstance(parent, ChecklistFile)
        return parent.ece

    def runtest(self) -> None:
        verdict = self.ece.judge(self.check, self.target)
        self.verdict = verdict
        self.user_properties.extend(junit_properties(verdict, self.check.spec.id, self.target.label))
        if verdict.status == "skipped":
            # Reported at the deployment file, not at this module's line. pytest has no public way to
            # say so (its own skipping.py does the same); tests/test_skip_location.py guards it.
            raise pytest.skip.Exception(redact(verdict.detail), _use_item_location=True)
        if verdict.status == "failed":
            raise CheckFailed(verdict)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return format_verdict(excinfo.value.verdict)
        # A bug in the check itself: show it, scrubbed, so that it can be reported (whole, then redacted:
        # pytest would cut a token in a local in its middle, where redaction no longer recognises it).
        return crash_text(self, excinfo, style)

    def reportinfo(self) -> tuple[Any, int, str]:
        # The title in the domain also keeps pytest from showing the id's dots as "::".
        return self.path, 0, f"{self.name}: {self.check.spec.title}"

    @property
    def context(self) -> CheckContext:
        return self.ece.context


def junit_properties(verdict: Verdict, check: str, target: str) -> list[tuple[str, str]]:
    """The testcase properties of ``--junitxml`` (one finding model, contract §4): JUnit knows only pass,
    fail and skip, so an advisory or waived result — a JUnit pass — says what it is here, with its cause
    and the finding's text, for CI to see."""
    properties = [("ece_check", check), ("ece_target", target), ("ece_status", verdict.status)]
    if verdict.cause:
        properties.append(("ece_cause", verdict.cause))
    if verdict.owner:
        properties.append(("ece_owner", verdict.owner))
    if verdict.status in ("advisory", "waived"):
        properties.append(("ece_finding", format_verdict(verdict, with_evidence=False)))
    return [(name, redact(value)) for name, value in properties]


def _markers(check: Check, target: Target) -> Iterator[str]:
    spec = check.spec
    yield spec.kind
    for role in target.roles:
        yield ROLE_MARKERS[role]
    yield from spec.versions


def applies_to_version(check: Check, version_marker: str | None) -> bool:
    """Version-specific checks (the ES ones) apply only to their versions; the rest to every version."""
    versions = check.spec.versions
    if set(versions) == set(VERSION_MARKERS):
        return True
    return version_marker in versions


def format_verdict(verdict: Verdict, *, with_evidence: bool = True) -> str:
    """A finding as the terminal and JUnit XML show it."""
    lines = [f"what was seen: {verdict.detail}"]
    if verdict.remediation:
        lines.append(f"what to do:    {verdict.remediation}")
    if verdict.owner:
        lines.append(f"who acts:      {verdict.owner}")
    if verdict.setting:
        lines.append(f"ECE setting:   {verdict.setting}")
    if verdict.evidence and with_evidence:
        lines.append("evidence:")
        lines.extend(f"  {line}" for line in verdict.evidence)
    return redact("\n".join(lines))


__all__ = ["CheckFailed", "CheckItem", "ChecklistFile", "applies_to_version"]


def check_items(items: list[pytest.Item]) -> Iterator[CheckItem]:
    """The checklist's items among ``items`` (a run may hold other tests too)."""
    return (item for item in items if isinstance(item, CheckItem))
