"""A real SMTP server on 127.0.0.1 for the outbox tests: it accepts mail or refuses every recipient (550)."""

import socketserver
import threading
from contextlib import contextmanager


def _handler(refuse: bool, received: list):
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 test ESMTP")
            while line := self.rfile.readline():
                command = line.decode(errors="replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    self.reply("250 test")
                elif command.startswith("MAIL FROM"):
                    self.reply("250 ok")
                elif command.startswith("RCPT TO"):
                    self.reply("550 5.1.1 no such user" if refuse else "250 ok")
                elif command == "DATA":
                    self.reply("354 go on")
                    body = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        body.append(data)
                    received.append(b"".join(body))
                    self.reply("250 queued")
                elif command == "RSET" or command == "NOOP":
                    self.reply("250 ok")
                elif command == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    return Handler


@contextmanager
def smtp_server(*, refuse: bool = False):
    """Yields (port, received mails)."""
    received: list[bytes] = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(refuse, received))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
