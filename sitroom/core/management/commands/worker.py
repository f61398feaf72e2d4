"""`sitroom worker`: run background tasks (database queue, or RQ on Redis when REDIS_URL is set)."""

from __future__ import annotations

import logging
import socket
import uuid
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker as DBWorker

from sitroom.core.workers import HeartbeatThread, heartbeat_beat, heartbeat_remove

logger = logging.getLogger("sitroom.worker")


class Command(BaseCommand):
    help = "Run a background worker. Start as many as you like, on as many machines as you like."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queues",
            default=",".join(settings.TASK_QUEUES),
            help="Comma-separated queues to serve (default: all sitroom queues).",
        )
        parser.add_argument("--worker-id", default="", help="Unique id (default: generated).")
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Seconds between polls of an empty database queue.",
        )
        parser.add_argument("--burst", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        worker_id = options["worker_id"] or f"{socket.gethostname()[:20]}-{uuid.uuid4().hex[:12]}"
        logging.getLogger("django_tasks").setLevel(logging.INFO)
        if settings.REDIS_URL:
            self._run_rq(queues, worker_id, burst=options["burst"])
        else:
            self._run_db(queues, worker_id, interval=options["interval"], burst=options["burst"])

    def _run_db(self, queues: list[str], worker_id: str, *, interval: float, burst: bool) -> None:
        heartbeat_beat(worker_id)
        beat = HeartbeatThread(worker_id)
        beat.start()
        self.stdout.write(
            f"sitroom worker {worker_id} (database queue) serving {', '.join(queues)}"
        )
        worker = DBWorker(
            queue_names=queues,
            interval=interval,
            batch=burst,
            backend_name="default",
            startup_delay=not burst,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            beat.stop()
            heartbeat_remove(worker_id)

    def _run_rq(self, queues: list[str], worker_id: str, *, burst: bool) -> None:
        import django_rq
        from django_tasks_rq.backend import Job

        queue_objs = [django_rq.get_queue(q, job_class=Job) for q in queues]
        # Short monitoring, idle-wait and maintenance intervals: a job whose worker died is
        # found (its execution entry expires ~60 s after the last beat) and retried promptly,
        # even by an idle worker, which otherwise blocks on the queue for minutes.
        worker = django_rq.get_worker(
            *queues,
            job_class=Job,
            name=worker_id,
            worker_ttl=max(settings.WORKER_STALE_SECONDS, 20),
        )
        worker.job_monitoring_interval = settings.WORKER_HEARTBEAT_SECONDS
        worker.maintenance_interval = max(settings.WORKER_STALE_SECONDS // 2, 5)
        self.stdout.write(
            f"sitroom worker {worker_id} (RQ) serving {', '.join(q.name for q in queue_objs)}"
        )
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
