"""Liveness of `sitroom worker` processes and recovery of the tasks of dead ones."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sitroom.core.models import WorkerHeartbeat

logger = logging.getLogger("sitroom.worker")


def heartbeat_beat(worker_id: str) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen": now},
        )


def heartbeat_remove(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def live_worker_ids(stale_after: int | None = None) -> set[str]:
    cutoff = timezone.now() - timedelta(seconds=stale_after or settings.WORKER_STALE_SECONDS)
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )


def requeue_orphaned_tasks(stale_after: int | None = None) -> int:
    """Put back to READY every RUNNING task whose worker stopped beating.

    The conditional UPDATE (status and worker list unchanged) makes two reapers racing on
    the same task harmless: only one of them flips it.
    """
    stale = stale_after or settings.WORKER_STALE_SECONDS
    live = live_worker_ids(stale)
    cutoff = timezone.now() - timedelta(seconds=stale)
    requeued = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    for result in running.only("id", "worker_ids"):
        holder = result.worker_ids[-1] if result.worker_ids else None
        if holder in live:
            continue
        flipped = DBTaskResult.objects.filter(
            id=result.id, status=TaskResultStatus.RUNNING, worker_ids=result.worker_ids
        ).update(status=TaskResultStatus.READY, started_at=None)
        if flipped:
            logger.warning("re-queued task %s left by dead worker %s", result.id, holder)
            requeued += flipped
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff - timedelta(hours=1)).delete()
    return requeued


class HeartbeatThread(threading.Thread):
    """Beats for this worker and reaps the tasks of dead ones, on its own DB connection."""

    def __init__(self, worker_id: str, *, reap: bool = True) -> None:
        super().__init__(name="sitroom-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.reap = reap
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    heartbeat_beat(self.worker_id)
                    if self.reap:
                        requeue_orphaned_tasks()
                except Exception:
                    logger.exception("heartbeat failed; will try again")
                self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
