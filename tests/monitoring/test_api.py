"""POST /api/v1/posts: auth, batches, idempotency, validation."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from sitroom.accounts.models import Role
from sitroom.accounts.services import api_token_create, membership_grant
from sitroom.audit.models import AuditEvent
from sitroom.monitoring.models import Post, PostState
from tests.monitoring.test_c2pa import jpeg_with_c2pa

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    _token, raw = api_token_create(user=user, name="pusher")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _push(client: Client, body: object):
    return client.post("/api/v1/posts", data=json.dumps(body), content_type="application/json")


@pytest.fixture
def monitor(world):
    membership_grant(user=world.member, organisation=world.org, role=Role.MONITOR)
    return world.member


def test_push_batch_is_idempotent_and_reports_each_item(
    world, monitor, push_source, watchlist, django_capture_on_commit_callbacks
):
    client = _client(monitor)
    items = [
        {
            "id": "a1",
            "text": "La CENI annonce le report du vote.",
            "author": "x",
            "region": "Abidjan",
            "published_at": "2027-03-02T10:00:00Z",
            "url": "https://social.example/a1?utm_source=x",
        },
        {"id": "a2", "text": "Kura zimeahirishwa na tume ya uchaguzi.", "language": "sw"},
        {"id": "a1", "text": "the same id again in one batch"},
        {"id": "", "text": "no id"},
        {"id": "a3", "text": ""},
        {"id": "a4", "text": "bad link", "url": "javascript:alert(1)"},
        {"id": "a5", "text": "bad date", "published_at": "next tuesday"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _push(client, {"source": push_source.pk, "items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == [
        "created",
        "created",
        "duplicate",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert body["created"] == 2 and body["duplicate"] == 1 and body["invalid"] == 4
    assert "id is required" in body["results"][3]["error"]
    assert "ISO 8601" in body["results"][6]["error"]
    assert set(Post.objects.values_list("state", flat=True)) == {PostState.DONE}

    again = _push(client, {"source": push_source.pk, "items": items[:2]})
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert again.json()["results"][0]["post_id"] == body["results"][0]["post_id"]
    assert Post.objects.count() == 2
    post = Post.objects.get(external_id="a1")
    assert post.url == "https://social.example/a1" and post.region == "Abidjan"
    assert AuditEvent.objects.filter(action="monitoring.posts.push").count() == 2


def test_push_refuses_fields_of_the_wrong_json_type_and_keeps_the_rest(world, monitor, push_source):
    items = [
        {"id": "t1", "text": 42},
        {"id": "t2", "text": ["a", "list"]},
        {"id": True, "text": "a boolean id"},
        {"id": "t3", "text": "a number as author", "author": {"name": "x"}},
        {"id": "t4", "text": "language must be a code", "language": 7},
        {"id": 12345, "text": "platform ids are often integers", "author": 678},
    ]
    body = _push(_client(monitor), {"source": push_source.pk, "items": items}).json()
    assert [r["status"] for r in body["results"]] == ["invalid"] * 5 + ["created"]
    assert "text must be a string" in body["results"][0]["error"]
    assert "text must be a string" in body["results"][1]["error"]
    assert "id must be a string or an integer" in body["results"][2]["error"]
    assert "author must be a string or an integer" in body["results"][3]["error"]
    assert "language must be a string" in body["results"][4]["error"]
    post = Post.objects.get()
    assert (post.external_id, post.author) == ("12345", "678")


def test_push_checks_content_credentials_of_attached_images(world, monitor, push_source):
    data = base64.b64encode(jpeg_with_c2pa()).decode()
    response = _push(
        _client(monitor),
        {
            "source": push_source.pk,
            "items": [
                {
                    "id": "m1",
                    "text": "photo",
                    "media": [
                        {"type": "image", "url": "https://img.example/1.jpg", "data_base64": data}
                    ],
                }
            ],
        },
    )
    assert response.json()["created"] == 1
    media = Post.objects.get(external_id="m1").media
    assert media == [{"url": "https://img.example/1.jpg", "type": "image", "c2pa": "present"}]


def test_push_requires_a_token_of_a_monitor_or_admin_of_the_source(world, push_source):
    body = {"source": push_source.pk, "items": [{"id": "1", "text": "hello"}]}
    assert _push(Client(), body).status_code in (401, 403)
    # An analyst of the organisation may read the workspace but not push.
    assert _push(_client(world.member), body).status_code == 404
    # An admin of another organisation does not learn the source exists.
    assert _push(_client(world.outsider), body).status_code == 404
    assert _push(_client(world.owner), body).status_code == 200
    assert (
        _push(_client(world.owner), {"source": 999999, "items": body["items"]}).status_code == 404
    )
    revoked = Client(HTTP_AUTHORIZATION="Bearer srt_not-a-token")
    assert _push(revoked, body).status_code in (401, 403)


def test_push_validates_the_batch(world, push_source, settings):
    client = _client(world.owner)
    assert _push(client, {"items": []}).status_code == 400
    assert _push(client, {"source": push_source.pk, "items": []}).status_code == 400
    from sitroom.monitoring import conf

    too_many = [{"id": str(i), "text": "x"} for i in range(conf.PUSH_MAX_ITEMS + 1)]
    response = _push(client, {"source": push_source.pk, "items": too_many})
    assert response.status_code == 400 and "between 1 and" in response.json()["detail"]
    assert not Post.objects.exists()
