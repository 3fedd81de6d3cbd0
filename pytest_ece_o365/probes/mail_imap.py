"""The IMAP mailbox probe (993, implicit TLS): XOAUTH2 login, then ``EXAMINE INBOX``, read-only, on imapclient.

Why EXAMINE after the login: Exchange Online answers ``OK AUTHENTICATE completed.`` even when the
token's account may not open the mailbox named in ``user=`` (IMAP disabled, no FullAccess, another
account's token). Only the next mailbox command tells, with ``BAD User is authenticated but not
connected.`` and a hang-up (or the hang-up alone: ``* BYE Connection closed. 14``). EXAMINE (never
SELECT: ``select_folder(readonly=True)``) opens INBOX read-only: nothing is marked seen.

imapclient (over imaplib) speaks IMAP; the session's own socket carries it (:mod:`.mail_imap_wire`), so
DNS, SNI, trust, the deadline and the transcript are the run's. What imapclient cannot do:

- an initial response on the AUTHENTICATE line (SASL-IR, RFC 4959): imaplib's ``authenticate`` sends the
  mechanism alone and waits for ``+`` (CPython Lib/imaplib.py, ``IMAP4.authenticate``:
  ``self._simple_command('AUTHENTICATE', mech)``), and imapclient's logins call it. When the server offers
  SASL-IR (Exchange Online's pre-login CAPABILITY lists it: jstedfast/MailKit#1494, #1496, checked
  2026-12-04; Dovecot's too), the same command goes through imaplib's own command path with the initial
  response added (:meth:`~.mail_imap_wire.Wire.authenticate_ir`), as imapclient itself does for ID and
  UNSELECT; without SASL-IR, imapclient's ``sasl_login`` does the two-step form.
- answer an error challenge (``+ eyJ…``) as SASL wants: ``oauth2_login`` sends the token again for every
  ``+`` (imapclient/imapclient.py: ``lambda x: auth_string``), so the probe gives ``sasl_login`` its own
  callback (:meth:`~.mail_imap_wire.Seen.respond`): the token once, then an empty line.
- reuse the ``[CAPABILITY …]`` of a greeting: imaplib always asks CAPABILITY while connecting
  (``IMAP4._connect``: ``self._get_capabilities()``), so the transcript shows one more round trip.
"""

from __future__ import annotations

import contextlib
import imaplib

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.mail_imap_wire import Client, Seen, Wire
from pytest_ece_o365.probes.mail_session import MailSessionObservation, Session, refused, run_session, xoauth2
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.probes.peer_values import PeerValueError, message_count
from pytest_ece_o365.probes.tcp import LineReader, ProbeError
from pytest_ece_o365.secret import Secret

#: Exchange Online's wording of the trap (matched case-insensitively, without the final dot).
NOT_CONNECTED = "user is authenticated but not connected"
#: What imapclient and imaplib raise for a refusal, a BYE or a reply they cannot parse (imapclient 4.1's
#: select_folder raises TypeError for a literal in an untagged OK, legal IMAP: a probe must not crash on it).
_IMAP_ERRORS = (imaplib.IMAP4.error, ValueError, TypeError)


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
    conversation = _Conversation(endpoint, user, access_token)
    session = Session("imap", endpoint, user, account or user, timeout)
    return run_session(session, dns, network, conversation.talk, conversation.goodbye)


