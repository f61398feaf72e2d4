from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sitroom.audit.context import ActorContext, acting_as
from sitroom.factchecks.conf import index_dir
from sitroom.factchecks.services import factchecks_reindex


class Command(BaseCommand):
    help = "Rebuild the fact-check matching index from the published articles."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(ActorContext(label="factchecks_reindex", channel="cli")):
            indexed, removed = factchecks_reindex()
        self.stdout.write(
            f"Indexed {indexed} published fact-checks in {index_dir()}; "
            f"removed {removed} stale documents."
        )
