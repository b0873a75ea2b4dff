"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) and what it received."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from flask import Flask


@dataclass
class Received:
    """One message as the server got it, parsed."""

    envelope_to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Handler:
    """Stores every message; ``fail_next`` answers that many DATA commands with a 451;
    ``stall_next`` stores that many and sets ``stalled`` but answers only after
    ``stall_seconds`` (the sender can be killed in between)."""

    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    refused: int = 0
    stall_next: int = 0
    stall_seconds: float = 10.0
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.received.append(Received(list(envelope.rcpt_tos), parsed))
            stall = self.stall_next > 0
            self.stall_next -= int(stall)
        if stall:
            self.stalled.set()
            await asyncio.sleep(self.stall_seconds)
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bare_smtp_server() -> Iterator[tuple[Handler, int]]:
    """A server on a free port for another process to send to: (handler, port)."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@contextmanager
def smtp_server(app: Flask) -> Iterator[Handler]:
    """Start a server and point the app's mail at it (SMTP backend) until the block ends."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    state = app.extensions["mailman"]
    saved = (state.backend, state.server, state.port, state.use_tls, state.timeout)
    state.backend, state.server, state.port = "smtp", "127.0.0.1", controller.port
    state.use_tls, state.timeout = False, 5
    try:
        yield handler
    finally:
        state.backend, state.server, state.port, state.use_tls, state.timeout = saved
        controller.stop()
