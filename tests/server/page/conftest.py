"""Fixtures of the web page's tests: one chromium per module, a fresh context per page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.server.page.browser import SCREEN, PageWatch, chromium_path

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - the test extra installs it
    pass
else:
    # a busy machine (two cores, other suites beside) is slow, not broken
    expect.set_options(timeout=15000)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """Debian's chromium, headless, shared by a module's tests (starting one takes a second)."""

    path = chromium_path()
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def new_page(browser: Any) -> AsyncIterator[Callable[[], Awaitable[tuple[Any, PageWatch]]]]:
    """Opens pages, each in a context of its own (its own sessionStorage, as another
    person's browser would be), on a laptop-sized screen; closes them after the test."""

    contexts: list[Any] = []

    async def open_page() -> tuple[Any, PageWatch]:
        context = await browser.new_context(viewport=SCREEN)
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(15000)
        return page, PageWatch(page)

    yield open_page
    for context in contexts:
        await context.close()
