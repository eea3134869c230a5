"""The public page and the embeddable chat widget in a real browser (Debian's chromium,
Playwright)."""

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.channels.identity import valid_web_id
from harness.processes import free_port
from harness.servers import ROOT, SECRET_KEY, Servers

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = ROOT / "reports"


@pytest.fixture
def browser(servers: Servers) -> Iterator[Browser]:
    servers.start_console()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def new_page(browser: Browser) -> Page:
    # A phone-sized screen; bypass_csp lets the test inject axe-core, not the page.
    return browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()


@pytest.fixture
def page(browser: Browser, servers: Servers) -> Page:
    page = new_page(browser)
    page.goto(f"{servers.web_url}/")
    return page


def bot_messages(page: Page):
    return page.locator("#clea-chat-log .message.bot")


def send(page: Page, text: str) -> None:
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer").click()


def test_the_chat_talks_over_socket_io(browser: Browser, servers: Servers):
    page = new_page(browser)
    sockets, posts = [], []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base")
    assert [url.split("?")[0] for url in sockets] == [
        f"ws://127.0.0.1:{servers.web_port}/socket.io/"
    ]
    assert posts == [f"{servers.web_url}/chat/session"]  # the conversation id, issued once


def test_without_websocket_the_chat_falls_back_to_rest(browser: Browser, servers: Servers):
    page = new_page(browser)
    page.route_web_socket("**/socket.io/**", lambda socket: socket.close())
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour", timeout=15_000)
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base")


def test_an_answer_lost_on_the_way_is_asked_again_with_the_same_id_and_shown_once(
    browser: Browser, servers: Servers
):
    page = new_page(browser)
    page.route_web_socket("**/socket.io/**", lambda socket: socket.close())
    sent = []

    def lose_the_first_answer(route) -> None:
        body = route.request.post_data_json
        sent.append(body)
        answer = route.fetch()  # the assistant handles the message...
        if (
            body["message"] == "c koi cléa"
            and len([b for b in sent if b["message"] == "c koi cléa"]) == 1
        ):
            route.fulfill(status=502, body="<html>Bad Gateway</html>")  # ...the answer is lost
        else:
            route.fulfill(response=answer)

    page.route("**/chat", lose_the_first_answer)
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour", timeout=15_000)
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base")
    tries = [body for body in sent if body["message"] == "c koi cléa"]
    assert len(tries) == 2 and tries[0]["message_id"] == tries[1]["message_id"]
    assert len(tries[0]["message_id"]) == 32 and sent[0]["message_id"] != tries[0]["message_id"]
    expect(page.locator("#clea-chat-log .message.error")).to_have_count(0)
    expect(bot_messages(page).filter(has_text="savoirs de base")).to_have_count(1)


def test_an_answer_lost_with_the_websocket_is_asked_again_over_rest_with_the_same_id(
    browser: Browser, servers: Servers
):
    page = new_page(browser)
    emitted, posted = [], []
    page.on(
        "request",
        lambda request: (
            posted.append(request.post_data_json) if request.url.endswith("/chat") else None
        ),
    )

    def drop_after_the_question(socket) -> None:
        server = socket.connect_to_server()

        def to_server(message) -> None:
            server.send(message)
            if "c koi" in str(message):
                emitted.append(json.loads(str(message)[2:])[1])
                socket.close()  # the connection drops before the answer comes back

        socket.on_message(to_server)
        server.on_message(lambda message: socket.send(message))

    page.route_web_socket("**/socket.io/**", drop_after_the_question)
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour", timeout=15_000)
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base", timeout=30_000)
    expect(bot_messages(page).filter(has_text="savoirs de base")).to_have_count(1)
    assert [(body["message"], body["message_id"]) for body in posted] == [
        ("c koi cléa", emitted[0]["message_id"])
    ]
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'",
            (posted[0]["sender"],),
        ).fetchall()
    assert [json.loads(data)["text"] for (data,) in rows].count("c koi cléa") == 1


def test_chat_click_reload_and_start_over(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base")
    page.get_by_role("button", name="Les 7 domaines").last.click()
    expect(page.locator("#clea-chat-log")).to_contain_text("Choisissez un domaine")  # 2nd part
    count = bot_messages(page).count()
    page.reload()
    expect(bot_messages(page)).to_have_count(count)
    expect(page.locator("#clea-chat-log .message.user").first).to_have_text("c koi cléa")
    send(page, "et les domaines ?")  # the same conversation goes on after the reload
    expect(bot_messages(page).nth(count)).to_be_visible()
    start_over(page)
    expect(page.locator("#clea-chat-log .message.user")).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)


