"""A real SMTP server that can be made slow: it answers every command (the greeting too) after `delay`
seconds, as a congested or tar-pitting relay does. Small on purpose: plain SMTP with EHLO, MAIL,
RCPT, DATA, RSET, NOOP and QUIT, one thread per connection; each accepted message is kept with its
recipients and Message-ID. `on_accept` (called when a message has arrived, before the 250 reply) lets a test act at an
exact point of a batch, e.g. kill the sender after the 61st mail."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy

from tests.support.services import free_port


class SlowSmtp:
    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.delay = delay
        self.messages: list[dict] = []
        self.on_accept: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._open = True
        threading.Thread(target=self._serve, daemon=True, name="slow-smtp").start()

    def close(self) -> None:
        self._open = False
        self._sock.close()

    def wait_for(self, count: int, timeout: float = 20) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def _serve(self) -> None:
        while self._open:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _reply(self, conn: socket.socket, text: str) -> None:
        if self.delay:
            time.sleep(self.delay)
        conn.sendall(text.encode() + b"\r\n")

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        rcpts: list[str] = []
        try:
            self._reply(conn, "220 slow.relay ESMTP")
            for raw in reader:
                verb = raw.decode(errors="replace").strip().split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self._reply(conn, "250 slow.relay")
                elif verb == "MAIL":
                    rcpts = []
                    self._reply(conn, "250 OK")
                elif verb == "RCPT":
                    rcpts.append(raw.decode().split(":", 1)[1].strip().strip("<>"))
                    self._reply(conn, "250 OK")
                elif verb == "DATA":
                    self._reply(conn, "354 go ahead")
                    self._accept(conn, reader, rcpts)
                elif verb == "QUIT":
                    self._reply(conn, "221 bye")
                    return
                else:  # RSET, NOOP
                    self._reply(conn, "250 OK")
        except OSError:
            return
        finally:
            conn.close()

    def _accept(self, conn: socket.socket, reader, rcpts: list[str]) -> None:
        lines = []
        for raw in reader:
            if raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        msg = message_from_bytes(b"".join(lines), policy=policy.default)
        with self._lock:
            self.messages.append({"to": rcpts, "message_id": msg["Message-ID"], "subject": msg["Subject"]})
            count = len(self.messages)
        if self.on_accept is not None:  # before the 250: the sender cannot know this one arrived
            self.on_accept(count)
        self._reply(conn, "250 accepted")
