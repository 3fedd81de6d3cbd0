"""One IMAP session of the simulated Exchange Online server: the state machine behind sim/imap.py.

States follow RFC 3501 (not authenticated → authenticated → selected) plus Exchange Online's extra one:
*authenticated but not connected*, entered when the token is accepted but the account may not open the
mailbox; the first mailbox command in it is refused, the second ends the session (``sim/imap.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from pytest_ece_o365.sim import mailstore
from pytest_ece_o365.sim.imap_selected import SelectedCommands
from pytest_ece_o365.sim.mailserver import Connection, ConnectionClosed, parse_xoauth2
from pytest_ece_o365.sim.mailwire import wire_of

if TYPE_CHECKING:
    from pytest_ece_o365.sim.authority import MailAuthority


class ImapHost(Protocol):
    """What a session needs of its server (:class:`~pytest_ece_o365.sim.imap.ImapServer`)."""

    authority: MailAuthority

    @property
    def greeting(self) -> str: ...


CAPABILITIES = "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
#: After login Exchange Online adds MOVE and three of its own (MailKit's ImapClient notes "Auth: IMAP4 IMAP4rev1
#: AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION
#: BACKENDAUTHENTICATE CHILDREN IDLE NAMESPACE LITERAL+"; jstedfast/MailKit#1494, #1496; checked 2026-12-04).
POST_AUTH_CAPABILITIES = CAPABILITIES.replace("UIDPLUS ID UNSELECT", "UIDPLUS MOVE ID UNSELECT").replace(
    "UNSELECT", "UNSELECT CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE"
)

ANY_STATE = frozenset({"CAPABILITY", "NOOP", "LOGOUT", "ID"})
NOT_AUTHENTICATED = frozenset({"AUTHENTICATE", "LOGIN"})
AUTHENTICATED = frozenset(
    {"SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS"}
    | {"APPEND", "NAMESPACE", "IDLE"}
)
SELECTED = frozenset({"CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID"})
#: Commands that can change a mailbox (SELECT opens read-write, so it counts too).
MUTATING = frozenset(
    {"SELECT", "STORE", "EXPUNGE", "APPEND", "DELETE", "COPY", "MOVE", "CREATE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE"}
)
UID_MUTATING = frozenset({"STORE", "COPY", "MOVE", "EXPUNGE"})
ALL_FLAGS = "\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent"
MAX_LITERAL = 16 * 1024 * 1024

_LITERAL = re.compile(r"\{(\d+)(\+?)\}$")
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"|(\((?:[^()]|\([^()]*\))*\))|([^\s()]+)')


def split_args(text: str) -> list[str]:
    """IMAP arguments: quoted strings unquoted, parenthesised lists kept whole, atoms as they are."""
    out: list[str] = []
    for quoted, group, atom in _ARG.findall(text):
        if group:
            out.append(group)
        elif atom:
            out.append(atom)
        else:
            out.append(re.sub(r"\\(.)", r"\1", quoted))
    return out


def _quote(name: str) -> str:
    return f'"{name}"' if (" " in name or not name) else name


class ImapSession(SelectedCommands):
    """Talks IMAP to one client over ``conn`` until LOGOUT, the trap, a timeout or server stop.

    Each command ``X`` is handled by ``cmd_x(tag, args) -> bool`` (False ends the session), after
    :meth:`dispatch` has recorded it and checked the state; commands without a handler that pass the state
    check are acknowledged ``OK X completed.`` and change nothing.
    """

    def __init__(self, server: ImapHost, conn: Connection) -> None:
        self.server = server
        self.conn = conn
        self.authenticated = False
        self.connected = False  # the account may open the mailbox (MailLogin.may_open)
        self.refused = 0  # mailbox commands refused as "not connected" so far
        self.bye = ""  # a scenario's BYE in place of the first mailbox command's reply (sim/mailwire.py)
        self.folder: str | None = None  # selected folder
        self.read_only = True

    # -- reading -------------------------------------------------------------------------------
    def read_command(self) -> str:
        """A command line with its literals inlined (small ones as quoted strings, big ones elided)."""
        line = self.conn.read_line()
        parts: list[str] = []
        while (m := _LITERAL.search(line)) is not None:
            size = int(m.group(1))
            if size > MAX_LITERAL:
                raise ConnectionClosed("literal too large")
            if not m.group(2):  # synchronising literal: the client waits for a continuation
                self.conn.send("+ Ready for additional command text.")
            data = self.conn.read_exact(size).decode("latin-1")
            small = len(data) < 1024 and not re.search(r'[\r\n"\\]', data)
            parts.append(line[: m.start()] + (f'"{data}"' if small else f"{{{size}}}"))
            line = self.conn.read_line()
        parts.append(line)
        return "".join(parts)

    def run(self) -> None:
        """Greet, then serve commands until LOGOUT/QUIT, a fatal reply, a timeout or server stop."""
        self.conn.send(self.server.greeting)
        while self.dispatch(self.read_command()):
            pass

    # -- dispatch ------------------------------------------------------------------------------
    def dispatch(self, line: str) -> bool:
        """Handle one command; False ends the session."""
        tag, _, rest = line.partition(" ")
        name, _, args = rest.partition(" ")
        cmd = name.upper()
        if cmd == "AUTHENTICATE":
            self.conn.record_auth(f"{tag} {name}", args)
        elif cmd == "LOGIN":
            user = (split_args(args) or [""])[0]
            self.conn.record(f"{tag} {name} {user} [redacted]")  # basic auth is refused, but never keep a password
        else:
            sub = args.partition(" ")[0].upper()
            mutation = cmd in MUTATING or (cmd == "UID" and sub in UID_MUTATING)
            self.conn.record(line, mutation=mutation)
        if not tag or not cmd or tag == "*" or tag.startswith("+"):
            self.conn.send(f"{tag or '*'} BAD Command Error. 10")
            return True
        known = ANY_STATE | NOT_AUTHENTICATED | AUTHENTICATED | SELECTED
        if cmd not in known:
            self.conn.send(f"{tag} BAD Command Error. 10")
            return True
        if self.authenticated and self.bye and cmd not in ANY_STATE:
            self.conn.send(self.bye)  # no tagged reply at all, then the hang-up
            return False
        if self.authenticated and not self.connected and cmd not in ANY_STATE:
            return self._not_connected(tag)
        allowed = (
            cmd in ANY_STATE
            or (cmd in NOT_AUTHENTICATED and not self.authenticated)
            or (cmd in AUTHENTICATED and self.authenticated)
            or (cmd in SELECTED and self.folder is not None)
        )
        if not allowed:
            self.conn.send(f"{tag} BAD Command received in Invalid state.")
            return True
        handler = getattr(self, f"cmd_{cmd.lower()}", None)
        if handler is None:
            self.conn.send(f"{tag} OK {cmd} completed.")  # accepted mutations that change nothing
            return True
        return bool(handler(tag, args))

    def _not_connected(self, tag: str) -> bool:
        """Exchange Online's trap: the login "succeeded" but the mailbox cannot be opened. The first mailbox
        command gets BAD only; the second gets BAD and ``* BYE Connection closed. 14``, then the hang-up
        (jstedfast/MailKit#1496: NAMESPACE -> BAD, LIST -> BAD + BYE; simonrob/email-oauth2-proxy#74: SELECT
        -> BAD, EXPUNGE -> BAD + BYE; checked 2026-12-04)."""
        self.refused += 1
        bad = f"{tag} BAD User is authenticated but not connected."
        if self.refused < 2:
            self.conn.send(bad)
            return True
        self.conn.send(bad, "* BYE Connection closed. 14")
        return False

    # -- any state -----------------------------------------------------------------------------
    def cmd_capability(self, tag: str, args: str) -> bool:
        caps = POST_AUTH_CAPABILITIES if self.authenticated else CAPABILITIES
        self.conn.send(f"* CAPABILITY {caps}", f"{tag} OK CAPABILITY completed.")
        return True

    def cmd_noop(self, tag: str, args: str) -> bool:
        self.conn.send(f"{tag} OK NOOP completed.")
        return True

    def cmd_id(self, tag: str, args: str) -> bool:
        self.conn.send("* ID NIL", f"{tag} OK ID completed.")
        return True

    def cmd_logout(self, tag: str, args: str) -> bool:
        self.conn.send("* BYE Microsoft Exchange Server IMAP4 server signing off.", f"{tag} OK LOGOUT completed.")
        return False

    # -- not authenticated ---------------------------------------------------------------------
    def cmd_login(self, tag: str, args: str) -> bool:
        self.conn.send(f"{tag} NO LOGIN failed.")  # basic authentication is off in Exchange Online
        return True

    def cmd_authenticate(self, tag: str, args: str) -> bool:
        mech, _, blob = args.partition(" ")
        if not blob:
            self.conn.send("+ ")
            blob = self.conn.read_line()
            self.conn.record("[redacted]")
            if blob.strip() == "*":
                self.conn.send(f"{tag} BAD Command Argument Error. 12")
                return True
        elif blob == "=":  # RFC 4959: an empty initial response
            blob = ""
        parsed = parse_xoauth2(blob) if mech.upper() == "XOAUTH2" else None
        if parsed is None:  # PLAIN is advertised but basic authentication is off; unknown mechanisms too
            self.conn.send(f"{tag} NO AUTHENTICATE failed.")
            return True
        verdict = self.server.authority.mail_login("imap", parsed[0], parsed[1])
        wire = wire_of(self.server.authority)
        forced = wire.imap_auth if wire.applies(parsed[0]) else ""
        if not verdict.token_accepted or forced:
            self.conn.send(f"{tag} {forced or 'NO AUTHENTICATE failed.'}")
            return True
        self.bye = wire.imap_examine_bye if wire.applies(parsed[0]) else ""
        self.authenticated, self.connected = True, verdict.may_open
        self.conn.send(f"{tag} OK AUTHENTICATE completed.")
        return True

    # -- authenticated -------------------------------------------------------------------------
    def _folder(self, name: str) -> str | None:
        if name.upper() == "INBOX":
            return "INBOX"
        return name if any(name == f for f, _ in mailstore.FOLDERS) else None

    def _open(self, tag: str, args: str, read_only: bool) -> bool:
        cmd = "EXAMINE" if read_only else "SELECT"
        names = split_args(args)
        folder = self._folder(names[0]) if names else None
        if folder is None:
            self.folder = None
            self.conn.send(f"{tag} NO [NONEXISTENT] Mailbox doesn't exist.")
            return True
        self.folder, self.read_only = folder, read_only
        msgs = self.messages
        lines = [f"* {len(msgs)} EXISTS", "* 0 RECENT", f"* FLAGS ({ALL_FLAGS})"]
        lines.append(f"* OK [PERMANENTFLAGS ({'' if read_only else ALL_FLAGS})] Permanent flags")
        unseen = [i for i, m in enumerate(msgs, 1) if "\\Seen" not in m.flags]
        if unseen:
            lines.append(f"* OK [UNSEEN {unseen[0]}] Is the first unseen message")
        lines.append(f"* OK [UIDVALIDITY {mailstore.UIDVALIDITY}] UIDVALIDITY value")
        lines.append(f"* OK [UIDNEXT {len(msgs) + 1}] The next unique identifier value")
        mode = "READ-ONLY" if read_only else "READ-WRITE"
        self.conn.send(*lines, f"{tag} OK [{mode}] {cmd} completed.")
        return True

    def cmd_examine(self, tag: str, args: str) -> bool:
        return self._open(tag, args, read_only=True)

    def cmd_select(self, tag: str, args: str) -> bool:
        return self._open(tag, args, read_only=False)

    def cmd_namespace(self, tag: str, args: str) -> bool:
        self.conn.send('* NAMESPACE (("" "/")) NIL NIL', f"{tag} OK NAMESPACE completed.")
        return True

    def cmd_list(self, tag: str, args: str, cmd: str = "LIST") -> bool:
        ref, pattern = ([*split_args(args), "", ""])[:2]
        lines = []
        if pattern == "":
            lines.append(f'* {cmd} (\\Noselect \\HasChildren) "/" ""')
        else:
            regex = re.escape(ref + pattern).replace(r"\*", ".*").replace("%", "[^/]*")
            for name, attrs in mailstore.FOLDERS:
                if re.fullmatch(regex, name, flags=re.IGNORECASE if name == "INBOX" else 0):
                    lines.append(f'* {cmd} ({attrs}) "/" {_quote(name)}')
        self.conn.send(*lines, f"{tag} OK {cmd} completed.")
        return True

    def cmd_lsub(self, tag: str, args: str) -> bool:
        return self.cmd_list(tag, args, cmd="LSUB")

    def cmd_status(self, tag: str, args: str) -> bool:
        parts = split_args(args)
        folder = self._folder(parts[0]) if parts else None
        if folder is None or len(parts) < 2:
            self.conn.send(f"{tag} NO [NONEXISTENT] Mailbox doesn't exist.")
            return True
        msgs = mailstore.INBOX if folder == "INBOX" else ()
        values = {
            "MESSAGES": len(msgs),
            "RECENT": 0,
            "UIDNEXT": len(msgs) + 1,
            "UIDVALIDITY": mailstore.UIDVALIDITY,
            "UNSEEN": sum("\\Seen" not in m.flags for m in msgs),
        }
        items = [i for i in parts[1].strip("()").upper().split() if i in values]
        data = " ".join(f"{i} {values[i]}" for i in items)
        self.conn.send(f"* STATUS {_quote(folder)} ({data})", f"{tag} OK STATUS completed.")
        return True

    def cmd_idle(self, tag: str, args: str) -> bool:
        self.conn.send("+ IDLE accepted, awaiting DONE command.")
        done = self.conn.read_line()
        self.conn.record(done)
        ok = done.strip().upper() == "DONE"
        self.conn.send(f"{tag} OK IDLE completed." if ok else f"{tag} BAD Command Argument Error. 11")
        return True

    def cmd_append(self, tag: str, args: str) -> bool:
        self.conn.send(f"{tag} OK [APPENDUID {mailstore.UIDVALIDITY} {len(mailstore.INBOX) + 1}] APPEND completed.")
        return True
