from __future__ import annotations

import pytest

from sitroom.core.demo import load_people
from sitroom.factchecks import demo
from sitroom.factchecks.models import Article, Claim, ClaimStatus
from sitroom.factchecks.selectors import factchecks_matching
from sitroom.factchecks.services import article_unpublish
from sitroom.factchecks.tasks import factcheck_index_update
from tests.factchecks.conftest import publish_factcheck

pytestmark = pytest.mark.django_db


def test_index_task_is_idempotent(newsrooms):
    article = publish_factcheck(
        newsrooms, claim_text="Polls close at noon", title="Polls do not close at noon"
    )  # on_commit callbacks are not run here: the task does the work
    assert factchecks_matching("polls close at noon") == []
    assert factcheck_index_update.call(article.pk) == "indexed"
    assert factcheck_index_update.call(article.pk) == "indexed"
    assert [m.article_id for m in factchecks_matching("polls close at noon")] == [article.pk]
    article_unpublish(article=article, by=newsrooms.edna)
    assert factcheck_index_update.call(article.pk) == "removed"
    assert factcheck_index_update.call(article.pk) == "absent"
    assert factchecks_matching("polls close at noon") == []


def test_demo_content_loads_and_is_matchable(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(load_people())
    published = Article.objects.filter(status="published")
    assert published.count() == len(demo.FACTCHECKS) >= 15
    assert set(published.values_list("language", flat=True)) == {"en", "fr", "es", "pt", "sw", "ar"}
    assert Claim.objects.filter(status=ClaimStatus.OPEN).count() >= 3
    assert Claim.objects.filter(status=ClaimStatus.CHECKING).count() == 1
    (best,) = factchecks_matching(
        "Uchaguzi wa urais umeahirishwa kwa wiki moja", language="sw", limit=1
    )
    assert best.title == "Hapana, uchaguzi wa urais haujaahirishwa"
    demo.load(load_people())  # loading twice adds nothing
    assert Article.objects.count() == len(demo.FACTCHECKS)
