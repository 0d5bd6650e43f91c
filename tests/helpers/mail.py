"""Mail in tests: a real SMTP server on loopback, the parts of what it received, and the links
mailed (or still queued in the outbox)."""
import json
import re
import threading

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMail
from tests.helpers.services import free_port


class SMTPSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.peers = []  # the client end of the connection each message came over
        self.lock = threading.Lock()
        # aiosmtpd checks the server is up by connecting to the port: it cannot use port 0.
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)  # (address, port): one per SMTP connection
        return "250 OK"

    def start(self):
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.peers.clear()

    def to(self, address: str):
        """Messages received for `address`."""
        with self.lock:
            return [m for m in self.messages if address in m["To"]]


def text_part(message) -> str:
    """The plain-text body of a received mail."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    """The HTML body of a received mail."""
    return message.get_body(preferencelist=("html",)).get_content()


def last_link(smtp, address: str, pattern: re.Pattern) -> str:
    """The path of the last link matching `pattern` mailed to `address`."""
    links = [m for msg in smtp.to(address) for m in pattern.findall(text_part(msg))]
    assert links, f"no link in the mails to {address}"
    return links[-1].removeprefix("http://localhost")


def queued_link(address: str | None = None, key: str = "confirm_url") -> str:
    """The path of the link `key` in the newest mail still in the outbox (to `address`): a
    queued mail holds its template's values, it is rendered when sent."""
    query = select(OutboxMail.context).order_by(OutboxMail.id.desc()).limit(1)
    if address:
        query = query.where(OutboxMail.to_addr == address)
    return json.loads(db.session.scalar(query))[key].removeprefix("http://localhost")
