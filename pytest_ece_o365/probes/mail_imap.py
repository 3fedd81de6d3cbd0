"""The IMAP mailbox probe (993, implicit TLS): XOAUTH2 login, then ``EXAMINE INBOX``, read-only.

Why EXAMINE after the login: Exchange Online answers ``OK AUTHENTICATE completed.`` even when the
token's account may not open the mailbox named in ``user=`` (IMAP disabled, no FullAccess, another
account's token). Only the next mailbox command tells, with ``BAD User is authenticated but not
connected.`` and a hang-up (or the hang-up alone: ``* BYE Connection closed. 14``). EXAMINE (never
SELECT) opens INBOX read-only: nothing is marked seen.
"""

from __future__ import annotations

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.mail_session import MailSessionObservation, Session, decode_challenge, refused, xoauth2
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.probes.tcp import LineReader, ProbeError
from pytest_ece_o365.secret import Secret

#: Exchange Online's wording of the trap (matched case-insensitively, without the final dot).
NOT_CONNECTED = "user is authenticated but not connected"
_MAX_UNTAGGED = 500  # EXAMINE sends a handful of untagged lines; a server sending thousands is broken


def probe_imap(
    endpoint: Endpoint,
    user: str,
    access_token: Secret,
    dns: DnsObservation,
    network: Network,
    timeout: float,
    *,
    account: str = "",
) -> MailSessionObservation:
    """Log in as ``user`` with ``access_token`` and open INBOX read-only; never raises, ends in ``timeout``.

    ``account`` is whose token it is (for the findings); it defaults to ``user``.
    """
    session = Session("imap", endpoint, user, account or user, timeout)
    failed = session.open(dns, network)
    if failed is not None:
        return failed
    reader = session.reader
    assert reader is not None
    try:
        capabilities = _capabilities(reader, _greeting_capabilities(session))
        if "AUTH=XOAUTH2" not in capabilities:
            raise ProbeError("no-xoauth2", f"{reader.what} does not offer AUTH=XOAUTH2: {' '.join(capabilities)}")
        _authenticate(session, reader, user, access_token, sasl_ir="SASL-IR" in capabilities)
        session.stage = "mailbox"
        _examine(session, reader)
    except ProbeError as exc:
        return session.end("A03 LOGOUT", _logged_out, exc)
    return session.end("A03 LOGOUT", _logged_out)


def _logged_out(line: str) -> bool:
    return line.startswith("A03 ")


def _greeting_capabilities(session: Session) -> list[str]:
    """Capabilities announced in the greeting (``* OK [CAPABILITY …]``, as Dovecot does), if any."""
    prefix = "* OK [CAPABILITY "
    if session.greeting.upper().startswith(prefix):
        return session.greeting[len(prefix) :].partition("]")[0].upper().split()
    return []


def _capabilities(reader: LineReader, announced: list[str]) -> list[str]:
    if announced:
        return announced
    reader.send_line("A00 CAPABILITY")
    capabilities: list[str] = []
    for _ in range(_MAX_UNTAGGED):
        line = reader.read_line("the CAPABILITY reply")
        if line.upper().startswith("* CAPABILITY "):
            capabilities += line.upper().split()[2:]
        elif line.startswith("A00 "):
            if line[4:].upper().startswith("OK"):
                return capabilities
            raise ProbeError("rejected", f"{reader.what} refused CAPABILITY: {line}")
        elif line.startswith("* BYE"):
            raise ProbeError("closed", f"{reader.what} hung up: {line}")
    raise ProbeError("garbage", f"{reader.what} sent an endless CAPABILITY reply")


def _authenticate(session: Session, reader: LineReader, user: str, token: Secret, *, sasl_ir: bool) -> None:
    blob = xoauth2(user, token)
    if sasl_ir:
        reader.send_line(f"A01 AUTHENTICATE XOAUTH2 {blob}", shown="A01 AUTHENTICATE XOAUTH2 [redacted]")
    else:
        reader.send_line("A01 AUTHENTICATE XOAUTH2")
        line = reader.read_line("the AUTHENTICATE continuation")
        if not line.startswith("+"):
            session.auth_reply = line
            raise refused(reader, line)
        reader.send_line(blob, shown="[redacted]")
    bye = ""
    for _ in range(_MAX_UNTAGGED):
        try:
            line = reader.read_line("the AUTHENTICATE reply")
        except ProbeError as exc:
            if bye:  # "* BYE Session invalidated - AccessTokenExpired", then the hang-up: that is the answer
                session.auth_reply = bye
                raise refused(reader, bye) from None
            raise exc from None
        if line.startswith("+"):
            # An error challenge (base64 JSON, as Dovecot and Gmail send): acknowledge it with an empty
            # line, and the server sends its tagged NO.
            session.challenge = decode_challenge(line[1:])
            if session.challenge:
                reader.transcript.note(f"error challenge: {session.challenge}")
            reader.send_line("")
        elif line.startswith("* BYE"):
            bye = line
        elif line.startswith("A01 "):
            session.auth_reply = line
            status = line[4:].split(" ", 1)[0].upper()
            if status == "OK":
                return
            raise refused(reader, line)
        # other untagged lines (a post-login "* CAPABILITY …") are part of the answer
    raise ProbeError("garbage", f"{reader.what} sent an endless AUTHENTICATE reply")


def _examine(session: Session, reader: LineReader) -> None:
    """EXAMINE INBOX; only a tagged OK opens it.

    After an accepted AUTHENTICATE, Exchange Online may answer EXAMINE with nothing but
    ``* BYE Connection closed. 14`` and a hang-up instead of the tagged ``BAD … not connected.``: that is
    the same refusal (the account may not open the mailbox), so a BYE or a closed connection before the
    tagged reply is ``not-connected`` too. Only silence stays ``read-timeout`` (a network finding).
    """
    reader.send_line("A02 EXAMINE INBOX")
    bye = ""
    for _ in range(_MAX_UNTAGGED):
        try:
            line = reader.read_line("the EXAMINE INBOX reply")
        except ProbeError as exc:
            if bye or exc.error == "closed":
                session.follow_up = bye
                said = f"'{bye}' and a hang-up" if bye else "a hang-up"
                raise ProbeError(
                    "not-connected",
                    f"{reader.what} accepted AUTHENTICATE, then answered EXAMINE INBOX with {said} "
                    "instead of a tagged reply",
                ) from None
            raise exc from None
        upper = line.upper()
        if upper.startswith("* ") and upper.endswith(" EXISTS"):
            count = line.split()[1]
            session.messages = int(count) if count.isdigit() else None
        elif line.startswith("* BYE"):
            bye = line
        elif line.startswith("A02 "):
            session.follow_up = line
            status = line[4:].split(" ", 1)[0].upper()
            if status == "OK":
                return
            if NOT_CONNECTED in upper.lower() or bye:
                raise ProbeError(
                    "not-connected",
                    f"{reader.what} accepted AUTHENTICATE, then EXAMINE INBOX got '{line[4:]}'",
                )
            raise ProbeError("examine-failed", f"{reader.what} would not open INBOX: {line}")
    raise ProbeError("garbage", f"{reader.what} sent an endless EXAMINE reply")
