from __future__ import annotations

from django.core.mail import send_mail

from sitroom.lib.tasks import durable_task


@durable_task(queue_name="notify")
def email_send(*, to: list[str], subject: str, body: str) -> None:
    """Send one email. Retried on SMTP errors; a duplicate is better than a lost notice."""
    send_mail(subject, body, None, to)
