"""Output files that cannot be written (issue 12 item 9): exit 4 with one line before any check runs, not
pytest's traceback after they all passed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_ece_o365.plugin.outputs import unwritable


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    """A folder this user cannot create files in: chmod for a user, /sys (read-only to root too) for root."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not Path("/sys").is_dir() or not unwritable(Path("/sys/report.xml")):
            pytest.skip("no folder that root cannot write to")
        return Path("/sys")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.parametrize("option", ["--junitxml", "--html", "--ece-json"])
def test_an_output_into_a_read_only_folder_is_one_exit_4_line(
    pytester: pytest.Pytester, read_only_folder: Path, option: str
) -> None:
    target = read_only_folder / "missing" / "out.file"
    result = pytester.runpytest_subprocess("--ece-simulate", "-m", "static", option, str(target))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [f"ERROR: ece-o365: cannot write {option} {target}: the folder {read_only_folder} is not writable "
                      f"({os.strerror(13)})"], result.stderr.lines  # fmt: skip
    assert "Traceback" not in result.stdout.str()
    assert "passed" not in result.stdout.str()  # refused before anything ran


def test_an_output_that_is_a_folder_or_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert unwritable(tmp_path) == "it is a folder"
    assert unwritable(tmp_path / "file" / "r.json") == f"{tmp_path / 'file'} is not a folder"
    assert unwritable(tmp_path / "new" / "deeper" / "r.json") == ""  # missing folders are created
