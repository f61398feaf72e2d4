"""Demo content: review criteria v1 (en, fr), an election calendar, and cases at every step.

Loaded after the reports demo (INSTALLED_APPS order): its reports are grouped into cases, and
a few more reports are filed here and taken through review so the register is not empty.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sitroom.accounts.models import Role
from sitroom.accounts.services import membership_grant
from sitroom.cases import services
from sitroom.cases.models import (
    Case,
    ElectionCalendar,
    Outcome,
    Phase,
    PhaseKind,
    ReviewBody,
    ReviewCriteria,
    Stage,
)
from sitroom.core.demo import DEMO_PASSWORD, DEMO_TOTP_KEY_B32, Coalition

CRITERIA_EN = (
    "Review criteria",
    """1. Accuracy. Is the content false or misleading about facts that can be checked: where,
when and how to vote, who may vote, the counting and the results?
2. Harm. Could it stop people from voting, put anyone at risk of violence or harassment, or
attack people for who they are (including gender-based attacks)?
3. Reach and timing. How many people does it reach, and how close is it to polling day?
4. Freedom of expression. Opinion, satire, criticism of candidates, parties and the electoral
body are protected speech. The least intrusive response that addresses the harm is chosen.
5. Responses, from the least to the most intrusive: no action; label or context; fact-check;
counter-messaging; referral to the platform; referral to an authority (the electoral body,
the electoral court, the human-rights commission, the police).
Every decision gives its reasons and is published with the content redacted. The reporter or
the author may appeal within the appeal period to a panel that did not take part.""",
)
CRITERIA_FR = (
    "Critères d'examen",
    """1. Exactitude. Le contenu est-il faux ou trompeur sur des faits vérifiables : où, quand et
comment voter, qui peut voter, le dépouillement et les résultats ?
2. Préjudice. Peut-il empêcher des personnes de voter, exposer quiconque à la violence ou au
harcèlement, ou attaquer des personnes pour ce qu'elles sont (y compris les attaques fondées
sur le genre) ?
3. Portée et moment. Combien de personnes atteint-il, et à quelle distance du jour du scrutin ?
4. Liberté d'expression. L'opinion, la satire, la critique des candidats, des partis et de
l'organe électoral sont protégées. La réponse la moins intrusive qui traite le préjudice est
retenue.
5. Réponses, de la moins à la plus intrusive : aucune action ; étiquette ou contexte ;
vérification des faits ; contre-discours ; signalement à la plateforme ; saisine d'une
autorité (l'organe électoral, la juridiction électorale, la commission des droits humains, la
police).
Chaque décision est motivée et publiée avec le contenu expurgé. L'auteur du signalement ou du
contenu peut faire appel dans le délai d'appel devant un panel qui n'a pas pris part à la
décision.""",
)

# category, language, region, text, urls, outcome, authority, reasons, redacted summary
DECIDED = [
    (
        "electoral_process",
        "fr",
        "abidjan",
        "URGENT : le vote est déplacé au commissariat central pour tout le quartier de "
        "Cocody, ne vous présentez pas à l'école. Partagez ! 20 000 vues",
        ["https://m.facebook.com/story.php?story_fbid=1001&id=77&fbclid=demo"],
        Outcome.FACT_CHECK,
        "",
        "Le message affirme un changement de bureau de vote que la Commission n'a pas annoncé "
        "(critère 1). Il peut dissuader des électeurs de voter (critère 2). Une vérification "
        "des faits est nécessaire avant le scrutin.",
        "Message viral affirmant à tort qu'un bureau de vote a été déplacé vers un poste de "
        "police.",
    ),
    (
        "hate_speech",
        "sw",
        "diaspora",
        "Wapiga kura wa jamii fulani hawastahili kupiga kura, wafukuzwe vituoni!",
        [],
        Outcome.PLATFORM_REFERRAL,
        "",
        "The post calls for voters of one community to be driven away from polling stations "
        "(criterion 2). It was referred to the platform under its hate-speech rules.",
        "A post in Swahili calling for voters of one community to be excluded from polling "
        "stations.",
    ),
    (
        "manipulated_media",
        "pt",
        "lagunes",
        "Vídeo mostra urnas já cheias antes da abertura da seção! Fraude total!",
        ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share"],
        Outcome.LABEL,
        "",
        "The video is from a previous election in another country (criterion 1). A context "
        "label pointing to the original source is enough (criterion 4).",
        "A video presented as ballot boxes filled before polls opened; it is older footage from "
        "elsewhere.",
    ),
]

OPEN = [
    (
        "incitement",
        "ar",
        "yamoussoukro",
        "اذهبوا إلى مكتب الاقتراع غدا بالعصي وامنعوا المراقبين من الدخول",
        [],
    ),
    (
        "electoral_process",
        "es",
        "diaspora",
        "Los votantes en el extranjero ya no necesitan registrarse, pueden votar con cualquier "
        "documento en la embajada.",
        ["https://x.com/Someone/status/123456789?s=20"],
    ),
    (
        "impersonation",
        "en",
        "abidjan",
        "A page calling itself the National Electoral Commission says results will be announced "
        "by SMS only and asks people to send their ID number.",
        ["https://facebook.com/cen-officiel-results"],
    ),
]


def _extra_reviewer(coalition: Coalition) -> User:
    """One more reviewer, so the demo's appeal panel can be fully independent."""
    user_model = get_user_model()
    user = user_model.objects.filter(username="amara").first()
    if user is None:
        user = user_model.objects.create_user(
            username="amara", email="amara@demo.invalid", password=DEMO_PASSWORD
        )
        TOTPDevice.objects.create(
            user=user,
            name="demo",
            key=base64.b32decode(DEMO_TOTP_KEY_B32).hex(),
            confirmed=True,
        )
    membership_grant(
        user=user, organisation=coalition.organisations["sauti-watch"], role=Role.REVIEWER
    )
    coalition.users["amara"] = user
    return user  # type: ignore[return-value]