class _Conversation:
    """One IMAP session's part after the greeting, and its goodbye (LOGOUT, when there is a client)."""

    def __init__(self, endpoint: Endpoint, user: str, token: Secret) -> None:
        self.endpoint = endpoint
        self.user = user
        self.token = token
        self.seen = Seen()
        self.client: Client | None = None

    def talk(self, session: Session, reader: LineReader) -> None:
        self.seen.on_challenge = session.note_challenge
        try:  # imaplib takes the greeting, then asks CAPABILITY
            self.client = client = Client(lambda: Wire(self.endpoint, reader, session.greeting, self.seen))
        except _IMAP_ERRORS as exc:
            raise _failure(exc, self.seen, reader.what, "CAPABILITY") from None
        wire = client.wire
        assert wire is not None
        capabilities = {item.decode("ascii", "replace").upper() for item in client.capabilities()}
        if "AUTH=XOAUTH2" not in capabilities:
            raise ProbeError(
                "no-xoauth2", f"{reader.what} does not offer AUTH=XOAUTH2: {' '.join(sorted(capabilities))}"
            )
        self._authenticate(session, reader, wire, sasl_ir="SASL-IR" in capabilities)
        session.stage = "mailbox"
        self._examine(session, reader, client)

    def goodbye(self, reader: LineReader) -> None:
        if self.client is not None:
            with contextlib.suppress(*_IMAP_ERRORS):  # the server's answer to a goodbye does not matter
                self.client.logout()  # returns at the server's BYE

    def _authenticate(self, session: Session, reader: LineReader, wire: Wire, *, sasl_ir: bool) -> None:
        self.seen.secret = blob = xoauth2(self.user, self.token)
        try:
            if sasl_ir:
                wire.authenticate_ir("XOAUTH2", blob)
            else:
                assert self.client is not None
                self.client.sasl_login("XOAUTH2", self.seen.respond())
        except _IMAP_ERRORS as exc:
            session.auth_reply = self.seen.replies.get("AUTHENTICATE") or self.seen.bye
            if not session.auth_reply:
                raise _failure(exc, self.seen, reader.what, "AUTHENTICATE") from None
            raise refused(reader, session.auth_reply, classify_imap(session.auth_reply, "login")) from None
        except ProbeError as exc:
            if exc.error != "closed" or not self.seen.bye:
                raise
            # "* BYE Session invalidated - AccessTokenExpired", then the hang-up: that is the answer
            session.auth_reply = self.seen.bye
            raise refused(reader, self.seen.bye, classify_imap(self.seen.bye, "login")) from None
        session.auth_reply = self.seen.replies.get("AUTHENTICATE", "")

    def _examine(self, session: Session, reader: LineReader, client: Client) -> None:
        """EXAMINE INBOX; only a tagged OK opens it.

        After an accepted AUTHENTICATE, Exchange Online may answer EXAMINE with nothing but
        ``* BYE Connection closed. 14`` and a hang-up instead of the tagged ``BAD … not connected.``: that is
        the same refusal (the account may not open the mailbox), so a BYE or a closed connection before the
        tagged reply is ``not-connected`` too. Only silence stays ``read-timeout`` (a network finding).
        """
        self.seen.bye = ""
        try:
            opened = client.select_folder("INBOX", readonly=True)
        except ProbeError as exc:
            if exc.error != "closed":
                raise
            raise self._not_connected(session, reader) from None
        except _IMAP_ERRORS as exc:
            reply = session.follow_up = self.seen.replies.get("EXAMINE", "")
            if not reply and self.seen.bye:
                raise self._not_connected(session, reader) from None
            if _status(reply) in ("", "OK"):  # no tagged refusal: the reply itself could not be read
                raise _failure(exc, self.seen, reader.what, "EXAMINE") from None
            error = classify_imap(reply, "mailbox")
            if error == "not-connected" or self.seen.bye:
                raise ProbeError(
                    "not-connected",
                    f"{reader.what} accepted AUTHENTICATE, then EXAMINE INBOX got '{reply.partition(' ')[2]}'",
                ) from None
            raise ProbeError(error, f"{reader.what} would not open INBOX: {reply}") from None
        session.follow_up = self.seen.replies.get("EXAMINE", "")
        exists = opened.get(b"EXISTS")
        try:
            session.messages = message_count(exists) if isinstance(exists, int) else None
        except PeerValueError as exc:
            raise ProbeError("garbage", f"{reader.what} answered EXAMINE INBOX with {exc.message}") from None

    def _not_connected(self, session: Session, reader: LineReader) -> ProbeError:
        """No tagged reply to EXAMINE: a ``* BYE`` is a cause of its own (``bye``: its text says which), a
        bare hang-up after an accepted login is the not-connected trap."""
        bye = session.follow_up = self.seen.bye
        said = f"'{bye}' and a hang-up" if bye else "a hang-up"
        return ProbeError(
            "bye" if bye else "not-connected",
            f"{reader.what} accepted AUTHENTICATE, then answered EXAMINE INBOX with {said} instead of a tagged reply",
        )


#: Exchange Online's stable phrases -> error class, by stage (office365-replies.jsonl: MicrosoftDocs/
#: office-developer-exchange-docs#87, jstedfast/MailKit#1496, mscdex/node-imap#523, imapsync/imapsync#368,
#: #239; checked 2026-12-04). Matched anywhere, case-insensitively: clients quote the reply in their own words.
_PHRASES: tuple[tuple[str, str], ...] = (
    (NOT_CONNECTED, "not-connected"),
    ("authenticate failed", "auth-refused"),
    ("login failed", "basic-auth-refused"),
    ("command argument error", "command-error"),
)


def classify_imap(reply: str, stage: str) -> str:
    """The error class of an IMAP refusal at ``stage`` (``login``: AUTHENTICATE; ``mailbox``: EXAMINE).

    A reply that is only an untagged ``* BYE`` is ``bye`` after the login (the session was ended instead
    of answered) and a refused login at it (``* BYE Session invalidated - AccessTokenExpired``).
    """
    text = reply.lower()
    for phrase, error in _PHRASES:
        if phrase in text:
            return error
    if text.lstrip().startswith("* bye"):
        return "auth-refused" if stage == "login" else "bye"
    return "auth-refused" if stage == "login" else "examine-failed"


def _failure(exc: Exception, seen: Seen, what: str, command: str) -> ProbeError:
    """A step that failed without a refusal of its own: a hang-up, a rejection, or a reply that is not IMAP."""
    reply = seen.replies.get(command, "")
    if seen.bye and not reply:
        return ProbeError("closed", f"{what} hung up: {seen.bye}")
    if _status(reply) not in ("", "OK"):
        return ProbeError("rejected", f"{what} refused {command}: {reply}")
    return ProbeError(
        "garbage", f"{what} answered {command} with something that is not IMAP, as imapclient reads it ({exc})"
    )


def _status(reply: str) -> str:
    """OK, NO or BAD of a tagged reply ("" for none)."""
    return reply.split(" ")[1].upper() if reply.count(" ") else ""
