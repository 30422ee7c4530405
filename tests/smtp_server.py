"""A local SMTP server for the email tests (aiosmtpd on loopback): it keeps every message it accepts and
refuses one mailbox, so a test can see what a shop's mail server would have received."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REFUSED = "george.patel@example.com"  # SD-10002's customer in the demo shop: this mailbox is refused


@dataclass
class Inbox:
    """aiosmtpd's handler: keeps every message it accepts; refuses ``REFUSED``."""

    messages: list[EmailMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            self.refused.append(address)
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def serve_inbox() -> Iterator[tuple[Inbox, int]]:
    """An ``Inbox`` served on a free loopback port until the generator is closed (``inbox`` fixture)."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
