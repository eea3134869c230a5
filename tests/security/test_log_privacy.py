"""No personal data and no conversation id in the logs, even when an action fails."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import structlog
from helpers import say

from bot import log_privacy
from bot.log_privacy import REMOVED, scrub
from harness.servers import ACTIONS_TOKEN, Servers, new_sender

FIRST_NAME, LAST_NAME, PHONE, EMAIL = "Zéphyrine", "Quillebeuf", "06 41 27 93 58", "zq@exemple.fr"
MARKERS = (FIRST_NAME, LAST_NAME, PHONE, "0641279358", EMAIL)


def test_scrub_removes_dumps_ids_phones_emails_and_payload_entities():
    sender = new_sender()
    dump = f"Failed: {{'sender_id': '{sender}', 'slots': {{'dossier_last_name': '{LAST_NAME}'}}}}"
    assert LAST_NAME not in scrub(dump) and REMOVED in scrub(dump)
    line = f"{sender} wrote {PHONE}, +33641279358 and {EMAIL}"
    assert scrub(line) == scrub(line) and sender not in scrub(line)
    assert not [marker for marker in (PHONE, "+33641279358", EMAIL) if marker in scrub(line)]
    assert scrub('unknown /give_location{"commune_id":{"a":1}}') == "unknown /give_location{…}"
    assert scrub('"GET /console?q=Quillebeuf HTTP/1.1" 200') == '"GET /console?… HTTP/1.1" 200'
    assert scrub("Trained in 14 s on 2026-12-01") == "Trained in 14 s on 2026-12-01"


def test_scrub_masks_the_messaging_apps_secrets(monkeypatch):
    token, page_token = "7000000001:AAsecretTokenOfTheBot_0123456789", "EAAGsecretPageToken42"
    monkeypatch.setenv("CLEA_TELEGRAM_TOKEN", token)
    monkeypatch.setenv("CLEA_MESSENGER_PAGE_ACCESS_TOKEN", page_token)
    monkeypatch.setattr(log_privacy, "_secrets", [])
    factory, config = logging.getLogRecordFactory(), structlog.get_config()
    try:
        log_privacy.install()
        line = scrub(
            f"POST https://api.telegram.org/bot{token}/sendMessage failed; token {page_token}"
        )
    finally:
        logging.setLogRecordFactory(factory)
        structlog.configure(**config)
    assert token not in line and page_token not in line and "api.telegram.org" in line
    # the shapes of a Bot API token and of Graph's credentials, whatever their value
    unknown = scrub(
        "GET /bot123456:AAunknownTokenValue_abcdefgh/getMe "
        "https://graph.facebook.com/v19.0/me/messages?access_token=EAAx&appsecret_proof=9f0"
    )
    assert "AAunknownTokenValue" not in unknown and "EAAx" not in unknown and "9f0" not in unknown


def test_installed_scrubbing_covers_messages_tracebacks_and_structlog(caplog):
    factory = logging.getLogRecordFactory()
    config = structlog.get_config()
    try:
        log_privacy.install()
        logger = logging.getLogger("test.privacy")
        try:
            try:
                raise RuntimeError(
                    f'500 {{"request_body": {{"slots": {{"name": "{LAST_NAME}"}}}}}}'
                )
            except RuntimeError as error:
                raise ValueError("Failed to execute custom action 'validate_x'") from error
        except ValueError:
            logger.exception("action failed for %s", new_sender())
        processors = structlog.get_config()["processors"]
        event = processors[-2](
            None,
            "error",
            {"event": "x", "text": LAST_NAME, "sender_id": "tg:4", "detail": f"call {PHONE}"},
        )
    finally:
        logging.setLogRecordFactory(factory)
        structlog.configure(**config)
    record = caplog.records[-1]
    assert "web:" not in record.getMessage()
    assert LAST_NAME not in record.exc_text and REMOVED in record.exc_text
    assert record.exc_text.endswith("ValueError: Failed to execute custom action 'validate_x'")
    assert event["text"] == "[removed]" and event["sender_id"] != "tg:4"
    assert PHONE not in event["detail"]


def _tell_the_assistant_who_you_are(servers: Servers, sender: str) -> None:
    say(servers, f"je m'appelle {FIRST_NAME} {LAST_NAME}, mon numéro {PHONE}, {EMAIL}", sender)


def test_the_action_server_answers_only_rasa_and_fails_without_a_word_about_the_person(
    servers: Servers,
):
    url = f"http://127.0.0.1:{servers.actions_port}/webhook"
    tracker = {
        "sender_id": new_sender(),
        "slots": {
            "antenne": "lille",
            "dossier_request_id": "r1",
            "dossier_first_name": FIRST_NAME,
            "dossier_last_name": LAST_NAME,
            "dossier_contact": PHONE,
            "quiz_levels": "not a dict",
        },
        "latest_message": {"text": f"{FIRST_NAME} {LAST_NAME}"},
        "events": [],
        "followup_action": None,
        "paused": False,
        "latest_event_time": None,
        "active_loop": {},
        "latest_action_name": None,
    }
    call = {
        "next_action": "action_dossier_create",
        "tracker": tracker,
        "domain": {},
        "version": "3.6.2",
    }
    assert requests.post(url, json=call, timeout=10).status_code == 403  # no token
    failed = requests.post(
        url, json=call, timeout=30, headers={"X-Clea-Actions-Token": ACTIONS_TOKEN}
    )
    assert failed.status_code == 500
    assert not [marker for marker in MARKERS if marker in failed.text]
    log = (servers.workdir / "actions.log").read_text()
    assert "action_dossier_create failed" in log
    assert not [marker for marker in MARKERS if marker in log]


class _CrashingActionServer(BaseHTTPRequestHandler):
    """An action server that fails as rasa-sdk's own does: a 500 carrying the conversation."""

    def do_POST(self) -> None:
        call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"error": "boom", "request_body": call}).encode()
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_rasa_logs_nothing_of_the_conversation_when_an_action_fails(servers: Servers):
    sender = new_sender()
    _tell_the_assistant_who_you_are(servers, sender)
    servers.stop_actions()
    crashing = ThreadingHTTPServer(("127.0.0.1", servers.actions_port), _CrashingActionServer)
    thread = threading.Thread(target=crashing.serve_forever, daemon=True)
    thread.start()
    try:
        answer = say(servers, "je suis de lens", sender)  # the location form's validation fails
        assert "problème" in answer[0]["text"]
    finally:
        crashing.shutdown()
        crashing.server_close()
        servers.start_actions()
    log = (servers.workdir / "rasa.log").read_text()
    assert "Failed to execute custom action" in log or "validate_location_form" in log
    assert not [marker for marker in MARKERS if marker in log]
    assert sender not in log


def test_the_logs_of_the_whole_run_hold_no_marker(servers: Servers):
    """Every server log of this test session, after the conversations above and those of
    tests/security/test_conversation_ownership.py (the same markers)."""
    _tell_the_assistant_who_you_are(servers, new_sender())
    logs = {path.name: path.read_text() for path in servers.workdir.glob("*.log")}
    assert {"rasa.log", "actions.log"} <= set(logs)
    assert not {name: marker for name, text in logs.items() for marker in MARKERS if marker in text}
    assert not [name for name, text in logs.items() if "web:" in text]
