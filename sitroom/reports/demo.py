"""Demo reports from the public: ~20 in six languages, every category, several regions."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from sitroom.core.demo import Coalition
from sitroom.lib.hashing import keyed_hash
from sitroom.reports import conf
from sitroom.reports.models import Category, Channel
from sitroom.reports.services import (
    IdempotencyConflict,
    ReportDraft,
    report_route,
    report_submit,
)

logger = logging.getLogger("sitroom.reports.demo")

# channel, category, language, region, text, urls, seen_where, hours ago, gender_based, email
REPORTS: list[tuple[str, str, str, str, str, list[str], str, int, bool, str]] = [
    (
        "web",
        Category.ELECTORAL_PROCESS,
        "fr",
        "abidjan",
        "Message qui circule : « Le vote est reporté à jeudi à Abidjan à cause des pluies. "
        "Ne vous déplacez pas dimanche. » Signé CEI.",
        ["https://m.facebook.com/story.php?story_fbid=1029384756&id=100064&fbclid=IwAR0x"],
        "Groupe WhatsApp du quartier",
        30,
        False,
        "awa.k@example.org",
    ),
    (
        "sms",
        Category.ELECTORAL_PROCESS,
        "fr",
        "lagunes",
        "On dit que le vote est reporté à jeudi dans les Lagunes, la CEI l'a annoncé à la radio",
        [],
        "SMS",
        26,
        False,
        "",
    ),
    (
        "whatsapp",
        Category.ELECTORAL_PROCESS,
        "fr",
        "yamoussoukro",
        "Les cartes d'électeur de 2020 ne sont plus valables, il faut payer 5000 F pour la "
        "nouvelle carte au bureau de la mairie.",
        [],
        "Message transféré plusieurs fois",
        20,
        False,
        "",
    ),
    (
        "api",
        Category.MANIPULATED_MEDIA,
        "fr",
        "abidjan",
        "Vidéo truquée : on entend le président de la CEI annoncer les résultats avant le vote. "
        "La voix est générée par IA.",
        ["https://www.tiktok.com/@actu.ci/video/7301234567890123456?is_from_webapp=1"],
        "TikTok",
        18,
        False,
        "",
    ),
    (
        "web",
        Category.THREATS,
        "fr",
        "montagnes",
        "Des comptes appellent à « régler son compte » à la journaliste qui a couvert le "
        "dépouillement à Man, avec son adresse.",
        ["https://x.com/Compte_Anonyme/status/1790000000000000001?s=20"],
        "X (Twitter)",
        12,
        True,
        "",
    ),
    (
        "web",
        Category.HATE_SPEECH,
        "en",
        "diaspora",
        "A page is calling people from the northern communities 'cockroaches' who should not be "
        "allowed to vote.",
        ["https://www.facebook.com/groups/123456/permalink/987654/"],
        "Facebook group",
        40,
        False,
        "",
    ),
    (
        "api",
        Category.IMPERSONATION,
        "en",
        "abidjan",
        "This account copies the electoral commission's logo and name and posts fake polling "
        "station changes.",
        ["https://twitter.com/CEl_Officiel/status/1790000000000000002"],
        "X (Twitter)",
        8,
        False,
        "reporter.en@example.org",
    ),
    (
        "web",
        Category.INCITEMENT,
        "en",
        "savanes",
        "Voice note shared in groups telling young men to bring machetes to the polling station "
        "in Korhogo to 'protect the vote'.",
        [],
        "WhatsApp voice note",
        5,
        False,
        "",
    ),
    (
        "web",
        Category.ELECTORAL_PROCESS,
        "es",
        "diaspora",
        "Dicen que los votantes en el extranjero pueden votar por WhatsApp enviando una foto de "
        "su documento.",
        ["https://www.instagram.com/p/C7xYzAbCdEf/?igshid=MzRlODBiNWFlZA=="],
        "Instagram",
        50,
        False,
        "",
    ),
    (
        "telegram",
        Category.MANIPULATED_MEDIA,
        "es",
        "diaspora",
        "Este vídeo dice que la votación se ha cancelado en todo el país, pero es de 2015.",
        ["https://youtu.be/dQw4w9WgXcQ?si=AbCdEf"],
        "Canal de Telegram",
        16,
        False,
        "",
    ),
    (
        "web",
        Category.THREATS,
        "es",
        "diaspora",
        "Amenazas de muerte contra una candidata en los comentarios de su último vídeo, con "
        "insultos por ser mujer.",
        ["https://www.youtube.com/shorts/aBcDeFgHiJk"],
        "YouTube",
        9,
        True,
        "",
    ),
    (
        "web",
        Category.ELECTORAL_PROCESS,
        "pt",
        "diaspora",
        "Estão dizendo que quem não votou na última eleição terá o título cancelado e não poderá "
        "votar agora.",
        ["https://t.me/s/NoticiasUrgentes/4521"],
        "Telegram",
        60,
        False,
        "",
    ),
    (
        "whatsapp",
        Category.MANIPULATED_MEDIA,
        "pt",
        "diaspora",
        "Áudio falso com a voz do presidente da comissão eleitoral pedindo para votar só à "
        "tarde por causa de ataques.",
        [],
        "Grupo de família no WhatsApp",
        14,
        False,
        "",
    ),
    (
        "api",
        Category.OTHER,
        "pt",
        "abidjan",
        "Anúncios pagos de um candidato aparecendo durante o período de silêncio eleitoral.",
        ["https://www.facebook.com/ads/library/?id=1234567890"],
        "Facebook",
        3,
        False,
        "",
    ),
    (
        "sms",
        Category.ELECTORAL_PROCESS,
        "sw",
        "diaspora",
        "Ujumbe unasema kura zimeahirishwa hadi kesho kwa sababu ya mvua kubwa. Msiende vituoni "
        "leo.",
        [],
        "SMS",
        22,
        False,
        "",
    ),
    (
        "web",
        Category.HATE_SPEECH,
        "sw",
        "diaspora",
        "Ukurasa huu unaita watu wa jamii nyingine 'madoadoa' na kusema waondoke kabla ya "
        "uchaguzi.",
        ["https://www.tiktok.com/@sauti.ya.mtaa/video/7309876543210987654"],
        "TikTok",
        11,
        False,
        "",
    ),
    (
        "whatsapp",
        Category.THREATS,
        "sw",
        "diaspora",
        "Mwandishi wa habari anatishiwa kwenye kundi la WhatsApp baada ya kuripoti kuhusu "
        "ununuzi wa kura.",
        [],
        "Kundi la WhatsApp",
        7,
        False,
        "",
    ),
    (
        "web",
        Category.ELECTORAL_PROCESS,
        "ar",
        "diaspora",
        "رسالة منتشرة تقول إن التصويت سيكون عبر الإنترنت فقط هذه السنة وإن مراكز الاقتراع ستغلق.",
        ["https://www.facebook.com/watch/?v=556677889900"],
        "فيسبوك",
        35,
        False,
        "",
    ),
    (
        "telegram",
        Category.INCITEMENT,
        "ar",
        "diaspora",
        "قناة تدعو إلى محاصرة مقر اللجنة الانتخابية ومنع الموظفين من الدخول يوم فرز الأصوات.",
        ["https://t.me/qanat_alakhbar/991"],
        "تيليغرام",
        4,
        False,
        "",
    ),
    (
        "web",
        Category.IMPERSONATION,
        "ar",
        "diaspora",
        "حساب مزيف باسم مرشحة يعلن انسحابها من السباق وينشر صورًا معدلة لها.",
        ["https://bsky.app/profile/fake-candidate.bsky.social/post/3kabcdxyz"],
        "Bluesky",
        2,
        True,
        "",
    ),
]


def load(coalition: Coalition) -> None:
    regions = dict(conf.REGIONS)
    now = timezone.now()
    for number, (
        channel,
        category,
        language,
        region,
        text,
        urls,
        where,
        hours,
        gba,
        email,
    ) in enumerate(REPORTS, start=1):
        draft = ReportDraft(
            category=category,
            urls=urls,
            text=text,
            gender_based=gba,
            language=language,
            region=region if region in regions else "",
            seen_at=now - timedelta(hours=hours + 1),
            seen_where=where,
            contact_email=email,
            preferred_channel="email" if email else "",
            consent=bool(email),
            reply_address=f"+2250700{number:06d}" if channel in ("sms", "whatsapp") else "",
        )
        try:
            intake = report_submit(
                draft=draft,
                channel=channel if channel in Channel.values else Channel.OTHER,
                sender_hash=keyed_hash(f"demo-{number}", purpose="report-sender"),
                gateway="demo-gateway" if channel in ("sms", "whatsapp", "telegram") else "",
                idempotency_key=f"demo-report-{number}",
                with_instant_answer=False,
            )
        except IdempotencyConflict:
            continue  # loaded before (its dates were relative to that day)
        # Spread the reports over the last days, as a real week of intake would be.
        type(intake.report).objects.filter(pk=intake.report.pk).update(
            created_at=now - timedelta(hours=hours), updated_at=now - timedelta(hours=hours)
        )
        # Group at once, so the cases demo that follows finds them (the task would do it too).
        report_route(report_id=intake.report.pk)
    logger.info("demo: %d public reports", len(REPORTS))
