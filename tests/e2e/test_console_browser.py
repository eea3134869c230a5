"""A conversation creates a pre-dossier; a real browser takes it and closes it in the console."""


from playwright.sync_api import sync_playwright

from dossiers.db import make_engine
from dossiers.repository import Repository
from helpers import Servers, new_sender, say, texts
from web.security import hash_password

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mot de passe de test"


def test_from_the_conversation_to_closure_in_the_browser(servers: Servers):
    store = Repository(make_engine(f"sqlite:///{servers.workdir / 'dossiers.db'}"))
    sender = new_sender()
    for message in ["je veux m'inscrire", "Valenciennes", "/affirm", "Samia", "Benali",
                    "samia.benali@exemple.fr"]:
        answer = say(servers, message, sender)
    answer = say(servers, answer[-1]["buttons"][1]["payload"], sender)  # demandeur d'emploi
    say(servers, "Peu importe", sender)
    created = texts(say(servers, "/affirm", sender))
    reference = created.split("Votre référence : ")[1].split(".")[0]
    store.create_staff_user("val1", "Agent Valenciennes", hash_password(PASSWORD), "valenciennes")
    base = servers.start_console()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto(f"{base}/console")
        page.get_by_label("Identifiant").fill("val1")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_label("Référence, nom ou téléphone").fill("benali")
        page.get_by_role("button", name="Filtrer").click()
        page.get_by_role("link", name=reference).click()
        assert page.get_by_text("Samia Benali").is_visible()
        page.get_by_role("button", name="Prendre en charge").click()
        assert page.get_by_text("Pris en charge", exact=True).is_visible()
        page.get_by_label("Nouveau statut").select_option("clos")
        page.get_by_label("Motif").fill("Orientée vers un évaluateur")
        page.get_by_role("button", name="Changer le statut").click()
        assert page.locator("strong", has_text="Clos").is_visible()
        browser.close()

    stored = store.get(reference)
    assert stored["status"] == "clos" and stored["antenne_id"] == "valenciennes"
