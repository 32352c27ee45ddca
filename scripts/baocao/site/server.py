"""`datasette serve` with the bounds a public site needs: run as ``python server.py serve FILE [options]``.

The options are Datasette's own; only the HTTP server under it changes. Uvicorn, as
Datasette starts it, waits forever for a request's headers and keeps every connection
it accepts, so that clients sending a byte now and then hold all the file handles. Here:

- a request's headers must arrive within ``HEADER_SECONDS`` of the connection opening or of
  the answer before it; a connection that does not manage it is closed without a word;
- at most ``MAX_CONNECTIONS`` connections are open at once (fewer when the process may open
  fewer files); the next ones are closed as they come, with one line of log per
  ``LOG_EVERY_SECONDS`` at most, never a traceback;
- an idle keep-alive connection is closed after ``KEEP_ALIVE_SECONDS``.

This file imports Datasette and Uvicorn only, so that the serving image needs nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import sys
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 1000
LOG_EVERY_SECONDS = 10.0


def _open_files_allowed() -> int:
    """Raise the soft limit on open files to the hard one; the connections that leaves room for."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


class _Refusals:
    """Counts the connections refused, and says so in one line now and then."""

    def __init__(self):
        self.count, self.said = 0, 0.0

    def add(self, why: str) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.said >= LOG_EVERY_SECONDS:
            sys.stderr.write(f"baocao: {self.count} connection(s) closed: {why}\n")
            sys.stderr.flush()
            self.count, self.said = 0, now


REFUSALS = _Refusals()


class BoundedH11Protocol(H11Protocol):
    """Uvicorn's HTTP/1.1 protocol with a deadline for each request's headers and a cap on connections."""

    max_connections = MAX_CONNECTIONS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.header_deadline: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            REFUSALS.add(f"more than {self.max_connections} open at once")
            transport.abort()
            return
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self.header_deadline = self.loop.call_later(HEADER_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "header_deadline", None) is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _too_slow(self) -> None:
        self.header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            REFUSALS.add(f"no complete request within {HEADER_SECONDS:g} s")
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the headers are in: Datasette's own limits bound the answer

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def timeout_keep_alive_handler(self) -> None:
        """An idle connection is closed, but not one whose next request is already waiting to be read: the
        timer may come due while the server was busy and the request arrived (the client would see its
        connection closed under its request)."""
        if _waiting(self.transport):
            return
        super().timeout_keep_alive_handler()


def _waiting(transport: asyncio.Transport) -> bool:
    wrapped = transport.get_extra_info("socket")
    if wrapped is None:
        return False
    try:
        with socket.fromfd(wrapped.fileno(), wrapped.family, wrapped.type) as peek:
            return bool(peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except OSError:  # nothing to read (BlockingIOError), or the connection is gone
        return False


def bounded_run(app, **kwargs) -> None:
    """What `datasette serve` calls ``uvicorn.run`` with, run with the bounds above."""
    import uvicorn

    allowed = _open_files_allowed()
    BoundedH11Protocol.max_connections = max(16, min(MAX_CONNECTIONS, allowed - 64))
    config = uvicorn.Config(
        app,
        **kwargs,
        http=BoundedH11Protocol,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        backlog=256,
        h11_max_incomplete_event_size=16 * 1024,
    )
    # a client that goes away mid-answer is not an error of the site: no traceback in the log
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    uvicorn.Server(config).run()


class _Uvicorn:
    run = staticmethod(bounded_run)


def main(argv: list[str]) -> None:
    import datasette.cli

    datasette.cli.uvicorn = _Uvicorn  # Datasette's serve command calls uvicorn.run(app, ...)
    datasette.cli.cli.main(args=argv, prog_name="datasette")


if __name__ == "__main__":
    main(sys.argv[1:])
