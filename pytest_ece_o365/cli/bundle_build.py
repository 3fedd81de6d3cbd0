"""The steps of ``ece-o365 bundle`` (:mod:`pytest_ece_o365.cli.bundle`): build, resolve, download, pin, prove.

Every step is a subprocess (uv, pip) bounded in time; a failure ends the command with one line that says
which step failed and, when the package index could not be reached, that it is the network.
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from pytest_ece_o365.cli.bundle_target import Target
from pytest_ece_o365.cli.errors import CommandError, UsageError

NAME = "pytest-ece-o365"
KEPT = ("requirements.txt", "INSTALL.txt")
_TIMEOUT = 900  # seconds for one step (a download of ~8 MB on a slow line, a cold wheel build)
_NETWORK = re.compile(
    r"dns error|error sending request|failed to connect|connection refused|timed out|name or service not known|"
    r"temporary failure in name resolution|newconnectionerror|failed to establish|network is unreachable|"
    r"could not connect|failed to fetch",
    re.IGNORECASE,
)


def normalize(name: str) -> str:
    """PEP 503 name: what a pin and a wheel's file name are compared by."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_uv() -> str:
    """The uv executable: beside this Python (``pip install uv`` puts it in the venv's scripts), else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / ("uv.exe" if os.name == "nt" else "uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if not found:
        raise UsageError(
            "uv is not installed: the bundle resolves with the target's markers through uv "
            "(python -m pip install uv, from PyPI), then run the command again"
        )
    return found


def build_bundle(target: Target, source: Path, out: Path) -> str:
    """Fill ``out`` with the bundle for ``target``; the summary line to print."""
    uv = find_uv()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ece-o365-bundle-") as scratch:
        work = Path(scratch)
        # sdist first, the wheel from it (uv build's default): no stale build/ of the checkout gets in.
        _step("building the wheel", [uv, "build", "--out-dir", str(work), "--python", sys.executable, str(source)])
        wheel = _only(work.glob("pytest_ece_o365-*.whl"), "the built wheel")
        shutil.copy2(wheel, out / wheel.name)
        requirements_in = work / "requirements.in"
        requirements_in.write_text("\n".join(requires_dist(wheel)) + "\n", encoding="utf-8")
        compiled = _step(
            "resolving the dependencies", [uv, "pip", "compile", str(requirements_in), *_uv_target(target)]
        )
        pins = parse_pins(compiled)
        pin_file = work / "pins.txt"
        pin_file.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())), encoding="utf-8")
        download = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input"]
        for platform in target.pip_platforms:
            download += ["--platform", platform]
        download += ["--python-version", target.python, "-r", str(pin_file), "-d", str(out)]
        _step("downloading the wheels", download)
    version = wheel.name.split("-")[1]
    files = match_files(out, {normalize(NAME): version, **pins})
    write_requirements(out, files, target)
    (out / "INSTALL.txt").write_text(install_text(target, version, len(files)), encoding="utf-8")
    _prove_offline(uv, target, out, version, {normalize(NAME): version, **pins})
    size = sum(path.stat().st_size for path in files.values()) / 1e6
    what = f"{NAME} {version} and {len(pins)} dependencies for {target.label} ({size:.1f} MB)"
    return f"{out}: {what}, complete; see INSTALL.txt"


def requires_dist(wheel: Path) -> list[str]:
    """The wheel's own run-time requirements (``Requires-Dist`` without an extra)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(item for item in archive.namelist() if item.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))
    return [
        line
        for line in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in line.replace("extra==", "extra ==")
    ]


