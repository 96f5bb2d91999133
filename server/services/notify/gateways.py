"""Where SMS go: the `console` gateway of the demo (the server log) or a real HTTP gateway."""
from __future__ import annotations

import os
import sys
from typing import Protocol

import requests

from ..phone_vault import masked

SMS_URL_ENV = "XEPHANG_SMS_URL"
SMS_TOKEN_ENV = "XEPHANG_SMS_TOKEN"  # sent as Authorization: Bearer
SMS_USER_ENV, SMS_PASSWORD_ENV = "XEPHANG_SMS_USER", "XEPHANG_SMS_PASSWORD"  # basic auth
TIMEOUT_S = 10.0


class SendFailed(Exception):
    """The gateway did not take the message (it will be retried)."""


class Gateway(Protocol):
    """Something that delivers one text message to one phone, or raises SendFailed."""

    name: str

    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (+84…)."""


class ConsoleGateway:
    """The demo: each message is written to the server log (the number masked)."""

    name = "console"

    def send(self, phone: str, text: str) -> None:
        """Print the message on the server's error stream."""
        print(f"SMS {masked(phone)}: {text}", file=sys.stderr, flush=True)


class HttpGateway:
    """POSTs {phone, text} as JSON to the operator's gateway, credentials from the environment."""

    name = "http"

    def __init__(self, url: str, token: str = "", user: str = "", password: str = "") -> None:
        self.url, self.token, self.user, self.password = url, token, user, password
        self.session = requests.Session()

    def send(self, phone: str, text: str) -> None:
        """One POST; any answer but 2xx (or no answer) is a failure."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        auth = (self.user, self.password) if self.user else None
        try:
            r = self.session.post(self.url, json={"phone": phone, "text": text}, headers=headers,
                                  auth=auth, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}"[:200]) from None
        if not 200 <= r.status_code < 300:
            raise SendFailed(f"HTTP {r.status_code}")


def gateway_from_env() -> Gateway:
    """The HTTP gateway when $XEPHANG_SMS_URL is set, else the console."""
    url = os.environ.get(SMS_URL_ENV, "").strip()
    if not url:
        return ConsoleGateway()
    return HttpGateway(url, os.environ.get(SMS_TOKEN_ENV, ""), os.environ.get(SMS_USER_ENV, ""),
                       os.environ.get(SMS_PASSWORD_ENV, ""))
