"""``ece-o365 bundle``: bad input is one line and exit 4; the bundle's pins, files and hashes hold together
(pip itself checks the hashes); an unreachable index is said to be the network.

The whole build against the package index, and the offline install from it, run in .ci/after.d/bundle.sh."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pytest_ece_o365.cli import main
from pytest_ece_o365.cli.bundle_build import match_files, parse_pins, requires_dist, write_requirements
from pytest_ece_o365.cli.bundle_target import Target, parse_target
from pytest_ece_o365.cli.errors import CommandError

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["bundle", *argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--platform", "win32"], "--platform 'win32' is not supported"),
        (["--platform", "manylinux_2_5_x86_64"], "--platform 'manylinux_2_5_x86_64' is not supported"),
        (["--python", "3.9"], "--python '3.9' is not supported"),
        (["--python", "3.14"], "--python '3.14' is not supported"),
    ],
)
def test_a_target_it_cannot_build_is_one_line_and_exit_4(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, err = run(capsys, *argv)
    assert code == 4 and err.count("\n") == 1 and message in err, err


def test_an_existing_out_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "old.whl").write_text("x")
    code, err = run(capsys, "--out", str(tmp_path))
    assert code == 4 and err.count("\n") == 1 and "not an empty folder" in err


def test_a_source_that_is_not_a_checkout_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "--source", str(tmp_path), "--out", str(tmp_path / "b"))
    assert code == 4 and err.count("\n") == 1 and "not a pytest-ece-o365 checkout" in err


def test_without_uv_it_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))  # none beside this Python either
    code, err = run(capsys, "--out", str(tmp_path / "b"))
    assert code == 4 and err.count("\n") == 1 and "python -m pip install uv" in err


def test_the_targets_map_to_uv_and_pip() -> None:
    windows = parse_target("win_amd64", "3.10")
    assert (windows.uv_platform, windows.pip_platforms, windows.windows) == (
        "x86_64-pc-windows-msvc",
        ["win_amd64"],
        True,
    )
    linux = parse_target("manylinux_2_28_x86_64", "3.12")
    assert linux.uv_platform == "x86_64-manylinux_2_28" and not linux.windows
    # pip takes an explicit --platform literally: older glibc wheels (manylinux2014) must be named too.
    assert linux.pip_platforms[0] == "manylinux_2_28_x86_64" and linux.pip_platforms[-2:] == [
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
    ]
    current = parse_target("current", None)
    assert current.uv_platform is None and current.pip_platforms == []
    assert current.python == f"{sys.version_info[0]}.{sys.version_info[1]}"


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    path = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {line}\n" for line in requires
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{info}/METADATA", metadata)
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def test_the_wheels_own_requirements_leave_the_extras_out(tmp_path: Path) -> None:
    wheel = _wheel(
        tmp_path, "demo", "1.0", ("pytest>=8.0", "tomli>=2.0; python_version < '3.11'", 'ruff; extra == "test"')
    )
    assert requires_dist(wheel) == ["pytest>=8.0", "tomli>=2.0; python_version < '3.11'"]


def test_compiled_pins_are_read_by_normalized_name() -> None:
    text = "Typing_Extensions==4.16.0\n# comment\npytest-html==4.2.0  # via x\n    # via pytest\n"
    assert parse_pins(text) == {"typing-extensions": "4.16.0", "pytest-html": "4.2.0"}


def test_a_missing_or_stray_wheel_makes_the_bundle_incomplete(tmp_path: Path) -> None:
    _wheel(tmp_path, "alpha", "1.0")
    with pytest.raises(CommandError, match=r"no wheel for beta==2\.0") as missing:
        match_files(tmp_path, {"alpha": "1.0", "beta": "2.0"})
    assert missing.value.exit_code == 1
    _wheel(tmp_path, "beta", "2.1")  # the wrong version is not the pin's file
    with pytest.raises(CommandError, match=r"no wheel for beta==2\.0"):
        match_files(tmp_path, {"alpha": "1.0", "beta": "2.0"})
    with pytest.raises(CommandError, match=r"unexpected files beta-2\.1"):
        match_files(tmp_path, {"alpha": "1.0"})


def test_pip_accepts_the_hashes_and_refuses_a_changed_file(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    _wheel(bundle, "alpha", "1.0")
    _wheel(bundle, "beta-gamma", "2.0")
    files = match_files(bundle, {"alpha": "1.0", "beta-gamma": "2.0"})
    write_requirements(bundle, files, Target("win_amd64", "3.10"))
    lines = (bundle / "requirements.txt").read_text(encoding="utf-8").splitlines()
    digest = hashlib.sha256(files["alpha"].read_bytes()).hexdigest()
    assert f"alpha==1.0 --hash=sha256:{digest}" in lines

    def pip_download(dest: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "pip", "download", "--isolated", "--no-index", "--find-links", str(bundle)]
        argv += ["--no-deps", "-r", str(bundle / "requirements.txt"), "-d", str(tmp_path / dest)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)

    done = pip_download("ok")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(files["beta-gamma"], "a") as archive:
        archive.writestr("extra.txt", "changed after the bundle was made")
    done = pip_download("changed")
    assert done.returncode != 0 and "DO NOT MATCH THE HASHES" in done.stderr


def test_an_unreachable_index_is_said_to_be_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/simple")  # the discard port: nothing listens
    monkeypatch.setenv("UV_NO_CACHE", "1")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    code, err = run(capsys, "--source", str(REPO), "--out", str(tmp_path / "b"))
    assert code == 1 and err.count("\n") == 1, err
    assert "the package index could not be reached (network)" in err, err