def _file_report(category: str, language: str, region: str, text: str, urls: list[str]) -> Any:
    from sitroom.reports.services import ReportDraft, report_submit

    intake = report_submit(
        draft=ReportDraft(
            category=category, text=text, urls=urls, language=language, region=region
        ),
        channel="web",
        sender_hash="",
        with_instant_answer=False,
    )
    return intake.report


def load(coalition: Coalition) -> None:
    now = timezone.now()
    if not ReviewCriteria.objects.exists():
        services.criteria_publish(
            texts={"en": CRITERIA_EN, "fr": CRITERIA_FR}, published_at=now - timedelta(days=60)
        )
    if not ElectionCalendar.objects.exists():
        polling = (now + timedelta(days=21)).replace(hour=6, minute=0, second=0, microsecond=0)
        calendar = ElectionCalendar.objects.create(name="Élection présidentielle (démo)")
        for kind, start, end, multiplier in [
            (
                PhaseKind.PRE_CAMPAIGN,
                polling - timedelta(days=60),
                polling - timedelta(days=16),
                1.0,
            ),
            (PhaseKind.CAMPAIGN, polling - timedelta(days=16), polling - timedelta(days=2), 1.5),
            (PhaseKind.SILENCE, polling - timedelta(days=2), polling, 2.5),
            (PhaseKind.POLLING, polling, polling + timedelta(hours=12), 3.0),
            (PhaseKind.COUNTING, polling + timedelta(hours=12), polling + timedelta(days=3), 2.5),
            (PhaseKind.RESULTS, polling + timedelta(days=3), polling + timedelta(days=10), 2.0),
            (
                PhaseKind.POST_ELECTION,
                polling + timedelta(days=10),
                polling + timedelta(days=60),
                1.2,
            ),
        ]:
            Phase.objects.create(
                calendar=calendar, kind=kind, starts_at=start, ends_at=end, multiplier=multiplier
            )
    # Al-Haqiqa is a media house, so it joins the review body only by designation.
    ReviewBody.objects.get_or_create(organisation=coalition.organisations["al-haqiqa"])
    amara = _extra_reviewer(coalition)

    try:
        from sitroom.reports.models import Report
    except ImportError:
        return
    for report in Report.objects.filter(case__isnull=True).order_by("created_at"):
        services.case_attach_report(report=report)
    if Case.objects.filter(decisions__isnull=False).exists():
        return

    users: dict[str, Any] = coalition.users
    reviewers = [users["jean"], users["grace"], users["omar"]]
    for category, language, region, text, urls in OPEN:
        report = _file_report(category, language, region, text, urls)
        case = services.case_attach_report(report=report)
        if category == "incitement":
            services.case_assign(case=case, reviewer=users["jean"], by=users["jean"])

    decided = []
    for category, language, region, text, urls, outcome, authority, reasons, summary in DECIDED:
        report = _file_report(category, language, region, text, urls)
        case = services.case_attach_report(report=report)
        for reviewer in reviewers:
            services.case_assign(case=case, reviewer=reviewer, by=users["sara"])
        for reviewer in reviewers:
            services.assessment_submit(
                case=case,
                reviewer=reviewer,
                outcome=outcome,
                authority=authority,
                reasons=reasons,
                public_summary=summary,
            )
        decided.append(case)

    # The video case is appealed by its author and the appeal decided by an independent panel.
    appealed = decided[-1]
    services.appeal_submit(
        case=appealed,
        appellant="author",
        statement="The video is authentic and was filmed on Sunday morning in Treichville.",
    )
    panel = [users["leila"], users["sara"], amara]
    for member in panel:
        services.case_assign(case=appealed, reviewer=member, by=users["sara"], stage=Stage.APPEAL)
    for member in panel:
        services.assessment_submit(
            case=appealed,
            reviewer=member,
            outcome=Outcome.LABEL,
            reasons="The footage matches a broadcast from 2020 in another country; the author "
            "gave no evidence of the date or place. The label stays.",
            public_summary="",
        )
