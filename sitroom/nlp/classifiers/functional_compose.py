"""Compositional training cases for the hate-speech model: frames x fillers x groups.

The hand-written templates (functional.py, functional_train.py) give each functionality a
few fixed sentences; a model trained on them learns those sentences more than the rule
behind them. Here the rule is spelt out: a protected group with a derogatory predicate is
hateful however it is framed (statement, opinion, question, a pronoun in the next
sentence, a negated positive, a call to violence), while the same predicate denied, quoted
in order to reject it, or said of a non-protected target is not, nor is a call to violence
negated ("nobody should ...") or a positive quality affirmed.

Each language has predicate nouns (``neg``: "{g} are <neg>"), positive qualities whose
denial is hateful (``pos``), violent verbs in the infinitive (``act``), non-protected
targets (``others``), and frames per functionality. Which groups fill a frame is chosen by
hash, so the set stays small (about 870 cases per language) and reproducible. ``MORE`` adds
a negative emotion the group causes (hateful; said of others, not), neutral mentions of a
group (not hateful) and vulgar derogatory predicates to every derogation frame. ``VARIANTS``
composes the same again for the ways a language is posted besides its standard form:
colloquial Arabic, Arabic in Latin letters ("Arabizi") and Hindi in Latin letters. Template
ids start with ``c-`` (a variant's with ``c-<tag>-``) and name frame and filler, so a case's
misspelt copies stay on its side of the out-of-fold split. Nothing here was written from the
held-out files or from any published test suite.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

from sitroom.nlp.classifiers.base import stable_hash

Frames = dict[str, list[str]]


@dataclass(frozen=True)
class Lang:
    neg: list[str]  # derogatory predicate: "{g} are {x}"
    pos: list[str]  # positive predicate, hateful when denied
    act: list[str]  # violent verb phrase, infinitive: "we should {x} {g}"
    others: list[str]  # non-protected targets
    hateful: Frames  # functionality -> frames using {g} and {x}
    non_hateful: Frames
    # Positive qualities, only ever affirmed (identity-positive frames): denying "brilliant"
    # is not what a denied "human" or "equal" is, and pairing them taught the wrong contrast.
    good: list[str] = field(default_factory=list)
    # A negative emotion the group causes, the group as subject ("{g} disgust me"): hateful;
    # the same said of a non-protected target is not.
    emote: list[str] = field(default_factory=list)
    # A neutral predicate, the group as subject ("{g} live on my street"): not hateful.
    neutral: list[str] = field(default_factory=list)
    # Vulgar derogatory predicates, appended to ``neg`` where it lacks them (so they fill
    # every derogation frame): each said of three non-protected targets, not one, so that
    # vulgarity alone does not read as hate.
    vulgar: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = [v for v in self.vulgar if v not in self.neg]
        if missing:
            object.__setattr__(self, "neg", self.neg + missing)


LANGS: dict[str, Lang] = {
    "en": Lang(
        neg=["vermin", "a plague on this country", "savages", "a disgrace", "subhuman trash",
             "parasites", "a disease", "filthy animals", "a burden on all of us"],
        pos=["human", "real citizens", "equal to us", "worthy of respect", "welcome here"],
        good=["wonderful people", "kind and generous", "brilliant"],
        act=["kill", "wipe out", "burn", "get rid of", "beat up"],
        others=["referees", "politicians who lie", "spammers", "landlords", "traffic wardens"],
        hateful={
            "derogation": ["{g} are {x}.", "All {g} are {x}.", "{g} are nothing but {x}."],
            "opinion": ["I think {g} are {x}.", "In my opinion, {g} are {x}.",
                        "Honestly, I believe {g} are {x}."],
            "question": ["Why are {g} such {x}?", "Isn't it obvious that {g} are {x}?"],
            "pronoun-reference": ["I have met {g}. They are {x}.",
                                  "Never trust {g}, they are {x}."],
            "negated-positive": ["{g} are not {p}.", "{g} will never be {p}."],
            "threat": ["We should {a} all {g}.", "Someone needs to {a} {g}.",
                       "I want to {a} every one of {g}."],
        },
        non_hateful={
            "negated-threat": ["Nobody should ever {a} {g}.", "I would never {a} {g}."],
            "negated-hate": ["{g} are not {x}.", "I don't think {g} are {x}.",
                             "No, {g} are not {x} at all."],
            "counter-quote": ['Saying "{g} are {x}" is pure bigotry.',
                              'Anyone who says {g} are {x} should be ashamed.'],
            "counter-reference": ["Calling {g} {x} is hate speech and it has to stop.",
                                  "Stop telling people that {g} are {x}."],
            "identity-positive": ["{g} are {p}.", "I think {g} are {p}."],
        },
    ),
    "fr": Lang(
        neg=["de la vermine", "une plaie pour ce pays", "des sauvages", "une honte",
             "des sous-hommes", "des parasites", "une maladie", "des animaux",
             "un fardeau pour nous tous"],
        pos=["humains", "de vrais citoyens", "nos égaux", "bienvenus ici", "dignes de respect"],
        good=["formidables", "gentils et généreux", "brillants"],
        act=["tuer", "exterminer", "brûler", "chasser", "frapper"],
        others=["les arbitres", "les politiciens menteurs", "les spammeurs",
                "les propriétaires", "les contractuels"],
        hateful={
            "derogation": ["{g} sont {x}.", "Tous {g} sont {x}.", "{g} ne sont que {x}."],
            "opinion": ["Je pense que {g} sont {x}.", "À mon avis, {g} sont {x}.",
                        "Franchement, je crois que {g} sont {x}."],
            "question": ["Pourquoi {g} sont-ils {x} ?",
                         "N'est-il pas évident que {g} sont {x} ?"],
            "pronoun-reference": ["J'ai connu {g}. Ce sont {x}.",
                                  "Ne faites jamais confiance à {g}, ce sont {x}."],
            "negated-positive": ["{g} ne sont pas {p}.", "{g} ne seront jamais {p}."],
            "threat": ["Il faut {a} {g}.", "Quelqu'un doit {a} {g}.",
                       "Je veux {a} {g}, jusqu'au dernier."],
        },
        non_hateful={
            "negated-threat": ["Personne ne devrait {a} {g}.", "Je ne voudrais jamais {a} {g}."],
            "negated-hate": ["{g} ne sont pas {x}.", "Je ne pense pas que {g} soient {x}.",
                             "Non, {g} ne sont pas du tout {x}."],
            "counter-quote": ["Dire « {g} sont {x} », c'est du racisme pur.",
                              "Ceux qui disent que {g} sont {x} devraient avoir honte."],
            "counter-reference": ["Dire que {g} sont {x}, c'est un discours de haine.",
                                  "Arrêtez de répéter que {g} sont {x}."],
            "identity-positive": ["{g} sont {p}.", "Je pense que {g} sont {p}."],
        },
    ),
    "de": Lang(
        neg=["Ungeziefer", "eine Plage für dieses Land", "Wilde", "eine Schande",
             "Untermenschen", "Parasiten", "eine Krankheit", "dreckige Tiere",
             "eine Last für uns alle"],
        pos=["menschlich", "gleichwertig", "hier willkommen", "etwas wert",
             "vertrauenswürdig"],
        good=["wunderbar", "freundlich und großzügig", "klug"],
        act=["töten", "auslöschen", "verbrennen", "loswerden", "verprügeln"],
        others=["Schiedsrichter", "verlogene Politiker", "Spammer", "Vermieter",
                "Politessen"],
        hateful={
            "derogation": ["{g} sind {x}.", "Alle {g} sind {x}.", "{g} sind nichts als {x}."],
            "opinion": ["Ich denke, {g} sind {x}.", "Meiner Meinung nach sind {g} {x}.",
                        "Ehrlich gesagt glaube ich, dass {g} {x} sind."],
            "question": ["Warum sind {g} solche {x}?", "Ist es nicht offensichtlich, dass {g} {x} sind?"],
            "pronoun-reference": ["Ich kenne {g}. Sie sind {x}.",
                                  "Trau niemals {g}, sie sind {x}."],
            "negated-positive": ["{g} sind nicht {p}.", "{g} werden nie {p} sein."],
            "threat": ["Wir sollten alle {g} {a}.", "Jemand muss {g} {a}.",
                       "Ich will {g} {a}, jeden einzelnen."],
        },
        non_hateful={
            "negated-threat": ["Niemand sollte {g} {a}.", "Ich würde niemals {g} {a}."],
            "negated-hate": ["Es stimmt nicht, dass {g} {x} sind.",
                             "Ich glaube nicht, dass {g} {x} sind.",
                             "Nein, {g} sind überhaupt nicht {x}."],
            "counter-quote": ["Zu sagen „{g} sind {x}“ ist reiner Hass.",
                              "Wer sagt, {g} seien {x}, sollte sich schämen."],
            "counter-reference": ["{g} als {x} zu bezeichnen ist Hassrede.",
                                  "Hört auf zu behaupten, {g} seien {x}."],
            "identity-positive": ["{g} sind {p}.", "Ich finde, {g} sind {p}."],
        },
    ),
    "es": Lang(
        neg=["una plaga para este país", "unos salvajes", "una vergüenza", "escoria",
             "unos parásitos", "una enfermedad", "animales sucios", "una carga para todos"],
        pos=["humanos", "ciudadanos de verdad", "iguales a nosotros", "bienvenidos aquí",
             "dignos de respeto"],
        good=["maravillosos", "amables y generosos", "inteligentes"],
        act=["matar", "exterminar", "quemar", "echar", "darles una paliza a"],
        others=["los árbitros", "los políticos mentirosos", "los spammers",
                "los caseros", "los controladores de tráfico"],
        hateful={
            "derogation": ["{g} son {x}.", "Todos {g} son {x}.", "{g} no son más que {x}."],
            "opinion": ["Creo que {g} son {x}.", "En mi opinión, {g} son {x}.",
                        "Sinceramente, pienso que {g} son {x}."],
            "question": ["¿Por qué {g} son {x}?", "¿No es obvio que {g} son {x}?"],
            "pronoun-reference": ["Conozco a {g}. Son {x}.",
                                  "Nunca confíes en {g}, son {x}."],
            "negated-positive": ["{g} no son {p}.", "{g} nunca serán {p}."],
            "threat": ["Hay que {a} {g}.", "Alguien tiene que {a} {g}.",
                       "Quiero {a} {g}, a todos."],
        },
        non_hateful={
            "negated-threat": ["Nadie debería {a} {g}.", "Yo nunca querría {a} {g}."],
            "negated-hate": ["{g} no son {x}.", "No creo que {g} sean {x}.",
                             "No, {g} no son {x} en absoluto."],
            "counter-quote": ["Decir «{g} son {x}» es puro odio.",
                              "Quien dice que {g} son {x} debería avergonzarse."],
            "counter-reference": ["Llamar {x} a {g} es discurso de odio.",
                                  "Dejen de decir que {g} son {x}."],
            "identity-positive": ["{g} son {p}.", "Creo que {g} son {p}."],
        },
    ),
    "pt": Lang(
        neg=["uma praga neste país", "uns selvagens", "uma vergonha", "escória",
             "uns parasitas", "uma doença", "animais imundos", "um fardo para todos nós"],
        pos=["humanos", "cidadãos de verdade", "iguais a nós", "bem-vindos aqui",
             "dignos de respeito"],
        good=["maravilhosos", "gentis e generosos", "inteligentes"],
        act=["matar", "exterminar", "queimar", "expulsar", "espancar"],
        others=["os árbitros", "os políticos mentirosos", "os spammers", "os senhorios",
                "os fiscais de trânsito"],
        hateful={
            "derogation": ["{g} são {x}.", "Todos {g} são {x}.", "{g} não passam de {x}."],
            "opinion": ["Acho que {g} são {x}.", "Na minha opinião, {g} são {x}.",
                        "Sinceramente, penso que {g} são {x}."],
            "question": ["Por que {g} são {x}?", "Não é óbvio que {g} são {x}?"],
            "pronoun-reference": ["Conheço {g}. São {x}.",
                                  "Nunca confie em {g}, eles são {x}."],
            "negated-positive": ["{g} não são {p}.", "{g} nunca serão {p}."],
            "threat": ["Temos que {a} {g}.", "Alguém precisa {a} {g}.",
                       "Quero {a} {g}, todos eles."],
        },
        non_hateful={
            "negated-threat": ["Ninguém deveria {a} {g}.", "Eu nunca iria {a} {g}."],
            "negated-hate": ["{g} não são {x}.", "Não acho que {g} sejam {x}.",
                             "Não, {g} não são {x} de jeito nenhum."],
            "counter-quote": ["Dizer \"{g} são {x}\" é puro ódio.",
                              "Quem diz que {g} são {x} devia ter vergonha."],
            "counter-reference": ["Chamar {g} de {x} é discurso de ódio.",
                                  "Parem de dizer que {g} são {x}."],
            "identity-positive": ["{g} são {p}.", "Acho que {g} são {p}."],
        },
    ),
    "it": Lang(
        neg=["una piaga per questo paese", "dei selvaggi", "una vergogna", "feccia",
             "dei parassiti", "una malattia", "animali sporchi", "un peso per tutti noi"],
        pos=["umani", "veri cittadini", "uguali a noi", "benvenuti qui", "degni di rispetto"],
        good=["meravigliosi", "gentili e generosi", "intelligenti"],
        act=["uccidere", "sterminare", "bruciare", "cacciare", "picchiare"],
        others=["gli arbitri", "i politici bugiardi", "gli spammer", "i padroni di casa",
                "i vigili"],
        hateful={
            "derogation": ["{g} sono {x}.", "Tutti {g} sono {x}.", "{g} non sono altro che {x}."],
            "opinion": ["Penso che {g} siano {x}.", "Secondo me {g} sono {x}.",
                        "Sinceramente, credo che {g} siano {x}."],
            "question": ["Perché {g} sono {x}?", "Non è ovvio che {g} sono {x}?"],
            "pronoun-reference": ["Conosco {g}. Sono {x}.",
                                  "Non fidarti mai di {g}, sono {x}."],
            "negated-positive": ["{g} non sono {p}.", "{g} non saranno mai {p}."],
            "threat": ["Bisogna {a} {g}.", "Qualcuno deve {a} {g}.",
                       "Voglio {a} {g}, tutti quanti."],
        },
        non_hateful={
            "negated-threat": ["Nessuno dovrebbe {a} {g}.", "Non vorrei mai {a} {g}."],
            "negated-hate": ["{g} non sono {x}.", "Non penso che {g} siano {x}.",
                             "No, {g} non sono affatto {x}."],
            "counter-quote": ["Dire «{g} sono {x}» è puro odio.",
                              "Chi dice che {g} sono {x} dovrebbe vergognarsi."],
            "counter-reference": ["Chiamare {g} {x} è incitamento all'odio.",
                                  "Smettetela di dire che {g} sono {x}."],
            "identity-positive": ["{g} sono {p}.", "Penso che {g} siano {p}."],
        },
    ),
    "nl": Lang(
        neg=["ongedierte", "een plaag voor dit land", "wilden", "een schande",
             "untermenschen", "parasieten", "een ziekte", "smerige dieren",
             "een last voor ons allemaal"],
        pos=["menselijk", "gelijkwaardig", "hier welkom", "iets waard", "te vertrouwen"],
        good=["geweldig", "vriendelijk en gul", "slim"],
        act=["vermoorden", "uitroeien", "verbranden", "wegjagen", "in elkaar slaan"],
        others=["scheidsrechters", "liegende politici", "spammers", "huisjesmelkers",
                "parkeerwachters"],
        hateful={
            "derogation": ["{g} zijn {x}.", "Alle {g} zijn {x}.", "{g} zijn niets dan {x}."],
            "opinion": ["Ik denk dat {g} {x} zijn.", "Volgens mij zijn {g} {x}.",
                        "Eerlijk gezegd vind ik {g} {x}."],
            "question": ["Waarom zijn {g} zulke {x}?", "Is het niet duidelijk dat {g} {x} zijn?"],
            "pronoun-reference": ["Ik ken {g}. Het zijn {x}.",
                                  "Vertrouw nooit {g}, ze zijn {x}."],
            "negated-positive": ["{g} zijn niet {p}.", "{g} zullen nooit {p} zijn."],
            "threat": ["We moeten alle {g} {a}.", "Iemand moet {g} {a}.",
                       "Ik wil {g} {a}, stuk voor stuk."],
        },
        non_hateful={
            "negated-threat": ["Niemand zou {g} moeten {a}.", "Ik zou {g} nooit {a}."],
            "negated-hate": ["Het is niet waar dat {g} {x} zijn.",
                             "Ik denk niet dat {g} {x} zijn.",
                             "Nee, {g} zijn echt niet {x}."],
            "counter-quote": ["Zeggen dat \"{g} {x} zijn\" is pure haat.",
                              "Wie zegt dat {g} {x} zijn, moet zich schamen."],
            "counter-reference": ["{g} {x} noemen is haatzaaien.",
                                  "Stop met beweren dat {g} {x} zijn."],
            "identity-positive": ["{g} zijn {p}.", "Ik vind {g} {p}."],
        },
    ),
    "pl": Lang(
        neg=["robactwem", "plagą tego kraju", "dzikusami", "hańbą", "podludźmi",
             "pasożytami", "chorobą", "brudnymi zwierzętami", "ciężarem dla nas wszystkich"],
        pos=["ludźmi", "prawdziwymi obywatelami", "równi nam", "tu mile widziani",
             "godni szacunku"],
        good=["wspaniałymi ludźmi", "życzliwymi i hojnymi ludźmi", "mądrymi ludźmi"],
        act=["zabić", "wytępić", "spalić", "przegonić", "pobić"],
        others=["sędziowie", "kłamliwi politycy", "spamerzy", "właściciele mieszkań",
                "strażnicy miejscy"],
        hateful={
            "derogation": ["{g} są {x}.", "Wszyscy {g} są {x}.", "{g} są tylko {x}."],
            "opinion": ["Myślę, że {g} są {x}.", "Moim zdaniem {g} są {x}.",
                        "Szczerze mówiąc, uważam, że {g} są {x}."],
            "question": ["Dlaczego {g} są {x}?", "Czy to nie oczywiste, że {g} są {x}?"],
            "pronoun-reference": ["Znam {g}. Oni są {x}.",
                                  "{g}? Nigdy im nie ufaj, to są {x}."],
            "negated-positive": ["{g} nie są {p}.", "{g} nigdy nie będą {p}."],
            "threat": ["Trzeba {a} {g}.", "Ktoś musi {a} {g}.",
                       "Chcę {a} {g}, wszystkich co do jednego."],
        },
        non_hateful={
            "negated-threat": ["Nikt nie powinien {a} {g}.", "Nigdy nie chciałbym {a} {g}."],
            "negated-hate": ["{g} nie są {x}.", "Nie sądzę, żeby {g} byli {x}.",
                             "Nie, {g} wcale nie są {x}."],
            "counter-quote": ["Mówienie „{g} są {x}” to czysta nienawiść.",
                              "Kto mówi, że {g} są {x}, powinien się wstydzić."],
            "counter-reference": ["Nazywanie ich {x} to mowa nienawiści, {g} na to nie zasługują.",
                                  "Przestańcie mówić, że {g} są {x}."],
            "identity-positive": ["{g} są {p}.", "Myślę, że {g} są {p}."],
        },
    ),
    "ar": Lang(
        neg=["حشرات", "وباء على هذا البلد", "همج", "عار", "حثالة", "طفيليات", "مرض",
             "حيوانات قذرة", "عبء علينا جميعا"],
        pos=["بشر", "مواطنون حقيقيون", "متساوون معنا", "مرحب بهم هنا", "يستحقون الاحترام"],
        good=["رائعون", "طيبون وكرماء", "أذكياء"],
        act=["قتل", "إبادة", "حرق", "طرد", "ضرب"],
        others=["الحكام في المباريات", "السياسيون الكذابون", "مرسلو الرسائل المزعجة",
                "الملاك", "شرطة المرور"],
        hateful={
            "derogation": ["{g} {x}.", "كل {g} {x}.", "{g} ليسوا إلا {x}."],
            "opinion": ["أعتقد أن {g} {x}.", "في رأيي {g} {x}.", "بصراحة أظن أن {g} {x}."],
            "question": ["لماذا {g} {x}؟", "أليس واضحا أن {g} {x}؟"],
            "pronoun-reference": ["أعرف {g}. إنهم {x}.", "لا تثق أبدا في {g}، إنهم {x}."],
            "negated-positive": ["{g} ليسوا {p}.", "{g} لن يكونوا أبدا {p}."],
            "threat": ["يجب {a} {g}.", "على أحد أن يقوم ب{a} {g}.", "أريد {a} {g} جميعا."],
        },
        non_hateful={
            "negated-threat": ["لا ينبغي لأحد {a} {g}.", "لن أقبل أبدا {a} {g}."],
            "negated-hate": ["{g} ليسوا {x}.", "لا أعتقد أن {g} {x}.", "لا، {g} ليسوا {x} أبدا."],
            "counter-quote": ["قول \"{g} {x}\" هو كراهية خالصة.",
                              "من يقول إن {g} {x} يجب أن يخجل من نفسه."],
            "counter-reference": ["وصف {g} بأنهم {x} خطاب كراهية.",
                                  "توقفوا عن القول إن {g} {x}."],
            "identity-positive": ["{g} {p}.", "أعتقد أن {g} {p}."],
        },
    ),
    "hi": Lang(
        neg=["कीड़े-मकोड़े", "इस देश पर एक महामारी", "जंगली", "कलंक", "गंदगी", "परजीवी",
             "एक बीमारी", "गंदे जानवर", "हम सब पर बोझ"],
        pos=["इंसान", "असली नागरिक", "हमारे बराबर", "यहाँ स्वागत योग्य", "सम्मान के लायक"],
        good=["बहुत अच्छे लोग", "दयालु और उदार", "होशियार"],
        act=["मार डालना", "खत्म करना", "जला देना", "भगा देना", "पीटना"],
        others=["रेफरी", "झूठे नेता", "स्पैमर", "मकान मालिक", "ट्रैफिक पुलिस वाले"],
        hateful={
            "derogation": ["{g} {x} हैं।", "सारे {g} {x} हैं।", "{g} सिर्फ {x} हैं।"],
            "opinion": ["मुझे लगता है कि {g} {x} हैं।", "मेरी राय में {g} {x} हैं।",
                        "सच कहूँ तो मैं मानता हूँ कि {g} {x} हैं।"],
            "question": ["{g} इतने {x} क्यों हैं?", "क्या यह साफ नहीं है कि {g} {x} हैं?"],
            "pronoun-reference": ["मैं {g} को जानता हूँ। वे {x} हैं।",
                                  "{g} पर कभी भरोसा मत करो, वे {x} हैं।"],
            "negated-positive": ["{g} {p} नहीं हैं।", "{g} कभी {p} नहीं होंगे।"],
            "threat": ["{g} को {a} चाहिए।", "किसी को {g} को {a} होगा।",
                       "मैं सारे {g} को {a} चाहता हूँ।"],
        },
        non_hateful={
            "negated-threat": ["{g} को कभी नहीं {a} चाहिए।", "मैं कभी नहीं चाहूँगा कि कोई {g} को {a}।"],
            "negated-hate": ["{g} {x} नहीं हैं।", "मुझे नहीं लगता कि {g} {x} हैं।",
                             "नहीं, {g} बिल्कुल {x} नहीं हैं।"],
            "counter-quote": ["यह कहना कि \"{g} {x} हैं\" सरासर नफरत है।",
                              "जो कहता है कि {g} {x} हैं, उसे शर्म आनी चाहिए।"],
            "counter-reference": ["{g} को {x} कहना नफरत फैलाना है।",
                                  "यह कहना बंद करो कि {g} {x} हैं।"],
            "identity-positive": ["{g} {p} हैं।", "मुझे लगता है कि {g} {p} हैं।"],
        },
    ),
    "zh": Lang(
        neg=["害虫", "这个国家的瘟疫", "野蛮人", "耻辱", "人渣", "寄生虫", "一种病",
             "肮脏的畜生", "我们所有人的负担"],
        pos=["人", "真正的公民", "和我们平等的", "这里欢迎的", "值得尊重的"],
        good=["很棒的人", "善良又慷慨的人", "聪明的人"],
        act=["杀光", "消灭", "烧死", "赶走", "痛打"],
        others=["裁判", "说谎的政客", "发垃圾广告的人", "房东", "交通协管员"],
        hateful={
            "derogation": ["{g}是{x}。", "所有{g}都是{x}。", "{g}不过是{x}。"],
            "opinion": ["我认为{g}是{x}。", "在我看来，{g}就是{x}。", "说实话，我觉得{g}是{x}。"],
            "question": ["为什么{g}都是{x}？", "{g}是{x}，这不是很明显吗？"],
            "pronoun-reference": ["我认识一些{g}。他们都是{x}。", "永远别相信{g}，他们是{x}。"],
            "negated-positive": ["{g}不是{p}。", "{g}永远不会是{p}。"],
            "threat": ["我们应该{a}{g}。", "总得有人去{a}{g}。", "我想把{g}全部{a}。"],
        },
        non_hateful={
            "negated-threat": ["谁都不应该{a}{g}。", "我绝不会去{a}{g}。"],
            "negated-hate": ["{g}不是{x}。", "我不认为{g}是{x}。", "不，{g}根本不是{x}。"],
            "counter-quote": ["说“{g}是{x}”纯粹是仇恨。", "说{g}是{x}的人应该感到羞耻。"],
            "counter-reference": ["把{g}叫做{x}是仇恨言论。", "别再说{g}是{x}了。"],
            "identity-positive": ["{g}是{p}。", "我认为{g}是{p}。"],
        },
    ),
}  # fmt: skip


# Languages composed only (no hand-written templates): Swahili, Indonesian, Tagalog, Turkish.
# Election rooms in East Africa and South-East Asia post in these. Malay has no cases of its
# own: a Malay text the detector takes for Indonesian gets the Indonesian centre, one it
# takes for Malay none (SGHateCheck Malay sample: 0.586 -> 0.647 accuracy, models/MODELS.md).
NEW_LANGS: dict[str, Lang] = {
    "sw": Lang(
        neg=["wadudu", "janga kwa nchi hii", "washenzi", "aibu kwa taifa", "takataka",
             "vimelea", "ugonjwa", "wanyama wachafu", "mzigo kwetu sote"],
        pos=["binadamu", "raia halisi", "sawa na sisi", "wanaostahili heshima",
             "wanakaribishwa hapa"],
        good=["watu wazuri sana", "wakarimu na wema", "werevu"],
        act=["kuwaua", "kuwaangamiza", "kuwachoma moto", "kuwafukuza", "kuwapiga"],
        others=["waamuzi wa mpira", "wanasiasa waongo", "watuma barua taka", "wenye nyumba",
                "askari wa trafiki"],
        emote=["wananichukiza", "wananitia kichefuchefu", "wananijaza hasira"],
        neutral=["wanaishi mtaani kwetu", "hupiga kura kila uchaguzi",
                 "wanafanya kazi katika hospitali ya hapa", "hununua sokoni kwetu"],
        vulgar=["wapumbavu kabisa", "mavi matupu"],
        hateful={
            "derogation": ["{g} ni {x}.", "{g} wote ni {x}.", "{g} si chochote ila {x}."],
            "opinion": ["Nadhani {g} ni {x}.", "Kwa maoni yangu, {g} ni {x}.",
                        "Kusema kweli, naamini {g} ni {x}."],
            "question": ["Kwa nini {g} ni {x}?", "Je, si wazi kwamba {g} ni {x}?"],
            "pronoun-reference": ["Nawajua {g}. Wao ni {x}.",
                                  "Msiwaamini {g} kamwe, wao ni {x}."],
            "negated-positive": ["{g} si {p}.", "{g} hawatakuwa {p} kamwe."],
            "threat": ["Tunapaswa {a} {g} wote.", "Mtu anahitaji {a} {g}.",
                       "Nataka {a} {g} kila mmoja."],
            "negative-emotion": ["{g} {e}.", "Kusema kweli, {g} {e} sana."],
        },
        non_hateful={
            "negated-threat": ["Hakuna mtu anayepaswa {a} {g}.", "Kamwe singetaka {a} {g}."],
            "negated-hate": ["{g} si {x}.", "Sidhani kwamba {g} ni {x}.",
                             "Hapana, {g} si {x} hata kidogo."],
            "counter-quote": ["Kusema \"{g} ni {x}\" ni chuki tupu.",
                              "Anayesema kwamba {g} ni {x} anapaswa kuona aibu."],
            "counter-reference": ["Kuwaita {g} {x} ni matamshi ya chuki.",
                                  "Acheni kusema kwamba {g} ni {x}."],
            "identity-positive": ["{g} ni {p}.", "Nadhani {g} ni {p}."],
            "identity-neutral": ["{g} {n}.", "Nilisoma kwamba {g} wengi {n}."],
        },
    ),
    "id": Lang(
        neg=["hama", "wabah bagi negeri ini", "biadab", "aib bangsa", "sampah masyarakat",
             "parasit", "penyakit", "binatang kotor", "beban bagi kita semua"],
        pos=["manusia", "warga negara sejati", "setara dengan kita", "layak dihormati",
             "diterima di sini"],
        good=["orang-orang yang luar biasa", "baik hati dan dermawan", "cerdas"],
        act=["membunuh", "memusnahkan", "membakar", "mengusir", "menghajar"],
        others=["wasit", "politisi pembohong", "tukang spam", "pemilik kos", "tukang parkir"],
        emote=["bikin aku jijik", "membuatku muak", "bikin saya naik darah"],
        neutral=["tinggal di jalan saya", "ikut memilih di setiap pemilu",
                 "bekerja di rumah sakit dekat sini", "belanja di pasar kami"],
        vulgar=["bajingan semua", "anjing semua"],
        hateful={
            "derogation": ["{g} itu {x}.", "Semua {g} adalah {x}.", "{g} tidak lebih dari {x}."],
            "opinion": ["Menurut saya {g} itu {x}.", "Saya rasa {g} adalah {x}.",
                        "Jujur saja, saya yakin {g} itu {x}."],
            "question": ["Kenapa sih {g} itu {x}?", "Bukankah sudah jelas {g} itu {x}?"],
            "pronoun-reference": ["Saya kenal {g}. Mereka itu {x}.",
                                  "Jangan pernah percaya {g}, mereka itu {x}."],
            "negated-positive": ["{g} bukan {p}.", "{g} tidak akan pernah menjadi {p}."],
            "threat": ["Kita harus {a} semua {g}.", "Seseorang harus {a} {g}.",
                       "Aku mau {a} {g} sampai habis."],
            "negative-emotion": ["{g} {e}.", "Jujur, {g} benar-benar {e}."],
        },
        non_hateful={
            "negated-threat": ["Tidak ada yang boleh {a} {g}.",
                               "Saya tidak akan pernah {a} {g}."],
            "negated-hate": ["{g} bukan {x}.", "Saya tidak percaya {g} itu {x}.",
                             "Tidak, {g} sama sekali bukan {x}."],
            "counter-quote": ["Bilang \"{g} itu {x}\" adalah kebencian murni.",
                              "Siapa pun yang bilang {g} itu {x} seharusnya malu."],
            "counter-reference": ["Menyebut {g} sebagai {x} adalah ujaran kebencian.",
                                  "Berhentilah bilang {g} itu {x}."],
            "identity-positive": ["{g} itu {p}.", "Menurut saya {g} adalah {p}."],
            "identity-neutral": ["{g} {n}.", "Saya baca banyak {g} {n}."],
        },
    ),
    "tl": Lang(
        neg=["mga salot", "sumpa sa bansang ito", "mga hayop", "kahihiyan ng bayan", "basura",
             "mga parasito", "isang sakit", "maruruming hayop", "pabigat sa ating lahat"],
        pos=["tao", "tunay na mamamayan", "kapantay natin", "karapat-dapat igalang",
             "malugod na tinatanggap dito"],
        good=["mabubuting tao", "mababait at mapagbigay", "matatalino"],
        act=["patayin", "ubusin", "sunugin", "palayasin", "bugbugin"],
        others=["mga reperi", "mga sinungaling na pulitiko", "mga spammer", "mga landlord",
                "mga traffic enforcer"],
        emote=["nakakadiri", "nakakasuka", "nakakagalit"],
        neutral=["nakatira sa kalye namin", "bumoboto sa bawat halalan",
                 "nagtatrabaho sa ospital dito", "namimili sa palengke namin"],
        vulgar=["mga putang ina", "mga gago"],
        hateful={
            "derogation": ["Ang {g} ay {x}.", "Lahat ng {g} ay {x}.", "{x} lang ang {g}."],
            "opinion": ["Sa tingin ko, ang {g} ay {x}.", "Para sa akin, {x} ang {g}.",
                        "Sa totoo lang, naniniwala ako na {x} ang {g}."],
            "question": ["Bakit ba {x} ang {g}?", "Hindi ba halata na {x} ang {g}?"],
            "pronoun-reference": ["Kilala ko ang {g}. Sila ay {x}.",
                                  "Huwag kayong magtiwala sa {g}, {x} sila."],
            "negated-positive": ["Ang {g} ay hindi {p}.", "Hinding-hindi magiging {p} ang {g}."],
            "threat": ["Dapat {a} ang lahat ng {g}.", "Kailangang {a} ang {g}.",
                       "Gusto kong {a} ang bawat isa sa {g}."],
            "negative-emotion": ["Ang {g} ay {e}.", "Sa totoo lang, {e} talaga ang {g}."],
        },
        non_hateful={
            "negated-threat": ["Hindi dapat {a} ang {g}.", "Hinding-hindi ko gugustuhing {a} ang {g}."],
            "negated-hate": ["Ang {g} ay hindi {x}.", "Hindi ako naniniwala na {x} ang {g}.",
                             "Hindi, hindi talaga {x} ang {g}."],
            "counter-quote": ["Ang pagsasabing \"{x} ang {g}\" ay purong pagkamuhi.",
                              "Dapat mahiya ang sinumang nagsasabing {x} ang {g}."],
            "counter-reference": ["Ang pagtawag sa {g} na {x} ay mapoot na pananalita.",
                                  "Tigilan na ang pagsasabing {x} ang {g}."],
            "identity-positive": ["Ang {g} ay {p}.", "Sa tingin ko, {p} ang {g}."],
            "identity-neutral": ["Ang {g} ay {n}.", "Nabasa ko na maraming {g} ang {n}."],
        },
    ),
    "tr": Lang(
        neg=["haşere", "bu ülkenin belası", "vahşi", "utanç kaynağı", "insan müsveddesi",
             "parazit", "bir hastalık", "pis hayvanlar", "hepimize yük"],
        pos=["insan", "gerçek vatandaş", "bizimle eşit", "saygıya layık",
             "burada hoş karşılanmaya layık"],
        good=["harika insanlar", "iyi kalpli ve cömert", "zeki"],
        act=["öldürülmeli", "yok edilmeli", "yakılmalı", "sürülmeli", "dövülmeli"],
        others=["hakemler", "yalancı siyasetçiler", "spamcılar", "ev sahipleri",
                "trafik polisleri"],
        emote=["midemi bulandırıyor", "beni hasta ediyor", "beni çileden çıkarıyor"],
        neutral=["benim sokağımda oturuyor", "her seçimde oy kullanıyor",
                 "buradaki hastanede çalışıyor", "bizim pazardan alışveriş yapıyor"],
        vulgar=["tam bir şerefsiz", "orospu çocukları"],
        hateful={
            "derogation": ["{g} {x}.", "Bütün {g} {x}.", "{g} sadece {x}."],
            "opinion": ["Bence {g} {x}.", "Bana göre {g} {x}.", "Açıkçası {g} {x}, buna inanıyorum."],
            "question": ["{g} neden bu kadar {x}?", "{g} {x}, bu çok açık değil mi?"],
            "pronoun-reference": ["{g} mi? Onlar {x}.", "{g} mi? Asla güvenmeyin, onlar {x}."],
            "negated-positive": ["{g} {p} değil.", "{g} asla {p} olamaz."],
            "threat": ["Bütün {g} {a}.", "Bence {g} {a}.", "{g} {a}, hepsi."],
            "negative-emotion": ["{g} {e}.", "Açıkçası {g} gerçekten {e}."],
        },
        non_hateful={
            "negated-threat": ["Hiç kimse \"{g} {a}\" dememeli.",
                               "\"{g} {a}\" diyenlere karşıyım."],
            "negated-hate": ["{g} {x} değil.", "Bence {g} {x} değil.",
                             "Hayır, {g} hiç de {x} değil."],
            "counter-quote": ["\"{g} {x}\" demek düpedüz nefrettir.",
                              "{g} {x} diyen herkes utanmalı."],
            "counter-reference": ["{g} için {x} demek nefret söylemidir.",
                                  "{g} {x} demeyi bırakın."],
            "identity-positive": ["{g} {p}.", "Bence {g} {p}."],
            "identity-neutral": ["{g} {n}.", "Okuduğuma göre birçok {g} {n}."],
        },
    ),
}  # fmt: skip
LANGS.update(NEW_LANGS)


class More(NamedTuple):
    """What ``_with_more`` adds to a language: mentioning a group is not hate; a group said
    to disgust is, and so is profanity aimed at a group."""

    emote: list[str]  # Lang.emote
    neutral: list[str]  # Lang.neutral
    vulgar: list[str]  # Lang.vulgar (also derogatory predicates)
    emotion_frames: list[str]  # "negative-emotion" (hateful), with {g} and {e}
    neutral_frames: list[str]  # "identity-neutral" (not hateful), with {g} and {n}


MORE: dict[str, More] = {
    "en": More(["disgust me", "make me sick", "fill me with rage"],
           ["live on my street", "vote in every election", "work at the local hospital",
            "shop at our market"],
           ["complete assholes", "fucking scum"],
           ["{g} {e}.", "Honestly, {g} really {e}."],
           ["{g} {n}.", "I read that many {g} {n}."]),
    "fr": More(["me dégoûtent", "me rendent malade", "me remplissent de rage"],
           ["habitent dans ma rue", "votent à chaque élection", "travaillent à l'hôpital du quartier",
            "font leurs courses à notre marché"],
           ["de vrais connards", "des putains de raclures"],
           ["{g} {e}.", "Franchement, {g} {e} vraiment."],
           ["{g} {n}.", "J'ai lu que {g} {n}."]),
    "de": More(["ekeln mich an", "machen mich krank", "machen mich rasend vor Wut"],
           ["wohnen in meiner Straße", "wählen bei jeder Wahl", "arbeiten im Krankenhaus hier",
            "kaufen auf unserem Markt ein"],
           ["totale Arschlöcher", "verdammter Abschaum"],
           ["{g} {e}.", "{g} {e}, ganz ehrlich."],
           ["{g} {n}.", "Viele {g} {n}."]),
    "es": More(["me dan asco", "me ponen enfermo", "me llenan de rabia"],
           ["viven en mi calle", "votan en todas las elecciones",
            "trabajan en el hospital del barrio", "compran en nuestro mercado"],
           ["unos auténticos gilipollas", "una puta escoria"],
           ["{g} {e}.", "Sinceramente, {g} {e} de verdad."],
           ["{g} {n}.", "He leído que {g} {n}."]),
    "pt": More(["me dão nojo", "me deixam doente", "me enchem de raiva"],
           ["moram na minha rua", "votam em todas as eleições",
            "trabalham no hospital do bairro", "fazem compras no nosso mercado"],
           ["uns filhos da puta", "uns completos babacas"],
           ["{g} {e}.", "Sinceramente, {g} {e} demais."],
           ["{g} {n}.", "Li que {g} {n}."]),
    "it": More(["mi fanno schifo", "mi fanno star male", "mi riempiono di rabbia"],
           ["abitano nella mia via", "votano a ogni elezione", "lavorano all'ospedale del quartiere",
            "fanno la spesa al nostro mercato"],
           ["dei completi stronzi", "della fottuta feccia"],
           ["{g} {e}.", "Sinceramente, {g} {e} davvero."],
           ["{g} {n}.", "Ho letto che {g} {n}."]),
    "nl": More(["walgen me", "maken me ziek", "maken me woedend"],
           ["wonen in mijn straat", "stemmen bij elke verkiezing", "werken in het ziekenhuis hier",
            "doen boodschappen op onze markt"],
           ["complete klootzakken", "vuil tuig"],
           ["{g} {e}.", "{g} {e}, echt waar."],
           ["{g} {n}.", "Veel {g} {n}."]),
    "pl": More(["mnie obrzydzają", "przyprawiają mnie o mdłości", "doprowadzają mnie do szału"],
           ["mieszkają na mojej ulicy", "głosują w każdych wyborach",
            "pracują w tutejszym szpitalu", "robią zakupy na naszym targu"],
           ["skończonymi chujami", "jebanymi śmieciami"],
           ["{g} {e}.", "Szczerze mówiąc, {g} naprawdę {e}."],
           ["{g} {n}.", "Czytałem, że {g} {n}."]),
    "ar": More(["يثيرون اشمئزازي", "يصيبونني بالغثيان", "يملؤونني غضبا"],
           ["يسكنون في شارعي", "يصوتون في كل انتخابات", "يعملون في مستشفى الحي",
            "يتسوقون في سوقنا"],
           ["أوغاد حقيرون", "أولاد كلب"],
           ["{g} {e}.", "بصراحة، {g} {e} فعلا."],
           ["{g} {n}.", "قرأت أن {g} {n}."]),
    "hi": More(["मुझे घिन दिलाते हैं", "मुझे बीमार कर देते हैं", "मुझे गुस्से से भर देते हैं"],
           ["मेरी गली में रहते हैं", "हर चुनाव में वोट देते हैं", "यहाँ के अस्पताल में काम करते हैं",
            "हमारे बाज़ार से खरीदारी करते हैं"],
           ["पूरे कमीने", "हरामखोर"],
           ["{g} {e}।", "सच कहूँ तो {g} सच में {e}।"],
           ["{g} {n}।", "मैंने पढ़ा कि {g} {n}।"]),
    "zh": More(["让我恶心", "让我想吐", "让我怒火中烧"],
           ["住在我这条街上", "每次选举都投票", "在附近的医院工作", "在我们的市场买菜"],
           ["彻头彻尾的混蛋", "他妈的人渣"],
           ["{g}{e}。", "说实话，{g}真的{e}。"],
           ["{g}{n}。", "我听说{g}{n}。"]),
}  # fmt: skip


def _with_more(code: str, lang: Lang) -> Lang:
    if code not in MORE:
        return lang
    more = MORE[code]
    return dataclasses.replace(
        lang,
        vulgar=more.vulgar,
        emote=more.emote,
        neutral=more.neutral,
        hateful={**lang.hateful, "negative-emotion": more.emotion_frames},
        non_hateful={**lang.non_hateful, "identity-neutral": more.neutral_frames},
    )


LANGS = {code: _with_more(code, lang) for code, lang in LANGS.items()}

# Groups filled into each frame x filler (chosen by hash). 3 rather than 2 (2026-11-23):
# Multilingual HateCheck up in 7 of 8 languages, held-out templates 0.862 -> 0.865 (MODELS.md).
# 4 scored higher on the held-out templates (0.876) but far lower on every Multilingual
# HateCheck language (Italian 0.659, Spanish 0.699 macro-F1).
GROUPS_PER_FRAME = 3


def _pick(key: str, n: int, k: int) -> list[int]:
    """k distinct indices out of n, chosen by the hash of ``key``."""
    h = stable_hash(key)
    picked: list[int] = []
    while len(picked) < min(k, n):
        i = h % n
        h = h // n + 7919 * (len(picked) + 1)
        if i not in picked:
            picked.append(i)
    return picked


def _slots(lang: Lang, frame: str) -> tuple[str, list[str]]:
    if "{e}" in frame:
        return "e", lang.emote
    if "{n}" in frame:
        return "n", lang.neutral
    if "{a}" in frame:
        return "a", lang.act
    if "{p}" in frame:
        return "p", lang.pos
    return "x", lang.neg


class Variant(NamedTuple):
    """Another way a language is written, composed with the same rules: its own frames and
    fillers, and the groups as written there (in GROUP_KEYS order)."""

    tag: str  # template ids start with "c-<tag>-"
    groups: list[str]
    lang: Lang


# The frames above are the standard written language, which is often not what is posted.
# People write their dialect, and in much of the world they write it in Latin letters:
# colloquial Arabic (Egyptian and Levantine forms), the same in "Arabizi" (digits for the
# letters Latin lacks: 3 ع, 7 ح, 2 ء, 5 خ), Hindi in Latin letters. Spelling in Latin
# letters varies from writer to writer; these use one common spelling and the misspelt
# copies (functional._with_variants) add others.
VARIANTS: dict[str, list[Variant]] = {
    "ar": [
        Variant("dia", ["الستات", "المتحولين جنسيا", "المثليين", "السود", "المعاقين", "المسلمين",
                        "اليهود", "المهاجرين"], Lang(
            neg=["زبالة", "حشرات", "كلاب", "وسخين", "عالة علينا", "خطر على البلد", "مقرفين"],
            vulgar=["ولاد كلب", "ولاد وسخة"],
            pos=["بني آدمين", "زينا", "مرحب بيهم هنا", "يستاهلوا الاحترام",
                 "ليهم حق يعيشوا هنا"],
            good=["ناس طيبين", "ناس جدعان", "شاطرين"],
            act=["نقتل", "نحرق", "نطرد", "نضرب", "نخلص من"],
            others=["سواقين الميكروباص", "السياسيين الكدابين", "بتوع الإعلانات", "أصحاب الشقق",
                    "موظفين الحكومة"],
            emote=["بيقرفوني", "بيعصبوني", "بيجيبولي المرض"],
            neutral=["ساكنين في شارعنا", "بيصوتوا في كل انتخابات", "بيشتغلوا في مستشفى الحي",
                     "بيشتروا من سوقنا"],
            hateful={
                "derogation": ["{g} {x}.", "{g} كلهم {x}.", "{g} دول {x}.",
                               "{g} مش أكتر من {x}."],
                "opinion": ["أنا شايف إن {g} {x}.", "بصراحة {g} {x}.", "رأيي إن {g} {x}."],
                "question": ["ليه {g} {x} كده؟", "مش باين إن {g} {x}؟"],
                "pronoun-reference": ["أنا عارف {g} كويس. هما {x}.",
                                      "ما تثقش في {g} أبدا، دول {x}."],
                "negated-positive": ["{g} مش {p}.", "{g} عمرهم ما هيكونوا {p}."],
                "threat": ["لازم {a} {g} كلهم.", "المفروض {a} {g} ونرتاح منهم.",
                           "يلا {a} {g}!"],
                "negative-emotion": ["{g} {e}.", "والله {g} {e}."],
            },
            non_hateful={
                "negated-threat": ["ما ينفعش {a} {g} أبدا.", "حرام {a} {g}."],
                "negated-hate": ["{g} مش {x}.", "ما اعتقدش إن {g} {x}.",
                                 "لأ، {g} مش {x} خالص."],
                "counter-quote": ["اللي بيقول إن {g} {x} المفروض يتكسف من نفسه.",
                                  "كلام زي \"{g} {x}\" ده عنصرية وكره."],
                "counter-reference": ["إنك تقول على {g} {x} ده خطاب كراهية.",
                                      "بطلوا تقولوا إن {g} {x}."],
                "identity-positive": ["{g} {p}.", "أنا شايف إن {g} {p}."],
                "identity-neutral": ["{g} {n}.", "قريت إن {g} {n}."],
            },
        )),
        Variant("latn", ["el setat", "el motaholeen", "el mithleyeen", "el sood",
                         "el mo3aqeen", "el muslimeen", "el yahood", "el mohagreen"], Lang(
            neg=["zbala", "7asharat", "kelab", "wes5een", "3ala 3aleina", "5atar 3al balad",
                 "mo2rfeen"],
            vulgar=["wlad kalb", "wlad wes5a"],
            pos=["bani admeen", "zayena", "marhab beehom hena", "yesta2helo el e7teram",
                 "leehom 7a2 ye3esho hena"],
            good=["nas tayebeen", "nas gd3an", "shatreen"],
            act=["ne2tel", "ne7ra2", "netrod", "nedrab", "ne5las men"],
            others=["sawa2een el microbus", "el seyaseyeen el kaddabeen", "betoo3 el e3lanat",
                    "as7ab el sho2a2", "mowazafeen el 7okoma"],
            emote=["bey2refooni", "bey3asabooni", "beygeboli el marad"],
            neutral=["sakneen fe share3na", "beysawato fe kol entekhabat",
                     "beyshtaghalo fe mostashfa el 7ay", "beyeshtero men so2na"],
            hateful={
                "derogation": ["{g} {x}.", "{g} kolohom {x}.", "{g} dol {x}.",
                               "{g} mesh aktar men {x}."],
                "opinion": ["ana shayef en {g} {x}.", "bsara7a {g} {x}.", "ra2yi en {g} {x}."],
                "question": ["leh {g} {x} keda?", "mesh bayen en {g} {x}?"],
                "pronoun-reference": ["ana 3aref {g} kwayes. homma {x}.",
                                      "matetha2sh fe {g} abadan, dol {x}."],
                "negated-positive": ["{g} mesh {p}.", "{g} 3omrohom ma hayekono {p}."],
                "threat": ["lazem {a} {g} kolohom.", "el mafrood {a} {g} w nerta7 menhom.",
                           "yalla {a} {g}!"],
                "negative-emotion": ["{g} {e}.", "wallahi {g} {e}."],
            },
            non_hateful={
                "negated-threat": ["mayenfa3sh {a} {g} abadan.", "7aram {a} {g}."],
                "negated-hate": ["{g} mesh {x}.", "ma a3teqedsh en {g} {x}.",
                                 "la2, {g} mesh {x} khales."],
                "counter-quote": ["elly bey2ool en {g} {x} el mafrood yetkesef men nafso.",
                                  "kalam zay \"{g} {x}\" da 3onsoreya w kora."],
                "counter-reference": ["enak t2ool 3ala {g} {x} da 5etab karaheya.",
                                      "battalo t2olo en {g} {x}."],
                "identity-positive": ["{g} {p}.", "ana shayef en {g} {p}."],
                "identity-neutral": ["{g} {n}.", "2eret en {g} {n}."],
            },
        )),
    ],
    "hi": [
        Variant("latn", ["auratein", "transgender log", "gay log", "kaale log", "viklang log",
                         "musalmaan", "yahudi", "pravasi"], Lang(
            neg=["keede-makode", "gande jaanwar", "is desh par bojh", "kachra", "parjeevi",
                 "ek bimari", "jaahil", "ghatiya"],
            vulgar=["harami", "kamine"],
            pos=["insaan", "asli naagrik", "humare barabar", "yahan swagat ke laayak",
                 "izzat ke laayak"],
            good=["bahut achhe log", "dayalu aur udaar", "hoshiyaar"],
            act=["maar dena", "khatam kar dena", "jala dena", "bhaga dena", "peetna"],
            others=["referee", "jhoote neta", "spammer", "makaan maalik",
                    "traffic police waale"],
            emote=["mujhe ghin dilaate hain", "mujhe bimaar kar dete hain",
                   "mujhe gusse se bhar dete hain", "se mujhe nafrat hai"],
            neutral=["meri gali mein rehte hain", "har chunaav mein vote dete hain",
                     "yahan ke hospital mein kaam karte hain", "humare bazaar se saaman lete hain"],
            hateful={
                "derogation": ["{g} {x} hain.", "saare {g} {x} hain.", "{g} sirf {x} hain."],
                "opinion": ["mujhe lagta hai ki {g} {x} hain.", "meri raay mein {g} {x} hain.",
                            "sach kahun to {g} {x} hain."],
                "question": ["{g} itne {x} kyun hain?", "kya yeh saaf nahi hai ki {g} {x} hain?"],
                "pronoun-reference": ["main {g} ko jaanta hoon. woh {x} hain.",
                                      "{g} par kabhi bharosa mat karo, woh {x} hain."],
                "negated-positive": ["{g} {p} nahi hain.", "{g} kabhi {p} nahi honge."],
                "threat": ["{g} ko {a} chahiye.", "kisi ko {g} ko {a} hoga.",
                           "hum saare {g} ko {a} chahte hain."],
                "negative-emotion": ["{g} {e}.", "sach mein, {g} {e}."],
            },
            non_hateful={
                "negated-threat": ["{g} ko kabhi {a} nahi chahiye.",
                                   "{g} ko {a} bilkul galat hai."],
                "negated-hate": ["{g} {x} nahi hain.", "mujhe nahi lagta ki {g} {x} hain.",
                                 "nahi, {g} bilkul {x} nahi hain."],
                "counter-quote": ["yeh kehna ki \"{g} {x} hain\" saraasar nafrat hai.",
                                  "jo kehta hai ki {g} {x} hain, use sharm aani chahiye."],
                "counter-reference": ["{g} ko {x} kehna nafrat failana hai.",
                                      "yeh kehna band karo ki {g} {x} hain."],
                "identity-positive": ["{g} {p} hain.", "mujhe lagta hai ki {g} {p} hain."],
                "identity-neutral": ["{g} {n}.", "maine padha ki {g} {n}."],
            },
        )),
    ],
}  # fmt: skip


def composed(lang_code: str, groups: list[str], group_keys: list[str]) -> list[tuple]:
    """(text, label, template id, group key or None, functionality) for one language, its
    variants (VARIANTS) included."""
    out = []
    if lang_code in LANGS:
        out += _compose(lang_code, "c-", LANGS[lang_code], groups, group_keys)
    for v in VARIANTS.get(lang_code, []):
        out += _compose(f"{lang_code}:{v.tag}", f"c-{v.tag}-", v.lang, v.groups, group_keys)
    return out


def _compose(
    seed: str, prefix: str, lang: Lang, groups: list[str], group_keys: list[str]
) -> list[tuple]:
    out: list[tuple] = []
    for label, frames in ((1, lang.hateful), (0, lang.non_hateful)):
        for fn, fn_frames in frames.items():
            for fi, frame in enumerate(fn_frames):
                slot, fillers = _slots(lang, frame)
                if fn == "identity-positive" and slot == "p":
                    fillers = fillers + lang.good
                for xi, filler in enumerate(fillers):
                    tid = f"{prefix}{fn}-{fi}-{slot}{xi}"
                    base = frame.replace("{" + slot + "}", filler)
                    for gi in _pick(f"{seed}:{tid}", len(groups), GROUPS_PER_FRAME):
                        key = group_keys[gi] if label else None
                        out.append((base.replace("{g}", groups[gi]), label, tid, key, fn))
                    # The same abuse (or emotion) said of a non-protected target.
                    if label == 1 and slot in ("x", "e"):
                        k = 3 if filler in lang.vulgar else 1
                        for oi in _pick(f"{seed}:{tid}:other", len(lang.others), k):
                            out.append(
                                (base.replace("{g}", lang.others[oi]), 0, "x-" + tid, None,
                                 "abuse-nonprotected")
                            )  # fmt: skip
    return out
