from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """A live `sitroom worker` process. Tasks held by a worker whose beat stops are re-queued."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"


class DemoDataLoad(models.Model):
    """Marks that `sitroom demo` ran, so `make run` loads the demo data only once."""

    loaded_at = models.DateTimeField(default=timezone.now)
    version = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"demo {self.version} at {self.loaded_at:%Y-%m-%d %H:%M}"
