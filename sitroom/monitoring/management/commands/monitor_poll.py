"""`sitroom monitor_poll`: poll due sources now (for cron), or start the self-scheduling tick."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sitroom.audit.context import ActorContext, acting_as


class Command(BaseCommand):
    help = "Poll the monitoring sources that are due, and kick the pipeline if posts wait."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Enqueue the self-re-enqueuing tick instead (workers then poll every minute).",
        )
        parser.add_argument("--source", type=int, help="Poll this source now, in this process.")

    def handle(self, *args: Any, **options: Any) -> None:
        from sitroom.monitoring import tasks
        from sitroom.monitoring.services import source_poll_now

        with acting_as(ActorContext(label="monitor_poll", channel="cli")):
            if options["source"]:
                n = source_poll_now(source_id=options["source"])
                self.stdout.write(f"source {options['source']}: {n} new posts")
                return
            if options["schedule"]:
                tasks.monitoring_tick.enqueue()
                self.stdout.write("monitoring tick enqueued")
                return
            due, waiting = tasks.tick()
            self.stdout.write(f"{due} sources enqueued; pipeline {'kicked' if waiting else 'idle'}")
