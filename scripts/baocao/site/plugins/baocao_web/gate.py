"""How many requests the site works on at once: per client address and in all.

A flood of costly pages (a big table with every column and five facets) would
otherwise have the server render hundreds of them together, its memory growing with
each, while a reader waits behind them. Past ``PER_CLIENT`` requests in progress from
one address, a request is answered 429 at once; past ``IN_PROGRESS`` in all, it waits
for a free place, at most ``WAIT_SECONDS`` and behind at most ``WAITING`` others, else
it is answered 503. Each address also has a budget of work, refilled at ``RATE`` a
second up to ``BURST``: a page costs 1, a costly one ``COSTLY``; past it, 429. Both
answers say when to try again (``Retry-After``). Files of the site's own (styles,
scripts, images) cost nothing and are not counted.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

# BAOCAO_CLIENT_LIMITS=off lifts the limits per client address (a benchmark of the site's own work, or a
# site behind a proxy that already limits each client, where every request comes from the proxy's address)
LIMITED = os.environ.get("BAOCAO_CLIENT_LIMITS", "on").lower() not in ("off", "0", "no")
PER_CLIENT = 6
IN_PROGRESS = 12
# and a budget of work per client address, refilled at RATE a second up to BURST: a page costs 1, a costly
# one (facets, every column, more rows than a page, a search, arbitrary SQL) COSTLY
RATE = 10.0
BURST = 40.0
COSTLY = 5.0
COSTLY_KEYS = ("_facet", "_cols", "_search", "sql", "_where")
WAITING = 64
WAIT_SECONDS = 10.0
RETRY_AFTER_SECONDS = 2
FREE_PATHS = ("/-/static/", "/assets/", "/-/static-plugins/", "/favicon.ico")

TOO_MANY_FROM_CLIENT = (
    429,
    b"429 Too Many Requests: too many requests from your address, try again in a moment\n",
    [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
)
BUSY = (
    503,
    b"503 Service Unavailable: the site is busy, try again in a moment\n",
    [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
)


def cost(query: list[tuple[str, str]]) -> float:
    """What a request costs of its client's budget."""
    costly = any(key.startswith(COSTLY_KEYS) for key, _ in query) or any(
        key == "_size" and not (value.isdigit() and int(value) <= 100) for key, value in query
    )
    return COSTLY if costly else 1.0


class Gate:
    def __init__(
        self,
        per_client: int = PER_CLIENT if LIMITED else 10**6,
        in_progress: int = IN_PROGRESS,
        rate: float = RATE if LIMITED else 0.0,
    ):
        self.per_client, self.in_progress, self.rate = per_client, in_progress, rate
        self.clients: Counter[str] = Counter()
        self.budgets: dict[str, tuple[float, float]] = {}  # client: (tokens, when)
        self.running = 0
        self.waiting = 0
        self.freed = asyncio.Condition()

    def _spend(self, client: str, price: float) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        if len(self.budgets) > 50_000:  # forget the clients whose budget is full again
            self.budgets = {c: (t, w) for c, (t, w) in self.budgets.items() if t + (now - w) * self.rate < BURST}
        tokens, when = self.budgets.get(client, (BURST, now))
        tokens = min(BURST, tokens + (now - when) * self.rate)
        if tokens < price:
            self.budgets[client] = (tokens, now)
            return False
        self.budgets[client] = (tokens - price, now)
        return True

    async def enter(self, client: str, price: float = 1.0) -> tuple | None:
        """None when the request may go on (then ``leave`` must follow), else the answer that refuses it."""
        if self.clients[client] >= self.per_client or not self._spend(client, price):
            return TOO_MANY_FROM_CLIENT
        self.clients[client] += 1
        if self.running < self.in_progress:
            self.running += 1
            return None
        if self.waiting >= WAITING:
            self._forget(client)
            return BUSY
        self.waiting += 1
        try:
            async with self.freed:
                await asyncio.wait_for(self.freed.wait_for(lambda: self.running < self.in_progress), WAIT_SECONDS)
                self.running += 1
                return None
        except TimeoutError:
            self._forget(client)
            return BUSY
        finally:
            self.waiting -= 1

    def _forget(self, client: str) -> None:
        self.clients[client] -= 1
        if self.clients[client] <= 0:
            del self.clients[client]

    async def leave(self, client: str) -> None:
        self._forget(client)
        self.running -= 1
        async with self.freed:
            self.freed.notify_all()


def client_of(scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


def counted(path: str) -> bool:
    return not path.startswith(FREE_PATHS)
