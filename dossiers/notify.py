"""E-mails about a new pre-dossier, sent only when SMTP settings are given.

CLEA_SMTP_HOST (required to send), CLEA_SMTP_PORT (25), CLEA_SMTP_USER and
CLEA_SMTP_PASSWORD (optional login), CLEA_SMTP_STARTTLS ("1" to use it),
CLEA_SMTP_FROM (sender address), CLEA_CONSOLE_URL (link given to the antenne).
"""

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Optional

from referentiel.loader import Antenne, Referentiel
from settings import current

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    console_url: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_settings(cls) -> Optional["SmtpSettings"]:
        settings = current()
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            console_url=settings.console_url,
            user=settings.smtp_user,
            password=settings.secret("smtp_password"),
            starttls=settings.smtp_starttls,
        )


def messages_for(
    reference: str,
    antenne: Antenne,
    candidate_email: str | None,
    ref: Referentiel,
    settings: SmtpSettings,
) -> list[EmailMessage]:
    """The antenne's notice (reference and link only) and, with an address, the candidate's."""
    texts = ref.emails
    values = {
        "reference": reference,
        "antenne_of_name": antenne.of_name,
        "phone": ref.organisation.phone,
        "console_url": settings.console_url,
    }
    messages = [
        message(settings.sender, antenne.email, texts.antenne_subject, texts.antenne_body, values)
    ]
    if candidate_email:
        messages.append(
            message(
                settings.sender,
                candidate_email,
                texts.candidate_subject,
                texts.candidate_body,
                values,
            )
        )
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
