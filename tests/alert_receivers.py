"""Local receivers for the alert tests: a real SMTP server (aiosmtpd) and an HTTP receiver on
127.0.0.1 that apprise's WeCom robot plugin posts to. Both stop with their test."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], str, str]] = []  # (to, subject, text)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        self.mails.append((list(envelope.rcpt_tos), str(msg["subject"]), part.get_content() if part else ""))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.url = f"mailto://127.0.0.1:{controller.port}?from=crm-alerts@example.com&secure=no&mode=insecure&format=text"
    yield inbox
    controller.stop()


@pytest.fixture
def webhook(monkeypatch):
    """An HTTP receiver on 127.0.0.1; apprise's WeCom, DingTalk and Feishu robot plugins post to
    it (their fixed https endpoints are pointed here: what is sent is the plugins' own payload)."""
    from apprise.plugins.dingtalk import NotifyDingTalk
    from apprise.plugins.feishu import NotifyFeishu
    from apprise.plugins.wecombot import NotifyWeComBot

    received: list[dict] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "json": json.loads(body or b"{}")})
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(NotifyWeComBot, "notify_url", f"{base}/cgi-bin/webhook/send?key={{key}}")
    monkeypatch.setattr(NotifyDingTalk, "notify_url", f"{base}/robot/send?access_token={{token}}")
    monkeypatch.setattr(NotifyFeishu, "notify_url", f"{base}/open-apis/bot/v2/hook/{{token}}/")
    yield type("Webhook", (), {"received": received, "state": state, "url": "wecombot://robotkey"})
    server.shutdown()
    server.server_close()


