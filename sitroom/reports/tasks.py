from __future__ import annotations

from sitroom.lib.tasks import durable_task
from sitroom.reports import services


@durable_task(queue_name="intake")
def report_route(report_id: int) -> None:
    """Hand a stored report to case grouping (idempotent)."""
    services.report_route(report_id=report_id)


@durable_task(queue_name="notify")
def outbound_deliver(message_id: int) -> None:
    """Push one reply to its gateway (idempotent: only pending messages are pushed)."""
    services.outbound_deliver(message_id=message_id)
