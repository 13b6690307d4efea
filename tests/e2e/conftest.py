"""What the browser tests share: Debian's Chromium under Playwright, the app on a real local
HTTP server with one patient who said something worrying, and signing in."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from assistant.care_team.roster import add_user
from assistant.foundation.config import PROJECT_ROOT
from assistant.records.accounts import set_password
from assistant.records.db import transaction
from assistant.services import Services
from carecall.demo import free_port, http_poster
from carecall.simulator import SimulatedPhone
from carecall.web import create_app
from tests.conftest import AUTH_TOKEN, PASSWORD, SERVICE_NUMBER, make_services
from tests.helpers import DOB_REPLY, start_checkin

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        if os.environ.get("CARECALL_REQUIRE_BROWSER"):
            pytest.fail("CARECALL_REQUIRE_BROWSER is set but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        yield page
        browser.close()


@pytest.fixture
def live(settings, network, clock) -> Iterator[tuple[str, Services]]:  # type: ignore[no-untyped-def]
    """The app on a real local HTTP server, with one patient who said something worrying."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    services = make_services(settings.with_overrides(public_base_url=address), network, clock)
    server = make_server("127.0.0.1", port, create_app(services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with transaction(services.sessions) as session:
        user = add_user(session, services.settings, username="nora", name="Nora Diaz",
                        role="coordinator", phone=None, email=None, on_call="always",
                        now=clock.now, actor="test")
        set_password(session, user, PASSWORD, clock.now, "test")
    start_checkin(services)
    phone = SimulatedPhone("+12015550123", SERVICE_NUMBER, AUTH_TOKEN, address,
                           http_poster(address))
    phone.text(DOB_REPLY)
    phone.text("worse")
    phone.text("yes, my chest hurts")
    yield address, services
    server.shutdown()
    services.close()


def sign_in(page, address: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{address}/login")
    page.fill("input[name=username]", "nora")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Worklist')")
