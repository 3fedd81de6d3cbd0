"""The last touch on the page pytest-html wrote: our report first, pytest-html's part after it.

pytest-html 4 puts its own heading, a "generated on" line in local time, grey text and the Environment
table (Python, pluggy, plugins) above any summary a plugin adds, and its JavaScript filter knows only
pytest's outcomes. The report a support engineer reads cold starts with the verdict (contract §5), so after
pytest-html has written the file the page is rearranged: a simulated run's banner, the title, our section,
then pytest-html's part under a heading of its own. Each step is skipped when its anchor is missing (a
pytest-html release with another template), leaving pytest-html's page as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

START = "<!-- ece-o365 report -->"
END = "<!-- /ece-o365 report -->"

_PYTEST_HTML_HEAD = re.compile(
    r"<h1 id=\"title\">.*?</h1>\s*<p>Report generated on .*?</p>", re.DOTALL
)  # its title again, and the time in local time without a zone (our provenance has it in UTC)
#: pytest-html's JavaScript shows only rows whose result it knows: advisory and waived rows join them.
FILTERS_JS = "const possibleFilters = [\n    'passed',"
FILTERS_JS_PATCHED = "const possibleFilters = [\n    'advisory',\n    'waived',\n    'passed',"


def pytest_html_filters_patchable() -> bool:
    """Whether the installed pytest-html's script has the filter list this module extends."""
    try:
        import pytest_html
    except ImportError:
        return False
    script = Path(pytest_html.__file__).parent / "resources" / "app.js"
    try:
        return FILTERS_JS in script.read_text(encoding="utf-8")
    except OSError:
        return False


def marked(section: str) -> str:
    return f"{START}{section}{END}"


def rearrange(page: str, head: str) -> str:
    """``page`` with the marked section moved to the top of ``<body>``, after ``head`` (banner, title)."""
    start, end = page.find(START), page.find(END)
    body = page.find("<body>")
    if start < 0 or end < start or body < 0:
        return page
    section = page[start : end + len(END)]
    page = page[:start] + page[end + len(END) :]
    page = _PYTEST_HTML_HEAD.sub("", page, count=1)
    pytest_html_heading = (
        "<h2 class='ece-pytest-html-heading'>Every result, as pytest-html lists it</h2>"
        "<p>The table below is drawn by JavaScript; everything above it is plain HTML.</p>"
    )
    body = page.find("<body>") + len("<body>")
    page = page[:body] + head + section + pytest_html_heading + page[body:]
    page = page.replace(FILTERS_JS, FILTERS_JS_PATCHED, 1)
    return page.replace("<html>", "<html lang='en'>", 1)


def rewrite(path: Path, head: str) -> None:
    try:
        page = path.read_text(encoding="utf-8")
    except OSError:
        return  # pytest-html reports its own write errors
    path.write_text(rearrange(page, head), encoding="utf-8")
