"""Simulated Exchange Online IMAP4 server (outlook.office365.com:993-style, implicit TLS).

Construction (the runner's view)::

    from pytest_ece_o365.sim.imap import ImapServer
    server = ImapServer(
        authority,                      # a MailAuthority (sim/authority.py): judges every XOAUTH2 login
        ssl_context,                    # server-side ssl.SSLContext with the cert for host_name
        host_name="outlook.office365.com",
        bind=("127.0.0.1", 0),          # port 0: ephemeral, read it back from server.port
        recorder=recorder,              # a shared mailserver.Recorder, or None for a private one
        hang=False,                     # True: accept TCP and never greet (scenario server-hangs)
        timeout=30.0,                   # per-session read timeout, seconds
    )
    server.start(); ...; server.stop()

Behaviour, in Office 365's own words (``/work/shared/reference/o365-protocol.md``): the classic
greeting with a base64 UTF-16LE backend host name; AUTHENTICATE XOAUTH2 with SASL-IR or in two steps;
``NO AUTHENTICATE failed.`` when the token is refused; and the trap — ``OK AUTHENTICATE completed.``
whenever the token is accepted, even when the account may not open the mailbox, after which the first
mailbox command gets ``BAD User is authenticated but not connected.`` and the second the same BAD, then
``* BYE Connection closed. 14`` and the hang-up. After login CAPABILITY adds ``MOVE CLIENTACCESSRULES
CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE``. A scenario may replace replies (sim/mailwire.py).
The mailbox content is the static sample in :mod:`pytest_ece_o365.sim.mailstore`. LOGIN (basic auth) is
always refused. Mutating commands are answered but never change anything; they are flagged in the
recorder (SELECT counts: it opens read-write).
"""

from __future__ import annotations

from pytest_ece_o365.sim.imap_session import CAPABILITIES, POST_AUTH_CAPABILITIES, ImapSession
from pytest_ece_o365.sim.mailserver import Connection, MailServer

__all__ = ["CAPABILITIES", "POST_AUTH_CAPABILITIES", "ImapServer"]


class ImapServer(MailServer):
    """Exchange Online IMAP4 on loopback, implicit TLS. See the module docstring for the constructor."""

    protocol = "imap"

    @property
    def greeting(self) -> str:
        return f"* OK The Microsoft Exchange IMAP4 service is ready. [{self.backend_tag}]"

    def serve_session(self, conn: Connection) -> None:
        """Implicit TLS first, then the IMAP dialogue."""
        conn.start_tls(self.ssl_context)
        ImapSession(self, conn).run()
