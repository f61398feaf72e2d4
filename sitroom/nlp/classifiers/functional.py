"""A small hand-written, multilingual set of functional test cases for hate speech.

Written for this project (not taken from HateCheck or any other suite) to teach the
distinctions that keyword-sampled corpora blur: hate against a protected group versus the
same words aimed at a non-protected group, negated hate, counter-speech that quotes hate,
positive or neutral statements mentioning an identity, and profanity without a target.
Each case carries its template id so evaluation can hold out whole templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sitroom.nlp.classifiers import functional_compose as FC
from sitroom.nlp.classifiers import functional_election as FE
from sitroom.nlp.classifiers import functional_heldout as FH
from sitroom.nlp.classifiers import functional_train as FT
from sitroom.nlp.classifiers.base import stable_hash

GROUP_KEYS = ["women", "trans", "gay", "black", "disabled", "muslims", "jews", "immigrants"]
TARGET_NAMES = {
    "women": "women",
    "trans": "trans people",
    "gay": "gay people",
    "black": "black people",
    "disabled": "disabled people",
    "muslims": "muslims",
    "jews": "jews",
    "immigrants": "immigrants",
    "religion": "religious groups",
    "ethnic": "ethnic groups",
}

GROUPS: dict[str, list[str]] = {
    "en": ["women", "trans people", "gay people", "black people", "disabled people",
           "Muslims", "Jews", "immigrants"],
    "fr": ["les femmes", "les personnes trans", "les homosexuels", "les Noirs",
           "les handicapés", "les musulmans", "les juifs", "les immigrés"],
    "de": ["Frauen", "Transmenschen", "Schwule", "Schwarze", "Behinderte", "Muslime",
           "Juden", "Einwanderer"],
    "es": ["las mujeres", "las personas trans", "los gays", "los negros",
           "los discapacitados", "los musulmanes", "los judíos", "los inmigrantes"],
    "pt": ["as mulheres", "as pessoas trans", "os gays", "os negros", "os deficientes",
           "os muçulmanos", "os judeus", "os imigrantes"],
    "it": ["le donne", "le persone trans", "i gay", "i neri", "i disabili", "i musulmani",
           "gli ebrei", "gli immigrati"],
    "nl": ["vrouwen", "transpersonen", "homo's", "zwarte mensen", "gehandicapten",
           "moslims", "joden", "immigranten"],
    "pl": ["kobiety", "osoby trans", "geje", "czarni", "niepełnosprawni", "muzułmanie",
           "żydzi", "imigranci"],
    "ar": ["النساء", "المتحولون جنسيا", "المثليون", "السود", "المعاقون", "المسلمون",
           "اليهود", "المهاجرون"],
    "hi": ["औरतें", "ट्रांस लोग", "समलैंगिक", "काले लोग", "विकलांग लोग", "मुसलमान",
           "यहूदी", "प्रवासी"],
    "zh": ["女人", "跨性别者", "同性恋", "黑人", "残疾人", "穆斯林", "犹太人", "移民"],
    # Composed cases only (functional_compose.NEW_LANGS), no hand-written templates.
    "sw": ["wanawake", "watu waliobadili jinsia", "mashoga", "watu weusi", "walemavu",
           "Waislamu", "Wayahudi", "wahamiaji"],
    "id": ["perempuan", "orang transgender", "kaum gay", "orang kulit hitam",
           "penyandang disabilitas", "orang Islam", "orang Yahudi", "imigran"],
    "tl": ["mga babae", "mga transgender", "mga bakla", "mga itim", "mga may kapansanan",
           "mga Muslim", "mga Hudyo", "mga dayuhan"],
    "tr": ["kadınlar", "trans bireyler", "eşcinseller", "siyahlar", "engelliler",
           "Müslümanlar", "Yahudiler", "göçmenler"],
}  # fmt: skip

# More protected groups for the composed cases (functional_compose.py), by kind: two
# religions and four peoples or origins per language, as posts name them. With only the eight
# groups above the model learnt those words more than the rule: in a SEAHateCheck sample,
# "orang ntt bukan manusia" scored 0.04 though "{g} bukan manusia" is a training frame. Each
# frame takes three of the fourteen, the same number of cases as before (models/MODELS.md).
EXTRA_GROUP_KEYS = ["religion", "religion", "ethnic", "ethnic", "ethnic", "ethnic"]
EXTRA_GROUPS: dict[str, list[str]] = {
    "en": ["Hindus", "Christians", "Roma", "Asians", "Arabs", "Mexicans"],
    "fr": ["les hindous", "les chrétiens", "les Roms", "les Asiatiques", "les Arabes",
           "les Africains"],
    "de": ["Hindus", "Christen", "Roma", "Asiaten", "Araber", "Türken"],
    "es": ["los hindúes", "los cristianos", "los gitanos", "los asiáticos", "los indígenas",
           "los venezolanos"],
    "pt": ["os hindus", "os evangélicos", "os ciganos", "os asiáticos", "os indígenas",
           "os nordestinos"],
    "it": ["gli induisti", "i cristiani", "i rom", "gli asiatici", "gli arabi", "i meridionali"],
    "nl": ["hindoes", "christenen", "Roma", "Aziaten", "Marokkanen", "Turken"],
    "pl": ["hindusi", "chrześcijanie", "Romowie", "Azjaci", "Arabowie", "Ukraińcy"],
    "ar": ["الهندوس", "المسيحيون", "الغجر", "الآسيويون", "الأكراد", "الأفارقة"],
    "hi": ["हिंदू", "ईसाई", "दलित", "बिहारी", "बंगाली", "आदिवासी"],
    "zh": ["印度教徒", "基督徒", "藏族人", "维吾尔族人", "外地人", "非洲人"],
    "sw": ["Wahindu", "Wakristo", "Wakikuyu", "Wajaluo", "Wasomali", "Wamaasai"],
    "id": ["orang Kristen", "orang Hindu", "orang Tionghoa", "orang Papua", "orang Madura",
           "orang Batak"],
    "tl": ["mga Kristiyano", "mga Hindu", "mga Intsik", "mga Badjao", "mga Aeta", "mga Igorot"],
    "tr": ["Hristiyanlar", "Aleviler", "Kürtler", "Ermeniler", "Romanlar", "Suriyeliler"],
}  # fmt: skip

# Non-protected targets (professions, objects of taste): abuse against them is not hate.
OTHERS: dict[str, list[str]] = {
    "en": ["lawyers", "bankers", "tourists", "mosquitoes", "Mondays"],
    "fr": ["les avocats", "les banquiers", "les touristes", "les moustiques", "les lundis"],
    "de": ["Anwälte", "Banker", "Touristen", "Mücken", "Montage"],
    "es": ["los abogados", "los banqueros", "los turistas", "los mosquitos", "los lunes"],
    "pt": ["os advogados", "os banqueiros", "os turistas", "os mosquitos", "as segundas"],
    "it": ["gli avvocati", "i banchieri", "i turisti", "le zanzare", "i lunedì"],
    "nl": ["advocaten", "bankiers", "toeristen", "muggen", "maandagen"],
    "pl": ["prawnicy", "bankierzy", "turyści", "komary", "poniedziałki"],
    "ar": ["المحامون", "المصرفيون", "السياح", "البعوض", "أيام الاثنين"],
    "hi": ["वकील", "बैंकर", "पर्यटक", "मच्छर", "सोमवार"],
    "zh": ["律师", "银行家", "游客", "蚊子", "星期一"],
}  # fmt: skip

# (template id, text). "{g}" is a group; templates marked "*" are also used with OTHERS.
HATEFUL: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("h-worthless", "{g} are worthless and always will be."),
        ("h-contempt", "{g} deserve nothing but contempt."),
        ("h-hate*", "I hate {g}."),
        ("h-vermin*", "{g} are disgusting vermin."),
        ("h-plague*", "{g} are a plague on this country."),
        ("h-kill", "I want to kill all {g}."),
        ("h-subhuman", "{g} are subhuman garbage."),
        ("h-getrid", "We should get rid of {g} once and for all."),
        ("h-live", "{g} don't deserve to live."),
        ("h-criminal", "Never trust {g}, they are all criminals."),
        ("h-vote", "{g} should not be allowed to vote."),
        ("h-stupid", "{g} are too stupid to think for themselves."),
        ("h-shoot", "Someone should shoot every one of {g}."),
        ("h-place", "{g} belong in cages, not among decent people."),
    ],
    "fr": [
        ("h-worthless", "{g} ne valent rien."),
        ("h-contempt", "{g} ne méritent que du mépris."),
        ("h-hate*", "Je déteste {g}."),
        ("h-vermin*", "{g} sont de la vermine répugnante."),
        ("h-plague*", "{g} sont un fléau pour ce pays."),
        ("h-kill", "J'ai envie de tuer tous {g}."),
        ("h-subhuman", "{g} sont des sous-hommes."),
        ("h-getrid", "Il faut se débarrasser de {g} une bonne fois pour toutes."),
        ("h-live", "{g} ne méritent pas de vivre."),
        ("h-criminal", "Ne faites jamais confiance à {g}, ce sont tous des criminels."),
        ("h-vote", "{g} ne devraient pas avoir le droit de voter."),
        ("h-shoot", "Quelqu'un devrait abattre {g}."),
    ],
    "de": [
        ("h-worthless", "{g} sind wertlos."),
        ("h-contempt", "{g} verdienen nichts als Verachtung."),
        ("h-hate*", "Ich hasse {g}."),
        ("h-vermin*", "{g} sind ekelhaftes Ungeziefer."),
        ("h-plague*", "{g} sind eine Plage für dieses Land."),
        ("h-kill", "Ich will alle {g} umbringen."),
        ("h-subhuman", "{g} sind Untermenschen."),
        ("h-getrid", "Wir müssen {g} endlich loswerden."),
        ("h-live", "{g} verdienen es nicht zu leben."),
        ("h-criminal", "Trau niemals {g}, das sind alles Verbrecher."),
        ("h-vote", "{g} sollten nicht wählen dürfen."),
        ("h-shoot", "Man sollte {g} alle erschießen."),
    ],
    "es": [
        ("h-worthless", "{g} no valen nada."),
        ("h-contempt", "{g} solo merecen desprecio."),
        ("h-hate*", "Odio a {g}."),
        ("h-vermin*", "{g} son una plaga asquerosa."),
        ("h-plague*", "{g} son un cáncer para este país."),
        ("h-kill", "Quiero matar a todos {g}."),
        ("h-subhuman", "{g} son basura infrahumana."),
        ("h-getrid", "Hay que deshacerse de {g} de una vez por todas."),
        ("h-live", "{g} no merecen vivir."),
        ("h-criminal", "Nunca confíes en {g}, son todos unos delincuentes."),
        ("h-vote", "{g} no deberían poder votar."),
        ("h-shoot", "Alguien debería pegarles un tiro a {g}."),
    ],
    "pt": [
        ("h-worthless", "{g} não valem nada."),
        ("h-contempt", "{g} só merecem desprezo."),
        ("h-hate*", "Eu odeio {g}."),
        ("h-vermin*", "{g} são uma praga nojenta."),
        ("h-plague*", "{g} são um câncer para este país."),
        ("h-kill", "Quero matar todos {g}."),
        ("h-subhuman", "{g} são lixo sub-humano."),
        ("h-getrid", "Temos que nos livrar d{g} de uma vez por todas."),
        ("h-live", "{g} não merecem viver."),
        ("h-criminal", "Nunca confie n{g}, são todos bandidos."),
        ("h-vote", "{g} não deveriam poder votar."),
        ("h-shoot", "Alguém devia dar um tiro n{g}."),
    ],
    "it": [
        ("h-worthless", "{g} non valgono niente."),
        ("h-contempt", "{g} meritano solo disprezzo."),
        ("h-hate*", "Odio {g}."),
        ("h-vermin*", "{g} sono feccia schifosa."),
        ("h-plague*", "{g} sono una piaga per questo paese."),
        ("h-kill", "Voglio ammazzare tutti {g}."),
        ("h-subhuman", "{g} sono subumani."),
        ("h-getrid", "Dobbiamo sbarazzarci di {g} una volta per tutte."),
        ("h-live", "{g} non meritano di vivere."),
        ("h-criminal", "Non fidarti mai di {g}, sono tutti criminali."),
        ("h-vote", "{g} non dovrebbero poter votare."),
        ("h-shoot", "Qualcuno dovrebbe sparare a {g}."),
    ],
    "nl": [
        ("h-worthless", "{g} zijn waardeloos."),
        ("h-contempt", "{g} verdienen alleen maar minachting."),
        ("h-hate*", "Ik haat {g}."),
        ("h-vermin*", "{g} zijn walgelijk ongedierte."),
        ("h-plague*", "{g} zijn een plaag voor dit land."),
        ("h-kill", "Ik wil alle {g} afmaken."),
        ("h-subhuman", "{g} zijn onmensen."),
        ("h-getrid", "We moeten {g} voorgoed kwijt."),
        ("h-live", "{g} verdienen het niet om te leven."),
        ("h-criminal", "Vertrouw nooit {g}, het zijn allemaal criminelen."),
        ("h-vote", "{g} zouden niet mogen stemmen."),
        ("h-shoot", "Iemand zou {g} allemaal moeten neerschieten."),
    ],
    "pl": [
        ("h-hate*", "Nienawidzę, gdy {g} istnieją."),
        ("h-vermin*", "{g} to obrzydliwe robactwo."),
        ("h-plague*", "{g} to plaga tego kraju."),
        ("h-kill", "Chcę, żeby wszyscy {g} zdechli."),
        ("h-subhuman", "{g} to podludzie."),
        ("h-getrid", "Musimy raz na zawsze pozbyć się ich, {g} nie są ludźmi."),
        ("h-live", "{g} nie zasługują na życie."),
        ("h-criminal", "Nigdy nie ufaj, {g} to sami przestępcy."),
        ("h-vote", "{g} nie powinni mieć prawa głosu."),
    ],
    "ar": [
        ("h-hate*", "أنا أكره {g}."),
        ("h-vermin*", "{g} حشرات قذرة."),
        ("h-plague*", "{g} وباء على هذا البلد."),
        ("h-kill", "أريد أن أقتل كل {g}."),
        ("h-subhuman", "{g} ليسوا بشرا بل حثالة."),
        ("h-getrid", "يجب أن نتخلص من {g} نهائيا."),
        ("h-live", "{g} لا يستحقون الحياة."),
        ("h-criminal", "لا تثق أبدا في {g}، كلهم مجرمون."),
        ("h-vote", "{g} يجب ألا يسمح لهم بالتصويت."),
    ],
    "hi": [
        ("h-hate*", "मुझे {g} से नफ़रत है।"),
        ("h-vermin*", "{g} घिनौने कीड़े हैं।"),
        ("h-plague*", "{g} इस देश के लिए एक बीमारी हैं।"),
        ("h-kill", "मैं सारे {g} को मार डालना चाहता हूँ।"),
        ("h-subhuman", "{g} इंसान नहीं, कचरा हैं।"),
        ("h-getrid", "हमें {g} से हमेशा के लिए छुटकारा पाना होगा।"),
        ("h-live", "{g} जीने के लायक नहीं हैं।"),
        ("h-criminal", "{g} पर कभी भरोसा मत करो, सब अपराधी हैं।"),
        ("h-vote", "{g} को वोट देने का हक़ नहीं होना चाहिए।"),
    ],
    "zh": [
        ("h-hate*", "我讨厌{g}。"),
        ("h-vermin*", "{g}都是恶心的害虫。"),
        ("h-plague*", "{g}是这个国家的祸害。"),
        ("h-kill", "我想把所有{g}都杀光。"),
        ("h-subhuman", "{g}根本不是人，是垃圾。"),
        ("h-getrid", "我们必须彻底清除{g}。"),
        ("h-live", "{g}不配活着。"),
        ("h-criminal", "永远不要相信{g}，他们都是罪犯。"),
        ("h-vote", "{g}不应该有投票权。"),
    ],
}

NON_HATEFUL: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("n-respect", "{g} deserve respect."),
        ("n-welcome", "{g} are welcome here."),
        ("n-vote", "{g} have every right to vote."),
        ("n-equal", "{g} should be treated as equals."),
        ("n-neghate", "I don't hate {g}."),
        ("n-negvermin", "{g} are not vermin, they are people like us."),
        ("n-counter", "Saying that {g} are vermin is disgusting."),
        ("n-counter2", "If you think {g} should be deported, you are wrong."),
        ("n-quote", "He said {g} should be killed, which is horrifying."),
        ("n-love", "I love spending time with {g}."),
        ("n-rights", "{g} deserve the same rights as everyone else."),
        ("n-neutral", "Many {g} live in my neighbourhood."),
        ("n-meeting", "There is a meeting for {g} at the town hall tomorrow."),
        ("n-election", "The report looks at how {g} voted in the last election."),
        ("n-lies", "Stop spreading lies about {g}."),
        ("n-counter3", "Calling {g} animals is pure bigotry."),
        ("n-report", "I reported a post that called {g} scum."),
        ("n-shame", "Anyone who insults {g} should be ashamed."),
        ("n-proud", "I'm proud to stand with {g}."),
    ],
    "fr": [
        ("n-respect", "{g} méritent le respect."),
        ("n-welcome", "{g} sont les bienvenus ici."),
        ("n-vote", "{g} ont tout à fait le droit de voter."),
        ("n-equal", "{g} doivent être traités en égaux."),
        ("n-neghate", "Je ne déteste pas {g}."),
        ("n-negvermin", "{g} ne sont pas de la vermine, ce sont des gens comme nous."),
        ("n-counter", "Dire que {g} sont de la vermine, c'est honteux."),
        ("n-quote", "Il a dit qu'il fallait tuer {g}, c'est horrible."),
        ("n-love", "J'adore passer du temps avec {g}."),
        ("n-rights", "{g} méritent les mêmes droits que tout le monde."),
        ("n-neutral", "Beaucoup de {g} vivent dans mon quartier."),
        ("n-election", "Le rapport étudie comment {g} ont voté aux dernières élections."),
        ("n-lies", "Arrêtez de répandre des mensonges sur {g}."),
        ("n-counter3", "Traiter {g} d'animaux, c'est du pur sectarisme."),
        ("n-report", "J'ai signalé un message qui traitait {g} de racaille."),
        ("n-shame", "Ceux qui insultent {g} devraient avoir honte."),
    ],
    "de": [
        ("n-respect", "{g} verdienen Respekt."),
        ("n-welcome", "{g} sind hier willkommen."),
        ("n-vote", "{g} haben jedes Recht zu wählen."),
        ("n-equal", "{g} sollten gleich behandelt werden."),
        ("n-neghate", "Ich hasse {g} nicht."),
        ("n-negvermin", "{g} sind kein Ungeziefer, sondern Menschen wie wir."),
        ("n-counter", "Zu sagen, dass {g} Ungeziefer sind, ist widerlich."),
        ("n-quote", "Er hat gesagt, man solle {g} töten. Das ist entsetzlich."),
        ("n-love", "Ich verbringe gern Zeit mit {g}."),
        ("n-rights", "{g} verdienen die gleichen Rechte wie alle anderen."),
        ("n-neutral", "In meiner Nachbarschaft leben viele {g}."),
        ("n-election", "Der Bericht untersucht, wie {g} bei der letzten Wahl gewählt haben."),
        ("n-lies", "Hört auf, Lügen über {g} zu verbreiten."),
        ("n-counter3", "{g} als Tiere zu bezeichnen, ist blanker Hass."),
        ("n-report", "Ich habe einen Beitrag gemeldet, der {g} als Abschaum bezeichnet hat."),
        ("n-shame", "Wer {g} beleidigt, sollte sich schämen."),
    ],
    "es": [
        ("n-respect", "{g} merecen respeto."),
        ("n-welcome", "{g} son bienvenidos aquí."),
        ("n-vote", "{g} tienen todo el derecho a votar."),
        ("n-equal", "{g} deben ser tratados como iguales."),
        ("n-neghate", "No odio a {g}."),
        ("n-negvermin", "{g} no son una plaga, son personas como nosotros."),
        ("n-counter", "Decir que {g} son una plaga es repugnante."),
        ("n-quote", "Dijo que había que matar a {g}, es horrible."),
        ("n-love", "Me encanta pasar tiempo con {g}."),
        ("n-rights", "{g} merecen los mismos derechos que todos."),
        ("n-neutral", "En mi barrio viven muchos de {g}."),
        ("n-election", "El informe analiza cómo votaron {g} en las últimas elecciones."),
        ("n-lies", "Dejen de difundir mentiras sobre {g}."),
        ("n-counter3", "Llamar animales a {g} es pura intolerancia."),
        ("n-report", "Denuncié un mensaje que llamaba escoria a {g}."),
        ("n-shame", "Quien insulta a {g} debería avergonzarse."),
    ],
    "pt": [
        ("n-respect", "{g} merecem respeito."),
        ("n-welcome", "{g} são bem-vindos aqui."),
        ("n-vote", "{g} têm todo o direito de votar."),
        ("n-equal", "{g} devem ser tratados como iguais."),
        ("n-neghate", "Eu não odeio {g}."),
        ("n-negvermin", "{g} não são uma praga, são pessoas como nós."),
        ("n-counter", "Dizer que {g} são uma praga é nojento."),
        ("n-quote", "Ele disse que {g} deviam morrer, isso é horrível."),
        ("n-love", "Adoro passar tempo com {g}."),
        ("n-rights", "{g} merecem os mesmos direitos que todo mundo."),
        ("n-neutral", "Muitos d{g} moram no meu bairro."),
        ("n-election", "O relatório analisa como {g} votaram na última eleição."),
        ("n-lies", "Parem de espalhar mentiras sobre {g}."),
        ("n-counter3", "Chamar {g} de animais é pura intolerância."),
        ("n-report", "Denunciei um post que chamava {g} de escória."),
        ("n-shame", "Quem insulta {g} devia ter vergonha."),
    ],
    "it": [
        ("n-respect", "{g} meritano rispetto."),
        ("n-welcome", "{g} sono i benvenuti qui."),
        ("n-vote", "{g} hanno tutto il diritto di votare."),
        ("n-equal", "{g} vanno trattati da pari."),
        ("n-neghate", "Non odio {g}."),
        ("n-negvermin", "{g} non sono feccia, sono persone come noi."),
        ("n-counter", "Dire che {g} sono feccia è vergognoso."),
        ("n-quote", "Ha detto che bisogna ammazzare {g}, è orribile."),
        ("n-love", "Adoro passare il tempo con {g}."),
        ("n-rights", "{g} meritano gli stessi diritti di tutti."),
        ("n-neutral", "Nel mio quartiere vivono tanti di {g}."),
        ("n-election", "Il rapporto analizza come hanno votato {g} alle ultime elezioni."),
        ("n-lies", "Smettetela di diffondere bugie su {g}."),
        ("n-counter3", "Chiamare animali {g} è puro fanatismo."),
        ("n-report", "Ho segnalato un post che chiamava feccia {g}."),
        ("n-shame", "Chi insulta {g} dovrebbe vergognarsi."),
    ],
    "nl": [
        ("n-respect", "{g} verdienen respect."),
        ("n-welcome", "{g} zijn hier welkom."),
        ("n-vote", "{g} hebben alle recht om te stemmen."),
        ("n-equal", "{g} moeten als gelijken behandeld worden."),
        ("n-neghate", "Ik haat {g} niet."),
        ("n-negvermin", "{g} zijn geen ongedierte, het zijn mensen zoals wij."),
        ("n-counter", "Zeggen dat {g} ongedierte zijn, is walgelijk."),
        ("n-quote", "Hij zei dat {g} afgemaakt moeten worden, dat is verschrikkelijk."),
        ("n-love", "Ik breng graag tijd door met {g}."),
        ("n-rights", "{g} verdienen dezelfde rechten als iedereen."),
        ("n-neutral", "In mijn buurt wonen veel {g}."),
        ("n-election", "Het rapport bekijkt hoe {g} bij de laatste verkiezingen stemden."),
        ("n-lies", "Stop met het verspreiden van leugens over {g}."),
        ("n-counter3", "{g} beesten noemen is pure onverdraagzaamheid."),
        ("n-report", "Ik heb een bericht gemeld dat {g} uitschot noemde."),
        ("n-shame", "Wie {g} beledigt, zou zich moeten schamen."),
    ],
    "pl": [
        ("n-neghate", "Nie mam nic przeciwko temu, że {g} tu mieszkają."),
        ("n-negvermin", "{g} to nie robactwo, to ludzie tacy jak my."),
        ("n-counter", "Mówienie, że {g} to robactwo, jest obrzydliwe."),
        ("n-love", "Lubię spędzać czas, gdy {g} są z nami."),
        ("n-rights", "{g} zasługują na takie same prawa jak wszyscy."),
        ("n-neutral", "W mojej okolicy mieszkają {g}."),
        ("n-election", "Raport pokazuje, jak {g} głosowali w ostatnich wyborach."),
        ("n-lies", "Przestańcie kłamać, {g} są niewinni."),
    ],
    "ar": [
        ("n-neghate", "أنا لا أكره {g}."),
        ("n-negvermin", "{g} ليسوا حشرات، إنهم بشر مثلنا."),
        ("n-counter", "القول بأن {g} حشرات أمر مقزز."),
        ("n-love", "أحب قضاء الوقت مع {g}."),
        ("n-rights", "{g} يستحقون نفس الحقوق مثل الجميع."),
        ("n-neutral", "يعيش الكثير من {g} في حينا."),
        ("n-election", "يدرس التقرير كيف صوت {g} في الانتخابات الأخيرة."),
        ("n-lies", "توقفوا عن نشر الأكاذيب عن {g}."),
    ],
    "hi": [
        ("n-neghate", "मुझे {g} से कोई नफ़रत नहीं है।"),
        ("n-negvermin", "{g} कीड़े नहीं हैं, वे हमारी तरह इंसान हैं।"),
        ("n-counter", "यह कहना कि {g} कीड़े हैं, बहुत घटिया बात है।"),
        ("n-love", "मुझे {g} के साथ समय बिताना अच्छा लगता है।"),
        ("n-rights", "{g} को भी सबके जैसे अधिकार मिलने चाहिए।"),
        ("n-neutral", "मेरे मोहल्ले में बहुत से {g} रहते हैं।"),
        ("n-election", "रिपोर्ट में देखा गया कि पिछले चुनाव में {g} ने कैसे वोट दिया।"),
        ("n-lies", "{g} के बारे में झूठ फैलाना बंद करो।"),
    ],
    "zh": [
        ("n-neghate", "我并不讨厌{g}。"),
        ("n-negvermin", "{g}不是害虫，他们和我们一样是人。"),
        ("n-counter", "说{g}是害虫的人真让人恶心。"),
        ("n-love", "我喜欢和{g}一起度过时光。"),
        ("n-rights", "{g}应该享有和所有人一样的权利。"),
        ("n-neutral", "我们小区住着很多{g}。"),
        ("n-election", "这份报告研究了{g}在上次选举中的投票情况。"),
        ("n-lies", "别再散布关于{g}的谣言了。"),
    ],
}

# Profanity and abuse without a protected target: offensive at most, not hateful.
NO_TARGET: dict[str, list[str]] = {
    "en": ["What the fuck is wrong with this printer?", "This fucking traffic is killing me.",
           "Fuck, I missed the bus again.", "This weather is absolute shit.",
           "Holy shit, what a game that was!", "You are a complete idiot, Dave.",
           "Damn, I forgot my keys at home.", "My boss is such an asshole today."],
    "fr": ["Bordel, cette imprimante ne marche jamais.", "Ce putain de trafic me tue.",
           "Putain, j'ai encore raté le bus.", "Ce temps est vraiment de la merde.",
           "Merde, quel match incroyable !", "T'es vraiment un abruti, Paul."],
    "de": ["Was zur Hölle ist mit diesem Drucker los?", "Dieser verdammte Stau bringt mich um.",
           "Scheiße, ich habe schon wieder den Bus verpasst.", "Das Wetter ist echt beschissen.",
           "Verdammt, was für ein geiles Spiel!", "Du bist echt ein Vollidiot, Thomas."],
    "es": ["¿Qué coño le pasa a esta impresora?", "Este puto tráfico me está matando.",
           "Joder, he vuelto a perder el autobús.", "Este tiempo es una mierda.",
           "¡Hostia, qué partidazo!", "Eres un completo idiota, Juan."],
    "pt": ["Que porra essa impressora tem?", "Esse trânsito do caralho está me matando.",
           "Porra, perdi o ônibus de novo.", "Esse tempo está uma merda.",
           "Caralho, que jogo incrível!", "Você é um completo idiota, João."],
    "it": ["Che cazzo ha questa stampante?", "Questo traffico del cazzo mi sta uccidendo.",
           "Cazzo, ho perso di nuovo l'autobus.", "Questo tempo fa schifo.",
           "Porca miseria, che partita!", "Sei proprio un idiota, Marco."],
    "nl": ["Wat is er verdomme mis met deze printer?", "Dit kutverkeer maakt me gek.",
           "Kut, ik heb de bus weer gemist.", "Dit weer is echt klote.",
           "Verdomme, wat een wedstrijd!", "Je bent echt een idioot, Jan."],
    "pl": ["Kurwa, znowu uciekł mi autobus.", "Ta pogoda jest do dupy.",
           "Cholera, co za mecz!", "Jesteś kompletnym idiotą, Marek."],
    "ar": ["تبا، فاتني الباص مرة أخرى.", "هذا الطقس سيء جدا.", "أنت غبي تماما يا أحمد."],
    "hi": ["धत्, मेरी बस फिर छूट गई।", "आज का मौसम बहुत बेकार है।", "तुम पूरे बेवकूफ़ हो, राहुल।"],
    "zh": ["该死，我又错过了公交车。", "这天气真是糟透了。", "你真是个白痴，小王。"],
}  # fmt: skip


# What each template of the first set tests (HateCheck-style functionality names).
FUNCTIONALITY: dict[str, str] = {
    **dict.fromkeys(
        ["h-worthless", "h-contempt", "h-hate*", "h-vermin*", "h-plague*", "h-subhuman",
         "h-criminal", "h-vote", "h-stupid", "h-place"],
        "derogation",
    ),
    **dict.fromkeys(["h-kill", "h-getrid", "h-live", "h-shoot"], "threat"),
    **dict.fromkeys(
        ["n-respect", "n-welcome", "n-vote", "n-equal", "n-love", "n-rights", "n-proud"],
        "identity-positive",
    ),
    **dict.fromkeys(["n-neutral", "n-meeting", "n-election"], "identity-neutral"),
    **dict.fromkeys(["n-neghate", "n-negvermin"], "negated-hate"),
    **dict.fromkeys(["n-quote", "n-report"], "counter-quote"),
    **dict.fromkeys(
        ["n-counter", "n-counter2", "n-counter3", "n-lies", "n-shame"], "counter-reference"
    ),
}  # fmt: skip

# The first set's held-out templates (kept, so figures stay comparable across versions);
# every template of functional_heldout (ids "e-...") is held out as well.
FIRST_HELDOUT = frozenset({"h-shoot", "h-live", "n-quote", "n-rights", "n-lies", "x-h-plague*"})


@dataclass(frozen=True, slots=True)
class FunctionalCase:
    text: str
    label: int
    lang: str
    template: str
    target_group: str | None
    functionality: str = ""


# Article contractions the plain substitution gets wrong.
_CONTRACTIONS = [
    (" à les ", " aux "), (" de les ", " des "), (" sur les ", " sur les "),
    (" di i ", " dei "), (" di le ", " delle "), (" di gli ", " degli "),
    (" a i ", " ai "), (" a le ", " alle "), (" a gli ", " agli "),
    (" su i ", " sui "), (" su le ", " sulle "), (" su gli ", " sugli "),
    (" con i ", " con i "), ("tanti di gli ", "tanti "), ("tanti di i ", "tanti "),
    ("tanti di le ", "tante "), (" de las ", " de las "),
    (" a as ", " às "), (" a os ", " aos "),
]  # fmt: skip


def _fill(template: str, group: str) -> str:
    # Portuguese contractions are written "d{g}" / "n{g}": "d" + "os gays" -> "dos gays".
    text = template.replace("{g}", group)
    for a, b in _CONTRACTIONS:
        text = text.replace(a, b)
    return text[0].upper() + text[1:] if text and text[0].islower() else text


_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
# Devanagari vowel signs are not \w: without them a Hindi word falls apart.
_WORD = re.compile(r"[\w\u0900-\u0963\u0966-\u097f]{4,}")


def spelling_variant(text: str, prefer: str = "") -> str:
    """One deterministic misspelling of ``text`` (HateCheck's F25-F29): swapped adjacent
    characters, a dropped character, a missing word boundary, spaces between the letters
    of a word, or leetspeak. It hits a word of ``prefer`` (the group or slur) half the
    time, else another word."""
    h = stable_hash(text)
    words = list(_WORD.finditer(text))
    if not words:
        return text
    inside = [m for m in words if prefer and m.group() in prefer]
    pool = inside if inside and h % 2 else words
    m = pool[(h >> 3) % len(pool)]
    w, a, b = m.group(), m.start(), m.end()
    op = (h >> 11) % 5
    latin = w.isascii()
    if op == 4 and not (latin and w.lower() != w.lower().translate(_LEET)):
        op = 0
    if op == 2 and not (a > 0 and text[a - 1] == " ") and text[b : b + 1] != " ":
        op = 1
    i = 1 + (h >> 17) % max(1, len(w) - 2)
    if op == 0:
        new = w[: i - 1] + w[i] + w[i - 1] + w[i + 1 :]
    elif op == 1:
        new = w[:i] + w[i + 1 :]
    elif op == 2:
        if a > 0 and text[a - 1] == " ":
            return text[: a - 1] + text[a:]
        return text[:b] + text[b + 1 :]
    elif op == 3:
        new = " ".join(w)
    else:
        new = w.lower().translate(_LEET)
    return text[:a] + new + text[b:]


def _templated(
    lang: str,
    hateful: list[tuple[str, str, str]],
    non_hateful: list[tuple[str, str, str]],
    others: list[str],
) -> list[FunctionalCase]:
    out: list[FunctionalCase] = []
    for tid, fn, tpl in hateful:
        for key, g in zip(GROUP_KEYS, GROUPS[lang], strict=False):
            out.append(FunctionalCase(_fill(tpl, g), 1, lang, tid, TARGET_NAMES[key], fn))
        if tid.endswith("*"):
            for o in others:
                out.append(
                    FunctionalCase(_fill(tpl, o), 0, lang, "x-" + tid, None, "abuse-nonprotected")
                )
    for tid, fn, tpl in non_hateful:
        for g in GROUPS[lang]:
            out.append(FunctionalCase(_fill(tpl, g), 0, lang, tid, None, fn))
    return out


def _slur_cases(lang: str, frames: list[str], prefix: str) -> list[FunctionalCase]:
    out = []
    for j, frame in enumerate(frames):
        for slur, key in FT.SLURS.get(lang, []):
            text = _fill(frame.replace("{s}", slur), "")
            out.append(FunctionalCase(text, 1, lang, f"{prefix}{j}", TARGET_NAMES[key], "slur"))
    return out


def _with_variants(cases: list[FunctionalCase], every_hateful: int, every_other: int) -> list:
    """Add a misspelt copy of every n-th case (chosen by hash); it keeps its template id,
    so a template's variants stay on the same side of the split."""
    out = list(cases)
    for c in cases:
        every = every_hateful if c.label else every_other
        if stable_hash("variant:" + c.text) % every:
            continue
        prefer = c.text if c.functionality == "slur" else ""
        for g in GROUPS[c.lang]:
            if g in c.text:
                prefer = g
        text = spelling_variant(c.text, prefer)
        if text != c.text:
            fn = "spelling" if c.label else "spelling-nonhateful"
            out.append(FunctionalCase(text, c.label, c.lang, c.template, c.target_group, fn))
    return out


def functional_cases(langs: list[str] | None = None) -> list[FunctionalCase]:
    out: list[FunctionalCase] = []
    for lang in langs or list(GROUPS):
        train = _templated(
            lang,
            [(t, FUNCTIONALITY.get(t, ""), s) for t, s in HATEFUL.get(lang, [])]
            + FT.HATEFUL.get(lang, []),
            [(t, FUNCTIONALITY.get(t, ""), s) for t, s in NON_HATEFUL.get(lang, [])]
            + FT.NON_HATEFUL.get(lang, [])
            + FT.COUNTER.get(lang, []),
            OTHERS.get(lang, []),
        )
        for i, s in enumerate(NO_TARGET.get(lang, [])):
            train.append(FunctionalCase(s, 0, lang, f"p-{i}", None, "no-target"))
        individual = [("abuse-individual", s) for s in FT.INDIVIDUAL.get(lang, [])]
        for i, (fn, s) in enumerate(FT.NO_TARGET.get(lang, []) + individual):
            train.append(FunctionalCase(s, 0, lang, f"q-{i}", None, fn))
        train += _slur_cases(lang, FT.SLUR_FRAMES.get(lang, []), "s-")
        train += _templated(lang, FE.HATEFUL.get(lang, []), FE.NON_HATEFUL.get(lang, []), [])
        for i, (fn, s) in enumerate(FE.CLAIMS.get(lang, [])):
            train.append(FunctionalCase(s, 0, lang, f"v-{i}", None, fn))
        groups, keys = GROUPS[lang] + EXTRA_GROUPS[lang], GROUP_KEYS + EXTRA_GROUP_KEYS
        for text, label, tid, key, fn in FC.composed(lang, groups, keys):
            target = TARGET_NAMES[key] if key else None
            train.append(FunctionalCase(_fill(text, ""), label, lang, tid, target, fn))
        held = _templated(lang, FH.HATEFUL.get(lang, []), FH.NON_HATEFUL.get(lang, []),
                          FH.OTHERS.get(lang, []))  # fmt: skip
        for i, (fn, s) in enumerate(FH.NO_TARGET.get(lang, [])):
            held.append(FunctionalCase(s, 0, lang, f"e-q-{i}", None, fn))
        if lang in FH.SLUR_FRAMES:
            held += _slur_cases(lang, [FH.SLUR_FRAMES[lang]], "e-s-")
        out += _with_variants(train, 3, 4) + _with_variants(held, 2, 4)
    return out


def is_heldout(template: str) -> bool:
    return template in FIRST_HELDOUT or template.startswith(("e-", "x-e-"))


def split_by_template(
    cases: list[FunctionalCase], heldout: frozenset[str] | None = None
) -> tuple[list[FunctionalCase], list[FunctionalCase]]:
    """Hold out whole templates, so the evaluation measures transfer to unseen phrasings.
    Default: the first set's held-out templates and every functional_heldout template."""

    def held(t: str) -> bool:
        return t in heldout if heldout is not None else is_heldout(t)

    train = [c for c in cases if not held(c.template)]
    test = [c for c in cases if held(c.template)]
    return train, test
