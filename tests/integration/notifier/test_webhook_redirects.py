"""The webhook sender never follows a redirect: a receiver answering 302 towards another
address gets a failed attempt, and the redirect target is never called."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from rebook.notifier.webhook_guard import WebhookGuard, guarded_post


def test_redirects_are_not_followed_and_refused_urls_are_not_called() -> None:
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(302 if self.path == "/bounce" else 200)
            self.send_header("Location", "/inside")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        allowed = guarded_post(WebhookGuard(https_only=False, allow_hosts=("127.0.0.1",)))
        assert allowed(f"{base}/bounce", b"{}", {}, 5) == 302
        refused = guarded_post(WebhookGuard(https_only=False))
        assert refused(f"{base}/direct", b"{}", {}, 5) is None
        assert calls == ["/bounce"]
    finally:
        server.shutdown()
