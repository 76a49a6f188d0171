"""Limits that keep one client, one address or one long history from taking the server.

- :class:`TokenBucket`: a rate with a burst (per connection, per address).
- :class:`AddressBook`: open connections per address, and each address's
  shared message bucket.
- :class:`ReplayBudget`: one server-wide budget for sending past events, so
  that clients joining or resuming long histories share the event loop fairly
  with live rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator


class TokenBucket:
    """Allows ``burst`` units at once and ``rate`` per second after that."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self, count: float = 1.0) -> bool:
        """Take ``count`` units if they are there."""

        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= count:
            self.tokens -= count
            return True
        return False

    def wait_for(self, count: float) -> float:
        """Seconds until ``count`` units will be there (as of the last :meth:`take`)."""

        missing = min(count, self.burst) - self.tokens
        return 0.0 if missing <= 0 else missing / self.rate


class AddressBook:
    """Open connections per client address, and one message bucket per address.

    An address whose last connection closes keeps its bucket until the bucket
    has had time to refill: reconnecting does not bring a fresh burst.
    """

    def __init__(self, *, rate: float, burst: float) -> None:
        self._rate = rate
        self._burst = burst
        self._open: dict[str, int] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._idle: dict[str, float] = {}
        """Address without connections → when its bucket is full again (in that order)."""

    @property
    def total(self) -> int:
        return sum(self._open.values())

    def open_from(self, address: str) -> int:
        return self._open.get(address, 0)

    def opened(self, address: str) -> None:
        self._open[address] = self._open.get(address, 0) + 1
        self._idle.pop(address, None)
        self._forget_idle()

    def closed(self, address: str) -> None:
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
            return
        self._open.pop(address, None)
        if address in self._buckets:
            refill = self._burst / self._rate if self._rate > 0 else 0.0
            self._idle[address] = time.monotonic() + refill
        self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop the buckets of addresses that left long enough ago to have refilled."""

        now = time.monotonic()
        while self._idle:
            address, full_at = next(iter(self._idle.items()))
            if full_at > now:
                return
            del self._idle[address]
            self._buckets.pop(address, None)

    def bucket(self, address: str) -> TokenBucket:
        """The bucket every connection from ``address`` draws on."""

        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self._rate, self._burst)
        return bucket


class ReplayBudget:
    """A server-wide budget of past events per second, taken one chunk at a time.

    A chunk is encoded while holding the single slot, within the rate; sending
    it happens outside, at the pace of the client's socket. Between chunks the
    event loop serves everything else.
    """

    def __init__(self, *, rate: float, chunk: int) -> None:
        self._slot = asyncio.Lock()
        self._bucket = TokenBucket(rate, max(rate, float(chunk)))

    @contextlib.asynccontextmanager
    async def slot(self, events: int) -> AsyncIterator[None]:
        async with self._slot:
            while not self._bucket.take(events):
                await asyncio.sleep(self._bucket.wait_for(events))
            yield
        await asyncio.sleep(0)
