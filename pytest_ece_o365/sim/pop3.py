"""Simulated Exchange Online POP3 server (outlook.office365.com:995-style, implicit TLS).

Construction (same shape as the IMAP and SMTP servers)::

    from pytest_ece_o365.sim.pop3 import Pop3Server
    server = Pop3Server(authority, ssl_context, host_name="outlook.office365.com",
                        bind=("127.0.0.1", 0), recorder=recorder, hang=False, timeout=30.0)
    server.start(); server.port; server.stop()

Behaviour, in Office 365's words (``/work/shared/reference/o365-protocol.md``): greeting with a base64
UTF-16LE backend host; ``CAPA`` lists ``SASL PLAIN XOAUTH2``; ``AUTH XOAUTH2`` works only in two steps
(``+ `` then the blob) and succeeds only when :attr:`MailLogin.ok` — every refusal, whatever the cause,
reads ``-ERR Authentication failure: unknown user name or bad password.``; the one-line form
``AUTH XOAUTH2 <b64>`` gets ``-ERR Protocol error. Connection is closed. 10`` and the connection closes.
USER is accepted and PASS always fails (basic authentication is off). After login the mailbox is the
static three-message sample of :mod:`pytest_ece_o365.sim.mailstore` (``STAT`` → ``+OK 3 12345``).
DELE is answered ``+OK`` for the session only and flagged as a mutation in the recorder. A scenario may
replace the answer to the XOAUTH2 login (sim/mailwire.py).
"""

from __future__ import annotations

from pytest_ece_o365.sim import mailstore
from pytest_ece_o365.sim.mailserver import Connection, MailServer, parse_xoauth2
from pytest_ece_o365.sim.mailwire import wire_of

__all__ = ["Pop3Server"]

CAPA = ("+OK", "TOP", "UIDL", "SASL PLAIN XOAUTH2", "USER", ".")
AUTH_FAILED = "-ERR Authentication failure: unknown user name or bad password."
#: The USER/PASS (basic) refusal; an XOAUTH2 refusal reads AUTH_FAILED (jakartaee/mail-api#614; checked 2026-12-04).
LOGON_FAILURE = "-ERR Logon failure: unknown user name or bad password."
BAD_STATE = "-ERR Command is not valid in this state."
OUT_OF_RANGE = "-ERR The specified message is out of range."
SIGN_OFF = "+OK Microsoft Exchange Server 2016 POP3 server signing off."
AUTHORIZATION_COMMANDS = frozenset({"AUTH", "USER", "PASS"})
TRANSACTION_COMMANDS = frozenset({"STAT", "LIST", "UIDL", "TOP", "RETR", "DELE", "RSET", "NOOP"})


class Pop3Server(MailServer):
    """Exchange Online POP3 on loopback, implicit TLS. See the module docstring for the constructor."""

    protocol = "pop3"

    @property
    def greeting(self) -> str:
        return f"+OK The Microsoft Exchange POP3 service is ready. [{self.backend_tag}]"

    def serve_session(self, conn: Connection) -> None:
        """Implicit TLS first, then the POP3 dialogue."""
        conn.start_tls(self.ssl_context)
        Pop3Session(self, conn).run()


