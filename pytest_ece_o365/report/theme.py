"""The report's style: one palette per colour scheme, both meeting WCAG AA (4.5:1) for every text colour
on every background it is drawn on, print rules that show every finding unclipped, and overrides of
pytest-html's own style (grey #999 text, orange statuses, an 800 px minimum width that cuts the print).

The palettes are data so that a test can compute the contrast of every pair the CSS uses.
"""

from __future__ import annotations

from typing import Final

#: Custom property -> colour. ``*-bg`` are backgrounds; every other entry is a text colour.
LIGHT: Final[dict[str, str]] = {
    "bg": "#ffffff",
    "fg": "#1b1b1b",
    "muted": "#4d4d4d",
    "link": "#0b57d0",
    "card-bg": "#f6f7f9",
    "code-bg": "#eceef1",
    "border": "#8a8f98",
    "failed-bg": "#fde2e3",
    "failed": "#8c1116",
    "advisory-bg": "#fff1c2",
    "advisory": "#5c4300",
    "waived-bg": "#ebe4f7",
    "waived": "#4a2d80",
    "passed-bg": "#dcf2e3",
    "passed": "#14532d",
    "skipped-bg": "#e9e9ea",
    "skipped": "#333333",
    "banner-bg": "#5c2d91",
    "banner": "#ffffff",
}

DARK: Final[dict[str, str]] = {
    "bg": "#15171a",
    "fg": "#ececec",
    "muted": "#bdbdbd",
    "link": "#9cc0ff",
    "card-bg": "#1e2126",
    "code-bg": "#262a30",
    "border": "#6b717a",
    "failed-bg": "#4d1519",
    "failed": "#ffd6d8",
    "advisory-bg": "#3f3200",
    "advisory": "#ffe8a3",
    "waived-bg": "#33264d",
    "waived": "#e4d9ff",
    "passed-bg": "#133a22",
    "passed": "#c9f2d6",
    "skipped-bg": "#2c2c2e",
    "skipped": "#e3e3e3",
    "banner-bg": "#d9c2ff",
    "banner": "#1f0b3d",
}

STATUSES: Final = ("failed", "advisory", "waived", "passed", "skipped")
#: The text colour -> the backgrounds it is drawn on (what the contrast test checks).
TEXT_ON: Final[dict[str, tuple[str, ...]]] = {
    "fg": ("bg", "card-bg", "code-bg"),
    "muted": ("bg", "card-bg"),
    "link": ("bg", "card-bg"),
    "banner": ("banner-bg",),
    **{status: (f"{status}-bg",) for status in STATUSES},
}


def _variables(palette: dict[str, str]) -> str:
    return "".join(f"--ece-{name}:{colour};" for name, colour in palette.items())


