"""Owner-only files and folders (contract §7): real modes on POSIX; on Windows the icacls call, recorded on
any OS — by its full system path, inheritance removed, the user's grant inherited by what the folder holds."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.owner_only import current_user, private_temp_folder, restrict_file, restrict_folder
from pytest_ece_o365.plugin.session import packaged_example
from pytest_ece_o365.sim.runner import start_simulator

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


class Recorder:
    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.calls: list[list[str]] = []
        self.returncode, self.stderr = returncode, stderr

    def __call__(self, argv: list[str], **kwargs: Any) -> Any:
        self.calls.append(argv)
        return SimpleNamespace(returncode=self.returncode, stdout="", stderr=self.stderr)


@pytest.fixture
def icacls(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setenv("SYSTEMROOT", r"D:\Win")
    monkeypatch.setattr("subprocess.run", recorder)
    return recorder


@posix_only
def test_posix_file_and_folder_modes(tmp_path: Path) -> None:
    file, folder = tmp_path / "t.rt", tmp_path / "f"
    file.write_text("x")
    file.chmod(0o644)
    folder.mkdir(mode=0o755)
    restrict_file(file, windows=False)
    assert restrict_folder(folder, windows=False) == folder
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_windows_folder_grant_is_inherited_and_icacls_is_called_by_full_path(tmp_path: Path, icacls: Recorder) -> None:
    restrict_folder(tmp_path, windows=True)
    restrict_file(tmp_path / "x", windows=True)
    assert icacls.calls == [
        [r"D:\Win\System32\icacls.exe", str(tmp_path), "/inheritance:r", "/grant:r", f"{current_user()}:(OI)(CI)F"],
        [r"D:\Win\System32\icacls.exe", str(tmp_path / "x"), "/inheritance:r", "/grant:r", f"{current_user()}:F"],
    ]


def test_a_folder_icacls_cannot_restrict_is_removed_and_the_failure_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(1332, "No mapping between account names and security IDs was done.")
    monkeypatch.setattr("subprocess.run", recorder)
    with pytest.raises(OSError, match="No mapping between account names") as failure:
        private_temp_folder("ece-o365-test-", windows=True)
    folder = Path(recorder.calls[0][1])
    assert str(folder) in str(failure.value) and not folder.exists()


def test_the_simulators_secrets_folder_gets_the_owner_only_acl_on_windows(
    icacls: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pytest_ece_o365.owner_only._windows", lambda: True)  # the Windows branch, on any OS
    with start_simulator(load_config(packaged_example()), "healthy") as sim:
        assert [call[1] for call in icacls.calls] == [str(sim.workdir)]
        assert icacls.calls[0][-1].endswith(":(OI)(CI)F")


@posix_only
def test_the_simulators_secrets_folder_is_0700_on_posix() -> None:
    with start_simulator(load_config(packaged_example()), "healthy") as sim:
        assert stat.S_IMODE(sim.workdir.stat().st_mode) == 0o700
        assert (sim.workdir / "ca.pem").exists()
    assert not sim.workdir.exists()
