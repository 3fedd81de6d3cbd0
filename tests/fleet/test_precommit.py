"""The pre-commit hook (.pre-commit-hooks.yaml), run by the `pre-commit` package itself against a scratch
repository: a good deployment file passes, a broken one fails with its one-line error, other TOML is ignored."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ece_o365.cli.precommit import is_deployment_file

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (.ci/install.d/fleet.sh installs it)")
def test_the_hook_runs_the_static_checks_on_changed_deployment_files(tmp_path: Path) -> None:
    assert PRE_COMMIT is not None
    scratch = tmp_path / "deployments"
    scratch.mkdir()
    git(scratch, "init", "-q")
    shutil.copy(REPO / "example_config.toml", scratch / "prod.toml")
    (scratch / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # not a deployment file
    git(scratch, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    env.pop("PYTHONPATH", None)  # the hook runs from the environment pre-commit builds, not this checkout

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        argv = [PRE_COMMIT, "try-repo", str(REPO), "ece-o365-static", "--files", *files]
        return subprocess.run(argv, cwd=scratch, env=env, capture_output=True, text=True, timeout=900, check=False)

    good = run("prod.toml", "pyproject.toml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ece-o365-static" in good.stdout or "static checks" in good.stdout
    assert "Passed" in good.stdout

    broken = (scratch / "prod.toml").read_text(encoding="utf-8").replace('inbound = "pop3"', 'inbound = "pop4"', 1)
    (scratch / "prod.toml").write_text(broken, encoding="utf-8")
    git(scratch, "add", "prod.toml")
    bad = run("prod.toml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and 'mailboxes[1].inbound: "pop4" is not one of imap, pop3' in bad.stdout


def test_only_deployment_files_are_checked(tmp_path: Path) -> None:
    cases = {
        "prod.toml": (REPO / "example_config.toml").read_text(encoding="utf-8"),
        "broken.toml": "[ece\nversion = 1\n[azure_ad]\n",
        "schema-only.toml": "#:schema ./deployment.schema.json\n",
        "pyproject.toml": '[project]\nname = "x"\n[tool.ruff]\nline-length = 1\n',
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = {name for name in cases if is_deployment_file(tmp_path / name)}
    assert found == {"prod.toml", "broken.toml", "schema-only.toml"}