_LAYOUT = """
html{color-scheme:light dark}
body{background:var(--ece-bg);color:var(--ece-fg);font-family:Helvetica,Arial,sans-serif;font-size:14px;
  min-width:0;line-height:1.4;margin:0 auto;max-width:1100px;padding:0 16px}
body h1,body h2,body h3,body p,body li,body td,body th,body div,body label,body pre,body code,body summary,
#results-table,#results-table td,#results-table th,.logwrapper .log{color:var(--ece-fg)}
body a,body a:visited,.filters button,.collapse button,.collapse button:hover{color:var(--ece-link)}
#results-table,#results-table th,#results-table td{border-color:var(--ece-border)}
#environment tr:nth-child(odd){background:var(--ece-card-bg)}
.logwrapper,.logwrapper .logexpander{background:var(--ece-code-bg)}
.logwrapper .log{border-color:var(--ece-border);overflow-wrap:anywhere}
.extraHTML pre{white-space:pre-wrap;overflow-wrap:anywhere}
#results-table td{overflow-wrap:anywhere}
.collapsible td:not(.col-links):hover::after,#environment-header h2:hover::after{color:var(--ece-muted)}
.summary__reload__button{background:var(--ece-passed-bg);color:var(--ece-passed)}
span.passed,.passed .col-result{color:var(--ece-passed)}
span.failed,span.error,span.xpassed,.failed .col-result,.error .col-result,.xpassed .col-result{
  color:var(--ece-failed)}
span.skipped,span.xfailed,span.rerun,.skipped .col-result,.xfailed .col-result,.rerun .col-result{
  color:var(--ece-skipped)}
span.advisory,.advisory .col-result{color:var(--ece-advisory)}
span.waived,.waived .col-result{color:var(--ece-waived)}
.ece-report{margin:0 0 2em}
.ece-report h1{font-size:24px;margin:0.6em 0 0.3em}
.ece-report h2{font-size:19px;margin:1.2em 0 0.4em}
.ece-report h3{font-size:16px;margin:1em 0 0.3em}
.ece-banner{background:var(--ece-banner-bg);color:var(--ece-banner);font-weight:bold;padding:10px 14px;
  margin:12px 0 0;border-radius:4px}
.ece-verdict{font-size:28px;font-weight:bold;margin:0.2em 0;padding:6px 14px;display:inline-block;
  border-radius:4px}
.ece-verdict-FAIL{background:var(--ece-failed-bg);color:var(--ece-failed)}
.ece-verdict-INCOMPLETE{background:var(--ece-advisory-bg);color:var(--ece-advisory)}
.ece-verdict-PASS{background:var(--ece-passed-bg);color:var(--ece-passed)}
.ece-counts{list-style:none;padding:0;margin:0.5em 0}
.ece-counts li{display:inline-block;margin:0 0.5em 0.3em 0;padding:2px 8px;border-radius:3px}
.ece-badge{display:inline-block;padding:1px 7px;border-radius:3px;font-weight:bold;font-size:13px}
.ece-s-failed{background:var(--ece-failed-bg);color:var(--ece-failed)}
.ece-s-advisory{background:var(--ece-advisory-bg);color:var(--ece-advisory)}
.ece-s-waived{background:var(--ece-waived-bg);color:var(--ece-waived)}
.ece-s-passed{background:var(--ece-passed-bg);color:var(--ece-passed)}
.ece-s-skipped{background:var(--ece-skipped-bg);color:var(--ece-skipped)}
.ece-finding{background:var(--ece-card-bg);border:1px solid var(--ece-border);border-left-width:5px;
  border-radius:4px;padding:8px 12px;margin:0 0 12px;break-inside:avoid-page}
.ece-finding.ece-failed{border-left-color:var(--ece-failed)}
.ece-finding.ece-advisory{border-left-color:var(--ece-advisory)}
.ece-finding.ece-waived{border-left-color:var(--ece-waived)}
.ece-finding h4{font-size:15px;margin:0 0 6px;overflow-wrap:anywhere}
.ece-finding dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
.ece-finding dt{font-weight:bold}
.ece-finding dd{margin:0;overflow-wrap:anywhere;min-width:0}
.ece-fix{font-family:Consolas,"DejaVu Sans Mono",monospace;font-size:13px;white-space:pre-wrap;
  background:var(--ece-code-bg);padding:4px 6px;border-radius:3px;display:block}
.ece-seen{display:block}
.ece-finding dd p{margin:0.4em 0 0.15em}
.ece-report details{margin:6px 0 0}
.ece-report summary{cursor:pointer;font-weight:bold}
.ece-evidence{background:var(--ece-code-bg);padding:6px 8px;margin:4px 0 0;white-space:pre-wrap;
  overflow-wrap:anywhere;font-size:12px;font-family:Consolas,"DejaVu Sans Mono",monospace}
.ece-note{color:var(--ece-muted)}
.ece-provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}
.ece-provenance dt{font-weight:bold}
.ece-provenance dd{margin:0;overflow-wrap:anywhere}
.ece-report ul{margin:0.3em 0;padding-left:1.4em}
.ece-pytest-html-heading{border-top:1px solid var(--ece-border);padding-top:1em}
@media print{
  body{max-width:none;min-width:0;padding:0;font-size:11pt}
  .ece-finding,.ece-fix,.ece-finding dd{overflow:visible}
  .ece-finding{break-inside:auto}
  .ece-report h2,.ece-report h3,.ece-finding h4,.ece-finding dt{break-after:avoid}
  .ece-fix,.ece-finding dd p{break-inside:avoid}
  /* pytest-html's part prints as one line per result: its folded rows repeat the findings above */
  .extras-row,#environment,#environment-header{display:none}
  .ece-report details::details-content{content-visibility:visible;display:block}
  #results-table,.logwrapper{max-height:none;overflow:visible}
  .logwrapper .logexpander,.controls,.filter,.summary__reload{display:none}
}
"""


def stylesheet() -> str:
    """The ``<style>`` element: the light palette, the dark one under ``prefers-color-scheme: dark``."""
    return (
        f"<style>:root{{{_variables(LIGHT)}}}"
        f"@media (prefers-color-scheme: dark){{:root{{{_variables(DARK)}}}}}{_LAYOUT}</style>"
    )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
