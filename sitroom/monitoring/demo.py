"""Demo monitoring content: a source of each kind, a watchlist, and ~150 multilingual posts
that the real pipeline processes at load (in batches), forming a few narratives."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Post, WatchTerm
from sitroom.monitoring.services import (
    narrative_update,
    narratives_refresh,
    posts_ingest,
    source_create,
)

WATCHLIST = [
    ("CENI", "election_body", "Commission électorale nationale indépendante", ""),
    ("Commission électorale", "election_body", "Commission électorale nationale", "fr"),
    ("electoral commission", "election_body", "Commission électorale nationale", "en"),
    ("tume ya uchaguzi", "election_body", "Commission électorale nationale", "sw"),
    ("Amani Diallo", "candidate", "Amani Diallo", ""),
    ("Grace Mwangi", "candidate", "Grace Mwangi", ""),
    ("Parti du Progrès", "party", "Parti du Progrès (PDP)", ""),
    ("PDP", "party", "Parti du Progrès (PDP)", ""),
    ("Union Démocratique", "party", "Union Démocratique (UD)", ""),
    ("#Uchaguzi2027", "hashtag", "", ""),
    ("#Elections2027", "hashtag", "", ""),
    ("#Eleições2027", "hashtag", "", ""),
    ("bureau de vote", "keyword", "", "fr"),
    ("bulletins", "keyword", "", "fr"),
    ("polling station", "keyword", "", "en"),
    ("ballots", "keyword", "", "en"),
    ("ballot", "keyword", "", "en"),
    ("vote", "keyword", "", ""),
    ("kituo cha kupigia kura", "keyword", "", "sw"),
    ("kura", "keyword", "", "sw"),
    ("urnas", "keyword", "", ""),
    ("boletas", "keyword", "", "es"),
    ("votación", "keyword", "", "es"),
    ("eleição", "keyword", "", "pt"),
    ("الانتخابات", "keyword", "", "ar"),
    ("مراكز الاقتراع", "keyword", "", "ar"),
    ("encre", "keyword", "", "fr"),
    ("ink", "keyword", "", "en"),
    ("wino", "keyword", "", "sw"),
]

# (narrative key, language, region, text). Several phrasings per narrative and language.
BASE_POSTS: list[tuple[str, str, str, str]] = [
    # 1. Polling stations moved to police stations (false).
    (
        "moved",
        "sw",
        "Nairobi",
        "Tahadhari! Kituo cha kupigia kura kimehamishiwa kituo cha polisi. Msiende shuleni Jumapili, nendeni kituo cha polisi. #Uchaguzi2027",
    ),
    (
        "moved",
        "sw",
        "Mombasa",
        "Habari: vituo vya kupigia kura vimehamishwa kwenda vituo vya polisi kesho. Tume ya uchaguzi imesema hivyo. Sambaza!",
    ),
    (
        "moved",
        "en",
        "Nairobi",
        "URGENT: polling stations have been moved to police stations this Sunday. Do not go to the schools, go to the police station instead. Share!",
    ),
    (
        "moved",
        "en",
        "Kisumu",
        "The electoral commission just moved all polling stations in Kisumu to police stations. Tell everyone before Sunday!",
    ),
    (
        "moved",
        "fr",
        "Abidjan",
        "URGENT : les bureaux de vote sont déplacés dans les commissariats de police ce dimanche. N'allez pas à l'école, allez au commissariat !",
    ),
    (
        "moved",
        "fr",
        "Bouaké",
        "La CENI a déplacé tous les bureaux de vote de Bouaké vers les commissariats. Faites passer le message avant dimanche.",
    ),
    # 2. Pre-marked ballots / ballot stuffing.
    (
        "ballots",
        "fr",
        "Abidjan",
        "Des bulletins déjà cochés pour le Parti du Progrès ont été trouvés dans un camion à Yopougon. La fraude a commencé ! #Elections2027",
    ),
    (
        "ballots",
        "fr",
        "Korhogo",
        "Vidéo : un camion rempli de bulletins pré-cochés pour le PDP intercepté à Korhogo. La CENI se tait.",
    ),
    (
        "ballots",
        "en",
        "Abidjan",
        "Truck full of pre-marked ballots for the Progress Party found in Yopougon. The rigging has started! #Elections2027",
    ),
    (
        "ballots",
        "pt",
        "Luanda",
        "Encontraram um camião cheio de boletins já marcados para o Partido do Progresso. A fraude começou! #Eleições2027",
    ),
    (
        "ballots",
        "es",
        "Buenos Aires",
        "Encontraron un camión lleno de boletas ya marcadas a favor del Partido del Progreso. ¡El fraude ya empezó!",
    ),
    (
        "ballots",
        "pt",
        "São Paulo",
        "Urnas chegaram já cheias de votos para o Partido do Progresso, dizem fiscais. Eleição fraudada! #Eleições2027",
    ),
    # 3. Ink washes off: vote twice.
    (
        "ink",
        "en",
        "Nairobi",
        "The ink they put on your finger washes off with vinegar and bleach. You can vote twice, nobody will know. #Uchaguzi2027",
    ),
    (
        "ink",
        "sw",
        "Nairobi",
        "Wino wa kidole unaondoka kwa siki na jiki. Unaweza kupiga kura mara mbili, hakuna atakayejua.",
    ),
    (
        "ink",
        "fr",
        "Abidjan",
        "L'encre indélébile part avec du vinaigre et de l'eau de Javel. Vous pouvez voter deux fois, personne ne le saura.",
    ),
    (
        "ink",
        "ar",
        "Tunis",
        "الحبر الانتخابي يزول بالخل والمبيض، يمكنك التصويت مرتين في الانتخابات ولن يعرف أحد.",
    ),
    # 4. Candidate withdrew (false).
    (
        "withdrew",
        "fr",
        "Abidjan",
        "Dernière minute : Amani Diallo se retire de la course présidentielle et appelle à voter pour l'Union Démocratique.",
    ),
    (
        "withdrew",
        "en",
        "Abidjan",
        "Breaking: Amani Diallo has withdrawn from the presidential race and endorses the Democratic Union.",
    ),
    (
        "withdrew",
        "ar",
        "Tunis",
        "عاجل: المرشح أماني ديالو ينسحب من سباق الانتخابات الرئاسية ويدعو للتصويت لحزب الاتحاد الديمقراطي.",
    ),
    (
        "withdrew",
        "es",
        "Buenos Aires",
        "Última hora: Amani Diallo se retira de la carrera presidencial y pide votar por la Unión Democrática.",
    ),
    # 5. "Foreigners vote with fake IDs" (xenophobic).
    (
        "foreigners",
        "es",
        "Buenos Aires",
        "Miles de extranjeros votarán con documentos falsos en esta votación. ¡Hay que impedirles entrar a los centros!",
    ),
    (
        "foreigners",
        "pt",
        "São Paulo",
        "Milhares de estrangeiros vão votar com documentos falsos nesta eleição. Temos que impedi-los de entrar nas seções!",
    ),
    (
        "foreigners",
        "en",
        "Kisumu",
        "Thousands of foreigners will vote with fake IDs at the polling station. We must stop them at the door!",
    ),
    (
        "foreigners",
        "fr",
        "Bouaké",
        "Des milliers d'étrangers vont voter avec de fausses cartes au bureau de vote. Il faut les empêcher d'entrer !",
    ),
    # Background: not about the election.
    (
        "noise",
        "en",
        "Nairobi",
        "Great match last night, what a goal in the 89th minute! Can't wait for the derby.",
    ),
    (
        "noise",
        "fr",
        "Abidjan",
        "Embouteillages monstres sur le pont ce matin, prévoyez une heure de plus pour aller au travail.",
    ),
    (
        "noise",
        "sw",
        "Mombasa",
        "Mvua kubwa inatarajiwa pwani wiki hii, wavuvi wametakiwa kuchukua tahadhari.",
    ),
    (
        "noise",
        "es",
        "Buenos Aires",
        "Hoy abrimos la nueva panadería del barrio, ¡los esperamos con medialunas calientes!",
    ),
    ("noise", "pt", "Luanda", "Concerto gratuito no sábado na marginal, tragam a família toda."),
    ("noise", "ar", "Tunis", "افتتاح معرض الكتاب الدولي غدا في قصر المعارض، الدخول مجاني للطلاب."),
]

ACCOUNTS = {
    "moved": ["habari_sasa", "kenya_alerts", "newsflash_ci", "info_bouake"],
    "ballots": ["verite_ci", "lusophone_news", "patriota_br", "denuncia_ya"],
    "ink": ["tips4voters", "mtaa_news", "astuces_ci", "tunis_now"],
    "withdrew": ["breaking_ci", "politique_225", "arab_politics", "ultima_hora"],
    "foreigners": ["patria_primero", "brasil_alerta", "kisumu_voice", "ci_patriotes"],
    "noise": [
        "sports_ke",
        "trafic_abj",
        "pwani_weather",
        "panaderia_sol",
        "luanda_events",
        "tunis_culture",
    ],
}


def _variants(text: str, rng: random.Random) -> list[str]:
    """Reposts (exact, RT, with a link) and near-duplicates (small edits) of a text."""
    out = [text, f"RT @{rng.choice(['amina', 'jean_k', 'luz', 'zaid'])}: {text}"]
    out.append(f"{text} https://example.org/s/{rng.randrange(10**6)}")
    out.append(text.replace("!", "!!") + " 😡")
    out.append(f"{text.rstrip('.!')} — faites tourner / share / sambaza")
    out.append(f"@{rng.choice(['amina', 'jean_k', 'luz', 'zaid'])} {text}")  # same text: repost
    return out


def load(coalition: Any) -> None:
    org = coalition.organisations["sauti-watch"]
    for term, kind, entity, language in WATCHLIST:
        WatchTerm.objects.get_or_create(
            term=term, kind=kind, language=language, defaults={"entity": entity}
        )
    sources = {
        "rss": source_create(
            organisation=org,
            name="Election news (RSS)",
            kind="rss",
            enabled=False,
            config={"url": "https://example.org/elections/feed.xml"},
        ),
        "mastodon": source_create(
            organisation=org,
            name="Mastodon #Uchaguzi2027",
            kind="mastodon",
            enabled=False,
            config={"instance": "https://mastodon.example", "tag": "Uchaguzi2027"},
        ),
        "bluesky": source_create(
            organisation=org,
            name="Bluesky search: elections",
            kind="bluesky",
            enabled=False,
            config={"query": "#Elections2027", "service": "https://public.api.bsky.app"},
        ),
        "telegram": source_create(
            organisation=org,
            name="Telegram channel export",
            kind="telegram",
            enabled=False,
            config={"channel": "habari_sasa_channel"},
        ),
        "upload": source_create(
            organisation=org, name="Research tool exports (CSV)", kind="upload", enabled=False
        ),
        "push": source_create(
            organisation=org, name="Partner push API", kind="push", enabled=False
        ),
    }
    rng = random.Random(2027)
    kinds = list(sources)
    now = timezone.now()
    items: list[tuple[str, PostIn]] = []
    n = 0
    for key, language, region, text in BASE_POSTS:
        variants = _variants(text, rng) if key != "noise" else [text]
        for variant in variants:
            n += 1
            hours_ago = rng.uniform(0, 40) if key != "moved" else rng.uniform(0, 8)  # a spike
            items.append(
                (
                    rng.choice(kinds),
                    PostIn(
                        external_id=f"demo-{n}",
                        text=variant,
                        url=f"https://social.example/{key}/{n}",
                        author=rng.choice(ACCOUNTS[key]),
                        published_at=now - timedelta(hours=hours_ago),
                        language=language,
                        region=region,
                    ),
                )
            )
    rng.shuffle(items)
    from sitroom.factchecks.services import factchecks_reindex
    from sitroom.monitoring.pipeline import pipeline_drain

    # The demo loads in one transaction, and a published fact-check reaches the matching
    # index only after its transaction commits: bring the index up to date first, so the
    # demo posts are matched to the demo fact-checks.
    factchecks_reindex()

    for start in range(0, len(items), 40):
        chunk = items[start : start + 40]
        for kind in kinds:
            batch = [item for k, item in chunk if k == kind]
            if batch:
                posts_ingest(source=sources[kind], items=batch)
        pipeline_drain()
    # Spread arrival times over the last two days, so the narrative charts have a shape.
    for post in Post.objects.filter(organisation=org).only("id", "published_at"):
        if post.published_at is not None:
            Post.objects.filter(pk=post.pk).update(arrived_at=post.published_at)
    narratives_refresh(organisation=org)
    # Kwame has already named the biggest narratives; the others wait for him.
    names = {
        "moved": ("Polling stations moved to police stations", ["false", "polling-stations"]),
        "ballots": ("Pre-marked ballots in a truck", ["fraud", "ballots"]),
        "ink": ("Indelible ink washes off: vote twice", ["ink", "double-voting"]),
        "withdrew": ("Amani Diallo withdrew (false)", ["candidate"]),
        "foreigners": ("Foreigners voting with fake IDs", ["xenophobia", "hate"]),
    }
    kwame = coalition.users["kwame"]
    assert isinstance(kwame, User)
    for key, _lang, _region, text in BASE_POSTS:
        if key not in names:
            continue
        example = Post.objects.filter(organisation=org, text=text).exclude(narrative=None).first()
        if example is None or example.narrative is None or example.narrative.title:
            continue
        title, tags = names.pop(key)
        narrative_update(narrative=example.narrative, title=title, tags=tags, by=kwame)
