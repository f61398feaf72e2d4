from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from sitroom.audit.models import AppendOnlyError, AuditEvent
from sitroom.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["queue"] == "ok"


def test_healthz_fails_when_the_queue_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"].startswith("error")


def test_audit_events_are_append_only(world):
    event = audit_record(action="test.thing", organisation=world.org, after={"a": 1})
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    # The database refuses too, for code that bypasses the model.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()


def test_audit_log_csv_export_is_admin_only_and_safe(world, login):
    audit_record(action="case.decide", organisation=world.org, after={"note": "=HYPERLINK(1)"})
    audit_record(action="other.org", organisation=world.other_org)
    response = login(world.owner).get("/accounts/orgs/ec/audit/?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["at", "actor", "action"]
    actions = [r[2] for r in rows[1:]]
    assert "case.decide" in actions and "other.org" not in actions
    assert all(not cell.startswith("=") for row in rows for cell in row)
    page = login(world.owner).get("/accounts/orgs/ec/audit/?action=case")
    assert b"case.decide" in page.content


def test_french_interface(world):
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/accounts/login/")
    assert response.status_code == 200
    assert b'lang="fr"' in response.content
    assert b"Se connecter" in response.content


def test_api_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def _run_cli(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "sitroom.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL: scheme 'mysql'"),
        ("REDIS_URL", "http://localhost", "REDIS_URL: scheme 'http'"),
        ("DEBUG", "maybe", "DEBUG='maybe'"),
        ("SITROOM_TASK_MAX_ATTEMPTS", "0", "must be at least 1"),
        ("SECRET_KEY", "short", "at least 32 characters"),
    ],
)
def test_bad_settings_stop_start_up_with_a_clear_message(variable, value, message):
    result = _run_cli({variable: value})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