def start_over(page: Page) -> None:
    page.get_by_role("button", name="Recommencer").click()
    page.get_by_role("button", name="Oui, tout effacer").click()


def stored_sender(page: Page) -> str:
    return page.evaluate("JSON.parse(window.sessionStorage.getItem('clea-chat')).sender")


def test_the_conversation_id_is_issued_by_the_server_and_a_made_up_one_is_replaced(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    issued = stored_sender(page)
    assert valid_web_id(issued, SECRET_KEY)
    start_over(page)
    page.wait_for_function(
        "(old) => JSON.parse(window.sessionStorage.getItem('clea-chat')).sender !== old", arg=issued
    )
    expect(bot_messages(page)).to_have_count(1)
    assert valid_web_id(stored_sender(page), SECRET_KEY)
    made_up = "web:" + "0" * 32 + "." + "0" * 32  # someone else's id, guessed or copied
    page.evaluate(
        "(sender) => window.sessionStorage.setItem('clea-chat', JSON.stringify("
        "{sender: sender, history: [{who: 'bot', text: 'ancien'}]}))",
        made_up,
    )
    page.reload()
    expect(bot_messages(page).first).to_contain_text("Bonjour")  # a new conversation
    assert stored_sender(page) != made_up and valid_web_id(stored_sender(page), SECRET_KEY)


def test_a_whole_conversation_with_the_keyboard_alone(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "clea-chat-input":
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
    send(page, "<b>www.exemple.fr</b> qui s'occupe de clea")
    user = page.locator("#clea-chat-log .message.user").last
    expect(user).to_have_text("<b>www.exemple.fr</b> qui s'occupe de clea")
    expect(user.locator("a, b")).to_have_count(0)
    send(page, "qui s'occupe de cléa dans la région")
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
    expect(page.locator("#clea-chat-log")).to_contain_text("Choisissez un domaine")
    page.get_by_label("Votre message").focus()
    assert axe_violations(page) == []


class _Site(BaseHTTPRequestHandler):
    """Another organisation's page, which embeds the widget with one script tag."""

    widget = ""

    def do_GET(self) -> None:
        body = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            "<title>Mission locale</title>"
            f'<script src="{self.widget}" defer></script></head>'
            "<body><main><h1>Mission locale</h1><p>Nos services.</p></main></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def serve_site(port: int, widget_url: str) -> ThreadingHTTPServer:
    handler = type("Site", (_Site,), {"widget": widget_url})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def partner_site(servers: Servers) -> Iterator[str]:
    server = serve_site(servers.partner_port, f"{servers.start_console()}/widget.js")
    yield servers.partner_origin
    server.shutdown()


@pytest.fixture
def unknown_site(servers: Servers) -> Iterator[str]:
    port = free_port()
    server = serve_site(port, f"{servers.start_console()}/widget.js")
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def test_another_site_embeds_the_chat_with_one_script_tag(browser: Browser, partner_site: str):
    page = new_page(browser)
    page.goto(partner_site)
    launcher = page.get_by_role("button", name="Une question sur CléA ?")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert axe_violations(page) == []
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Votre message")).to_be_focused()
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "c'est quoi les domaines")
    expect(page.locator("#clea-chat-log")).to_contain_text("Choisissez un domaine")
    assert axe_violations(page) == []


def test_a_site_not_in_the_allowed_origins_is_refused(
    browser: Browser, servers: Servers, unknown_site: str
):
    page = new_page(browser)
    page.goto(unknown_site)
    page.get_by_role("button", name="Une question sur CléA ?").click()
    expect(page.locator("#clea-chat-log .message.error")).to_contain_text(
        "ne répond pas", timeout=15_000
    )
    expect(bot_messages(page)).to_have_count(0)
    handshake = requests.get(
        f"{servers.web_url}/socket.io/?EIO=4&transport=websocket",
        headers={
            "Origin": unknown_site,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        timeout=10,
    )
    assert handshake.status_code == 403


MP3_BYTES_PER_SECOND = 48_000 / 8  # the widget's audio: 48 kbit/s MP3


def test_listen_plays_the_message_and_its_choices(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    greeting = bot_messages(page).first.inner_text()
    with page.expect_response("**/chat/audio") as answer:
        page.get_by_role("button", name="Écouter").first.click()
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "audio/mpeg"
    # The body was read by the page: its size is the one the server announced.
    seconds = int(response.headers["content-length"]) / MP3_BYTES_PER_SECOND
    spoken = len(greeting) + sum(
        len(t) for t in page.locator(".choices").first.locator("button").all_inner_texts()
    )
    assert 0.04 * spoken < seconds < 0.12 * spoken  # about 6.7 s per 100 characters
    listen = page.get_by_role("button", name="Stop")
    expect(listen).to_have_attribute("aria-pressed", "true")  # playing
    page.screenshot(path=str(REPORTS / "listen-button.png"))
    listen.click()
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)


def test_a_long_answer_opens_at_its_first_line(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    for text in ("c koi cléa", "c'est quoi les domaines"):
        count = bot_messages(page).count()
        send(page, text)
        first = bot_messages(page).nth(count)
        expect(first).to_be_visible()
        page.wait_for_timeout(500)  # every message of the answer has arrived
        top, log = first.bounding_box()["y"], page.locator("#clea-chat-log").bounding_box()
        # Its first line shows at the top of the box (lower only when the box cannot scroll
        # further), and on the screen.
        assert log["y"] - 1 <= top <= log["y"] + log["height"] - 40, (text, top, log)
        assert 0 <= top <= page.viewport_size["height"] - 40
        if page.evaluate(
            "(log) => log.scrollTop + log.clientHeight < log.scrollHeight - 1",
            page.locator("#clea-chat-log").element_handle(),
        ):
            assert top - log["y"] < 30  # the rest of the answer is below, to scroll to


def test_only_the_last_question_s_buttons_can_be_clicked(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.get_by_role("button", name="Les 7 domaines").last.click()
    expect(page.locator("#clea-chat-log")).to_contain_text("Choisissez un domaine")
    greeting_choices = page.locator(".choices").first.locator("button")
    for index in range(greeting_choices.count()):
        expect(greeting_choices.nth(index)).to_be_disabled()
    expect(page.locator(".choices button.chosen")).to_have_text("Les 7 domaines")
    expect(page.locator(".choices").last.locator("button").first).to_be_enabled()
    page.reload()  # still closed after a reload
    expect(page.locator(".choices").first.locator("button").first).to_be_disabled()
    expect(page.locator(".choices").last.locator("button").first).to_be_enabled()
    assert axe_violations(page) == []


def test_starting_over_asks_first(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "c koi cléa")
    expect(bot_messages(page).last).to_contain_text("savoirs de base")
    page.get_by_role("button", name="Recommencer").click()
    expect(page.get_by_text("Tout effacer et recommencer la conversation ?")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Non, continuer").click()
    expect(page.locator("#clea-chat-log .message.user")).to_have_count(1)
    start_over(page)
    expect(page.locator("#clea-chat-log .message.user")).to_have_count(0)


def test_phone_numbers_are_links_example_addresses_are_not(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.get_by_role("button", name="Parler à quelqu'un").click()
    expect(bot_messages(page).last.locator("a[href='tel:0359616263']")).to_have_text(
        "03 59 61 62 63"
    )
    send(page, "je veux m'inscrire")
    send(page, "Roubaix")
    page.get_by_role("button", name="J'accepte").click()  # consent: the name is asked
    send(page, "Léa")
    send(page, "Martin")
    expect(bot_messages(page).last).to_contain_text("téléphone")
    assert page.locator("#clea-chat-log a[href^='mailto:prenom']").count() == 0


def test_after_a_pre_dossier_is_sent_the_device_keeps_no_name_or_phone(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "je veux m'inscrire")
    expect(bot_messages(page).last).to_contain_text("commune")
    send(page, "Roubaix")
    page.get_by_role("button", name="J'accepte").click()
    for text, next_question in (
        ("Zéphyrine", "nom de famille"),
        ("Quillebeuf", "téléphone"),
        ("06 41 27 93 58", "situation"),
    ):
        send(page, text)
        expect(bot_messages(page).last).to_contain_text(next_question)
    page.locator(".choices").last.locator("button").first.click()
    expect(bot_messages(page).last).to_contain_text("appelé")
    send(page, "Le matin")
    expect(bot_messages(page).last).to_contain_text("Quillebeuf")
    page.get_by_role("button", name="C'est correct").click()
    expect(bot_messages(page).last).to_contain_text("Votre référence : CLEA-")
    page.reload()
    expect(bot_messages(page).first).to_contain_text("Votre référence : CLEA-")
    stored = page.evaluate("window.sessionStorage.getItem('clea-chat')")
    for personal in ("Zéphyrine", "Quillebeuf", "06 41 27 93 58"):
        assert personal not in page.locator("#clea-chat-panel").inner_text()
        assert personal not in stored
    assert page.evaluate("window.localStorage.length") == 0
    page.get_by_role("button", name="Terminer et effacer de cet appareil").click()
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    expect(bot_messages(page)).to_have_count(1)


def offer_result_by_email(route) -> None:
    """The web app's real answer to /chat/session, as if SMTP were set."""
    answer = route.fetch()
    route.fulfill(response=answer, json={**answer.json(), "result_by_email": True})


def test_the_quiz_shows_its_progress_the_right_answers_and_the_result_as_bars(
    browser: Browser, servers: Servers
):
    page = new_page(browser)
    page.route("**/chat/session", offer_result_by_email)
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    page.get_by_role("button", name="Tester mon niveau").last.click()
    progress = page.locator(".quiz-progress")
    expect(progress).to_contain_text("1 / ")
    total = int(progress.inner_text().split("/")[1])
    expect(progress.locator("progress")).to_have_attribute("value", "1")
    assert axe_violations(page) == []
    for number in range(1, total + 1):
        expect(page.locator(".quiz-progress")).to_have_count(1)  # the current place only
        expect(progress).to_contain_text(f"{number} / {total}")
        choices = page.locator(".choices").last.locator("button")
        expect(choices.first).to_be_enabled()
        exercise = choices.first.inner_text().startswith("A. ")
        choices.first.click()
        if exercise:  # the right answer, briefly, before the next question
            expect(page.locator("#clea-chat-log")).to_contain_text("onne réponse")
    result = page.locator("figure.quiz-result")
    expect(result).to_contain_text("Votre résultat")
    expect(result.locator("li")).to_have_count(7)
    expect(result.locator("li").first).to_contain_text("1. Le français")
    expect(result.locator(".level").first).to_have_text(
        re.compile("à l'aise|à renforcer|à apprendre")
    )
    assert result.locator(".bar").first.bounding_box()["width"] > 0
    expect(page.locator("#clea-chat-log")).to_contain_text("Ce que veulent dire les niveaux")
    expect(result.get_by_role("button", name="Imprimer mon résultat")).to_be_visible()
    result.get_by_role("button", name="Recevoir mon résultat par e-mail").click()
    result.get_by_label("Votre adresse e-mail").fill("lea.martin@exemple.fr")
    assert axe_violations(page) == []
    result.get_by_role("button", name="Envoyer le résultat").click()
    # This web app has no SMTP settings: its real, polite refusal is shown.
    expect(result.get_by_role("status")).to_have_text("L'envoi par e-mail n'est pas disponible.")
    result.screenshot(path=str(REPORTS / "quiz-result.png"))


def test_typing_read_me_plays_the_last_message(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    with page.expect_response("**/chat/audio") as answer:
        send(page, "lis-moi le message")
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Stop")).to_have_count(1)  # the greeting, playing
    expect(bot_messages(page)).to_have_count(1)  # nothing new to read


def test_the_footer_pages_have_no_axe_violation(browser: Browser, servers: Servers):
    page = new_page(browser)
    for path in ("/mentions-legales", "/accessibilite", "/donnees-personnelles"):
        page.goto(f"{servers.web_url}{path}")
        expect(page.locator("h1")).to_be_visible()
        assert axe_violations(page) == [], path


def test_at_320_pixels_an_e_mail_address_wraps_inside_its_message(
    browser: Browser, servers: Servers
):
    page = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(f"{servers.web_url}/")
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    send(page, "je suis de valenciennes")
    answer = bot_messages(page).last
    expect(answer.locator("a[href^='mailto:contactvalenciennes']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert answer.evaluate("(node) => node.scrollWidth <= node.clientWidth")


def test_saying_reading_is_hard_gets_how_to_listen_read_aloud(page: Page):
    expect(bot_messages(page).first).to_contain_text("Bonjour")
    with page.expect_response("**/chat/audio"):
        send(page, "je sais pas bien lire")
    expect(bot_messages(page).last).to_contain_text("touchez « Écouter »")
    expect(page.get_by_role("button", name="Stop")).to_have_count(1)  # read aloud at once
