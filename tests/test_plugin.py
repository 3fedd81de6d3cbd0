"""The plugin as users drive it: pytester runs of the checklist on deployment files."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from deployments import deployment_text

from pytest_ece_o365.report.results import knowledge_date

STATIC_IDS = {
    "version.supported",
    "version.engineering_special",
    "version.latest_es",
    "web_url.external_url",
    "web_url.admin_console",
    "azure_app.redirect_uri",
    "rights.access_model",
}
REPO = Path(__file__).parent.parent


@pytest.fixture
def deployment(pytester: pytest.Pytester):
    def write(text: str | None = None, name: str = "prod.toml", **changes: str | None) -> Path:
        path = pytester.path / name
        path.write_text(text if text is not None else deployment_text(**changes), encoding="utf-8")
        return path

    return write


def results(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_without_a_deployment_file_pytest_runs_the_users_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_mine(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*deployment file*")


def test_only_the_checklist_is_collected(pytester: pytest.Pytester, deployment) -> None:
    pytester.makepyfile(test_users="def test_mine(): assert False")
    deployment()
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "tests_do_not_exist/")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*deployment file prod.toml (from --ece-config)*"])
    assert "test_mine" not in result.stdout.str()


def test_runs_from_another_directory(pytester: pytest.Pytester, deployment) -> None:
    path = deployment()
    elsewhere = pytester.mkdir("elsewhere")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(elsewhere)
        result = pytester.runpytest("--ece-config", str(path), "-m", "static", "--ece-json", "r.json")
    assert result.ret == 0
    assert {row["check"] for row in results(elsewhere / "r.json")["results"]} == STATIC_IDS


def test_done_when_12_5_with_es2_exits_1_naming_es3(pytester: pytest.Pytester, deployment) -> None:
    deployment(version="12.5(1)", specials='["ES2"]')
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 1
    rows = {row["check"]: row for row in results(pytester.path / "r.json")["results"]}
    assert rows["version.engineering_special"]["status"] == "failed"
    assert "ES3" in rows["version.engineering_special"]["remediation"]
    result.stdout.fnmatch_lines(["*FAILED version.engineering_special (who acts: ece-admin)*", "*do:*ES3*"])


def test_env_and_ini_name_the_file_and_the_header_says_which_won(
    pytester: pytest.Pytester, deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment(name="from-ini.toml")
    deployment(name="from-env.toml")
    deployment(name="from-option.toml")
    pytester.makeini("[pytest]\nece_config = from-ini.toml\n")
    result = pytester.runpytest("-m", "static")
    result.stdout.fnmatch_lines(["*deployment file from-ini.toml (from ece_config in *"])
    monkeypatch.setenv("ECE_O365_CONFIG", "from-env.toml")
    result = pytester.runpytest("-m", "static")
    result.stdout.fnmatch_lines(["*deployment file from-env.toml (from ECE_O365_CONFIG)*"])
    result = pytester.runpytest("-m", "static", "--ece-config", "from-option.toml")
    result.stdout.fnmatch_lines(["*deployment file from-option.toml (from --ece-config)*"])


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    for marker in ("services_server", "application_server", "ece_11_6", "ece_12_0", "ece_12_5", "ece_12_6",
                   "ece_15_0", "static", "network", "oauth", "mailbox", "graph"):  # fmt: skip
        result.stdout.fnmatch_lines([f"@pytest.mark.{marker}:*"])


def test_strict_markers_and_static_selection(pytester: pytest.Pytester, deployment) -> None:
    deployment()
    result = pytester.runpytest("--ece-config", "prod.toml", "--strict-markers", "-m", "static", "-v")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*prod.toml::version.supported PASSED*"])


def test_version_without_es_deselects_the_es_checks(pytester: pytest.Pytester, deployment) -> None:
    deployment(version="15.0(1)", specials="[]")
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    result.assert_outcomes(passed=6)
    checks = {row["check"] for row in results(pytester.path / "r.json")["results"]}
    assert checks == STATIC_IDS - {"version.engineering_special", "version.latest_es"}
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--collect-only", "-q")
    assert "version.latest_es" not in result.stdout.str()


def test_11_5_fails_version_supported(pytester: pytest.Pytester, deployment) -> None:
    deployment(version="11.5(1)", specials="[]")
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*FAILED version.supported*"])


def test_role_comes_from_the_servers_entry_named_like_this_host(
    pytester: pytest.Pytester, deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment()
    monkeypatch.setattr(socket, "gethostname", lambda: "ECE-APP01")
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert "roles application (servers[1] (ece-app01.example.com) matches this host)" in result.stdout.str()
    assert results(pytester.path / "r.json")["roles"] == ["application"]
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-role", "all")
    result.stdout.fnmatch_lines(["*roles services, application (--ece-role)*"])


def test_unknown_host_gets_all_roles(pytester: pytest.Pytester, deployment, monkeypatch) -> None:
    deployment()
    monkeypatch.setattr(socket, "gethostname", lambda: "laptop")
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static")
    assert "roles services, application (this host is not among [[servers]])" in result.stdout.str()


WAIVER = """
[[waivers]]
check = "azure_app.redirect_uri"
reason = "Redirect host moves in CHG0012345"
expires = {expires}
"""


def test_valid_waiver_waives_and_exits_0(pytester: pytest.Pytester, deployment) -> None:
    deployment(redirect_uri="https://old.example.com/x", extra=WAIVER.format(expires="2999-12-31"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 waived*"])
    row = next(r for r in results(pytester.path / "r.json")["results"] if r["check"] == "azure_app.redirect_uri")
    assert row["status"] == "waived" and row["owner"] == "azure-admin"
    assert "CHG0012345" in row["detail"]


def test_expired_waiver_waives_nothing_and_says_so(pytester: pytest.Pytester, deployment) -> None:
    deployment(redirect_uri="https://old.example.com/x", extra=WAIVER.format(expires="2020-01-31"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 1
    row = next(r for r in results(pytester.path / "r.json")["results"] if r["check"] == "azure_app.redirect_uri")
    assert row["status"] == "failed" and "expired on 2020-01-31" in row["detail"]


def test_waiver_with_unknown_check_is_a_usage_error(pytester: pytest.Pytester, deployment) -> None:
    deployment(extra=WAIVER.replace("azure_app.redirect_uri", "azure_app.redirect").format(expires="2999-01-01"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static")
    assert result.ret == 4
    assert 'prod.toml: waivers[0].check: "azure_app.redirect" is not a check id' in result.stderr.str()


def test_advisory_shows_and_exits_0_unless_strict(pytester: pytest.Pytester, deployment) -> None:
    deployment(specials='["ES1"]')
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*7 passed*1 advisory*"])
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-strict", "--ece-json", "r.json")
    assert result.ret == 1
    row = next(r for r in results(pytester.path / "r.json")["results"] if r["check"] == "version.latest_es")
    assert row["status"] == "advisory" and row["owner"] == "ece-admin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[ece]\nversion = "12.6(1)"\n[azure_ad]\ntenant = "t"\nclient_id = "c"\nclient_secret = "hunter2-hunter2"\n'
         'redirect_uri = "https://e.example.com/x"\n', "*prod.toml: azure_ad.client_secret: a secret must not*"),
        ("[ece\n", "*prod.toml: TOML syntax error*"),
        ('[ece]\nversion = "12.6"\n', '*prod.toml: ece.version: "12.6" is not an ECE version*'),
    ],
)  # fmt: skip
def test_bad_file_is_one_line_and_exit_4_also_for_static_runs(
    pytester: pytest.Pytester, deployment, text: str, expected: str
) -> None:
    deployment(text=text)
    result = pytester.runpytest_subprocess("--ece-config", "prod.toml", "-m", "static")
    assert result.ret == 4
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    result.stderr.fnmatch_lines([f"ERROR: {expected}"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "hunter2" not in result.stdout.str() + result.stderr.str()


def test_help_and_version_work_whatever_the_file(pytester: pytest.Pytester, deployment, monkeypatch) -> None:
    deployment(text="[ece\n")
    monkeypatch.setenv("ECE_O365_CONFIG", "prod.toml")
    assert pytester.runpytest("--help").ret == 0
    assert pytester.runpytest("--version").ret == 0


def test_results_file_shape(pytester: pytest.Pytester, deployment) -> None:
    deployment(specials='["ES1"]', admin_console_url=None)
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "out/r.json")
    document = results(pytester.path / "out" / "r.json")
    assert document["schema"] == "pytest-ece-o365/results/1"
    assert document["tool"]["name"] == "pytest-ece-o365"
    assert document["deployment"] == {
        "name": "Contoso contact center (test)",
        "ece_version": "12.6(1)",
        "engineering_specials": ["ES1"],
        "tenant": "example.onmicrosoft.com",
    }
    assert document["summary"] == {"passed": 6, "failed": 0, "advisory": 1, "waived": 0, "skipped": 1}
    assert document["generated"].endswith("Z")
    assert document["knowledge_date"] == knowledge_date()  # the oldest day any table fact was checked
    rows = document["results"]
    assert {(row["check"], row["target"]) for row in rows if row["check"] == "rights.access_model"} == {
        ("rights.access_model", "support@example.com"),
        ("rights.access_model", "sales@example.com"),
    }
    skipped = next(row for row in rows if row["status"] == "skipped")
    assert skipped["check"] == "web_url.admin_console" and "not given" in skipped["detail"]
    advisory = next(row for row in rows if row["status"] == "advisory")
    assert {"check", "target", "status", "section", "title", "detail", "remediation", "owner", "evidence",
            "nodeid", "duration_s"} <= set(advisory)  # fmt: skip
    assert advisory["section"] == "Minimum version"
    assert all("owner" not in row for row in rows if row["status"] in ("passed", "skipped"))


def test_junit_xml_carries_the_finding(pytester: pytest.Pytester, deployment) -> None:
    deployment(external_url="http://ece.example.com")
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--junitxml", "j.xml")
    xml = (pytester.path / "j.xml").read_text()
    assert "uses http://, not https://" in xml and "who acts:      ece-admin" in xml


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    code = (
        "import sys, pytest_ece_o365.plugin; "
        "heavy = {'msal', 'dns', 'imapclient', 'jinja2', 'cryptography', 'aiosmtpd', 'dnslib', 'trustme', "
        "'requests', 'jwt'}; print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_static_run_opens_no_socket(pytester: pytest.Pytester, deployment, monkeypatch) -> None:
    deployment()
    opened: list[str] = []

    def record(name: str):
        def refuse(*args, **kwargs):
            opened.append(name)
            raise OSError(f"{name} called during a static run")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", record("connect"))
    monkeypatch.setattr(socket, "getaddrinfo", record("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyaddr", record("gethostbyaddr"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static")
    assert result.ret == 0
    assert opened == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--ece-timeout=0", "argument --ece-timeout: 0: must be more than 0 and at most 600 seconds"),
        ("--ece-timeout=soon", "argument --ece-timeout: 'soon' is not a number of seconds"),
        ("--ece-role=database", "argument --ece-role: invalid choice: 'database'"),
        ("--ece-send-test-mail=nobody", "argument --ece-send-test-mail: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_option_values_are_usage_errors(pytester: pytest.Pytester, deployment, option: str, message: str) -> None:
    deployment()
    result = pytester.runpytest_subprocess("--ece-config", "prod.toml", option)
    assert result.ret == 4
    assert message in result.stderr.str()


def test_unwritable_results_file_is_reported_and_exits_4(pytester: pytest.Pytester, deployment) -> None:
    deployment()
    (pytester.path / "file").write_text("not a folder")
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "file/r.json")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: ece-o365: cannot write --ece-json file/r.json: *is not a folder"])


def test_role_deselects_the_other_roles_targets(pytester: pytest.Pytester, deployment) -> None:
    deployment()
    result = pytester.runpytest("--ece-config", "prod.toml", "--ece-role", "application", "-m", "network",
                                "--collect-only", "-q")  # fmt: skip
    collected = [line for line in result.stdout.lines if "::network." in line]
    assert collected == [  # TAC 218453 §8: both roles reach 443, 587, 993 and 995 "at minimum"
        "prod.toml::network.dns[application-login.microsoftonline.com]",
        "prod.toml::network.dns[application-outlook.office365.com]",
        "prod.toml::network.dns[application-smtp.office365.com]",
        "prod.toml::network.tcp[application-login.microsoftonline.com:443]",
        "prod.toml::network.tcp[application-outlook.office365.com:993]",
        "prod.toml::network.tcp[application-outlook.office365.com:995]",
        "prod.toml::network.tcp[application-smtp.office365.com:587]",
        "prod.toml::network.tls[application-login.microsoftonline.com:443]",
        "prod.toml::network.tls[application-outlook.office365.com:993]",
        "prod.toml::network.tls[application-outlook.office365.com:995]",
        "prod.toml::network.tls[application-smtp.office365.com:587]",
        "prod.toml::network.xoauth2[application-outlook.office365.com:993]",
        "prod.toml::network.xoauth2[application-outlook.office365.com:995]",
        "prod.toml::network.xoauth2[application-smtp.office365.com:587]",
        "prod.toml::network.java_trust[application-login.microsoftonline.com:443]",
        "prod.toml::network.java_trust[application-outlook.office365.com:993]",
        "prod.toml::network.java_trust[application-outlook.office365.com:995]",
        "prod.toml::network.java_trust[application-smtp.office365.com:587]",
    ]


def test_both_roles_probe_a_shared_endpoint_once(pytester: pytest.Pytester, deployment) -> None:
    deployment()
    result = pytester.runpytest(
        "--ece-config", "prod.toml", "--ece-role", "all", "-m", "network", "--collect-only", "-q"
    )
    collected = [line for line in result.stdout.lines if "::network.tcp" in line]
    assert collected == [
        "prod.toml::network.tcp[services-login.microsoftonline.com:443]",
        "prod.toml::network.tcp[services-outlook.office365.com:993]",
        "prod.toml::network.tcp[services-outlook.office365.com:995]",
        "prod.toml::network.tcp[services-smtp.office365.com:587]",
    ]


def test_marker_selection_keeps_the_roles_own_copy_of_a_shared_target(pytester: pytest.Pytester, deployment) -> None:
    deployment()
    result = pytester.runpytest("--ece-config", "prod.toml", "--ece-role", "all", "-m", "network and application_server",
                                "--collect-only", "-q")  # fmt: skip
    collected = [line for line in result.stdout.lines if "::network.tcp" in line]
    assert collected == [
        "prod.toml::network.tcp[application-login.microsoftonline.com:443]",
        "prod.toml::network.tcp[application-outlook.office365.com:993]",
        "prod.toml::network.tcp[application-outlook.office365.com:995]",
        "prod.toml::network.tcp[application-smtp.office365.com:587]",
    ]


# --- the run's verdict and provenance in the results file (contract §4, added 2026-12-03) -------------


def test_results_file_carries_verdict_and_provenance(pytester: pytest.Pytester, deployment) -> None:
    path = deployment(specials='["ES1"]')
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    document = results(pytester.path / "r.json")
    assert document["schema"] == "pytest-ece-o365/results/1"  # keys are only added
    assert document["verdict"] == "PASS"  # an advisory without --ece-strict; every static check judged
    assert document["simulated"] is None
    assert document["config_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # (pytester adds --basetemp to the command line)
    assert document["command"].startswith("pytest --ece-config prod.toml -m static --ece-json r.json")
    assert document["unused_waivers"] == []
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-strict", "--ece-json", "r.json")
    assert results(pytester.path / "r.json")["verdict"] == "FAIL"  # the advisory under --ece-strict


def test_a_check_that_could_not_be_judged_makes_the_run_incomplete(pytester: pytest.Pytester, deployment) -> None:
    deployment(admin_console_url=None)  # web_url.admin_console has nothing to compare
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 0
    assert results(pytester.path / "r.json")["verdict"] == "INCOMPLETE"
    result.stdout.fnmatch_lines(["*case note*", "ECE <-> Office 365 OAuth check: INCOMPLETE", "*"])
    assert "1 check could not be judged: 1 other" in result.stdout.str()


def test_a_secret_on_the_command_line_is_not_in_the_results_file(
    pytester: pytest.Pytester, deployment, monkeypatch
) -> None:
    canary = "CanaryClientSecret0123456789abcdef"
    monkeypatch.setenv("ECE_O365_TEST_CLIENT_SECRET", canary)
    deployment()
    # -k "not CANARY" selects everything: the secret is only on the command line, and no check reads it.
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "-k", f"not {canary}", "--ece-json", "r.json")
    text = (pytester.path / "r.json").read_text(encoding="utf-8")
    assert canary not in text
    assert "-k 'not [redacted]' --ece-json r.json" in results(pytester.path / "r.json")["command"]


def test_a_waiver_that_matches_no_finding_is_reported(pytester: pytest.Pytester, deployment) -> None:
    unused = WAIVER.format(expires="2999-12-31")  # azure_app.redirect_uri passes: the waiver waives nothing
    misspelt = WAIVER.replace('"azure_app.redirect_uri"', '"rights.access_model"\ntarget = "nobody@example.com"')
    deployment(extra=unused + misspelt.format(expires="2999-06-30"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "ece-o365: the waiver for azure_app.redirect_uri (every target), expiring 2999-12-31, matched no "
            "finding of this run*",
            "ece-o365: the waiver for rights.access_model [[]nobody@example.com[]], expiring 2999-06-30, matched no*",
        ]
    )
    assert results(pytester.path / "r.json")["unused_waivers"] == [
        {"check": "azure_app.redirect_uri", "target": "", "expires": "2999-12-31",
         "reason": "Redirect host moves in CHG0012345"},
        {"check": "rights.access_model", "target": "nobody@example.com", "expires": "2999-06-30",
         "reason": "Redirect host moves in CHG0012345"},
    ]  # fmt: skip


def test_a_used_waiver_is_not_reported_as_unused(pytester: pytest.Pytester, deployment) -> None:
    deployment(redirect_uri="https://old.example.com/x", extra=WAIVER.format(expires="2999-12-31"))
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--ece-json", "r.json")
    assert "matched no finding" not in result.stdout.str()
    assert results(pytester.path / "r.json")["unused_waivers"] == []


def test_a_run_that_executed_no_check_is_incomplete_and_merge_refuses_it(
    pytester: pytest.Pytester, deployment, tmp_path: Path
) -> None:
    deployment()
    result = pytester.runpytest(
        "--ece-config", "prod.toml", "-m", "static", "-k", "no_such_check", "--ece-json", "r.json"
    )
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    document = results(pytester.path / "r.json")
    assert document["verdict"] == "INCOMPLETE" and document["results"] == []
    assert "(the run executed no check)" in result.stdout.str()
    merged = subprocess.run(
        [sys.executable, "-m", "pytest_ece_o365.cli", "merge", "r.json", "--html", str(tmp_path / "m.html")],
        cwd=pytester.path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert merged.returncode == 4
    assert merged.stderr.strip().splitlines() == [
        "ece-o365: error: r.json: the run executed no check (no results): it judged nothing, so it cannot be merged or reported"
    ]
    assert not (tmp_path / "m.html").exists()


def test_junit_xml_says_advisory_and_waived_with_cause_and_finding(pytester: pytest.Pytester, deployment) -> None:
    deployment(specials='["ES1"]', redirect_uri="https://old.example.com/x", extra=WAIVER.format(expires="2999-12-31"))
    pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--junitxml", "j.xml", "--ece-json", "r.json")
    cases = junit_cases(pytester.path / "j.xml")
    advisory = cases[("version.latest_es", "")]
    assert advisory["ece_status"] == "advisory" and advisory["ece_owner"] == "ece-admin"
    assert advisory["ece_cause"] and "what to do:" in advisory["ece_finding"]
    waived = cases[("azure_app.redirect_uri", "")]
    assert waived["ece_status"] == "waived" and "CHG0012345" in waived["ece_finding"]
    # One finding model: JUnit and the results file agree on every (check, target, status).
    document = results(pytester.path / "r.json")
    assert {(c, t, p["ece_status"]) for (c, t), p in cases.items()} == {
        (row["check"], row["target"], row["status"]) for row in document["results"]
    }


def junit_cases(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """Each testcase's ece_* properties, by (check, target)."""
    cases = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        properties = {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}
        cases[(properties["ece_check"], properties["ece_target"])] = properties
    return cases


def test_a_secret_with_a_quote_on_the_command_line_is_masked_in_the_results(pytester: pytest.Pytester) -> None:
    from pytest_ece_o365.redact import remember
    from pytest_ece_o365.report.results import RunInfo

    secret = "s3cr'et-value-with-quote"
    remember(secret)
    info = RunInfo("h", ("services",), "d", "12.6(1)", (), "t", raw_args=("pytest", f"--x={secret}"))
    assert "s3cr" not in info.command and "[redacted]" in info.command


@pytest.mark.parametrize("option", [("-x",), ("--maxfail", "2")])
def test_stopping_the_checklist_midway_is_refused_in_one_line(
    pytester: pytest.Pytester, option: tuple[str, ...]
) -> None:
    """A result is blocked by the check that owns its cause: stopping before that check runs would lose it."""
    result = pytester.runpytest_subprocess("--ece-simulate=broken", *option)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*-x / --maxfail would stop the checklist midway*"])
