"""What the local stand-ins for external systems share (test identity providers, payment platform, time stamps).

Plain WSGI without Django: an HTML page, a reply and a server in a daemon thread of the caller's process.
"""

import html
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def reply(start_response, status: str, body: str, content_type: str = "text/html; charset=utf-8"):
    data = body.encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(app, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """Start serving in a daemon thread; returns the server (server.server_port, server.shutdown())."""
    httpd = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd
