"""The limiters themselves: the replay budget and the per-address book."""

from __future__ import annotations

import asyncio
import time

from accord.server.limits import AddressBook, ReplayBudget, TokenBucket


async def test_replay_chunks_never_overlap_and_keep_to_the_rate() -> None:
    budget = ReplayBudget(rate=2000.0, chunk=100)
    inside = 0
    most = 0

    async def replay(chunks: int) -> None:
        nonlocal inside, most
        for _ in range(chunks):
            async with budget.slot(100):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0)  # another replay could slip in here if the slot allowed it
                inside -= 1

    started = time.monotonic()
    await asyncio.gather(*(replay(20) for _ in range(3)))
    elapsed = time.monotonic() - started
    assert most == 1
    # 6,000 events at 2,000 a second, after a first burst of 2,000: at least 2 s
    assert elapsed >= 1.9


async def test_a_replay_yields_to_other_work_between_chunks() -> None:
    budget = ReplayBudget(rate=1e9, chunk=10)
    order: list[str] = []

    async def replay() -> None:
        for n in range(5):
            async with budget.slot(10):
                order.append(f"chunk{n}")

    async def live() -> None:
        order.append("live")

    task = asyncio.ensure_future(replay())
    await asyncio.sleep(0)
    await live()
    await task
    assert order.index("live") < order.index("chunk4")


def test_the_address_book_counts_and_forgets_only_refilled_buckets() -> None:
    book = AddressBook(rate=1000.0, burst=2)
    book.opened("10.0.0.1")
    book.opened("10.0.0.1")
    book.opened("10.0.0.2")
    assert book.open_from("10.0.0.1") == 2 and book.total == 3
    shared = book.bucket("10.0.0.1")
    assert shared is book.bucket("10.0.0.1")  # one bucket for every connection of the address
    assert shared.take() and shared.take() and not shared.take()
    book.closed("10.0.0.1")
    book.closed("10.0.0.1")
    assert book.open_from("10.0.0.1") == 0
    # reconnecting at once does not bring a fresh burst
    assert book.bucket("10.0.0.1") is shared and not shared.take()
    time.sleep(0.01)  # long enough to refill 2 at 1000 a second
    book.opened("10.0.0.3")
    book.closed("10.0.0.3")  # closing is when the book forgets what has refilled
    assert book.bucket("10.0.0.1") is not shared


def test_a_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=1000.0, burst=5)
    assert all(bucket.take() for _ in range(5)) and not bucket.take()
    assert 0 < bucket.wait_for(1) <= 0.001 + 1e-9
    time.sleep(0.01)
    assert bucket.take()
