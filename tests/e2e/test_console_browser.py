"""The staff console in a real browser: a conversation's pre-dossier taken and closed, a
week's volume paged through, an action confirmed then undone; every screen checked by
axe-core."""

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import say, texts
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import update

from dossiers.db import make_engine
from dossiers.models import pre_dossier
from dossiers.repository import NewPreDossier, Repository, now
from harness.processes import free_port, wait_until_serving
from harness.servers import ROOT, Servers, new_sender, rasa_env
from referentiel import load_referentiel
from web.security import hash_password

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "mot de passe de test"


def log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/console")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


@pytest.fixture
def page() -> Iterator[Page]:
    """A laptop-sized page; bypass_csp lets the test inject axe-core, not the page."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        yield context.new_page()
        browser.close()


def test_from_the_conversation_to_closure_in_the_browser(servers: Servers, page: Page):
    store = Repository(make_engine(f"sqlite:///{servers.workdir / 'dossiers.db'}"))
    sender = new_sender()
    for message in [
        "je veux m'inscrire",
        "Valenciennes",
        "/affirm",
        "Samia",
        "Benali",
        "samia.benali@exemple.fr",
    ]:
        answer = say(servers, message, sender)
    answer = say(servers, answer[-1]["buttons"][1]["payload"], sender)  # demandeur d'emploi
    say(servers, "Peu importe", sender)
    created = texts(say(servers, "/affirm", sender))
    reference = created.split("Votre référence : ")[1].split(".")[0]
    store.create_staff_user("val1", "Agent Valenciennes", hash_password(PASSWORD), "valenciennes")
    base = servers.start_console()

    log_in(page, base, "val1")
    page.get_by_label("Référence, nom ou téléphone").fill("benali")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Samia Benali")).to_be_visible()
    expect(page.get_by_role("link", name="samia.benali@exemple.fr")).to_have_attribute(
        "href", "mailto:samia.benali@exemple.fr"
    )
    page.get_by_role("button", name="Je m'en occupe").click()
    expect(page.get_by_role("status")).to_contain_text("Vous suivez ce pré-dossier")
    expect(page.get_by_text("suivi par Agent Valenciennes")).to_be_visible()
    page.get_by_label("Statut", exact=True).select_option("clos")
    page.get_by_label("Motif (facultatif)").fill("Orientée vers un évaluateur")
    page.get_by_role("button", name="Changer le statut").click()
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator("strong", has_text="Clos")).to_be_visible()

    stored = store.get(reference)
    assert stored["status"] == "clos" and stored["antenne_id"] == "valenciennes"


@pytest.fixture
def busy_console(tmp_path: Path) -> Iterator[tuple[str, Repository]]:
    """The web app on its own store, with a week of 260 requests for the Lille antenne."""
    database = f"sqlite:///{tmp_path / 'busy.db'}"
    store = Repository(make_engine(database))
    store.migrate()
    store.sync_antennes(load_referentiel())
    store.create_staff_user("lille1", "Agent Lille", hash_password(PASSWORD), "lille")
    store.create_staff_user("admin", "Admin", hash_password(PASSWORD), None, is_admin=True)
    for number in range(260):
        store.create_pre_dossier(
            NewPreDossier(
                request_key=f"busy-{number}",
                sender_id=f"busy-{number}",
                antenne_id="lille",
                first_name="Léa",
                last_name=f"Candidate{number:03d}",
                commune="Lille",
            )
        )
    with store.engine.begin() as connection:  # a fifth waiting for two weeks: late
        connection.execute(
            update(pre_dossier)
            .where(pre_dossier.c.id % 5 == 0)
            .values(created_at=now() - timedelta(days=14))
        )
    port = free_port()
    log = tmp_path / "web.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "web.app"],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=rasa_env(
            CLEA_DATABASE_URL=database, CLEA_WEB_PORT=str(port), CLEA_WEB_HOST="127.0.0.1"
        ),
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/console/login", process, log)
        yield f"http://127.0.0.1:{port}", store
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_busy_week_paged_through_then_a_change_confirmed_and_undone(busy_console, page: Page):
    base, store = busy_console
    page.goto(f"{base}/console/login")
    assert axe_violations(page) == []
    log_in(page, base, "lille1")
    expect(page.get_by_text("1–50 sur 260")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size(
        {"width": 820, "height": 1180}
    )  # a tablet: the table scrolls, not the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    for _ in range(5):
        page.get_by_role("link", name="Page suivante →").click()
    expect(page.get_by_text("251–260 sur 260")).to_be_visible()
    assert page.locator("tbody tr").count() == 10
    expect(page.locator("tr.late").first).to_contain_text("en retard")
    assert axe_violations(page) == []

    page.locator("tbody a").first.click()
    reference = page.locator("h1").inner_text()
    page.set_viewport_size({"width": 820, "height": 1180})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Pas de réponse").check()
    page.get_by_label("Commentaire (facultatif)").fill("Rappeler demain matin")
    page.get_by_role("button", name="Noter l'appel").click()
    expect(page.get_by_role("status")).to_contain_text("Appel noté : « Pas de réponse ».")
    expect(page.get_by_role("cell", name="Rappeler demain matin")).to_be_visible()
    assert axe_violations(page) == []
    page.emulate_media(media="print")  # the print layout: what the person gave, no forms
    expect(page.get_by_role("button", name="Noter l'appel")).to_be_hidden()
    expect(page.get_by_text("La personne")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_label("Confier à une autre antenne").select_option("arras")
    page.get_by_role("button", name="Réaffecter…").click()
    expect(page.get_by_text(f"Confier {reference} à l'antenne d'Arras ?")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"{reference} est confié à l'antenne d'Arras."
    )
    expect(page.get_by_text("1–50 sur 259")).to_be_visible()
    page.get_by_role("button", name="Annuler").click()
    expect(page.get_by_role("status")).to_contain_text("de nouveau à l'antenne de Lille")
    assert store.get(reference)["antenne_id"] == "lille"


def test_the_admin_sees_the_region_creates_an_account_and_re_enables_it(busy_console, page: Page):
    base, store = busy_console
    log_in(page, base, "admin")
    expect(page.get_by_role("table").first).to_contain_text("Par antenne")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("table", name="Répartition par statut")).to_contain_text("Nouveau")
    expect(page.locator("img[src='/console/dashboard/weeks.svg']")).to_be_visible()
    assert page.evaluate("document.querySelector(\"img[src$='weeks.svg']\").naturalWidth") > 0
    assert axe_violations(page) == []
    page.get_by_role("link", name="Comptes").click()
    page.get_by_text("Créer un compte").click()
    page.get_by_label("Identifiant").fill("arras1")
    page.get_by_label("Nom", exact=True).fill("Agent Arras")
    page.get_by_label("Antenne", exact=True).select_option("arras")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_text("Compte arras1 créé.")).to_be_visible()
    expect(page.get_by_text("Mot de passe de arras1, à transmettre une seule fois")).to_be_visible()
    assert axe_violations(page) == []
    row = page.get_by_role("row").filter(has_text="arras1")
    row.get_by_role("button", name="Désactiver").click()
    row = page.get_by_role("row").filter(has_text="arras1")
    expect(row).to_contain_text("désactivé")
    row.get_by_role("button", name="Réactiver").click()
    expect(page.get_by_role("row").filter(has_text="arras1")).to_contain_text("actif")
    assert store.staff_user(login="arras1")["is_active"]
