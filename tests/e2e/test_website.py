"""The public page and its chat widget in a real browser (Debian's chromium, Playwright)."""

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from helpers import ROOT, Servers

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def page(servers: Servers):
    base = servers.start_console()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # A phone-sized screen; bypass_csp lets the test inject axe-core, not the page.
        context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{base}/")
        yield page
        browser.close()


def bot_messages(page: Page):
    return page.locator("#chat-log .message.bot")


def test_chat_click_reload_and_start_over(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.get_by_label("Votre message").fill("c koi cléa")
    page.get_by_role("button", name="Envoyer").click()
    expect(bot_messages(page).last).to_contain_text("savoirs de base")
    page.get_by_role("button", name="Les 7 domaines").last.click()
    expect(page.locator("#chat-log")).to_contain_text("Le calcul")
    count = bot_messages(page).count()
    page.reload()
    expect(bot_messages(page)).to_have_count(count)
    expect(page.locator("#chat-log .message.user").first).to_have_text("c koi cléa")
    page.get_by_role("button", name="Recommencer").click()
    expect(page.locator("#chat-log .message.user")).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)


def test_a_whole_conversation_with_the_keyboard_alone(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "chat-input":
        page.keyboard.press("Tab")
    page.keyboard.type("je suis de lens")
    page.keyboard.press("Enter")
    expect(bot_messages(page).last).to_contain_text("d'Arras")
    page.keyboard.press("Tab")  # "Envoyer", then the choices of the last message
    while page.evaluate("document.activeElement.textContent") != "Le financement":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(bot_messages(page).last).to_contain_text("situation")


def test_text_is_text_and_links_come_only_from_the_assistant(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.get_by_label("Votre message").fill("<b>www.exemple.fr</b> qui s'occupe de clea")
    page.get_by_role("button", name="Envoyer").click()
    user = page.locator("#chat-log .message.user").last
    expect(user).to_have_text("<b>www.exemple.fr</b> qui s'occupe de clea")
    expect(user.locator("a, b")).to_have_count(0)
    page.get_by_label("Votre message").fill("qui s'occupe de cléa dans la région")
    page.get_by_role("button", name="Envoyer").click()
    answer = bot_messages(page).last
    expect(answer).to_contain_text("Transitions Pro")
    expect(answer.locator("a[href='https://www.transitionspro-hdf.fr']")).to_have_count(1)


def test_the_page_sends_a_content_security_policy(servers: Servers):
    response = requests.get(f"{servers.start_console()}/", timeout=10)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.text  # no inline script


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


def test_axe_finds_no_violation_at_rest_and_after_buttons(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Les 7 domaines").last.click()
    expect(page.locator("#chat-log")).to_contain_text("Le calcul")
    page.get_by_label("Votre message").focus()
    assert axe_violations(page) == []

