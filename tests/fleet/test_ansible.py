"""ansible/check.yml: three ECE servers (local connections, each its own role and results path) run the
checklist against the simulator; the controller merges their results into one report, and the play
fails because a check failed on one of them. Nothing secret crosses Ansible's output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) or shutil.which("ansible-playbook")
SECRET = "Fake-S3cret~value-for-no_log-only"

HOSTS = {  # host: (role, simulator scenario)
    "ece-svc01": ("services", "healthy"),
    "ece-app01": ("application", "broken"),
    "ece-app02": ("all", "healthy"),
}


def inventory(tmp_path: Path) -> dict[str, object]:
    hosts = {
        name: {
            "ece_o365_role": role,
            "ece_o365_remote_dir": str(tmp_path / "hosts" / name),
            "ece_o365_results": str(tmp_path / "hosts" / name / f"{name}-results.json"),
            "ece_o365_extra_args": [f"--ece-simulate={scenario}"],
        }
        for name, (role, scenario) in HOSTS.items()
    }
    hosts["ece-svc01"]["ece_o365_environment"] = {"ECE_O365_UNUSED_SECRET": SECRET}  # no_log hides it
    shared = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "ece_o365_python": sys.executable,
    }
    return {"all": {"children": {"ece_servers": {"hosts": hosts, "vars": shared}}}}


@pytest.mark.skipif(
    PLAYBOOK is None, reason="ansible-playbook is not installed (.ci/install.d/fleet.sh installs the ansible package)"
)
def test_three_hosts_give_one_merged_report_and_a_failed_play(tmp_path: Path) -> None:
    assert PLAYBOOK is not None
    (tmp_path / "inventory.json").write_text(json.dumps(inventory(tmp_path)), encoding="utf-8")
    shutil.copy(REPO / "example_config.toml", tmp_path / "prod.toml")
    results = tmp_path / "controller"
    env = {**os.environ, "PYTHONPATH": str(REPO), "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}  # fmt: skip
    extra = {
        "ece_o365_config": str(tmp_path / "prod.toml"),
        "ece_o365_fetch_dir": str(results),
        "ece_o365_merge_command": [sys.executable, "-m", "pytest_ece_o365.cli"],
        "ece_o365_report": str(results / "merged.html"),
        "ece_o365_report_json": str(results / "merged.json"),
    }
    argv = [
        PLAYBOOK,
        "-v",
        "-i",
        str(tmp_path / "inventory.json"),
        str(REPO / "ansible" / "check.yml"),
        "-e",
        json.dumps(extra),
    ]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output  # a check failed on ece-app01: the play fails
    assert "A check failed on ece-app01; see " in output
    assert SECRET not in output
    merged = json.loads((results / "merged.json").read_text(encoding="utf-8"))
    files = {Path(host["file"]).name: host for host in merged["hosts"]}
    assert set(files) == {f"{name}.json" for name in HOSTS}
    assert files["ece-svc01.json"]["roles"] == ["services"]
    assert files["ece-app01.json"]["roles"] == ["application"]
    assert files["ece-app02.json"]["roles"] == ["services", "application"]
    runs = {
        Path(run_path).name: run
        for run_path, run in zip((h["file"] for h in merged["hosts"]), merged["runs"], strict=True)
    }
    assert runs["ece-app01.json"]["simulated"] == "broken" and runs["ece-app01.json"]["summary"]["failed"] > 0
    assert runs["ece-svc01.json"]["summary"]["failed"] == 0 and runs["ece-app02.json"]["summary"]["failed"] == 0
    for name in HOSTS:  # each host's own results file, on the host and fetched
        assert (tmp_path / "hosts" / name / f"{name}-results.json").is_file()
        assert (tmp_path / "hosts" / name / "prod.toml").read_bytes() == (REPO / "example_config.toml").read_bytes()
    assert merged["failed"] is True
    page = (results / "merged.html").read_text(encoding="utf-8")
    assert all(f"{name}.json" in page for name in HOSTS)


def test_the_readme_names_only_variables_the_role_has() -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Across the deployment with Ansible") : readme.index("### Scheduled runs")]
    named = set(re.findall(r"`(ece_o365_[a-z_]+)`", section))
    defined = "".join(path.read_text(encoding="utf-8") for path in (REPO / "ansible").rglob("*.yml"))
    assert named and {name for name in named if f"{name}:" not in defined} == set()
