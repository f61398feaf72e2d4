from __future__ import annotations

import pytest
from django.test import Client

from sitroom.core.demo import load_people
from sitroom.monitoring import demo
from sitroom.monitoring.models import Narrative, Post, Source

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_posts_go_through_the_pipeline_and_form_named_narratives(settings, tmp_path):
    from sitroom.factchecks import demo as factchecks_demo
    from sitroom.factchecks import index as fc_index

    settings.FACTCHECK_INDEX_DIR = str(tmp_path / "fc-index")
    fc_index.forget_readers()
    coalition = load_people()
    factchecks_demo.load(coalition)  # as `sitroom demo` does, in the same transaction
    demo.load(coalition)
    org = coalition.organisations["sauti-watch"]
    assert Source.objects.filter(organisation=org).values("kind").distinct().count() == 6
    assert not Source.objects.filter(enabled=True).exists()  # no network in the demo
    posts = Post.objects.filter(organisation=org)
    assert posts.count() >= 140 and set(posts.values_list("state", flat=True)) == {"done"}
    assert set(posts.values_list("language", flat=True)) >= {"en", "fr", "es", "pt", "sw", "ar"}
    # The demo posts about the demo fact-checks' claims are matched to them.
    assert posts.filter(has_factcheck=True).count() >= 10
    named = Narrative.objects.filter(organisation=org).exclude(title="")
    assert named.count() >= 4
    client = Client()
    client.force_login(coalition.users["kwame"])  # a monitor: no second factor required
    page = client.get(f"/monitoring/{org.slug}/narratives/")
    assert page.status_code == 200 and named.first().title.encode() in page.content
    fc_index.forget_readers()
