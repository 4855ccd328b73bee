"""Pluggable mail delivery: the log backend (default) or SMTP."""

from __future__ import annotations

import smtplib
from abc import ABC, abstractmethod
from email.message import EmailMessage

from movierec_auth.config import Settings
from movierec_common.logging import get_logger

log = get_logger(__name__)


def masked(address: str) -> str:
    """An address as info-level logs may show it: ``a…@example.com``."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}…{at}{domain}"


class Mailer(ABC):
    @abstractmethod
    def send(self, *, to: str, subject: str, body: str) -> None: ...


class LogMailer(Mailer):
    """Writes the mail to the log instead of sending it (development, tests, demos): at
    info level that a mail went out (the address masked); whole, with its body, at debug
    level only (``MOVIEREC_LOG_LEVEL=DEBUG``)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.sent.append({"to": to, "subject": subject, "body": body})
        log.info("mail_logged", to=masked(to), subject=subject)
        log.debug("mail_logged_in_full", to=to, subject=subject, body=body)


class SmtpMailer(Mailer):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_username and self.settings.smtp_password:
                smtp.login(
                    self.settings.smtp_username, self.settings.smtp_password.get_secret_value()
                )
            smtp.send_message(message)
        log.info("mail_sent", to=masked(to), subject=subject)


def create_mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.mailer == "smtp" else LogMailer()
