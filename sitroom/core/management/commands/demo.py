"""`sitroom demo`: load the demo coalition and each app's sample content (once)."""

from __future__ import annotations

import importlib
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from sitroom import __version__
from sitroom.audit.context import ActorContext, acting_as
from sitroom.core.demo import DEMO_PASSWORD, DEMO_TOTP_KEY_B32, PEOPLE, load_people
from sitroom.core.models import DemoDataLoad


def demo_logins_text() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for username, slug, roles, _lang in PEOPLE:
        lines.append(f"  {username:<8} {', '.join(str(r.label) for r in roles):<28} {slug}")
    lines.append(
        "Roles that need two-step verification use the demo authenticator key "
        f"{DEMO_TOTP_KEY_B32} (or print today's code with `sitroom demo --code`)."
    )
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo coalition and sample content. Does nothing if already loaded."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Load again even if loaded.")
        parser.add_argument(
            "--code",
            action="store_true",
            help="Print the current code of the demo authenticator key.",
        )
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            import base64

            from django_otp.oath import totp

            code = totp(base64.b32decode(DEMO_TOTP_KEY_B32))
            self.stdout.write(f"{code:06d}")
            return
        if DemoDataLoad.objects.exists() and not options["force"]:
            self.stdout.write("Demo data already loaded.")
        else:
            with acting_as(ActorContext(label="demo", channel="cli")), transaction.atomic():
                coalition = load_people()
                for config in apps.get_app_configs():
                    if not config.name.startswith("sitroom."):
                        continue
                    try:
                        module = importlib.import_module(f"{config.name}.demo")
                    except ModuleNotFoundError as exc:
                        if exc.name != f"{config.name}.demo":
                            raise
                        continue
                    loader = getattr(module, "load", None)
                    if loader is not None:
                        loader(coalition)
                        self.stdout.write(f"  loaded demo content: {config.label}")
                DemoDataLoad.objects.create(version=__version__)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options["quiet_logins"]:
            self.stdout.write(demo_logins_text())
