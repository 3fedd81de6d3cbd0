"""Selected-state IMAP commands of the simulated Exchange Online server (a mixin of ImapSession).

FETCH, SEARCH, STORE, EXPUNGE, MOVE, COPY, CLOSE, UNSELECT and UID. Nothing here changes the static
sample mailbox: mutating commands are answered as Exchange would (refused in a read-only EXAMINE
session) and flagged in the recorder by the dispatcher.
"""

from __future__ import annotations

from pytest_ece_o365.sim import mailstore
from pytest_ece_o365.sim.imap_fetch import fetch_response, parse_sequence_set
from pytest_ece_o365.sim.mailserver import Connection

__all__ = ["SelectedCommands"]


class SelectedCommands:
    """Handlers ``cmd_<name>(tag, args) -> bool`` for the selected state; False would end the session."""

    conn: Connection
    folder: str | None
    read_only: bool

    @property
    def messages(self) -> tuple[mailstore.StoredMessage, ...]:
        return mailstore.INBOX if self.folder == "INBOX" else ()

    def cmd_close(self, tag: str, args: str) -> bool:
        self.folder = None
        self.conn.send(f"{tag} OK CLOSE completed.")
        return True

    def cmd_unselect(self, tag: str, args: str) -> bool:
        self.folder = None
        self.conn.send(f"{tag} OK UNSELECT completed.")
        return True

    def cmd_search(self, tag: str, args: str, uid: bool = False) -> bool:
        # Criteria are not evaluated: every message matches (enough for a probe, honest for a simulator).
        hits = " ".join(str(m.uid if uid else i) for i, m in enumerate(self.messages, 1))
        self.conn.send(f"* SEARCH {hits}".rstrip(), f"{tag} OK SEARCH completed.")
        return True

    def cmd_fetch(self, tag: str, args: str, uid: bool = False) -> bool:
        seqset, _, items = args.partition(" ")
        numbers = parse_sequence_set(seqset, len(self.messages))
        if numbers is None or not items:
            self.conn.send(f"{tag} BAD Command Argument Error. 11")
            return True
        for number in numbers:
            data, summary = fetch_response(number, self.messages[number - 1], items, uid=uid)
            self.conn.recorder.reply("imap", self.conn.session_id, summary)
            self.conn.send_raw(data)
        self.conn.send(f"{tag} OK FETCH completed.")
        return True

    def cmd_store(self, tag: str, args: str, uid: bool = False) -> bool:
        if self.read_only:
            self.conn.send(f"{tag} NO The command is not allowed in a read-only folder.")
            return True
        seqset, _, rest = args.partition(" ")
        item, _, flags = rest.partition(" ")
        numbers = parse_sequence_set(seqset, len(self.messages))
        if numbers is None or not item:
            self.conn.send(f"{tag} BAD Command Argument Error. 11")
            return True
        lines = []
        if not item.upper().endswith(".SILENT"):
            for n in numbers:
                msg = self.messages[n - 1]
                new = set(msg.flags)
                given = set(flags.strip("()").split())
                if item.startswith("+"):
                    new |= given
                elif item.startswith("-"):
                    new -= given
                else:
                    new = given
                uid_part = f"UID {msg.uid} " if uid else ""
                lines.append(f"* {n} FETCH ({uid_part}FLAGS ({' '.join(sorted(new))}))")
        self.conn.send(*lines, f"{tag} OK STORE completed.")
        return True

    def cmd_expunge(self, tag: str, args: str) -> bool:
        if self.read_only:
            self.conn.send(f"{tag} NO The command is not allowed in a read-only folder.")
        else:
            self.conn.send(f"{tag} OK EXPUNGE completed.")
        return True

    def cmd_move(self, tag: str, args: str) -> bool:
        return self.cmd_expunge(tag, args) if self.read_only else self.dispatch_ok(tag, "MOVE")

    def dispatch_ok(self, tag: str, cmd: str) -> bool:
        self.conn.send(f"{tag} OK {cmd} completed.")
        return True

    def cmd_uid(self, tag: str, args: str) -> bool:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "FETCH":
            return self.cmd_fetch(tag, rest, uid=True)
        if sub == "SEARCH":
            return self.cmd_search(tag, rest, uid=True)
        if sub == "STORE":
            return self.cmd_store(tag, rest, uid=True)
        if sub in ("EXPUNGE", "MOVE"):
            return self.cmd_expunge(tag, rest) if self.read_only else self.dispatch_ok(tag, sub)
        if sub == "COPY":
            return self.dispatch_ok(tag, sub)
        self.conn.send(f"{tag} BAD Command Argument Error. 11")
        return True
