"""Passwords: 12 characters at least, never common, never the login or the person's name,
in the account command and the console alike."""

import pytest
from aiohttp.test_utils import TestClient

from dossiers.db import make_engine
from dossiers.repository import Repository
from web import accounts
from web.security import common_passwords, password_matches, password_problem

GOOD = "trois chats sous la pluie"


@pytest.mark.parametrize(
    "password",
    [
        "azerty123456",
        "AZERTY123456",
        "MotDePasse123",
        "motdepasse2024!",
        "123456789012",
        "Password1234",
        "Soleil2024!!",
        "Azertyuiop!!",
    ],
)
def test_common_passwords_are_refused_whatever_their_case(password: str):
    assert "trop courant" in password_problem(password, "marie.dupont", "Marie Dupont")


@pytest.mark.parametrize(
    "password",
    [
        "marie.dupont-2024",
        "Mon MARIE.DUPONT à moi",
        "xxmariedupontxx",
    ],
)
def test_a_password_containing_the_login_is_refused(password: str):
    assert "identifiant" in password_problem(password, "marie.dupont", "Marie Dupont")


@pytest.mark.parametrize("password", ["Marie Dupont 1975", "marie-dupont!!!", "MARIEDUPONT2024"])
def test_the_person_s_name_is_refused(password: str):
    assert "trop courant" in password_problem(password, "mdupont", "Marie Dupont")


def test_short_and_repetitive_passwords_are_refused():
    assert "12 caractères" in password_problem("Tr0is-chats", "mdupont", "Marie Dupont")
    assert password_problem("aaaaaaaaaaaa", "mdupont", "") is not None
    assert password_problem("abababababab", "mdupont", "") is not None


def test_a_long_uncommon_password_is_accepted():
    assert password_problem(GOOD, "marie.dupont", "Marie Dupont") is None


def test_the_list_holds_about_two_hundred_common_passwords_french_ones_included():
    listed = common_passwords()
    assert len(listed) >= 200
    assert {"azerty", "azerty123456", "motdepasse123", "soleil", "123456"} <= listed


def create(tmp_path, monkeypatch, password: str, login: str = "marie.dupont") -> int:
    monkeypatch.setenv("CLEA_DATABASE_URL", f"sqlite:///{tmp_path / 'dossiers.db'}")
    monkeypatch.setenv("CLEA_NEW_PASSWORD", password)
    return accounts.main([login, "Marie Dupont", "lille"])


def test_the_account_command_refuses_weak_passwords(tmp_path, monkeypatch, capsys):
    assert create(tmp_path, monkeypatch, "azerty123456") == 2
    assert "trop courant" in capsys.readouterr().out
    assert create(tmp_path, monkeypatch, "marie.dupont.lille") == 2
    assert "identifiant" in capsys.readouterr().out
    assert create(tmp_path, monkeypatch, GOOD) == 0
    store = Repository(make_engine(f"sqlite:///{tmp_path / 'dossiers.db'}"))
    assert password_matches(store.staff_user(login="marie.dupont")["password_hash"], GOOD)


def test_the_console_refuses_a_weak_new_password(console):
    before = console.store.staff_user(login="lille1")["password_hash"]

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        for weak, reason in [
            ("azerty123456", "trop courant"),
            ("Lille1-Lille1-Lille1", "identifiant"),
            ("LILLE1 2024!!", "identifiant"),
            ("court", "12 caractères"),
        ]:
            response = await console.post_form(
                client, "/console/password", "/console/password", current=console.password, new=weak
            )
            assert reason in await response.text()

    console.run(scenario)
    assert console.store.staff_user(login="lille1")["password_hash"] == before
