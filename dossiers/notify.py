"""E-mails about a new pre-dossier, sent only when SMTP settings are given.

CLEA_SMTP_HOST (required to send), CLEA_SMTP_PORT (25), CLEA_SMTP_USER and
CLEA_SMTP_PASSWORD (optional login), CLEA_SMTP_STARTTLS ("1" to use it),
CLEA_SMTP_FROM (sender address), CLEA_CONSOLE_URL (link given to the antenne).
"""

import logging
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Optional

from referentiel.loader import Antenne, Referentiel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    console_url: str
    user: Optional[str] = None
    password: Optional[str] = None
    starttls: bool = False

    @classmethod
    def from_environment(cls) -> Optional["SmtpSettings"]:
        host = os.environ.get("CLEA_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("CLEA_SMTP_PORT", "25")),
            sender=os.environ.get("CLEA_SMTP_FROM", "clea@transitionspro-hdf.fr"),
            console_url=os.environ.get("CLEA_CONSOLE_URL", "http://localhost:8080/console"),
            user=os.environ.get("CLEA_SMTP_USER") or None,
            password=os.environ.get("CLEA_SMTP_PASSWORD") or None,
            starttls=os.environ.get("CLEA_SMTP_STARTTLS") == "1",
        )


def messages_for(reference: str, antenne: Antenne, candidate_email: Optional[str],
                 ref: Referentiel, settings: SmtpSettings) -> list[EmailMessage]:
    """The antenne's notice (reference and link only) and, with an address, the candidate's."""
    texts = ref.emails
    values = {"reference": reference, "antenne_of_name": antenne.of_name,
              "phone": ref.organisation.phone, "console_url": settings.console_url}
    messages = [message(settings.sender, antenne.email, texts.antenne_subject,
                        texts.antenne_body, values)]
    if candidate_email:
        messages.append(message(settings.sender, candidate_email, texts.candidate_subject,
                                texts.candidate_body, values))
    return messages


def message(sender: str, to: str, subject: str, body: str, values: dict) -> EmailMessage:
    """A plain-text e-mail; `subject` and `body` are filled with `values`."""
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, to
    mail["Subject"] = subject.format(**values)
    mail.set_content(body.format(**values))
    return mail


def send(messages: list[EmailMessage], settings: SmtpSettings) -> bool:
    """Send the messages; a failure is logged and never undoes the pre-dossier."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for mail in messages:
                smtp.send_message(mail)
        return True
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send the pre-dossier e-mails")
        return False
