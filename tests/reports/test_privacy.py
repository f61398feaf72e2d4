from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.db import connection
from django.test import Client

from sitroom.accounts.models import Role
from sitroom.audit.models import AuditEvent
from sitroom.lib import crypto
from sitroom.reports.models import Report
from sitroom.reports.selectors import user_may_see_contact
from sitroom.reports.services import report_contact, report_notify_reporter
from tests.conftest import make_user
from tests.reports.conftest import report_payload

pytestmark = pytest.mark.django_db

EMAIL = "amina.reporter@example.org"
PHONE = "+254 700 123 456"


def submit_with_contact(client: Client | None = None) -> Report:
    payload = report_payload(
        contact={"email": EMAIL, "phone": PHONE, "preferred_channel": "email"}, consent=True
    )
    response = (client or Client()).post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return Report.objects.get(code=response.json()["code"])


def raw_row(report: Report) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reports_report WHERE id = %s", [report.pk])
        return repr(cursor.fetchone())


def test_contact_details_are_encrypted_at_rest():
    report = submit_with_contact()
    row = raw_row(report)
    assert EMAIL not in row and "amina" not in row and "700 123" not in row
    assert report.has_contact and report.contact_encrypted.startswith("gAAAAA")  # Fernet
    assert report_contact(report).email == EMAIL


def test_no_raw_ip_is_stored_anywhere():
    report = submit_with_contact(Client(REMOTE_ADDR="203.0.113.77"))
    assert "203.0.113.77" not in raw_row(report)
    for event in AuditEvent.objects.all():
        assert "203.0.113.77" not in json.dumps([event.ip_hash, event.after, event.object_repr])


def test_audit_event_carries_no_personal_data():
    report = submit_with_contact()
    event = AuditEvent.objects.get(action="report.submit")
    assert event.after == {"channel": "api", "category": "electoral_process", "code": report.code}
    assert EMAIL not in json.dumps([event.after, event.before, event.object_repr])


def test_contact_requires_consent():
    payload = report_payload(contact={"email": EMAIL})
    response = Client().post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert "consent" in response.json()["errors"]


def test_key_rotation_first_key_encrypts_all_decrypt(settings):  # type: ignore[no-untyped-def]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt_text("secret@example.org")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt_text(token) == "secret@example.org"
    rotated = crypto.rotate_text(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt_text(rotated) == "secret@example.org"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt_text(token)


def test_without_keys_a_key_is_derived_from_secret_key(settings):  # type: ignore[no-untyped-def]
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt_text("x@example.org")
    assert crypto.decrypt_text(token) == "x@example.org"
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-0123"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt_text(token)


def test_outsider_cannot_read_contact_details(world, login):  # type: ignore[no-untyped-def]
    report = submit_with_contact()
    url = f"/report/{report.code}/contact/"
    outsider = login(world.outsider)  # admin of another (non-EMB) organisation
    response = outsider.get(url)
    assert response.status_code == 404
    assert EMAIL not in response.content.decode()
    member = login(world.member)  # an analyst of the EMB: not someone who needs them
    assert member.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not AuditEvent.objects.filter(action="report.contact_view").exists()


def test_emb_admin_reads_contact_details_and_it_is_audited(world, login):  # type: ignore[no-untyped-def]
    report = submit_with_contact()
    response = login(world.owner).get(f"/report/{report.code}/contact/")
    assert response.status_code == 200
    assert EMAIL in response.content.decode()
    event = AuditEvent.objects.get(action="report.contact_view")
    assert event.actor_id == world.owner.pk and event.object_id == str(report.pk)


def test_assigned_case_reviewer_may_see_contact_but_not_after_conflict(  # type: ignore[no-untyped-def]
    world, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from sitroom.cases.models import CaseAssignment

    with django_capture_on_commit_callbacks(execute=True):
        report = submit_with_contact()
    report.refresh_from_db()
    assert report.case_id is not None  # routed to a case on commit
    reviewer = make_user("rev", org=world.org, roles=(Role.REVIEWER,))
    assert not user_may_see_contact(reviewer, report)
    seat = CaseAssignment.objects.create(case=report.case, reviewer=reviewer)
    assert user_may_see_contact(reviewer, report)
    seat.conflict_declared_at = timezone.now()
    seat.save()
    assert not user_may_see_contact(reviewer, report)


def test_notify_reporter_by_email(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    report = submit_with_contact()
    with django_capture_on_commit_callbacks(execute=True):
        used = report_notify_reporter(
            report=report, subject="Your report: decision", message="The claim was found false."
        )
    assert used == ["email"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert f"/track/{report.code}/" in mail.outbox[0].body
    assert AuditEvent.objects.get(action="report.notify").after == {"channels": ["email"]}


def test_notify_anonymous_reporter_does_nothing():
    response = Client().post(
        "/api/v1/reports", json.dumps(report_payload()), content_type="application/json"
    )
    report = Report.objects.get(code=response.json()["code"])
    assert report_notify_reporter(report=report, subject="s", message="m") == []
    assert mail.outbox == []


def test_reencrypt_command_moves_contacts_to_the_new_key(settings):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    report = submit_with_contact()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("reports_reencrypt", stdout=__import__("io").StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]
    report.refresh_from_db()
    assert report_contact(report).email == EMAIL
