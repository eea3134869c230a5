"""The daily digest to each antenne: counts and links, no personal data, only to the
antennes with something to do; sent through a local SMTP server."""

from datetime import timedelta

from sqlalchemy import update

from dossiers import digest
from dossiers.models import pre_dossier
from dossiers.notify import SmtpSettings
from dossiers.repository import NewPreDossier, Repository, now
from referentiel import load_referentiel


def test_each_antenne_with_work_gets_its_counts_and_links(repository: Repository):
    for number, antenne in enumerate(["lille", "lille", "amiens"]):
        repository.create_pre_dossier(
            NewPreDossier(
                request_key=f"g{number}",
                sender_id=f"g{number}",
                antenne_id=antenne,
                first_name="Léa",
                last_name="Martinez",
                phone=f"06 00 00 00 0{number}",
            )
        )
    with repository.engine.begin() as connection:  # one Lille request waiting for 10 days
        connection.execute(
            update(pre_dossier)
            .where(pre_dossier.c.request_key == "g0")
            .values(created_at=now() - timedelta(days=10))
        )
    settings = SmtpSettings("127.0.0.1", 25, "clea@exemple.fr", "https://clea.exemple.fr/console")
    messages = digest.digests(repository, load_referentiel(), settings, now())
    by_address = {m["To"]: m for m in messages}
    assert set(by_address) == {
        "contactlille@transitionspro-hdf.fr",
        "contactamiens@transitionspro-hdf.fr",
    }
    lille = by_address["contactlille@transitionspro-hdf.fr"]
    assert lille["Subject"] == "CléA, antenne de Lille : 2 nouveau(x), 1 en retard"
    text = lille.get_content()
    assert "- 1 pré-dossier(s) reçu(s) depuis 24 heures ;" in text
    assert "https://clea.exemple.fr/console?view=overdue" in text
    assert "Martinez" not in text and "06 00" not in text and "CLEA-" not in text


def test_make_digest_sends_them_or_says_why_not(
    repository: Repository, smtp_server, monkeypatch, capsys
):
    inbox, port = smtp_server
    monkeypatch.setattr(digest.Repository, "from_settings", lambda: repository)
    monkeypatch.delenv("CLEA_SMTP_HOST", raising=False)
    assert digest.main() == 0 and "no digest sent" in capsys.readouterr().out
    repository.create_pre_dossier(
        NewPreDossier(
            request_key="h", sender_id="h", antenne_id="arras", first_name="Léa", last_name="M"
        )
    )
    monkeypatch.setenv("CLEA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLEA_SMTP_PORT", str(port))
    assert digest.main() == 0 and "sent to 1 antenne" in capsys.readouterr().out
    assert [m["To"] for m in inbox.messages] == ["contactarras@transitionspro-hdf.fr"]
