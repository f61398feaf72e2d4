"""Fixtures for the cases tests: a review body, published criteria and a way to file reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from sitroom.accounts.models import Role
from sitroom.accounts.services import organisation_create
from sitroom.cases import services
from sitroom.cases.models import Case
from sitroom.reports.services import ReportDraft, report_submit
from tests.conftest import World, make_user


@dataclass
class Review:
    world: World
    reviewers: list[User]  # five reviewers of the EMB (org "ec")
    admin: User  # world.owner: admin of the EMB
    factchecker: User  # a fact-checker of another organisation
    platform_viewer: User
    monitor: User  # a monitor of the EMB: in the organisation, but not a reviewer


def file_report(
    *,
    text: str = "",
    urls: tuple[str, ...] = (),
    category: str = "electoral_process",
    language: str = "fr",
    region: str = "abidjan",
    email: str = "",
) -> Any:
    """A report stored through the reports app's own service (not yet grouped)."""
    draft = ReportDraft(
        category=category,
        text=text,
        urls=list(urls),
        language=language,
        region=region,
        contact_email=email,
        consent=bool(email),
    )
    return report_submit(
        draft=draft, channel="web", sender_hash="", with_instant_answer=False
    ).report


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """These tests create many people; slow password hashing proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def review(world: World) -> Review:
    platform = organisation_create(name="ConnectSocial", slug="connect", kind="platform")
    reviewers = [make_user(f"rev{i}", org=world.org, roles=(Role.REVIEWER,)) for i in range(1, 6)]
    for i, user in enumerate(reviewers, start=1):
        user.email = f"rev{i}@example.org"
        user.save(update_fields=["email"])
    services.criteria_publish(
        texts={"en": ("Criteria", "Be accurate."), "fr": ("Critères", "Soyez exacts.")}
    )
    return Review(
        world=world,
        reviewers=reviewers,
        admin=world.owner,
        factchecker=make_user("checker", org=world.other_org, roles=(Role.FACT_CHECKER,)),
        platform_viewer=make_user("platform", org=platform, roles=(Role.VIEWER,)),
        monitor=make_user("monitor", org=world.org, roles=(Role.MONITOR,)),
    )


HARMFUL = "Le vote est déplacé au commissariat central, ne venez pas à l'école de Cocody demain"
SUMMARY = "A message claiming a polling station moved to a police station."


@pytest.fixture
def new_case(review: Review) -> Case:
    report = file_report(text=HARMFUL, urls=("https://m.facebook.com/story.php?story_fbid=5&id=9",))
    return services.case_attach_report(report=report)


def seat_and_assess(
    case: Case, reviewers: list[User], outcomes: list[str], *, stage: str = "review"
) -> Case:
    for reviewer in reviewers:
        services.case_assign(case=case, reviewer=reviewer, by=reviewer, stage=stage)
    for reviewer, outcome in zip(reviewers, outcomes, strict=True):
        services.assessment_submit(
            case=case,
            reviewer=reviewer,
            outcome=outcome,
            reasons=f"{reviewer.username}: criterion 1 applies.",
            public_summary=SUMMARY,
            authority="police" if outcome == "authority_referral" else "",
        )
    case.refresh_from_db()
    return case


@pytest.fixture
def decided_case(review: Review, new_case: Case) -> Case:
    return seat_and_assess(new_case, review.reviewers[:3], ["label", "label", "no_action"])


Assess = Callable[..., Case]
