from __future__ import annotations

import pytest

from sitroom.core.demo import load_people
from sitroom.reports import demo
from sitroom.reports.models import Report

pytestmark = pytest.mark.django_db


def test_demo_reports_load_once_in_six_languages(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast demo users
    coalition = load_people()
    demo.load(coalition)
    demo.load(coalition)  # idempotent
    assert Report.objects.count() == len(demo.REPORTS) >= 20
    assert set(Report.objects.values_list("language", flat=True)) == {
        "en",
        "fr",
        "es",
        "pt",
        "sw",
        "ar",
    }
    assert Report.objects.filter(case__isnull=False).count() == Report.objects.count()
    assert Report.objects.values("category").distinct().count() == 7
