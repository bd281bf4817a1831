"""Fixtures for the browser journeys: Playwright's sync API driving Debian's /usr/bin/chromium
against pytest-django's live_server (browsers are never downloaded: no `playwright install`).

Run with `pytest -m browser`. Without /usr/bin/chromium the journeys skip, except under CI=true,
where a missing browser is a failure. Screenshots go to test-results/ (git-ignored).
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # The machines have no route outside: without these Chromium keeps trying to phone home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def _async_unsafe_allowed():
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM
    # calls from a thread with a running loop (SynchronousOnlyOperation) unless this is set. Only
    # the browser journeys set it, and only while they run, so the other tests keep the guard.
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="session")
def browser(_async_unsafe_allowed):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must run the browser journeys", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's report on the test item, so `page` can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context per test (no cookies carried over), Chinese like our users."""
    from atelier.core.reference import sync_reference_data

    # live_server implies a transactional database, which is flushed after every test: put the
    # districts, industries and tags that the migrations loaded back in place.
    sync_reference_data()
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=RESULTS_DIR / f"FAILED-{name}.png", full_page=True)
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("journey-1-org-verified") saves a full-page PNG into test-results/."""

    def take(name: str) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
