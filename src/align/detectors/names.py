"""``name_mismatch``: proper names present on one side and missing or different on the other.

Names are compared through a transliteration key (German and English spellings of
Russian, Korean … names: Peskow/Peskov, Wostotschny/Vostochny, Pjöngjang/Pyongyang
give the same or a near key), then by edit similarity, so they match.

Which words are names: in English (and other languages that capitalise only names) a
capitalised word that is not sentence-initial, or an acronym. In German every noun is
capitalised, so a German word counts as a name only when it is about as frequent in
English text as in German text (names do not get translated; nouns do), or is an acronym.
Against a language other than English it must be about as frequent in English as well: "Berge"
and "Fusse" are also French words ("berge", "fusse"), not names; and the list of exonyms holds
English and French forms only, so against other languages those words take the frequency rule.
After an article or a possessive, perhaps through adjectives, a German word commoner in German
than in English is a noun ("ein schwarzes Loch", "des Senders"), unless the other side's document
writes it capitalised ("in der Normandie" / "Normandy").

The other side's document, where its language capitalises names alone, settles German words
the frequencies cannot: a word the word lists do not know ("Baltoro", "Gasherbrum") is a name
where that document writes it as one (a mountain the French names three times is a name in the
German too), and a word it writes only in lower case is a noun ("Route", "Zone", "Virus").

Not names anywhere: Roman numerals ("camp II") and compass points ("arête SE", "WNW"), which
the other side may write as "2" or "Südost", the words of a heading set in capitals
("MIT NACHTRÄGEN AUS FRÜHEREN JAHREN"), which are ordinary words, not acronyms, and
abbreviations of things ("IPO", "WM"). "U.S." on one side holds the other side's "US".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ..model import Flag
from .context import LETTER_WORD, Context, Pair, clip, sentence_starts, zipf
from .numbers import MONTH_ABBREVIATIONS, is_roman_numeral

# German exonyms and nationality words with their English forms (space-separated alternatives); an
# adjective has its country too ("the largest in Germany" / "das größte deutsche").
_EXONYMS_DE_EN = {
    "deutschland": "germany", "deutsch": "german germany", "österreich": "austria",
    "österreichisch": "austrian austria",
    "schweiz": "switzerland", "schweizer": "swiss switzerland", "frankreich": "france", "französisch": "french france",
    "italien": "italy", "italienisch": "italian italy", "spanien": "spain", "spanisch": "spanish spain",
    "russland": "russia", "russisch": "russian russia", "griechenland": "greece", "griechisch": "greek greece",
    "türkei": "turkey", "türkisch": "turkish turkey", "niederlande": "netherlands",
    "niederländisch": "dutch netherlands",
    "belgien": "belgium", "polen": "poland", "polnisch": "polish poland", "ungarn": "hungary",
    "ungarisch": "hungarian hungary",
    "tschechien": "czech", "tschechisch": "czech", "vereinigte": "united uk", "staaten": "states",
    "großbritannien": "britain uk", "britisch": "british uk britain", "england": "england",
    "englisch": "english england",
    "europa": "europe", "europäisch": "european europe", "nordkorea": "korea dprk north", "südkorea": "korea south",
    "dvrk": "dprk", "usa": "us united america", "us": "us usa united america american",
    "vereinigten": "united uk", "uno": "un united", "un": "un united", "eu": "eu european europe", "nato": "nato",
    "koreanisch": "korean korea", "moskau": "moscow", "wien": "vienna", "münchen": "munich", "köln": "cologne",
    "rom": "rome", "prag": "prague", "brüssel": "brussels", "warschau": "warsaw", "peking": "beijing",
    "kiew": "kyiv", "mailand": "milan", "venedig": "venice", "genf": "geneva", "zürich": "zurich",
    "china": "china", "chinesisch": "chinese china", "japanisch": "japanese japan", "amerika": "america",
    "amerikanisch": "american us america", "ukraine": "ukraine", "ukrainisch": "ukrainian ukraine", "afrika": "africa",
    "asien": "asia", "norwegen": "norway", "dänemark": "denmark", "finnland": "finland",
    "kreml": "kremlin", "bayern": "bavaria", "sachsen": "saxony", "weißrussland": "belarus",
    "schweden": "sweden swede swedish", "schwede": "swede", "schwedin": "swede", "neapel": "naples napoli",
    "vereinten": "united un", "grünen": "greens green", "grüne": "green greens", "münchner": "munich",
    "wiener": "viennese vienna",
    "tokio": "tokyo", "argentinien": "argentina", "brasilien": "brazil", "kanada": "canada",
    "australien": "australia", "israelisch": "israeli israel", "südostasien": "southeast asia", "ostasien": "east asia",
    "syrien": "syria", "irak": "iraq", "ägypten": "egypt", "indien": "india", "mexiko": "mexico",
    # countries, regions and cities whose German and English names differ beyond transliteration
    "südafrika": "south africa", "singapur": "singapore", "madagaskar": "madagascar",
    "moldau": "moldova moldavia", "moldawien": "moldova moldavia", "kroatien": "croatia", "serbien": "serbia",
    "rumänien": "romania", "bulgarien": "bulgaria", "slowakei": "slovakia", "slowenien": "slovenia",
    "litauen": "lithuania", "lettland": "latvia", "estland": "estonia", "irland": "ireland",
    "schottland": "scotland", "nordirland": "northern ireland", "kolumbien": "colombia", "marokko": "morocco",
    "algerien": "algeria", "tunesien": "tunisia", "libyen": "libya", "äthiopien": "ethiopia", "kenia": "kenya",
    "jordanien": "jordan", "libanon": "lebanon", "indonesien": "indonesia",
    "philippinen": "philippines", "neuseeland": "new zealand", "kuba": "cuba", "zypern": "cyprus",
    "katar": "qatar", "kasachstan": "kazakhstan", "usbekistan": "uzbekistan", "kirgisistan": "kyrgyzstan",
    "tadschikistan": "tajikistan", "aserbaidschan": "azerbaijan", "georgien": "georgia", "armenien": "armenia",
    "kambodscha": "cambodia", "mongolei": "mongolia", "antarktis": "antarctica", "arktis": "arctic",
    "lissabon": "lisbon", "athen": "athens", "belgrad": "belgrade", "bukarest": "bucharest",
    "haag": "hague", "antwerpen": "antwerp", "florenz": "florence", "sevilla": "seville",
    "nizza": "nice", "straßburg": "strasbourg", "mekka": "mecca", "pfalz": "palatinate",
    "pfälzer": "palatinate", "rheinland": "rhineland", "rhein": "rhine",
    "fränkisch": "franconian", "bayerisch": "bavarian bavaria", "österreicher": "austrian",
    "udssr": "ussr soviet", "sowjetunion": "soviet ussr", "sowjetisch": "soviet", "kaschmir": "kashmir",
    "ägäis": "aegean", "sizilien": "sicily", "sardinien": "sardinia", "korsika": "corsica", "kreta": "crete",
    "nordrhein": "north rhine", "niedersachsen": "lower saxony", "mittelmeer": "mediterranean", "ostsee": "baltic",
    "nordsee": "north", "schwarzwald": "black forest", "donau": "danube", "elsass": "alsace",
    "lothringen": "lorraine", "kaukasus": "caucasus", "franziskus": "francis",
}  # fmt: skip
# The same for French: countries, nationalities, cities and Swiss cantons whose German and French
# names differ beyond spelling (multi-word French names by their distinctive word: "Grande-Bretagne").
_EXONYMS_DE_FR = {
    "deutschland": "allemagne", "deutsch": "allemand allemagne", "deutsche": "allemand", "österreich": "autriche",
    "österreichisch": "autrichien autriche", "österreicher": "autrichien", "schweiz": "suisse", "schweizer": "suisse",
    "schweizerisch": "suisse", "frankreich": "france", "französisch": "français france", "franzose": "français",
    "franzosen": "français", "italien": "italie", "italienisch": "italien italie", "italiener": "italien",
    "spanien": "espagne", "spanisch": "espagnol espagne", "russland": "russie", "russisch": "russe russie",
    "russen": "russe",
    "griechenland": "grèce", "griechisch": "grec", "türkei": "turquie", "türkisch": "turc",
    "niederlande": "néerlandais hollande", "niederländisch": "néerlandais", "belgien": "belgique",
    "polen": "pologne", "polnisch": "polonais", "ungarn": "hongrie", "ungarisch": "hongrois",
    "tschechien": "tchèque tchéquie", "tschechisch": "tchèque", "großbritannien": "bretagne britannique",
    "britisch": "britannique bretagne", "england": "angleterre", "englisch": "anglais angleterre",
    "engländer": "anglais",
    "europa": "europe", "europäisch": "européen", "usa": "usa unis amérique",
    "us": "usa unis amérique américain", "amerika": "amérique",
    "amerikanisch": "américain amérique unis", "amerikaner": "américain", "china": "chine",
    "chinesisch": "chinois chine",
    "japan": "japon", "japanisch": "japonais japon", "japaner": "japonais", "indien": "inde", "indisch": "indien",
    "tibetisch": "tibétain", "nordkorea": "corée", "südkorea": "corée", "afrika": "afrique", "asien": "asie",
    "ägypten": "égypte", "syrien": "syrie", "kanada": "canada", "mexiko": "mexique", "brasilien": "brésil",
    "argentinien": "argentine", "australien": "australie", "norwegen": "norvège", "schweden": "suède",
    "dänemark": "danemark", "finnland": "finlande", "irland": "irlande", "schottland": "écosse",
    "kroatien": "croatie", "serbien": "serbie", "rumänien": "roumanie", "bulgarien": "bulgarie",
    "weißrussland": "biélorussie", "litauen": "lituanie", "lettland": "lettonie", "estland": "estonie",
    "slowakei": "slovaquie", "slowenien": "slovénie", "moskau": "moscou", "wien": "vienne",
    "wiener": "viennois vienne", "münchen": "munich", "köln": "cologne", "rom": "rome", "prag": "prague",
    "brüssel": "bruxelles", "warschau": "varsovie", "peking": "pékin", "kiew": "kiev kyiv", "mailand": "milan",
    "venedig": "venise", "lissabon": "lisbonne", "athen": "athènes", "london": "londres",
    "kopenhagen": "copenhague", "straßburg": "strasbourg", "aachen": "aix", "genf": "genève",
    "zürich": "zurich", "basel": "bâle", "basler": "bâlois", "bern": "berne", "berner": "bernois",
    "luzern": "lucerne", "neuenburg": "neuchâtel", "freiburg": "fribourg", "solothurn": "soleure",
    "wallis": "valais", "walliser": "valaisan", "graubünden": "grisons", "waadt": "vaud", "alpen": "alpes",
    "mittelmeer": "méditerranée", "kreml": "kremlin", "bayern": "bavière", "sachsen": "saxe", "rhein": "rhin",
    "donau": "danube", "nato": "otan", "uno": "onu", "udssr": "urss soviétique", "sowjetunion": "urss soviétique",
    "sowjetisch": "soviétique", "kaschmir": "cachemire",
}  # fmt: skip
# German forms with their English and French forms; other pairs of these languages go through German
_EXONYMS = {"en": _EXONYMS_DE_EN, "fr": _EXONYMS_DE_FR}
_MONTH_ABBREVIATIONS = frozenset(m.lower() for lang in ("en", "de") for m in MONTH_ABBREVIATIONS[lang])
_NOT_NAMES = {
    "i", "mr", "mrs", "ms", "dr", "prof", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "herr", "frau", "ok", "tv", "minister", "president", "chancellor",
    "prime", "secretary", "senator", "governor", "mayor", "king", "queen", "prince", "general", "director",
    "professor", "chairman", "chairwoman", "premier", "minster", "corona", "passant", "kohl", "pope",
    "mp", "mps", "pm",  # titles as abbreviations ("Tory MPs", "the PM")
    # things, not names, as abbreviations ("the WeWork IPO" / "Börsengang", "WM-Titel" / "world title")
    "ceo", "cfo", "ipo", "dna", "dns", "lng", "gdp", "gnp", "bip", "ai", "ki", "wm", "em", "co",
    "sfr", "chf",  # Swiss francs ("180.- SFr." / "180 francs suisses")
    # and months as abbreviations ("Aug. 21"), but "Jan", a first name unless a day follows (names_in)
} | (_MONTH_ABBREVIATIONS - {"jan"})  # fmt: skip
_BEFORE_A_DAY = re.compile(r"\.\s?\d")  # "Jan. 1"
# German nouns that are also English words, so frequency alone makes them look like names.
_GERMAN_FALSE_FRIENDS = {
    "kind", "see", "tag", "pause", "marine", "moderator", "bub", "tote", "art", "hand", "rat", "gift", "mist",
    "bad", "boot", "rock", "land", "mode", "chef", "will", "also", "fast", "bald", "dose", "note", "rente",
    "kiefer", "tagen", "tradition",
}  # fmt: skip
# compass points: English, French (O for ouest: "NO" nord-ouest) and German (O for Ost: "SO" Südost)
_COMPASS_POINTS = frozenset({
    "NE", "NW", "SE", "SW", "NO", "SO", "NNE", "ENE", "ESE", "SSE", "SSW", "WSW", "WNW", "NNW", "NNO", "ONO", "OSO",
    "SSO",
})  # fmt: skip
# German words a noun follows: articles, possessives, demonstratives, contracted prepositions
_GERMAN_DETERMINERS = frozenset(
    ["der", "die", "das", "den", "dem", "des", "im", "am", "zum", "zur", "vom", "beim", "ins", "ans"]
    + [f"{stem}{end}" for stem in ("ein", "kein", "mein", "sein", "ihr", "unser")
       for end in ("", "e", "en", "em", "er", "es")]
    + [f"{stem}{end}" for stem in ("dies", "jed", "welch") for end in ("e", "en", "em", "er", "es")]
)  # fmt: skip
_EMPHASIS_ZIPF = 5.0  # a word in capitals this common is emphasis ("another" 5.7); "NATO" 4.5, "NASA" 4.2
_CAPITALS_RUN = 3  # this many all-capital words in a row are a heading in capitals, not acronyms
# A line in title case ("Refugee Boat Capsized: Baby and Small Children Drown"): nearly all its
# words of four letters or more capitalised, several of them common words
_TITLE_CASE_SHARE = 0.8
_TITLE_CASE_COMMON_ZIPF = 4.0
# In such a line a less common word is a word, not a name, too: one no rarer than this and this
# much commoner than in the other language ("Capsized" 2.8 in English, 0 in German; "Johnson" 4.7 / 4.0)
_TITLE_WORD_ZIPF = 2.5
_TITLE_WORD_GAP = 1.0
# a German word rarer than this that the other side's document writes as a name is a name
# ("Gasherbrum" 1.4); more common ones stay nouns ("Besteigung" 2.8, in a German title the
# French cites)
RARE_GERMAN_ZIPF = 2.5
_NAME_SIMILARITY = 0.75  # edit similarity of transliteration keys at which two spellings are one name


# German → English transliteration folds, applied in order (both sides get them, so only consistency matters);
# "dsch", "dz", "dj" are one sound: Dschibuti/Djibouti, Kangchendzönga/Kangchenjunga
_TRANSLITERATION = (
    ("dsch", "j"), ("dz", "j"), ("dj", "j"), ("tsch", "ch"), ("sch", "sh"), ("zh", "sh"), ("ph", "f"), ("ck", "k"),
    ("ts", "z"), ("w", "v"), ("j", "y"), ("c", "k"), ("z", "s"), ("ij", "y"), ("iy", "y"), ("yy", "y"),
)  # fmt: skip


@lru_cache(maxsize=100_000)
def name_key(word: str) -> str:
    """A spelling-neutral key: no diacritics, German/English transliteration folded, doubles collapsed."""
    text = word.lower().replace("ß", "ss")
    text = re.sub(r"['’]s$", "", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for old, new in _TRANSLITERATION:
        text = text.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", text)


def same_name(a: str, b: str) -> bool:
    ka, kb = name_key(a), name_key(b)
    if ka == kb:
        return True
    if min(len(ka), len(kb)) < 3:
        return False
    prefix = len(_common_prefix(ka, kb))
    if prefix >= 4 and prefix >= 0.6 * min(len(ka), len(kb)):
        return True  # inflection: Putins/Putin, Russland/Russia
    if 2 * min(len(ka), len(kb)) < _NAME_SIMILARITY * (len(ka) + len(kb)):
        return False  # difflib's real_quick_ratio, an upper bound of ratio(), without building a matcher
    matcher = SequenceMatcher(None, ka, kb)
    return matcher.quick_ratio() >= _NAME_SIMILARITY and matcher.ratio() >= _NAME_SIMILARITY


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and sum(c.isupper() for c in word) >= 2 and word[0].isupper()


def _never_a_name(word: str) -> bool:
    """A Roman numeral or a compass point: "II", "XIV", "SE", "WNW" (words that look like acronyms)."""
    return word in _COMPASS_POINTS or is_roman_numeral(word)  # numbers there: "Lager 4" / "camp IV"


def _title_case(words: list[re.Match[str]], lang: str) -> bool:
    """Whether a line (not German, which capitalises its nouns) is set in title case. A list of
    names ("Angela Merkel, Boris Johnson") is not: its capitalised words are no common words."""
    if lang == "de":
        return False
    long = [m.group() for m in words if len(m.group()) >= 4 and not m.group().isupper()]
    capitalised = [w for w in long if w[0].isupper()]
    if len(long) < 4 or len(capitalised) < _TITLE_CASE_SHARE * len(long):
        return False
    common = sum(zipf(w.lower(), lang) >= _TITLE_CASE_COMMON_ZIPF for w in capitalised)
    return common >= max(3, len(capitalised) // 3)


def _capitals_runs(words: list[re.Match[str]]) -> set[int]:
    """Offsets of the words in runs of ``_CAPITALS_RUN`` or more all-capital words (a heading in capitals)."""
    inside: set[int] = set()
    run: list[int] = []
    for m in [*words, None]:
        if m is not None and len(m.group()) >= 2 and m.group().isupper():
            run.append(m.start())
            continue
        if len(run) >= _CAPITALS_RUN:
            inside.update(run)
        run = []
    return inside


_DOTTED_INITIALISM = re.compile(r"\b(?:[A-Z]\.){2,}")


# what a currency sign says in words: "$1,400" is "1.400 US-Dollar"
_CURRENCY_SIGN_WORDS = {"$": ("US", "USD", "Dollar"), "€": ("Euro", "EUR"), "£": ("Pfund", "GBP", "Sterling")}


def _words(text: str) -> list[str]:
    """The words of text where another side's name is looked for: also each initialism without
    its points ("U.S." holds "US", as German writes it) and what a currency sign says ("$": "US",
    "Dollar"). Initialisms are no names themselves: most are a person's initials ("J.O.M.
    Roberts"), which the other side may space or leave out."""
    words = LETTER_WORD.findall(text) + [m.group().replace(".", "") for m in _DOTTED_INITIALISM.finditer(text)]
    for sign, said in _CURRENCY_SIGN_WORDS.items():
        if sign in text:
            words.extend(said)
    return words


