"""The sample mailbox content the simulated IMAP and POP3 servers show: three small messages in INBOX.

Each message is exactly :data:`MESSAGE_SIZE` bytes on the wire (CRLF line ends), so POP3 ``STAT`` reads
``+OK 3 12345`` and IMAP ``RFC822.SIZE`` agrees with it. Content is static: the servers never change it,
even when a client sends a mutating command (which is recorded instead).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FOLDERS", "INBOX", "MESSAGE_SIZE", "UIDVALIDITY", "StoredMessage"]

MESSAGE_SIZE = 4115
UIDVALIDITY = 14


@dataclass(frozen=True)
class StoredMessage:
    """One message: IMAP UID, flags, POP3 UIDL, internal date and the RFC 5322 bytes."""

    uid: int
    flags: tuple[str, ...]
    uidl: str
    internal_date: str
    data: bytes

    @property
    def size(self) -> int:
        """Octets on the wire, CRLF line ends (POP3 LIST, IMAP RFC822.SIZE)."""
        return len(self.data)

    @property
    def header(self) -> bytes:
        """The header block including the empty line that ends it."""
        head, _, _ = self.data.partition(b"\r\n\r\n")
        return head + b"\r\n\r\n"


def _message(number: int, sender: str, subject: str, date: str) -> bytes:
    head = (
        f"From: {sender}\r\n"
        "To: support@example.com\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {date}\r\n"
        f"Message-ID: <sim-{number:04d}@mail.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n'
        "\r\n"
    )
    body = f"Hello,\r\n\r\nThis is simulated message {number} for the ECE mailbox check.\r\n\r\n"
    filler_line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n"
    text = head + body
    # Pad with whole lines, then one partial line, to land exactly on MESSAGE_SIZE.
    while len(text) + len(filler_line) + 2 <= MESSAGE_SIZE:
        text += filler_line
    text += "x" * (MESSAGE_SIZE - len(text) - 2) + "\r\n"
    assert len(text) == MESSAGE_SIZE
    return text.encode("ascii")


INBOX: tuple[StoredMessage, ...] = (
    StoredMessage(
        1,
        ("\\Seen",),
        "AAQkADAwATM0MDAAMS1hNjc1LTI1AAA=",
        "09-Nov-2026 10:09:41 +0000",
        _message(1, "Alice Customer <alice@customer.example>", "Order 1001", "Mon, 9 Nov 2026 10:09:41 +0000"),
    ),
    StoredMessage(
        2,
        ("\\Seen", "\\Answered"),
        "AAQkADAwATM0MDAAMS1hNjc1LTI2AAA=",
        "10-Nov-2026 08:15:02 +0000",
        _message(2, "Bob Buyer <bob@customer.example>", "Re: Invoice", "Tue, 10 Nov 2026 08:15:02 +0000"),
    ),
    StoredMessage(
        3,
        (),
        "AAQkADAwATM0MDAAMS1hNjc1LTI3AAA=",
        "11-Nov-2026 17:42:55 +0000",
        _message(3, "Carol Client <carol@customer.example>", "Question", "Wed, 11 Nov 2026 17:42:55 +0000"),
    ),
)

#: IMAP folder list: (name, attributes), as Exchange Online names the default folders.
FOLDERS: tuple[tuple[str, str], ...] = (
    ("Archive", "\\HasNoChildren \\Archive"),
    ("Calendar", "\\HasChildren"),
    ("Contacts", "\\HasNoChildren"),
    ("Deleted Items", "\\HasNoChildren \\Trash"),
    ("Drafts", "\\HasNoChildren \\Drafts"),
    ("INBOX", "\\HasNoChildren"),
    ("Journal", "\\HasNoChildren"),
    ("Junk Email", "\\HasNoChildren \\Junk"),
    ("Notes", "\\HasNoChildren"),
    ("Outbox", "\\HasNoChildren"),
    ("Sent Items", "\\HasNoChildren \\Sent"),
    ("Tasks", "\\HasNoChildren"),
)
