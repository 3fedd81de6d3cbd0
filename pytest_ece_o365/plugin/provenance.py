"""Where a run's report comes from (contract §4, §5.4): the run info, the deployment file's SHA-256, the
command line (redacted), and the HTML report's SHA-256 for the case note (§5.5)."""

from __future__ import annotations

import hashlib
import os
import shlex
import socket
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.report.casenote import ReportFile
from pytest_ece_o365.report.compare import PreviousRun
from pytest_ece_o365.report.results import RunInfo, knowledge_date
from pytest_ece_o365.report.results_file import ResultsFileError, read_results
from pytest_ece_o365.secret import SecretSource, SecretUnavailable


def run_info(
    config: pytest.Config, deployment: DeploymentConfig, roles: tuple[str, ...], simulator: Any, strict: bool
) -> RunInfo:
    return RunInfo(
        host=socket.gethostname(),
        roles=roles,
        deployment=deployment.name,
        ece_version=str(deployment.ece.version),
        engineering_specials=tuple(str(es) for es in deployment.ece.engineering_specials),
        tenant=deployment.azure_ad.tenant,
        knowledge_date=knowledge_date(),
        simulated=str(simulator.scenario) if simulator is not None else None,
        config_sha256=file_sha256(deployment.path),
        raw_command=command_line(config),
        raw_args=("pytest", *config.invocation_params.args),
        strict=strict,
    )


def previous_run(config: pytest.Config) -> PreviousRun | None:
    """The run ``--ece-compare`` names, read before anything runs: a bad file is a usage error (one line)."""
    name = config.getoption("ece_compare", None)
    if not name:
        return None
    try:
        return read_results(config.invocation_params.dir / name).as_previous(name)
    except ResultsFileError as exc:
        raise pytest.UsageError(f"--ece-compare {exc}") from None


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes; "" when it cannot be read (it was read moments ago)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def command_line(config: pytest.Config) -> str:
    """The command as typed, for the provenance; :attr:`RunInfo.command` redacts it when it is shown."""
    return shlex.join(["pytest", *config.invocation_params.args])


def remember_secrets(deployment: DeploymentConfig, secrets: SecretSource) -> None:
    """Load every secret the file names that is there, so that redaction masks its value wherever it
    appears (a client secret pasted on the command line, say) even when no check revealed it."""
    for ref in deployment.secret_refs():
        try:
            secrets.get(ref)  # a Secret remembers its value for redact() when it is made
        except SecretUnavailable:
            continue


def html_report(config: pytest.Config) -> ReportFile | None:
    """The pytest-html report of this run, once written: its path as given and its SHA-256."""
    html_path = config.getoption("htmlpath", None)
    if not html_path:
        return None
    # Resolved as pytest-html resolves it (basereport.BaseReport.__init__).
    path = Path.cwd() / Path(os.path.expandvars(html_path)).expanduser()
    digest = file_sha256(path)
    return ReportFile(str(html_path), digest) if digest else None
