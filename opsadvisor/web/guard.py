"""Safe by default: security headers on every response, and a limit on what a request may send.

The pages run no inline script and no inline style: the Content-Security-Policy allows scripts and
styles from the workbench itself only (its own script, static/workbench.js). The CSRF token and the
workspace's path checks live with the pages (app.py, workspace.py); the host names a browser may use
are checked by Starlette's TrustedHostMiddleware, so a page of another site that resolves its name to
127.0.0.1 (DNS rebinding) is refused.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..text import printable

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
MAX_BODY = 256 * 1024  # a form of the interview is a few kilobytes; a scenario file is at most 1 MB, never posted

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


class Disconnects:
    """A client that goes away before its whole request arrived (it closed the tab, or the server closed a
    stalled connection, see protocol.py) is one line of the log, not a traceback: nothing was done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            client = scope.get("client") or ("a client", 0)
            logging.getLogger("uvicorn.error").warning(
                "%s:%s did not send its whole request (it went away, or stalled past the deadline): %s %s not handled",
                client[0],
                client[1],
                scope.get("method", ""),
                printable(scope.get("path", "")),
            )


class _TooLarge(Exception):
    pass


class SizeLimit:
    """Refuse a request body over MAX_BODY with 413, whether it says its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await _too_large(send, self.limit)


async def _too_large(send: Send, limit: int) -> None:
    body = f"Request too large: at most {limit} bytes.".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