def parse_pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a compiled requirements file, by normalized name."""
    pins = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.split("#", 1)[0].strip())
        if match:
            pins[normalize(match.group(1))] = match.group(2)
    return pins


def match_files(folder: Path, pins: dict[str, str]) -> dict[str, Path]:
    """The one wheel for each pin; :class:`CommandError` naming what is missing or left over."""
    files: dict[str, Path] = {}
    strays = []
    for path in sorted(folder.iterdir()):
        if path.name in KEPT:
            continue
        parts = path.name.split("-")
        key = normalize(parts[0]) if path.suffix == ".whl" and len(parts) >= 5 else ""
        if key in pins and parts[1] == pins[key] and key not in files:
            files[key] = path
        else:
            strays.append(path.name)
    missing = [f"{name}=={version}" for name, version in sorted(pins.items()) if name not in files]
    if missing or strays:
        detail = f"no wheel for {', '.join(missing)}" if missing else f"unexpected files {', '.join(strays)}"
        raise CommandError(f"the bundle in {folder} is not complete: {detail}", 1)
    return files


def write_requirements(folder: Path, files: dict[str, Path], target: Target) -> None:
    lines = [f"# {NAME} for {target.label}: every requirement pinned and hashed (pip --require-hashes).\n"]
    for name, path in sorted(files.items(), key=lambda item: (item[0] != normalize(NAME), item[0])):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{name}=={path.name.split('-')[1]} --hash=sha256:{digest}\n")
    (folder / "requirements.txt").write_text("".join(lines), encoding="utf-8")


def install_text(target: Target, version: str, count: int) -> str:
    if target.windows:
        venv, python, activate, maker = (
            r"C:\ece-o365\venv",
            r"C:\ece-o365\venv\Scripts\python",
            r"C:\ece-o365\venv\Scripts\activate",
            f"py -{target.python} -m venv",
        )
    else:
        venv, python, activate, maker = (
            "~/ece-o365-venv",
            "~/ece-o365-venv/bin/python",
            ". ~/ece-o365-venv/bin/activate",
            f"python{target.python} -m venv",
        )
    return f"""{NAME} {version}: offline install for {target.label} ({count} wheels, hash-pinned requirements.txt).
No package index is needed: run these in this folder (copied to the server as it is).

1. Python {target.python} installed (Windows: the python.org 64-bit installer, with the "py" launcher).
2. {maker} {venv}
3. {python} -m pip install --no-index --find-links . -r requirements.txt
   (the hash check of every file; without it: {python} -m pip install --no-index --find-links . {NAME})
4. {activate}
   pytest --ece-simulate=broken --html report.html --self-contained-html
   The demo exits 1 (the broken scenario's findings); report.html is written to the current folder.
5. With the deployment file (README "Quick start"):
   pytest --ece-config prod.toml --html report.html --self-contained-html --ece-json results.json
"""


def _prove_offline(uv: str, target: Target, folder: Path, version: str, pins: dict[str, str]) -> None:
    """uv resolves the product again from ``folder`` alone for the same target, to the same pins."""
    with tempfile.TemporaryDirectory(prefix="ece-o365-bundle-") as scratch:
        wanted = Path(scratch) / "wanted.in"
        wanted.write_text(f"{NAME}=={version}\n", encoding="utf-8")
        argv = [uv, "pip", "compile", str(wanted), "--no-index", "--find-links", str(folder), *_uv_target(target)]
        resolved = parse_pins(_step("checking the bundle offline", argv))
    if resolved != pins:
        extra = sorted(set(resolved.items()) ^ set(pins.items()))
        raise CommandError(f"the bundle in {folder} resolves differently offline: {extra}", 1)


def _uv_target(target: Target) -> list[str]:
    flags = ["--python-version", target.python, "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet"]
    platform = target.uv_platform
    return [*flags, "--no-python-downloads", *(["--python-platform", platform] if platform else [])]


def _step(what: str, argv: list[str]) -> str:
    environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT, env=environment, check=False)
    except subprocess.TimeoutExpired:
        raise CommandError(
            f"{what} took over {_TIMEOUT} s and was stopped (is the package index reachable?)", 1
        ) from None
    except OSError as exc:
        raise CommandError(f"{what}: cannot run {argv[0]}: {exc.strerror or exc}", 1) from None
    if done.returncode != 0:
        text = f"{done.stderr}\n{done.stdout}"
        lines = [
            line.strip() for line in text.splitlines() if line.strip() and not line.startswith("WARNING: Location")
        ]
        if _NETWORK.search(text):
            raise CommandError(
                f"{what} failed: the package index could not be reached (network): {lines[-1] if lines else ''}", 1
            )
        reason = next(
            (line for line in lines if line.lower().startswith(("error", "×", "because"))), lines[-1] if lines else ""
        )
        raise CommandError(f"{what} failed ({argv[0]} exit {done.returncode}): {reason}", 1)
    return done.stdout


def _only(found: object, what: str) -> Path:
    paths = sorted(found)  # type: ignore[call-overload]
    if len(paths) != 1:
        raise CommandError(f"expected one file for {what}, found {len(paths)}", 1)
    return Path(paths[0])
