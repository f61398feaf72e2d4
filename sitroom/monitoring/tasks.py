"""Background work of monitoring (thin: the work is in services and pipeline)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from sitroom.lib.tasks import durable_task
from sitroom.monitoring import conf

TICK_SECONDS = 60
logger = logging.getLogger("sitroom.monitoring")


@durable_task(queue_name="intake")
def source_poll(source_id: int) -> int:
    """Poll one source (idempotent: posts are unique per source and external id)."""
    from sitroom.monitoring.services import source_poll_now

    return source_poll_now(source_id=source_id)


@durable_task(queue_name="pipeline")
def pipeline_run() -> int:
    """Process waiting posts until none is left (any number may run at once)."""
    from sitroom.monitoring.pipeline import pipeline_drain
    from sitroom.monitoring.services import pipeline_kick

    return pipeline_drain(on_backlog=pipeline_kick)


def tick() -> tuple[int, bool]:
    """Enqueue the polls that are due, and a pipeline run if posts are waiting."""
    from sitroom.monitoring.models import Post
    from sitroom.monitoring.pipeline import _ready
    from sitroom.monitoring.services import sources_due

    due = sources_due()
    for source_id in due:
        source_poll.enqueue(source_id)
    waiting = Post.objects.filter(_ready(timezone.now())).exists()
    if waiting:
        pipeline_run.enqueue()
    return len(due), waiting


@durable_task(queue_name="default")
def monitoring_tick() -> int:
    """Every minute: polls and stale claims. One chain survives (a cache lease)."""
    try:
        if not cache.add("sitroom:monitoring:tick", "1", timeout=TICK_SECONDS - 5):
            return 0
    except DatabaseError:
        logger.warning("no cache for the tick lease (run `sitroom createcachetable`)")
    due, _waiting = tick()
    backend = monitoring_tick.get_backend()
    if conf.SELF_SCHEDULE and backend.supports_defer:
        monitoring_tick.using(run_after=timezone.now() + timedelta(seconds=TICK_SECONDS)).enqueue()
    return due
