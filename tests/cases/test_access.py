"""Only the review body sees cases: everyone else gets 404 on every case page and endpoint."""

from __future__ import annotations

import pytest
from django.test import Client

from sitroom.accounts.services import api_token_create
from sitroom.cases.models import ReviewBody
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _case_urls(case_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/cases/"),
        ("get", f"/cases/{case_id}/"),
        ("post", f"/cases/{case_id}/assign/"),
        ("post", f"/cases/{case_id}/conflict/"),
        ("post", f"/cases/{case_id}/assess/"),
        ("post", f"/cases/{case_id}/decide/"),
        ("get", "/api/v1/cases"),
        ("get", f"/api/v1/cases/{case_id}"),
    ]


@pytest.mark.parametrize(
    "who", ["outsider", "factchecker", "platform_viewer", "monitor", "analyst"]
)
def test_outsiders_get_404_everywhere(review, new_case, login, who):
    user = {
        "outsider": review.world.outsider,
        "factchecker": review.factchecker,
        "platform_viewer": review.platform_viewer,
        "monitor": review.monitor,
        "analyst": review.world.member,
    }[who]
    client = login(user)
    for method, url in _case_urls(new_case.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (who, url, response.status_code)
    assert not new_case.assignments.exists()


def test_outsider_with_api_token_gets_404_and_reviewer_with_token_gets_cases(review, new_case):
    _token, raw = api_token_create(user=review.world.outsider, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/cases").status_code == 404
    assert client.get(f"/api/v1/cases/{new_case.pk}").status_code == 404
    _token, raw = api_token_create(user=review.reviewers[0], name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    listing = client.get("/api/v1/cases").json()
    assert [c["reference"] for c in listing["results"]] == [new_case.reference]
    detail = client.get(f"/api/v1/cases/{new_case.pk}").json()
    assert detail["reports"][0]["urls"] and "code" not in detail["reports"][0]
    assert client.get("/api/v1/cases/999999").status_code == 404


def test_anonymous_is_sent_to_sign_in_and_api_refuses(new_case):
    assert Client().get(f"/cases/{new_case.pk}/").status_code == 302
    assert Client().get(f"/api/v1/cases/{new_case.pk}").status_code in (401, 403)


def test_reviewer_of_a_designated_media_house_is_in_the_review_body(review, new_case, login):
    media_reviewer = make_user("media-reviewer", org=review.world.other_org, roles=("reviewer",))
    assert login(media_reviewer).get(f"/cases/{new_case.pk}/").status_code == 404
    ReviewBody.objects.create(organisation=review.world.other_org)
    assert login(media_reviewer).get(f"/cases/{new_case.pk}/").status_code == 200
    # The designation admits reviewers and admins only, not the org's fact-checkers.
    assert login(review.factchecker).get(f"/cases/{new_case.pk}/").status_code == 404


def test_reviewer_sees_case_page(review, new_case, login):
    page = login(review.reviewers[0]).get(f"/cases/{new_case.pk}/").content.decode()
    assert new_case.reference in page and "Assign to me" in page
