"""One checklist run: loads the deployment file, chooses roles, and holds the hooks of the run.

The hooks live on :class:`EceSession`, registered only when a deployment file (or ``--ece-simulate``)
is given, so that without one pytest behaves as if the plugin were absent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365 import redact_logs
from pytest_ece_o365.checks import REGISTRY
from pytest_ece_o365.checks.base import Check, CheckContext, RunOptions, Target
from pytest_ece_o365.config.deployment import DeploymentConfig, Waiver
from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.knowledge import version_marker
from pytest_ece_o365.plugin.collect import CheckItem, ChecklistFile, applies_to_version, check_items
from pytest_ece_o365.plugin.interrupt import SigintGuard, not_run_rows, was_interrupted
from pytest_ece_o365.plugin.outputs import check_outputs
from pytest_ece_o365.plugin.overlap import ProbeLogsApart, in_chain_order, longest_chains_first
from pytest_ece_o365.plugin.provenance import html_report, previous_run, remember_secrets, run_info
from pytest_ece_o365.plugin.roles import choose_roles
from pytest_ece_o365.plugin.rows import result_row
from pytest_ece_o365.plugin.source import config_source, packaged_example
from pytest_ece_o365.plugin.tokens import token_upkeep
from pytest_ece_o365.plugin.waivers import apply_waivers, unused_waiver_line, unused_waivers, waiver_entry
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.casenote import case_note_lines
from pytest_ece_o365.report.results import ResultRow, summarize, write_results
from pytest_ece_o365.report.terminal import write_case_note, write_comparison, write_findings
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.verdict import Verdict

SESSION_KEY = pytest.StashKey["EceSession"]()


def start_run(config: pytest.Config) -> None:
    """Activate the checklist run if a deployment file or ``--ece-simulate`` asks for one."""
    scenario: str | None = config.getoption("ece_simulate")
    source = config_source(config)
    if source is None and scenario is None:
        return
    if config.getoption("maxfail", 0):
        # One cause is reported once, by the check that owns it; a result it explains is only "blocked by"
        # it. Stopping midway (-x, --maxfail) could leave the owner unrun and the cause reported nowhere.
        raise pytest.UsageError(
            "ece-o365: -x / --maxfail would stop the checklist midway, and a finding left to a later check "
            "would never be reported: run it whole (choose checks with -m or -k instead)"
        )
    check_outputs(config)  # an unwritable report is exit 4 now, not a traceback at the end
    redact_logs.install()  # every library's log records redacted (MSAL logs response bodies)
    previous = previous_run(config)  # --ece-compare: a bad file stops the run before it starts
    if source is None:
        path, source_text = packaged_example(), "the packaged example (--ece-simulate without a file)"
    else:
        path, source_text = source
    try:
        deployment = load_config(path)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    secrets = SecretSource()
    simulator = None
    if scenario is not None:
        from pytest_ece_o365.sim.launch import launch_simulator

        simulator, deployment, secrets = launch_simulator(config, deployment, scenario)
    roles, role_source = choose_roles(config.getoption("ece_role"), deployment)
    timeout = config.getoption("ece_timeout") or deployment.network.timeout
    options = RunOptions(timeout, config.getoption("ece_strict"), config.getoption("ece_send_test_mail"))
    session = EceSession(deployment, source_text, roles, role_source, options, secrets, simulator, config=config)
    session.info = replace(session.info, previous=previous)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(session, "ece-o365-run")
    if config.pluginmanager.hasplugin("html"):
        from pytest_ece_o365.report.html import HtmlSummary

        config.pluginmanager.register(HtmlSummary(session), "ece-o365-html")
    # Only the checklist is collected, whatever paths the command line or testpaths named.
    config.args = [str(deployment.path)]


class EceSession:
    """The state and hooks of one checklist run."""

    def __init__(
        self,
        deployment: DeploymentConfig,
        source_text: str,
        roles: tuple[str, ...],
        role_source: str,
        options: RunOptions,
        secrets: SecretSource,
        simulator: Any = None,
        *,
        config: pytest.Config,
    ) -> None:
        self.deployment = deployment
        self.source_text = source_text
        self.role_source = role_source
        self.simulator = simulator
        self.context = CheckContext(deployment, roles, options, secrets=secrets)
        self.rows: list[ResultRow] = []
        self._session: pytest.Session | None = None
        self._items_by_id: tuple[tuple[int, int], dict[str, CheckItem]] = ((0, -1), {})
        self.json_error = ""
        self.token_lines: list[tuple[str, bool]] = []  # --ece-keep-tokens and redemption records (plugin/tokens.py)
        self.info = run_info(config, deployment, roles, simulator, options.strict)
        self.sigint = SigintGuard()  # Ctrl-C: every probe stops at once (plugin/interrupt.py)

    @property
    def roles(self) -> tuple[str, ...]:
        return self.context.roles

    def judge(self, check: Check, target: Target) -> Verdict:
        verdict = check.run(self.context, target)
        return apply_waivers(verdict, self.deployment.waivers, check.spec.id, target.label, self.context.today)

    # --- collection ---------------------------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        ece = self.deployment.ece
        specials = ", ".join(self.info.engineering_specials) or "no ES"
        lines = [
            f"ece-o365: deployment file {self.source_text}",
            f"ece-o365: {self.deployment.name}: ECE {ece.version} ({specials}), tenant "
            f"{self.deployment.azure_ad.tenant}",
            f"ece-o365: roles {', '.join(self.roles)} ({self.role_source}); host {self.info.host}",
        ]
        if self.simulator is not None:
            lines.append(f"ece-o365: simulated Office 365 tenant, scenario {self.simulator.scenario}")
        return lines

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> ChecklistFile | None:
        if file_path != self.deployment.path:
            return None
        # pytest gives a file outside the rootdir an empty node id; name it by its file name then.
        try:
            nodeid = file_path.relative_to(parent.config.rootpath).as_posix()
        except ValueError:
            nodeid = file_path.name
        node = ChecklistFile.from_parent(parent, path=file_path, nodeid=nodeid)
        node.ece = self
        return node

    # trylast: -m and -k have deselected first, so that the copy of a network target both roles need
    # is dropped only when both copies are still selected (`-m application_server` keeps its own).
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        marker = version_marker(self.deployment.ece.version.family)
        keep: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        seen: set[tuple[str, str]] = set()
        for item in items:
            if isinstance(item, CheckItem):
                key = (item.check.spec.id, item.target.label)
                applies = applies_to_version(item.check, marker) and bool(set(item.target.roles) & set(self.roles))
                # A network target both roles need is probed once when both roles are chosen.
                if not applies or (item.check.spec.kind == "network" and key in seen):
                    dropped.append(item)
                    continue
                seen.add(key)
            keep.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = in_chain_order(keep)

    # --- running ------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Iterator[None]:
        survey = None
        probes_logs: ProbeLogsApart | None = None
        self.context.selected = frozenset(
            (item.check.spec.id, item.target.label) for item in check_items(session.items)
        )
        try:
            if not session.config.option.collectonly:
                checks = longest_chains_first(session.items)
                needs = [need for item in checks for need in _needs(self.context, item)]
                if needs:
                    from pytest_ece_o365.survey import THREAD_PREFIX, Survey

                    survey = Survey(self.deployment, self.context.options.timeout, secrets=self.context.secrets)
                    self.context.survey = survey
                    probes_logs = ProbeLogsApart(THREAD_PREFIX, session.config)
                    # Not waited for: each check waits for what it reads (Survey.get), so the checks
                    # of the early stages are judged while the directory's requests are still out.
                    survey.gather(needs, wait_for_all=False)  # inside try: Ctrl-C still closes the survey
            return (yield)
        finally:
            if survey is not None:
                survey.close()
            if probes_logs is not None:
                probes_logs.remove()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        report.sections = [(title, redact(text)) for title, text in report.sections]
        if isinstance(item, CheckItem) and call.when == "call":
            report.ece_verdict = item.verdict
            report.ece_check = item.check.spec.id
        return report

    def pytest_report_teststatus(self, report: pytest.TestReport) -> Any:
        verdict: Verdict | None = getattr(report, "ece_verdict", None)
        if report.when == "call" and verdict is not None and verdict.status in ("advisory", "waived"):
            word = verdict.status.upper()
            return verdict.status, word[0], (word, {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            row = self._row(report)
            if row is not None:
                self.rows.append(row)

    def _row(self, report: pytest.TestReport) -> ResultRow | None:
        item = self._items.get(report.nodeid)
        if item is None:
            return None
        return result_row(item, report)

    @property
    def _items(self) -> dict[str, CheckItem]:
        session = self._session
        if session is None:
            return {}
        key = (id(session.items), len(session.items))  # built once, not once per report (issue 13)
        if self._items_by_id[0] != key:
            self._items_by_id = (key, {item.nodeid: item for item in check_items(session.items)})
        return self._items_by_id[1]

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session
        self.sigint.install()

    def pytest_keyboard_interrupt(self) -> None:
        self._mark_interrupted(pytest.ExitCode.INTERRUPTED)

    def _mark_interrupted(self, exitstatus: int) -> None:
        if was_interrupted(exitstatus) and not self.info.interrupted and self._session is not None:
            self.rows.extend(not_run_rows(self._session.items, self.rows))
            self.info = dataclasses.replace(self.info, interrupted=True)

    # --- the end ------------------------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        write_findings(terminalreporter, self.rows)
        write_comparison(terminalreporter, self.info, self.rows)
        for line, warn in self.token_lines:
            terminalreporter.write_line(f"ece-o365: {line}", red=warn, bold=warn)
        for waiver in self.unused_waivers():
            terminalreporter.write_line(f"ece-o365: {unused_waiver_line(waiver)}", yellow=True)
        json_path = config.getoption("ece_json")
        if self.json_error:
            terminalreporter.write_line(f"ece-o365: {self.json_error}", red=True, bold=True)
        elif json_path:
            terminalreporter.write_line(f"ece-o365: results written to {json_path}")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Before anything is written: a secret on the command line is masked in `command` too.
        remember_secrets(self.deployment, self.context.secrets)
        self._mark_interrupted(exitstatus)
        upkeep = token_upkeep(self, session.config)
        json_path = session.config.getoption("ece_json")
        if json_path:
            unused = [waiver_entry(waiver) for waiver in self.unused_waivers()]
            try:
                where = session.config.invocation_params.dir / json_path
                write_results(where, self.info, self.rows, unused, upkeep.expiry)
            except OSError as exc:
                self.json_error = f"cannot write the results file {json_path}: {exc.strerror or exc}"
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
                return
        strict = self.context.options.strict
        if strict and summarize(self.rows)["advisory"] and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The case note ends the terminal run (contract §5.5): here, after pytest-html and our page
        rewrite have written the report, so that its SHA-256 is the file's."""
        self.sigint.restore()
        redact_logs.uninstall()
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None or self._session is None or config.option.collectonly:
            return
        write_case_note(terminal, case_note_lines(self.info, self.rows, report=html_report(config)))

    def unused_waivers(self) -> list[Waiver]:
        findings = ((row.check, row.target) for row in self.rows if row.is_finding)
        return unused_waivers(self.deployment.waivers, findings)


def _needs(context: CheckContext, item: CheckItem) -> list[Any]:
    check = REGISTRY[item.check.spec.id]
    return list(check.needs(context, item.target)) if check.needs else []
