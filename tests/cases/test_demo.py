from __future__ import annotations

import pytest
from django.test import Client

from sitroom.cases import demo
from sitroom.cases.models import Case, Decision, ElectionCalendar, ReviewCriteria
from sitroom.core.demo import load_people

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_a_register_and_an_open_queue(django_capture_on_commit_callbacks):
    coalition = load_people()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(coalition)
        demo.load(coalition)  # a second run adds nothing
    criteria = ReviewCriteria.objects.get()
    assert set(criteria.texts.values_list("language", flat=True)) == {"en", "fr"}
    calendar = ElectionCalendar.objects.get()
    assert calendar.phases.filter(kind="polling").exists()
    assert Decision.objects.filter(stage="review").count() == len(demo.DECIDED)
    assert Decision.objects.filter(stage="appeal").count() == 1
    assert Case.objects.filter(status__in=["new", "in_review"]).count() >= len(demo.OPEN)
    register = Client().get("/register.json").json()
    assert register["count"] == len(demo.DECIDED)
    for _category, _lang, _region, text, *_rest in demo.DECIDED:
        assert text[:40] not in str(register)
