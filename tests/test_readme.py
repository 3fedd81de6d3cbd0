"""The README's commands work as written (those that stay on this machine)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_pytest_commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line.split(" #", 1)[0])
            if words and words[0].endswith("pytest") and len(words) > 1:
                commands.append(words[1:])
    return commands


# Only commands that stay on this machine: against the simulator, or reading the file alone.
LOCAL = [args for args in readme_pytest_commands() if "--ece-simulate" in " ".join(args) or "static" in args]


def test_readme_shows_the_simulator_demo_first() -> None:
    assert readme_pytest_commands()[0] == ["--ece-simulate=broken", "--html", "report.html", "--self-contained-html"]
    assert len(LOCAL) >= 2


@pytest.mark.parametrize("args", LOCAL, ids=[" ".join(args) for args in LOCAL])
def test_readme_command_runs(pytester: pytest.Pytester, args: list[str]) -> None:
    shutil.copy(REPO / "example_config.toml", pytester.path / "prod.toml")
    result = pytester.runpytest_subprocess(*args)
    expected = 1 if "--ece-simulate=broken" in args else 0  # the broken scenario's findings fail the run
    assert result.ret == expected, result.stdout.str()[-2000:]
    if "--html" in args:
        report = (pytester.path / args[args.index("--html") + 1]).read_text(encoding="utf-8")
        assert "<h2>Findings</h2>" in report and "ece-verdict" in report