class Pop3Session:
    """One POP3 session: AUTHORIZATION, then TRANSACTION after a successful XOAUTH2 login."""

    def __init__(self, server: Pop3Server, conn: Connection) -> None:
        self.server = server
        self.conn = conn
        self.authenticated = False
        self.user_given = False
        self.deleted: set[int] = set()

    def run(self) -> None:
        """Greet, then serve commands until LOGOUT/QUIT, a fatal reply, a timeout or server stop."""
        self.conn.send(self.server.greeting)
        while self.dispatch(self.conn.read_line()):
            pass

    def dispatch(self, line: str) -> bool:
        """Handle one command; False ends the session."""
        name, _, args = line.strip().partition(" ")
        cmd = name.upper()
        if cmd == "AUTH":
            self.conn.record_auth(name, args)
        elif cmd == "PASS":
            self.conn.record(f"{name} [redacted]")
        else:
            self.conn.record(line, mutation=cmd == "DELE")
        if cmd == "QUIT":
            self.conn.send(SIGN_OFF)
            return False
        if cmd == "CAPA":
            self.conn.send(*CAPA)
            return True
        if cmd in AUTHORIZATION_COMMANDS and not self.authenticated:
            return self.authorization(cmd, args)
        if cmd in TRANSACTION_COMMANDS and self.authenticated:
            self.transaction(cmd, args.split())
            return True
        if cmd in AUTHORIZATION_COMMANDS | TRANSACTION_COMMANDS:
            self.conn.send(BAD_STATE)
        else:
            self.conn.send("-ERR Protocol error. 14")
        return True

    def authorization(self, cmd: str, args: str) -> bool:
        if cmd == "USER":
            self.user_given = True
            self.conn.send("+OK")
            return True
        if cmd == "PASS":
            # Basic authentication is off in Exchange Online: a password never works.
            self.conn.send(LOGON_FAILURE if self.user_given else BAD_STATE)
            return True
        mech, _, ir = args.partition(" ")
        mech = mech.upper()
        if not mech:
            self.conn.send("+OK", "PLAIN", "XOAUTH2", ".")
            return True
        if mech not in ("XOAUTH2", "PLAIN"):
            self.conn.send("-ERR Unrecognized authentication type.")
            return True
        if ir and mech == "XOAUTH2":
            self.conn.send("-ERR Protocol error. Connection is closed. 10")
            return False
        if not ir:
            self.conn.send("+ ")
            ir = self.conn.read_line()
            self.conn.record("[redacted]")
            if ir.strip() == "*":
                self.conn.send("-ERR Authentication canceled.")
                return True
        parsed = parse_xoauth2(ir) if mech == "XOAUTH2" else None
        verdict = self.server.authority.mail_login("pop3", *parsed) if parsed else None
        wire = wire_of(self.server.authority)
        forced = wire.pop_auth if parsed and wire.applies(parsed[0]) else ""
        if verdict is None or not verdict.ok or forced:
            self.conn.send(forced or AUTH_FAILED)
            return True
        self.authenticated = True
        self.conn.send("+OK User successfully authenticated.")
        return True

    # -- transaction ---------------------------------------------------------------------------
    def _message(self, arg: str) -> tuple[int, mailstore.StoredMessage] | None:
        if not arg.isdigit() or not 1 <= int(arg) <= len(mailstore.INBOX) or int(arg) in self.deleted:
            self.conn.send(OUT_OF_RANGE)
            return None
        return int(arg), mailstore.INBOX[int(arg) - 1]

    def _live(self) -> list[tuple[int, mailstore.StoredMessage]]:
        return [(n, m) for n, m in enumerate(mailstore.INBOX, 1) if n not in self.deleted]

    def _multiline(self, first: str, data: bytes) -> None:
        lines = data.split(b"\r\n")
        if lines and lines[-1] == b"":
            lines.pop()
        # Dot-stuffing (RFC 1939 §3) so a body line starting with "." survives.
        body = b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
        self.conn.send(first)
        self.conn.send_raw(body + b".\r\n")

    def transaction(self, cmd: str, args: list[str]) -> None:
        live = self._live()
        if cmd == "STAT":
            self.conn.send(f"+OK {len(live)} {sum(m.size for _, m in live)}")
        elif cmd in ("LIST", "UIDL"):

            def item(n: int, m: mailstore.StoredMessage) -> str:
                return f"{n} {m.size if cmd == 'LIST' else m.uidl}"

            if args:
                found = self._message(args[0])
                if found:
                    self.conn.send(f"+OK {item(*found)}")
            elif cmd == "LIST":
                self.conn.send(f"+OK {len(live)} {sum(m.size for _, m in live)}", *(item(n, m) for n, m in live), ".")
            else:
                self.conn.send("+OK", *(item(n, m) for n, m in live), ".")
        elif cmd in ("RETR", "TOP"):
            found = self._message(args[0]) if args else None
            if not args:
                self.conn.send("-ERR Protocol error. 14")
            elif found and cmd == "RETR":
                self._multiline("+OK", found[1].data)
            elif found:
                count = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
                body = found[1].data[len(found[1].header) :].split(b"\r\n")[:count]
                self._multiline("+OK", found[1].header + b"".join(ln + b"\r\n" for ln in body))
        elif cmd == "DELE":
            found = self._message(args[0]) if args else None
            if not args:
                self.conn.send("-ERR Protocol error. 14")
            elif found:
                self.deleted.add(found[0])
                self.conn.send("+OK")
        elif cmd == "RSET":
            self.deleted.clear()
            self.conn.send("+OK")
        else:  # NOOP
            self.conn.send("+OK")
