"""`sitroom cases_recompute_priorities`: for cron, e.g. hourly and when a phase begins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sitroom.audit.context import ActorContext, acting_as
from sitroom.cases.tasks import case_priorities_recompute


class Command(BaseCommand):
    help = "Recompute the priority of every open case from the election calendar."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(ActorContext(label="cases_recompute_priorities", channel="cli")):
            done = case_priorities_recompute.call()
        self.stdout.write(f"{done} open case(s) recomputed")
