"""Fixtures for the fact-check library: two newsrooms, a rating scale, a private index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from sitroom.accounts.models import Organisation, Role
from sitroom.accounts.services import organisation_create
from sitroom.factchecks import index as fc_index
from sitroom.factchecks.models import Article, Claim, NormalisedRating, Rating
from sitroom.factchecks.services import (
    article_approve,
    article_create,
    article_publish,
    article_submit,
    claim_create,
)
from tests.conftest import World, make_user


@pytest.fixture(autouse=True)
def _private_index(settings, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Each test gets its own index directory (the real one is shared by every process)."""
    settings.FACTCHECK_INDEX_DIR = str(tmp_path / "fc-index")
    # These tests check ranking and wiring; the engine's calibration (which sets the default
    # threshold) is tested, and refitted, by the matching engine's own suite.
    settings.MATCH_MIN_CONFIDENCE = "0"
    fc_index.forget_readers()
    yield
    fc_index.forget_readers()


@pytest.fixture
def cache_table(db) -> None:  # type: ignore[no-untyped-def]
    call_command("createcachetable", verbosity=0)


@dataclass
class Newsrooms:
    afrique: Organisation
    sur: Organisation
    kofi: User  # fact-checker at afrique
    edna: User  # admin (editor) at afrique
    lucia: User  # fact-checker at sur
    false: Rating
    true: Rating


@pytest.fixture
def newsrooms(world: World) -> Newsrooms:
    afrique = organisation_create(
        name="FactCheck Afrique", slug="afrique", kind="factchecker", country="CI"
    )
    afrique.website = "https://afrique.example"
    afrique.save()
    sur = organisation_create(name="Verifica Sur", slug="sur", kind="media")
    false = Rating.objects.create(
        label="False", normalised=NormalisedRating.FALSE, value=1, translations={"fr": "Faux"}
    )
    Rating.objects.create(label="Misleading", normalised=NormalisedRating.MISLEADING, value=2)
    true = Rating.objects.create(
        label="True", normalised=NormalisedRating.TRUE, value=4, translations={"fr": "Vrai"}
    )
    return Newsrooms(
        afrique=afrique,
        sur=sur,
        kofi=make_user("kofi", org=afrique, roles=(Role.FACT_CHECKER,)),
        edna=make_user("edna", org=afrique, roles=(Role.ADMIN, Role.FACT_CHECKER)),
        lucia=make_user("lucia", org=sur, roles=(Role.FACT_CHECKER,)),
        false=false,
        true=true,
    )


def publish_factcheck(
    n: Newsrooms,
    *,
    claim_text: str,
    title: str,
    language: str = "en",
    summary: str = "",
    rating: Rating | None = None,
) -> Article:
    claim: Claim = claim_create(text=claim_text, language=language, by=n.kofi)
    article = article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.kofi,
        title=title,
        language=language,
        rating=rating or n.false,
        summary=summary,
    )
    article_submit(article=article, by=n.kofi)
    article_approve(article=article, by=n.edna)
    return article_publish(article=article, by=n.edna)
