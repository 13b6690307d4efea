"""The flow editor in a real browser: line numbers, the problem lines marked, the diagram drawn
as SVG under the page's Content-Security-Policy, and a change that goes live only when a second
admin signs it off. Screenshots: docs/screenshots/flow-editor.png and flow-signoff.png."""

from __future__ import annotations

import pytest

from assistant.care_team.roster import add_user
from assistant.records.accounts import set_password
from assistant.records.db import transaction
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

EDITOR = "document.querySelector('.CodeMirror').CodeMirror"


def add_admins(services) -> None:  # type: ignore[no-untyped-def]
    with transaction(services.sessions) as session:
        for username, name in (("ada", "Ada Admin"), ("bo", "Bo Clinical Lead")):
            user = add_user(session, services.settings, username=username, name=name,
                            role="admin", phone=None, email=None, on_call="always",
                            now=services.clock(), actor="test")
            set_password(session, user, PASSWORD, services.clock(), "test")


def sign_in_as(page, address: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{address}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(f"text={username} (admin)")


def watch_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Errors the browser reports: a script blocked by the CSP shows up here."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def test_an_admin_edits_proposes_and_a_second_admin_signs_off(browser_page, live) -> None:
    address, services = live
    add_admins(services)
    page = browser_page
    console = watch_console(page)
    sign_in_as(page, address, "ada")
    page.goto(f"{address}/admin/flows/general")
    page.wait_for_selector(".CodeMirror-linenumber")
    assert page.inner_text(".CodeMirror-code > div:first-child .CodeMirror-linenumber") == "1"
    page.wait_for_selector("#diagram-view svg")  # drawn, not Mermaid source
    assert "stateDiagram" not in page.inner_text("#diagram-view")
    assert not page.is_visible("#diagram-source")  # folded away in <details>

    source = page.evaluate(f"{EDITOR}.getValue()")
    page.evaluate(f"text => {EDITOR}.setValue(text)",
                  source.replace("kind: yes_no", "kind: yesno", 1))
    page.click("#check")
    page.wait_for_selector("li.problem")
    problem = page.inner_text("li.problem")
    assert problem.startswith("line ") and "kind 'yesno'" in problem
    line = int(problem.split(":")[0].removeprefix("line "))
    page.click("li.problem a.goto-line")  # jumps to the line in the editor
    assert page.evaluate(f"{EDITOR}.getCursor().line") == line - 1
    marked = page.locator(".CodeMirror-code > div:has(.cm-problem-line)")
    assert marked.locator(".CodeMirror-linenumber").inner_text() == str(line)
    assert "yesno" in marked.inner_text()
    assert marked.locator(".problem-marker").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "flow-editor.png"), full_page=True)

    page.evaluate(f"text => {EDITOR}.setValue(text)", source.replace(
        "title: General post-discharge check-in", "title: General check-in (reviewed)"))
    page.fill("#note", "Shorter title, read out on every call")
    page.click("#propose")
    page.wait_for_selector("text=Proposed for publication")
    assert page.is_visible("text=You proposed this change: a second admin must sign it off.")
    assert page.locator("#sign-off").count() == 0
    page.click("text=Sign out")

    sign_in_as(page, address, "bo")
    page.goto(f"{address}/admin/flows")
    assert "Shorter title, read out on every call" in page.inner_text(".pending-proposals")
    page.click(".pending-proposals a:has-text('general')")
    page.wait_for_selector("#sign-off")
    assert "+title: General check-in (reviewed)" in page.inner_text(".proposal pre.diff")
    page.wait_for_selector("#diagram-view svg")
    page.locator("#diagram-view").screenshot(path=str(SCREENSHOTS / "flow-diagram.png"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "flow-signoff.png"))
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "flow-signoff-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off
    page.screenshot(path=str(SCREENSHOTS / "flow-signoff-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.click("#sign-off")
    page.wait_for_selector("text=Signed off and published as version 2")
    assert "proposed by ada, signed off by bo" in page.inner_text("p.published")
    with services.sessions() as session:
        in_force = services.versions.latest(session, "general")
        assert in_force.definition["title"] == "General check-in (reviewed)"
    assert not [text for text in console if "Content Security Policy" in text], console
    assert not [text for text in console if "rror" in text], console


def test_without_javascript_the_plain_textarea_still_checks_a_draft(browser_page, live
                                                                    ) -> None:
    address, services = live
    add_admins(services)
    context = browser_page.context.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in_as(page, address, "ada")
    page.goto(f"{address}/admin/flows/general")
    assert page.locator(".CodeMirror").count() == 0
    assert "stateDiagram" in page.locator("#diagram-source").text_content()
    source = page.input_value("textarea[name=source]")
    page.fill("textarea[name=source]", source.replace("kind: yes_no", "kind: yesno", 1))
    page.click("#check")
    page.wait_for_selector("li.problem")
    assert "kind 'yesno'" in page.inner_text("li.problem")
    context.close()
