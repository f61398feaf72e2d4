"""`sitroom reports_reencrypt`: re-encrypt reporters' contact details under the current key.

Run after putting a new key first in SITROOM_FIELD_ENCRYPTION_KEYS; once it has finished,
the old key can be removed from the list.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sitroom.reports.services import contact_reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt reporters' contact details with the first key of SITROOM_FIELD_ENCRYPTION_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reports, messages = contact_reencrypt_all()
        self.stdout.write(f"Re-encrypted {reports} reports and {messages} outbound messages.")
