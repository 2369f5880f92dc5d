"""uvicorn's HTTP/1.1 protocol with a deadline for each request to arrive whole.

uvicorn closes a connection left idle after a response (`timeout_keep_alive`), but not one that sent half
a request line, half its headers or half its body: such a client would hold its connection (and, for a
body, the handler awaiting it) for ever. Here each request (its line, headers and body) must arrive within
REQUEST_TIMEOUT seconds of the connection or of the previous response; else the connection is closed,
with a 408 answer when no part of the request reached the application yet; either way one line is logged.
Handling a request that arrived whole takes as long as it takes.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT = 10.0  # seconds; a browser sends a workbench request (at most 256 KB) at once
_SAID = b"The request did not arrive whole in time.\n"
TIMEOUT_ANSWER = (  # written as it is: h11 answers only a request it has parsed
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_SAID), _SAID)
)


class GuardedH11Protocol(H11Protocol):
    request_timeout = REQUEST_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None

    # uvicorn narrows asyncio.Protocol's BaseTransport to Transport here, and so must its override
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.more_body and not self.cycle.response_complete:
            self._disarm()  # the request arrived whole: the application has it all

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection has the same time to arrive

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._stalled)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _stalled(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE:  # its line or headers are not all here: the application never saw it
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            self.logger.warning("%s sent no whole request within %g s: closed", client, self.request_timeout)
            self.transport.write(TIMEOUT_ANSWER)
        self.transport.close()  # a handler awaiting the body sees the client go, and says so (guard.Disconnects)
