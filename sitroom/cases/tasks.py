"""Background work of the cases app (thin: each task calls one service)."""

from __future__ import annotations

import logging

from sitroom.cases import selectors, services
from sitroom.cases.models import Case
from sitroom.lib.tasks import durable_task

logger = logging.getLogger("sitroom.cases")


@durable_task(queue_name="default")
def case_priorities_recompute() -> int:
    """Recompute every open case's priority (run when the election phase changes, or hourly).

    Idempotent; commits case by case, and one case's failure does not stop the others.
    """
    done = 0
    for case_id in Case.objects.filter(status__in=selectors.OPEN_STATUSES).values_list(
        "pk", flat=True
    ):
        try:
            services.case_priority_recompute(case=Case(pk=case_id))
            done += 1
        except Exception:
            logger.exception("could not recompute the priority of case %s", case_id)
    return done