def _after_determiner(text: str, words: list[re.Match[str]], k: int, initial: set[int]) -> bool:
    """Whether words[k] follows a German determiner, perhaps through adjectives ("ein riesiges schwarzes
    Loch", "im Experiment"), as a noun does; not the first part of a compound ("der Tesla-Chef"),
    nor a given name before a surname ("des bergerfahrenen Yuko Maki"; "des Senders NBC" is a noun)."""
    if text[words[k].end() : words[k].end() + 1] == "-":
        return False
    if k + 1 < len(words) and not text[words[k].end() : words[k + 1].start()].strip():
        following = words[k + 1].group()
        if following[0].isupper() and not following.isupper():
            return False
    for j in range(k - 1, max(k - 4, -1), -1):
        if text[words[j].end() : words[j + 1].start()].strip(" 0123456789.,%"):
            return False  # punctuation between: another phrase
        word = words[j].group()
        if word.lower() in _GERMAN_DETERMINERS:
            if words[j].start() in initial:  # "Der Sender", but "Das sagte Werth": a pronoun and a verb
                return j == k - 1
            return word.islower()  # "Der Spiegel" inside a sentence is a title
        if not (word.islower() and word.endswith(("e", "en", "er", "es", "em"))):
            return False  # capitalised, it may be a noun before a name: "der Sänger Nick"
    return False


