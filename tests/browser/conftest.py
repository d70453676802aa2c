"""Browser tests: the real app served on 127.0.0.1, driven in Debian's Chromium through Playwright."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, for the length of one test."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (never downloaded: Debian's package)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A page the size of a small phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def laptop(browser):
    """A page the size of a laptop screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()


def overflows(page) -> bool:
    """True when the page scrolls sideways (content wider than the screen)."""
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as shown now (axe-core as packaged by axe-playwright-python), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] if isinstance(n['target'][0], str) else str(n['target']) for n in v['nodes'][:3])})"
            for v in results.response["violations"]]


def page_problems(page) -> list[str]:
    """What a person would notice is wrong with the page's layout and accessibility: sideways scrolling, axe violations."""
    problems = [f"scrolls sideways: {page.evaluate('document.documentElement.scrollWidth')}px wide"] if overflows(page) else []
    return problems + axe_violations(page)
