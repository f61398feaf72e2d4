"""`sitroom run`: migrate, load demo data once, then serve the web app and a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start sitroom on one machine: web server and background worker, with demo data."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("demo", quiet_logins=True)
            from sitroom.core.management.commands.demo import demo_logins_text

            self.stdout.write(demo_logins_text())
        bin_dir = os.path.dirname(sys.executable)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sitroom.settings"}
        worker = subprocess.Popen([os.path.join(bin_dir, "sitroom"), "worker"], env=env)
        web = subprocess.Popen(
            [
                os.path.join(bin_dir, "gunicorn"),
                "sitroom.wsgi",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            env=env,
        )
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"sitroom is running at {url}  (Ctrl+C to stop)"))
        self.stdout.write(f"Data: {settings.DATA_DIR}")
        children = [web, worker]

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        if web.returncode not in (0, -signal.SIGTERM, None):
            raise SystemExit(web.returncode)