@dataclass(frozen=True)
class OtherDocument:
    """What the other side's document, in a language that capitalises names alone, says of words
    (by ``name_key``): which it writes as names, and which only in lower case."""

    names: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()  # written in lower case only: "route", "zone", "expedition"
    # capitalised inside a sentence, as written ("Baltimore", "Tehran": names even where frequent)
    capitalised: frozenset[str] = frozenset()

    def writes_capitalised(self, word: str) -> bool:
        return _among(self.capitalised, word)


def _among(words: frozenset[str], word: str) -> bool:
    """Whether words hold word as a name (``same_name``), looked for among those whose spelling key
    begins with the same letter (a document's capitalised words are thousands)."""
    key = name_key(word)
    return any(same_name(word, other) for other in _by_initial(words).get(key[:1], ()))


@lru_cache(maxsize=16)
def _by_initial(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in words:
        index.setdefault(name_key(word)[:1], []).append(word)
    return {initial: tuple(group) for initial, group in index.items()}


NO_DOCUMENT = OtherDocument()


def names_in(text: str, lang: str, other_lang: str, other: OtherDocument = NO_DOCUMENT) -> list[str]:
    """The words of text that look like proper names.

    other: the other side's document (``other_document``). A rare German word it writes as a name
    is a name; a German word it writes only in lower case is a noun ("Route", "Zone"), however
    frequent in English and French. Only the same key counts: a German compound that begins with
    a name the other side cites ("Gipfelmannschaft", "Gipfel") is no name."""
    initial = sentence_starts(text)
    words = list(LETTER_WORD.finditer(text))
    heading = _capitals_runs(words)
    title = _title_case(words, lang)
    found = []
    for k, m in enumerate(words):
        word = re.sub(r"['’]s$", "", m.group())
        lower = word.lower()
        if not word[0].isupper() or lower in _NOT_NAMES or len(word) < 2 or _never_a_name(word):
            continue
        if m.start() in heading:
            continue  # a word of a heading in capitals: "JAHREN", "ANNÉES"
        z_here = zipf(lower, lang)
        if _is_acronym(word):
            if len(word) < 4 or z_here < _EMPHASIS_ZIPF:
                found.append(word)  # "SPD", "NATO"; not "ANOTHER", "WEITEREN": a common word set in capitals
            continue
        if lower in _MONTH_ABBREVIATIONS and _BEFORE_A_DAY.match(text, m.end()):
            continue  # "Jan. 1" is January; "Jan" alone is a given name
        z_other = zipf(lower, other_lang)
        if lang == "de" and other_lang != "en":
            # a German noun is often a word of some other language too ("Berge", "Route"); a name
            # is about as frequent in English as well
            z_other = min(z_other, zipf(lower, "en"))
        if lang == "de":
            if lower in _EXONYMS.get(other_lang, {}):
                found.append(word)  # "Spanien": a name whose English form differs, wherever it stands
                continue
            if lower in _GERMAN_FALSE_FRIENDS:
                continue
            key = name_key(word)
            if z_here < RARE_GERMAN_ZIPF and key in other.names:
                found.append(word)  # "Baltoro": no word list knows it, the translation writes it as a name
                continue
            if m.start() in initial and z_here - z_other > 1.0:
                continue
            # after an article a word commoner in German than in English is a noun ("ein schwarzes
            # Loch", "des Senders"), unless the other side writes it as a name ("in der Normandie");
            # not "im Iran", "der Guardian", which English text uses more
            if z_here > z_other and _after_determiner(text, words, k, initial) and not other.writes_capitalised(word):
                continue
            # a name is not translated, so English text uses it about as often as German text does;
            # very common German words are nouns ("Kind", "Tradition"), even if that misses "Merkel"
            if z_other >= 1.0 and z_here - z_other <= 1.6 and z_here < 4.5 and key not in other.common:
                found.append(word)
        elif m.start() in initial:
            if z_here < 3.0 and z_here - z_other <= 1.5:
                found.append(word)  # "Werth had …": rare as an ordinary word
        elif z_here >= 3.5 and z_here - z_other >= 0.7:
            continue  # a common word that is merely capitalised ("Prime Minister", "World Cup")
        elif title and z_here >= _TITLE_WORD_ZIPF and z_here - z_other >= _TITLE_WORD_GAP:
            continue  # "Johnson Dodges Questions": "Johnson" is a name, "Dodges" a verb
        else:
            found.append(word)
    return found


def other_document(texts: Iterable[str], lang: str, other_lang: str) -> OtherDocument:
    """What texts, one side of a document, tell ``names_in`` about the other side's words; nothing
    for German, which capitalises every noun, and nothing where the other side is not German
    (only German words ask), so that no other pair of languages pays for reading it."""
    if lang == "de" or other_lang != "de":
        return NO_DOCUMENT
    names: set[str] = set()
    lower: set[str] = set()
    capitalised: set[str] = set()
    for text in texts:
        names.update(name_key(name) for name in names_in(text, lang, other_lang))
        initial = sentence_starts(text)
        for m in LETTER_WORD.finditer(text):
            word = m.group()
            if word.islower():
                lower.add(name_key(word))
            elif word[0].isupper() and m.start() not in initial:
                capitalised.add(word)
    return OtherDocument(frozenset(names), frozenset(lower - names), frozenset(capitalised))


def _present(name: str, other_words: list[str], other_keys: set[str], exonyms: dict[str, set[str]]) -> bool:
    """Whether the other side's words (``other_keys``: their ``name_key``) hold the name or its exonym."""
    lower = name.lower()
    if name_key(name) in other_keys or any(same_name(name, other) for other in other_words):
        return True
    targets = exonyms.get(lower) or next((v for k, v in exonyms.items() if lower.startswith(k) and len(k) >= 4), set())
    return any(_holds_form(o.lower(), t) for o in other_words for t in targets)


def _holds_form(word: str, form: str) -> bool:
    """Whether a word (lower case) is a form of a name or begins with it ("amerikanische"); "Österreich"
    is in "Niederösterreich": long forms may sit inside a compound. A form of up to three letters
    ("us", "un") is a whole word: "use" and "under" are no forms of them."""
    if len(form) <= 3:
        return re.sub(r"['’]s$", "", word) == form
    return word.startswith(form) or (len(form) >= 6 and form in word)


@lru_cache(maxsize=16)
def _exonym_map(from_lang: str, to_lang: str) -> dict[str, set[str]]:
    """Each form of a name in from_lang → its forms in to_lang (empty where a language has no table)."""
    if from_lang == to_lang:
        return {}
    forms: dict[str, dict[str, set[str]]] = {}  # German form → language → forms
    for lang, table in _EXONYMS.items():
        for de, other in table.items():
            forms.setdefault(de, {"de": {de}})[lang] = set(other.split())
    mapping: dict[str, set[str]] = {}
    for by_lang in forms.values():
        for word in by_lang.get(from_lang, set()):
            mapping.setdefault(word, set()).update(by_lang.get(to_lang, set()))
    return {word: targets for word, targets in mapping.items() if targets}


def differing_names(
    src: str,
    tgt: str,
    src_lang: str,
    tgt_lang: str,
    src_other: OtherDocument = NO_DOCUMENT,
    tgt_other: OtherDocument = NO_DOCUMENT,
) -> tuple[list[str], list[str]]:
    """Names of the source missing in the target, and names of the target missing in the source.

    src_other: the target document (``other_document``), which tells which of the source's German
    words are names; tgt_other the source document, for the target's."""
    src_words, tgt_words = _words(src), _words(tgt)
    to_tgt, to_src = _exonym_map(src_lang, tgt_lang), _exonym_map(tgt_lang, src_lang)
    src_keys, tgt_keys = {name_key(w) for w in src_words}, {name_key(w) for w in tgt_words}
    missing = [n for n in names_in(src, src_lang, tgt_lang, src_other) if not _present(n, tgt_words, tgt_keys, to_tgt)]
    extra = [n for n in names_in(tgt, tgt_lang, src_lang, tgt_other) if not _present(n, src_words, src_keys, to_src)]
    return list(dict.fromkeys(missing)), list(dict.fromkeys(extra))


def _both_documents(ctx: Context) -> tuple[OtherDocument, OtherDocument]:
    """The target document as the source side's other document, and the source document."""
    src = [s.text for s in ctx.doc.source.segments if s.is_content]
    tgt = [s.text for s in ctx.doc.target.segments if s.is_content]
    return other_document(tgt, ctx.tgt_lang, ctx.src_lang), other_document(src, ctx.src_lang, ctx.tgt_lang)


def pair_names(ctx: Context, pair: Pair) -> tuple[list[str], list[str]]:
    """``differing_names`` of a pair, knowing the names of the whole document; computed once
    per pair for every detector that asks (names are evidence of omissions too)."""
    src_other, tgt_other = ctx.shared("other_documents", _both_documents)
    return ctx.once(differing_names, pair.src_text, pair.tgt_text, ctx.src_lang, ctx.tgt_lang, src_other, tgt_other)


def find_name_mismatches(ctx: Context) -> list[Flag]:
    threshold = ctx.config.threshold("name_mismatch")
    flags = []
    for pair in ctx.pairs():
        missing, extra = pair_names(ctx, pair)
        if not missing and not extra:
            continue
        score = 1.0 if missing and extra else 0.8
        if score < threshold:
            continue
        parts = []
        if missing:
            parts.append("source names missing in the target: " + ", ".join(missing))
        if extra:
            parts.append("target names not in the source: " + ", ".join(extra))
        reason = f"{'; '.join(parts)}: “{clip(pair.tgt_text)}”"
        flags.append(Flag("name_mismatch", reason, score, "tgt", pair.tgt_id, pair.src_id))
    return flags
