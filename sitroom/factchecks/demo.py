"""Demo content: a rating scale, published fact-checks in six languages, an open queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from sitroom.core.demo import Coalition
from sitroom.factchecks.models import Article, Claim, NormalisedRating, Rating
from sitroom.factchecks.services import (
    article_approve,
    article_create,
    article_publish,
    article_submit,
    article_translation_save,
    claim_check_start,
    claim_create,
    comment_add,
)

RATINGS = [
    # label, normalised, value, translations
    (
        "False",
        NormalisedRating.FALSE,
        1,
        {"fr": "Faux", "es": "Falso", "pt": "Falso", "sw": "Si kweli", "ar": "زائف"},
    ),
    (
        "Misleading",
        NormalisedRating.MISLEADING,
        2,
        {"fr": "Trompeur", "es": "Engañoso", "pt": "Enganoso", "sw": "Inapotosha", "ar": "مضلل"},
    ),
    (
        "Missing context",
        NormalisedRating.MISSING_CONTEXT,
        3,
        {
            "fr": "Manque de contexte",
            "es": "Falta contexto",
            "pt": "Falta contexto",
            "sw": "Inakosa muktadha",
            "ar": "ينقصه السياق",
        },
    ),
    (
        "True",
        NormalisedRating.TRUE,
        4,
        {"fr": "Vrai", "es": "Verdadero", "pt": "Verdadeiro", "sw": "Kweli", "ar": "صحيح"},
    ),
]

# org slug, author, editor, language, rating, claim, claimant, where, title, summary,
# translations {lang: (title, claim)}
FACTCHECKS: list[dict[str, Any]] = [
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "en",
        "rating": "False",
        "claim": "The presidential election has been postponed by one week to next Sunday.",
        "claimant": "Viral WhatsApp message",
        "where": "WhatsApp",
        "title": "No, the presidential election has not been postponed",
        "summary": "The electoral commission confirms voting takes place on the published date. "
        "The message imitates the commission's logo.",
        "translations": {
            "fr": (
                "Non, l'élection présidentielle n'a pas été reportée",
                "L'élection présidentielle a été reportée d'une semaine, à dimanche prochain.",
            ),
            "sw": (
                "Hapana, uchaguzi wa urais haujaahirishwa",
                "Uchaguzi wa urais umeahirishwa kwa wiki moja hadi Jumapili ijayo.",
            ),
        },
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "fr",
        "rating": "False",
        "claim": "Les bulletins de vote sont déjà cochés pour le candidat sortant dans "
        "plusieurs bureaux.",
        "claimant": "Page Facebook anonyme",
        "where": "Facebook",
        "title": "Des bulletins pré-cochés ? La photo date de 2015 et vient d'un autre pays",
        "summary": "La photo virale montre des bulletins d'un scrutin de 2015 à l'étranger. "
        "Les bulletins officiels sont imprimés vierges et comptés devant les observateurs.",
        "translations": {
            "en": (
                "Pre-marked ballots? The photo is from 2015 and another country",
                "Ballots are already marked for the incumbent in several polling stations.",
            )
        },
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "fr",
        "rating": "Misleading",
        "claim": "Il faut présenter un passeport pour voter cette année.",
        "claimant": "Message audio",
        "where": "WhatsApp",
        "title": "Le passeport n'est pas obligatoire pour voter",
        "summary": "La carte d'électeur ou la carte d'identité nationale suffisent. "
        "Le passeport n'est qu'une des pièces acceptées.",
        "translations": {},
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "en",
        "rating": "False",
        "claim": "Official results were announced before polls closed.",
        "claimant": "X account with 40k followers",
        "where": "X",
        "title": "Results were not announced before polls closed",
        "summary": "The 'results' image is a party's projection. The commission publishes "
        "provisional results only after counting in each polling station.",
        "translations": {
            "fr": (
                "Les résultats n'ont pas été annoncés avant la fermeture des bureaux",
                "Les résultats officiels ont été annoncés avant la fermeture des bureaux de vote.",
            )
        },
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "sw",
        "rating": "False",
        "claim": "Vituo vya kupigia kura vimehamishiwa kwenye vituo vya polisi.",
        "claimant": "Ujumbe wa SMS",
        "where": "SMS",
        "title": "Vituo vya kupigia kura havijahamishiwa vituo vya polisi",
        "summary": "Tume ya uchaguzi imethibitisha kuwa vituo vya kupigia kura ni vile vile "
        "vilivyotangazwa, hasa shule na kumbi za jamii.",
        "translations": {
            "en": (
                "Polling stations have not been moved to police stations",
                "Polling stations have been moved to police stations.",
            )
        },
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "sw",
        "rating": "Missing context",
        "claim": "Wapiga kura wanaweza kupiga kura mara mbili kwa kutumia vitambulisho viwili.",
        "claimant": "Video ya TikTok",
        "where": "TikTok",
        "title": "Kupiga kura mara mbili hakuwezekani: daftari linakaguliwa kwa alama ya vidole",
        "summary": "Video inaonyesha mtu mwenye vitambulisho viwili, lakini daftari la wapiga "
        "kura linatumia alama za vidole na wino usiofutika.",
        "translations": {},
    },
    {
        "org": "verifica-sur",
        "author": "lucia",
        "editor": "marta",
        "lang": "es",
        "rating": "False",
        "claim": "Se puede votar por internet enviando un mensaje con el número de documento.",
        "claimant": "Cadena de WhatsApp",
        "where": "WhatsApp",
        "title": "No se puede votar por internet ni por mensaje de texto",
        "summary": "El voto es presencial en el local asignado. Ningún mensaje permite votar.",
        "translations": {
            "en": (
                "You cannot vote online or by text message",
                "You can vote online by sending a message with your ID number.",
            ),
            "pt": (
                "Não é possível votar pela internet nem por mensagem",
                "É possível votar pela internet enviando uma mensagem com o número do documento.",
            ),
        },
    },
    {
        "org": "verifica-sur",
        "author": "lucia",
        "editor": "marta",
        "lang": "es",
        "rating": "False",
        "claim": "La elección se trasladó al lunes para los votantes del partido opositor.",
        "claimant": "Cuenta anónima",
        "where": "Facebook",
        "title": "La elección no cambió de fecha para ningún votante",
        "summary": "La fecha es única para todo el electorado, fijada por ley.",
        "translations": {},
    },
    {
        "org": "verifica-sur",
        "author": "lucia",
        "editor": "marta",
        "lang": "es",
        "rating": "Misleading",
        "claim": "Las actas de escrutinio se pueden modificar después de firmadas.",
        "claimant": "Video en YouTube",
        "where": "YouTube",
        "title": "Las actas firmadas no se modifican: los fiscales tienen copia",
        "summary": "Cada fiscal recibe una copia del acta; cualquier diferencia se detecta en el "
        "escrutinio definitivo.",
        "translations": {},
    },
    {
        "org": "checagem-br",
        "author": "ana",
        "editor": "marta",
        "lang": "pt",
        "rating": "False",
        "claim": "As urnas eletrônicas já chegam com votos registrados para um candidato.",
        "claimant": "Vídeo compartilhado no WhatsApp",
        "where": "WhatsApp",
        "title": "Urnas não chegam com votos registrados: a zerésima prova isso",
        "summary": "Antes da votação, cada urna imprime a zerésima, que mostra zero votos para "
        "todos os candidatos, na presença de fiscais.",
        "translations": {
            "en": (
                "Voting machines do not arrive with votes already recorded",
                "Electronic voting machines arrive with votes already recorded for a candidate.",
            )
        },
    },
    {
        "org": "checagem-br",
        "author": "ana",
        "editor": "marta",
        "lang": "pt",
        "rating": "Missing context",
        "claim": "Quem não votar perde o CPF.",
        "claimant": "Post no Instagram",
        "where": "Instagram",
        "title": "Quem não vota não perde o CPF, mas precisa justificar",
        "summary": "A ausência sem justificativa gera multa e pode trazer restrições, mas o CPF "
        "não é cancelado.",
        "translations": {},
    },
    {
        "org": "checagem-br",
        "author": "ana",
        "editor": "marta",
        "lang": "pt",
        "rating": "True",
        "claim": "O eleitor pode votar sem o título de eleitor, apresentando documento com foto.",
        "claimant": "Tribunal eleitoral",
        "where": "Site oficial",
        "title": "Sim, é possível votar sem o título, com documento oficial com foto",
        "summary": "Basta estar na seção correta e apresentar um documento oficial com foto.",
        "translations": {},
    },
    {
        "org": "al-haqiqa",
        "author": None,
        "editor": "marta",
        "lang": "ar",
        "rating": "False",
        "claim": "تم تأجيل الانتخابات إلى الشهر القادم بسبب الأحوال الجوية.",
        "claimant": "صفحة على فيسبوك",
        "where": "فيسبوك",
        "title": "لم يتم تأجيل الانتخابات بسبب الطقس",
        "summary": "أكدت الهيئة العليا المستقلة للانتخابات أن موعد الاقتراع لم يتغير.",
        "translations": {
            "en": (
                "The election has not been postponed because of the weather",
                "The election was postponed to next month because of the weather.",
            ),
            "fr": (
                "L'élection n'a pas été reportée à cause de la météo",
                "L'élection a été reportée au mois prochain à cause de la météo.",
            ),
        },
    },
    {
        "org": "al-haqiqa",
        "author": None,
        "editor": "marta",
        "lang": "ar",
        "rating": "Misleading",
        "claim": "الحبر الانتخابي يمكن إزالته بسهولة بالخل.",
        "claimant": "فيديو على تيك توك",
        "where": "تيك توك",
        "title": "الحبر الانتخابي لا يزول بالخل",
        "summary": "اختبرنا الحبر: يبقى أثره أياما رغم الغسل بالخل والصابون.",
        "translations": {},
    },
    {
        "org": "factcheck-afrique",
        "author": "kofi",
        "editor": "lucia",
        "lang": "en",
        "rating": "Missing context",
        "claim": "Thousands of dead people are still on the voter register.",
        "claimant": "Opposition spokesperson",
        "where": "Radio interview",
        "title": "Dead voters on the register: true in part, but no evidence they voted",
        "summary": "The register is cleaned yearly and some deceased voters remain, but "
        "fingerprint checks at polling stations stop anyone voting in their name.",
        "translations": {},
    },
]

OPEN_CLAIMS = [
    ("Polling stations will close at noon instead of 6 pm.", "en", "Telegram channel"),
    ("Les électeurs doivent apporter leur propre stylo sinon le vote est annulé.", "fr", "SMS"),
    ("Votar con camiseta de un partido anula el voto.", "es", "TikTok"),
    ("Mashine za kupigia kura zimeunganishwa na mtandao wa chama tawala.", "sw", "WhatsApp"),
]


def _user(coalition: Coalition, username: str | None) -> User | None:
    if not username:
        return None
    user = coalition.users.get(username)
    return user if isinstance(user, User) else None


def load(coalition: Coalition) -> None:
    ratings: dict[str, Rating] = {}
    for order, (label, normalised, value, translations) in enumerate(RATINGS):
        rating, _created = Rating.objects.get_or_create(
            label=label,
            defaults={
                "normalised": normalised,
                "value": value,
                "translations": translations,
                "order": order,
            },
        )
        ratings[label] = rating
    now = timezone.now()
    for n, fc in enumerate(FACTCHECKS):
        if Article.objects.filter(title=fc["title"]).exists():
            continue
        org = coalition.organisations[fc["org"]]
        author = _user(coalition, fc["author"])
        editor = _user(coalition, fc["editor"])
        claim = claim_create(
            text=fc["claim"],
            language=fc["lang"],
            claimant=fc["claimant"],
            appeared_in=fc["where"],
            appeared_at=now - dt.timedelta(days=30 - n, hours=3),
            organisation=org,
            by=author,
        )
        article = article_create(
            claim=claim,
            organisation=org,
            by=author,
            title=fc["title"],
            language=fc["lang"],
            rating=ratings[fc["rating"]],
            summary=fc["summary"],
            body=fc["summary"],
            editor=editor,
        )
        for lang, (title, claim_text) in fc["translations"].items():
            article_translation_save(
                article=article, language=lang, title=title, claim_text=claim_text, by=author
            )
        if author is not None:
            article_submit(article=article, by=author)
        else:
            article.status = "in_review"
            article.save(update_fields=["status"])
        assert editor is not None
        article_approve(article=article, by=editor)
        article_publish(article=article, by=editor, published_at=now - dt.timedelta(days=29 - n))
    if Claim.objects.filter(text=OPEN_CLAIMS[0][0]).exists():
        return
    claims = []
    for text, lang, where in OPEN_CLAIMS:
        claims.append(
            claim_create(
                text=text,
                language=lang,
                appeared_in=where,
                organisation=coalition.organisations["factcheck-afrique"],
                by=_user(coalition, "kofi"),
            )
        )
    lucia = _user(coalition, "lucia")
    kofi = _user(coalition, "kofi")
    if lucia is not None and kofi is not None:
        claim_check_start(
            claim=claims[2], organisation=coalition.organisations["verifica-sur"], user=lucia
        )
        comment_add(
            claim=claims[2],
            author=lucia,
            organisation=coalition.organisations["verifica-sur"],
            body="Estamos llamando a la autoridad electoral. @kofi ¿lo vieron en su región?",
        )
