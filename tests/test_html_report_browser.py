"""The report as a browser shows and prints it (contract §5): Debian's headless Chromium renders the broken
run's report (html_run.py). No console error; the findings and pytest-html's rows (advisory not "Passed")
in the rendered DOM; a PDF print whose text holds every fix in full; the contrast of every piece of text,
computed from the colours Chromium rendered, at least 4.5:1 in the light and the dark theme.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from html import unescape
from pathlib import Path

import pytest
from html_run import BrokenRun, broken_run_fixture, strip_scripts  # noqa: F401  (the fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs Debian's chromium)")

# Walks every rendered text node and measures its colour against the background it is drawn on (the
# first opaque background up the tree, with translucent ones composited over it), then writes the
# results into the page for --dump-dom.
CONTRAST_PROBE = """<script>(function () {
  function parse(c) {
    var m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    var p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, under) {
    var a = top[3]; return [0, 1, 2].map(function (i) { return top[i] * a + under[i] * (1 - a); }).concat([1]);
  }
  function lum(c) {
    var l = c.slice(0, 3).map(function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  function background(el) {
    var layers = [];
    for (var e = el; e; e = e.parentElement) {
      var c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    var base = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : (DARK ? [0, 0, 0, 1] : [255, 255, 255, 1]);
    while (layers.length) base = over(layers.pop(), base);
    return base;
  }
  var DARK = matchMedia('(prefers-color-scheme: dark)').matches;
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var low = [], count = 0, min = 99;
  for (var node = walker.nextNode(); node; node = walker.nextNode()) {
    var el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('script,style,template,#ece-contrast')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    var bg = background(el), fg = over(parse(getComputedStyle(el).color), bg);
    var a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    count++; min = Math.min(min, ratio);
    if (ratio < 4.5) low.push({text: node.textContent.trim().slice(0, 40), ratio: ratio, fg: fg, bg: bg});
  }
  var out = document.createElement('pre'); out.id = 'ece-contrast';
  out.textContent = JSON.stringify({dark: DARK, count: count, min: min, low: low.slice(0, 20)});
  document.body.appendChild(out);
})();</script>"""


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_rendered_dom_has_the_findings_and_no_console_error(broken_run: BrokenRun, tmp_path: Path) -> None:
    shown = chromium(tmp_path / "profile", "--dump-dom", broken_run.path.as_uri())
    assert console_lines(shown.stderr) == []
    dom = shown.stdout
    for row in broken_run.results["results"]:
        if row["status"] in ("failed", "advisory"):
            assert f'data-check="{row["check"]}"' in dom
    # pytest-html's rows and counts, drawn by its script: an advisory is "Advisory", never "Passed".
    results = re.findall(r'class="col-result(?: collapsed)?">(\w+)</td>', dom)
    summary = broken_run.results["summary"]
    assert results.count("Advisory") == summary["advisory"] > 0
    assert results.count("Passed") == summary["passed"]
    assert f"{summary['passed']} Passed" in dom and f"{summary['advisory']} Advisory" in dom


@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (.ci/run installs poppler-utils)")
def test_the_pdf_print_holds_every_fix_in_full(broken_run: BrokenRun, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", broken_run.path.as_uri())
    # -layout: without it pdftotext joins a word hyphenated at a line end ("a33a-" + "21cc" -> "a33a21cc").
    text = subprocess.run([PDFTOTEXT or "pdftotext", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip

    def squeeze(value: str) -> str:  # line breaks may fall anywhere in a long token; nothing may be cut
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))

    printed = squeeze(text)
    for row in broken_run.results["results"]:
        if row["status"] in ("failed", "advisory", "waived"):
            assert squeeze(row["remediation"]) in printed, row["check"]
            assert squeeze(row["detail"]) in printed, row["check"]
    assert "FAIL" in text and "SIMULATED RUN" in text


def test_with_scripts_stripped_a_browser_still_shows_failing_ids_and_fixes(
    broken_run: BrokenRun, tmp_path: Path
) -> None:
    bare = tmp_path / "bare.html"
    bare.write_text(strip_scripts(broken_run.html), encoding="utf-8")
    dom = unescape(chromium(tmp_path / "profile", "--dump-dom", bare.as_uri()).stdout)
    for row in broken_run.results["results"]:
        if row["status"] == "failed":
            assert row["check"] in dom and row["remediation"] in dom and row["evidence"][0] in dom


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_rendered_text_meets_wcag_aa_contrast(broken_run: BrokenRun, tmp_path: Path, theme: str) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(broken_run.html.replace("</body>", CONTRAST_PROBE + "</body>"), encoding="utf-8")
    flags = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if theme == "dark" else []
    dom = chromium(tmp_path / "profile", *flags, "--dump-dom", probe.as_uri()).stdout
    found = re.search(r'<pre id="ece-contrast">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the probe did not run"
    result = json.loads(unescape(found.group(1)))
    assert result["dark"] is (theme == "dark")
    assert result["count"] > 200  # the findings and pytest-html's table were measured
    assert result["low"] == [], result
