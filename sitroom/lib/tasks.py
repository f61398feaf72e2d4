"""Background tasks that are retried with backoff and safe to run twice.

Wrap every sitroom task with :func:`durable_task`. Task bodies must be idempotent: a task
may run again after a crash (its worker died) or after an error (a retry).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

P = ParamSpec("P")
T = TypeVar("T")
logger = logging.getLogger("sitroom.tasks")


def durable_task(
    *, queue_name: str = "default", priority: int = 0
) -> Callable[[Callable[P, T]], Task[P, T]]:
    def decorate(func: Callable[P, T]) -> Task[P, T]:
        def runner(*args: Any, _attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception:
                backend = wrapped.get_backend()
                attempts = settings.TASK_MAX_ATTEMPTS
                if getattr(backend, "retries_natively", False) or not backend.supports_defer:
                    raise
                if _attempt >= attempts:
                    logger.exception(
                        "task %s failed for good after %d attempts", func.__qualname__, _attempt
                    )
                    raise
                delay = min(2**_attempt, 300)
                logger.warning(
                    "task %s failed (attempt %d of %d); retrying in %ds",
                    func.__qualname__,
                    _attempt,
                    attempts,
                    delay,
                    exc_info=True,
                )
                wrapped.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    *args, _attempt=_attempt + 1, **kwargs
                )
                raise

        # The task is found again by its import path, which must name this object.
        runner.__name__ = func.__name__
        runner.__qualname__ = func.__qualname__
        runner.__module__ = func.__module__
        runner.__doc__ = func.__doc__
        wrapped = task(queue_name=queue_name, priority=priority)(runner)
        return wrapped  # type: ignore[return-value]

    return decorate
