"""The daily digest: each antenne with requests to handle gets an e-mail with its counts
(received in the last 24 hours, "Nouveau", late) and links to the console; no personal
data. Sent only when SMTP is configured (dossiers/notify.py).

Usage: make digest   (python -m dossiers.digest), once a working day, e.g. by cron:
    0 7 * * 1-5  cd /srv/clea && make digest
"""

import sys
from datetime import datetime, timedelta
from email.message import EmailMessage

from babel.dates import format_date

from dossiers.follow_up import PARIS, overdue_before
from dossiers.notify import SmtpSettings, message, send
from dossiers.repository import Repository, now
from referentiel import load_referentiel
from referentiel.loader import Referentiel


def digests(
    repository: Repository, ref: Referentiel, settings: SmtpSettings, moment: datetime
) -> list[EmailMessage]:
    """One message per antenne with something received, new or late; none for the others."""
    days = ref.follow_up.overdue_after_working_days
    counts = repository.counts_by_antenne(
        overdue_before(moment, days), received_since=moment - timedelta(days=1)
    )
    date = format_date(moment.astimezone(PARIS), "EEEE d MMMM y", locale="fr_FR")
    messages = []
    for antenne in ref.antennes:
        figures = counts.get(antenne.id, {})
        values = {
            "antenne_of_name": antenne.of_name,
            "date": date,
            "days": days,
            "console_url": settings.console_url,
            "received": figures.get("received", 0),
            "new": figures.get("new", 0),
            "late": figures.get("overdue", 0),
        }
        if values["received"] or values["new"] or values["late"]:
            messages.append(
                message(
                    settings.sender,
                    antenne.email,
                    ref.emails.digest_subject,
                    ref.emails.digest_body,
                    values,
                )
            )
    return messages


def main() -> int:
    settings = SmtpSettings.from_settings()
    if settings is None:
        print("==> CLEA_SMTP_HOST is not set: no digest sent.")
        return 0
    repository = Repository.from_settings()
    repository.migrate()
    messages = digests(repository, load_referentiel(), settings, now())
    if messages and not send(messages, settings):
        print("==> The digest could not be sent: see the log.")
        return 1
    print(f"==> Digest sent to {len(messages)} antenne(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
