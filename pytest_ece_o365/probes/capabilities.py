"""The mail protocols' greetings and pre-login capability lists: IMAP CAPABILITY, POP3 CAPA, SMTP EHLO.

Only what comes before a login is spoken here: nothing is authenticated, read or sent.
"""

from __future__ import annotations

import contextlib
import socket

from pytest_ece_o365.probes.observation import CapabilityObservation, Deadline, Transcript
from pytest_ece_o365.probes.tcp import LineReader, ProbeError
from pytest_ece_o365.redact import clip

#: Lines of one CAPABILITY / CAPA / EHLO reply, at most: Office 365 sends about a dozen.
MAX_REPLY_LINES = 100
_NAMES = {"imap": "IMAP greeting", "pop3": "POP3 greeting", "smtp": "SMTP 220 greeting"}


def ehlo_name() -> str:
    """The name this server gives in EHLO: its host name, as ECE's dispatcher does (no DNS needed)."""
    name = socket.gethostname().strip() or "localhost"
    return name if all(ch.isalnum() or ch in "-." for ch in name) else "localhost"


def read_greeting(protocol: str, reader: LineReader) -> str:
    """The server's first words; raises :class:`ProbeError` for silence, garbage or a refusal."""
    waiting_for = _NAMES[protocol]
    if protocol == "smtp":
        lines = _smtp_reply(reader, waiting_for)
        if not lines[0].startswith("220"):
            raise ProbeError("rejected", f"{reader.what} refused the session: {lines[-1]}")
        return lines[0]
    line = reader.read_line(waiting_for)
    if protocol == "imap":
        if line.startswith(("* OK", "* PREAUTH")):
            return line
        if line.startswith("* BYE"):
            raise ProbeError("rejected", f"{reader.what} refused the session: {line}")
    elif line.startswith("+OK"):
        return line
    elif line.startswith("-ERR"):
        raise ProbeError("rejected", f"{reader.what} refused the session: {line}")
    raise ProbeError("garbage", f"{reader.what} answered something that is not an {waiting_for}: {clip(line, 80)!r}")


def _smtp_reply(reader: LineReader, waiting_for: str) -> list[str]:
    """One SMTP reply, continuation lines (``250-``) included."""
    lines: list[str] = []
    while True:
        line = reader.read_line(waiting_for)
        if len(line) < 3 or not line[:3].isdigit() or (len(line) > 3 and line[3] not in " -"):
            raise ProbeError("garbage", f"{reader.what} answered something that is not SMTP: {clip(line, 80)!r}")
        lines.append(line)
        if len(line) == 3 or line[3] == " ":
            return lines
        if len(lines) > MAX_REPLY_LINES:
            raise ProbeError("garbage", f"{reader.what} sent an endless SMTP reply (over {MAX_REPLY_LINES} lines)")


def smtp_ehlo(reader: LineReader) -> list[str]:
    """Send EHLO; return the extension lines (without the ``250-`` prefix and the greeting line)."""
    reader.send_line(f"EHLO {ehlo_name()}")
    lines = _smtp_reply(reader, "the EHLO reply")
    if not lines[0].startswith("250"):
        raise ProbeError("rejected", f"{reader.what} refused EHLO: {lines[-1]}")
    return [line[4:].strip() for line in lines[1:]]


def read_capabilities(protocol: str, reader: LineReader) -> CapabilityObservation:
    """Ask the greeted server what it offers before login; never raises for a protocol failure."""
    deadline: Deadline = reader.deadline
    started = deadline.elapsed()
    transcript = Transcript()
    reader.transcript = transcript
    capabilities: list[str] = []
    try:
        if protocol == "imap":
            capabilities = _imap_capability(reader)
            xoauth2 = any(item.upper() == "AUTH=XOAUTH2" for item in capabilities)
        elif protocol == "pop3":
            capabilities = _pop3_capa(reader)
            xoauth2 = any(_mechanisms(item, "SASL") for item in capabilities)
        else:
            capabilities = smtp_ehlo(reader)
            xoauth2 = any(_mechanisms(item, "AUTH") for item in capabilities)
    except ProbeError as exc:
        return CapabilityObservation(
            protocol,
            tuple(capabilities),
            False,
            exc.error,
            exc.message,
            deadline.elapsed() - started,
            transcript.lines(),
        )
    _goodbye(protocol, reader)
    offered = "offers XOAUTH2" if xoauth2 else "does not offer XOAUTH2"
    return CapabilityObservation(
        protocol,
        tuple(capabilities),
        xoauth2,
        "",
        f"{reader.what} {offered}",
        deadline.elapsed() - started,
        transcript.lines(),
    )


def _mechanisms(line: str, keyword: str) -> bool:
    """Whether a POP3 ``SASL …`` or SMTP ``AUTH …`` (or old ``AUTH=…``) line lists XOAUTH2."""
    words = line.replace("=", " ").upper().split()
    return bool(words) and words[0] == keyword and "XOAUTH2" in words[1:]


def _imap_capability(reader: LineReader) -> list[str]:
    reader.send_line("A1 CAPABILITY")
    capabilities: list[str] = []
    for _ in range(MAX_REPLY_LINES):
        line = reader.read_line("the CAPABILITY reply")
        if line.upper().startswith("* CAPABILITY"):
            capabilities.extend(line.split()[2:])
        elif line.startswith("A1 "):
            if line[3:].upper().startswith("OK"):
                return capabilities
            raise ProbeError("rejected", f"{reader.what} refused CAPABILITY: {line}")
        elif line.startswith("* BYE"):
            raise ProbeError("closed", f"{reader.what} hung up: {line}")
        elif not line.startswith("* "):
            raise ProbeError(
                "garbage", f"{reader.what} answered CAPABILITY with something that is not IMAP: {clip(line, 80)!r}"
            )
    raise ProbeError("garbage", f"{reader.what} sent an endless CAPABILITY reply (over {MAX_REPLY_LINES} lines)")


def _pop3_capa(reader: LineReader) -> list[str]:
    reader.send_line("CAPA")
    first = reader.read_line("the CAPA reply")
    if first.startswith("-ERR"):
        raise ProbeError("rejected", f"{reader.what} refused CAPA: {first}")
    if not first.startswith("+OK"):
        raise ProbeError("garbage", f"{reader.what} answered CAPA with something that is not POP3: {clip(first, 80)!r}")
    capabilities: list[str] = []
    while True:
        line = reader.read_line("the rest of the CAPA list")
        if line == ".":
            return capabilities
        capabilities.append(line.strip())
        if len(capabilities) > MAX_REPLY_LINES:
            raise ProbeError("garbage", f"{reader.what} sent an endless CAPA list (over {MAX_REPLY_LINES} lines)")


def _goodbye(protocol: str, reader: LineReader) -> None:
    """Say goodbye politely; the answer does not matter and must not cost time."""
    with contextlib.suppress(ProbeError):
        reader.send_line({"imap": "A2 LOGOUT", "pop3": "QUIT", "smtp": "QUIT"}[protocol])
