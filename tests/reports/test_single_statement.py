"""PostgreSQL's one-statement intake path writes what the ordinary path writes.

On PostgreSQL with the database task queue a report without files is stored by a single
INSERT ... statement (report, links, audit event, routing task). The rest of the suite runs
tasks inline, which takes the ordinary path, so this test switches to the real queue.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sitroom.audit.models import AuditEvent
from sitroom.reports.models import Report
from tests.reports.conftest import report_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _database_queue(settings):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement intake path exists on PostgreSQL only")
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


def _post(payload: dict) -> dict:  # type: ignore[type-arg]
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_one_statement_path_stores_report_links_audit_and_task_and_folds_duplicates():
    from sitroom.reports import services

    assert services._single_statement_possible()
    payload = report_payload(
        urls=[
            "https://m.facebook.com/story.php?story_fbid=1&id=2&fbclid=X",
            "https://x.com/a/status/9?s=20",
        ]
    )
    first = _post(payload)
    report = Report.objects.get(code=first["code"])
    assert report.channel == "api" and report.language == "en" and report.text
    assert report.urls.count() == 2
    assert (
        AuditEvent.objects.filter(
            action="report.submit", object_type="reports.report", object_id=str(report.pk)
        ).count()
        == 1
    )
    task = DBTaskResult.objects.get(task_path__endswith="report_route")
    assert task.status == TaskResultStatus.READY

    again = _post(payload)
    assert again["code"] == first["code"] and again["duplicate"] is True
    assert Report.objects.count() == 1

    # The queued routing task is a real one: a worker runs it and the report joins a case.
    call_command("worker", burst=True, interval=0.1)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    report.refresh_from_db()
    assert report.case_id is not None
