"""Names in scripts other than Latin that Faker's name lists know.

The name rules of ``recognizers.py`` read Latin capitals and Latin name lists; a name in another script reaches
them only through a patronymic, initials, a cue or a chat label. Here two words side by side (perhaps a third
after them) of one script are a person's name when one is a given name of Faker's lists for that script and
the other a surname of those lists, or shaped as one (a Slavic surname's or patronymic's ending, a Greek,
Armenian or Georgian surname's): "Дмитрий Соколов", "Цветелина Николаева Петкова", "Андрія Петренка",
"Ελένη Παπαδοπούλου", "Լիլիթ Սարգսյան", "ნინო ბერიძე". In a script with capitals both words are capitalised;
in Hebrew, Arabic (Persian too), Devanagari, Bengali, Tamil and Thai, which have none, both must be listed
("אמיר שקד", "زهرا موسوی", "विकास अग्रवाल").
A word is looked up as written and, in Cyrillic and Greek, with a case ending put back to its dictionary form
("Андрія" as "Андрій", "Ольге" as "Ольга", "Γιώργο" as "Γιώργος"); Cyrillic and Greek in capitals too, Greek
without its accents ("ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ"). In Arabic an "al-...i" family name after a listed given name counts
as a surname ("خالد المنصوري"), with the father's names before it (also after "bin": "خالد بن راشد المهيري") and
"Abd" compounds ("عبد الرحمن"); a Greek initial before a Greek surname's shape is a name ("Σ. Παπαδημητρίου"). A
thing named after a person is no name:
a street or a station ("улица Ивана Франко", "Жарка Зрењанина 14/II", "شارع طلعت حرب"), a hall's name in quotes
(„Јован Јовановић Змај”), a university "named after" ("ივანე ჯავახიშვილის სახელობის").
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata

from services.safety.tables import MARKS, opens_turns

_CYRILLIC_GREEK_UPPER = "А-ЯЁІЇЄҐЎЈЅЉЊЋЂЏΑ-ΩΆΈΉΊΌΎΏ"
_CYRILLIC_GREEK_LOWER = "а-яёіїєґўјѕљњћђџα-ωάέήίόύώϊϋΐΰς"
_ARMENIAN_UPPER, _ARMENIAN_LOWER = "\u0531-\u0556", "\u0561-\u0587"
_UPPER = _CYRILLIC_GREEK_UPPER + _ARMENIAN_UPPER
_LOWER = _CYRILLIC_GREEK_LOWER + _ARMENIAN_LOWER
_GEORGIAN = "\u10d0-\u10ff"
# Scripts without capitals whose names need both words listed: Hebrew, Arabic, Devanagari, Bengali, Tamil, Thai
_UNCASED = "\u05d0-\u05ea\u0620-\u064a\u066e-\u06d3\u0900-\u0dff\u0e01-\u0e4e"
# A word: capitalised in Cyrillic, Greek or Armenian; in Georgian and the scripts without capitals any
# (or in capitals: a form's or a letter's "Προς: ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ", "ИВАНОВА МАРИЯ")
_CASED_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?|[{_UPPER}]{{2,}}(?:-[{_UPPER}]{{2,}})?"
_UNCASED_WORD = rf"[{_UNCASED}](?:[{_UNCASED}]|[{MARKS}])*"
_WORD = re.compile(rf"(?<![\w-])(?:{_CASED_WORD}|[{_GEORGIAN}]+(?:-[{_GEORGIAN}]+)?|{_UNCASED_WORD})(?![\w{MARKS}-])")
_SCRIPT = re.compile(f"[{_UPPER}{_GEORGIAN}{_UNCASED}]")
_UNCASED_RE = re.compile(f"[{_UNCASED}]")
_LOCALES = tuple(
    "bg_BG el_GR mk_MK ru_RU uk_UA hy_AM ka_GE he_IL ar_AA ar_SA ar_PS fa_IR hi_IN ne_NP bn_BD ta_IN th_TH".split()
)
_FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female")
_LAST_ATTRS = ("last_names", "last_names_male", "last_names_female")

# Endings of a surname or a patronymic, any case: Slavic ("Петков", "Петкова", "Шевчук", "Стојановић",
# "Викторовне"), Greek ("Παπαδόπουλος", "Παπαδοπούλου", "Τζανακάκη"), Armenian ("Սարգսյան", "Գրիգորյանի"),
# Georgian ("გელაშვილი", "ბერიძე", "კვარაცხელია")
_SURNAME_SHAPE = re.compile(
    "(?:ов|ев|ёв|ин|ын|ск|цк|енк|чук|ук|юк|ич|ић|шин|дзе|швили|ян)(?:а|у|ой|ым|ом|е|ого|ому|ий|ая|ої|о|ів)?$"
    "|(?:ович|евич|овн|евн|ичн|івн|ївн)[а-яі]*$"
    "|(?:όπουλ|ίδ|ιάδ|άκ|ούλ|άτ|έα|ίτ|ίου|ίδου|ούδ)[α-ωάέήίόύώς]*$"
    "|(?:οπουλ|ιδ|ιαδ|ακ|ουλ|ατ|εα|ιτ|ιου|ιδου|ουδ)[α-ως]*$"  # (in capitals, written without accents)
    "|յան[իընց]?$|ունի$"
    "|(?:შვილ|ძ|ი|ავ|ან|ურ|ულ|ელ)(?:ი|ე|ა)(?:ს|მა|ის|ით)?$"
)
# Case endings of a declined Cyrillic or Greek name and the dictionary form's endings to try in their place
_CASE_ENDINGS = ("ому", "ого", "ою", "ові", "ой", "ей", "ом", "ем", "ым", "им", "а", "я", "у", "ю", "е", "ы", "и", "і")
_BASE_ENDINGS = ("", "а", "я", "й", "ь", "о")
_GREEK_BASE_ENDINGS = ("ς", "ος", "ης", "ας")
# Words right before a name that make it a thing named after a person: a street, a square, "named after", a quote
_NAMED_AFTER_BEFORE = re.compile(
    r"(?i)(?:\b(?:улиц\w*|ул\.|вулиц\w*|вул\.|проспект\w*|просп\.|площад\w*|пл\.|бульвар\w*|булевар\w*|бул\.|"
    r"имени|імені|им\.|ім\.|οδ(?:ός|ού|ό)|οδ\.|λεωφ\w*|πλατεί\w*|փողոց\w*|ქუჩ\w*"
    # (a museum, a theatre, a university, a prize: "Національного музею Тараса Шевченка")
    r"|музе[йюяїі]\w*|театр\w*|университет\w*|університет\w*|преми[яиюей]\w*|премі[яїює]\w*)[ \t]*"
    # (Arabic street, square, station, road; Persian street, lane, square; Hebrew street, avenue, square)
    # (and a king, a prince, a hospital, a university, a mosque, a school named after one)
    r"|(?:شارع|ميدان|محطة|طريق|جادة|خیابان|کوچه|میدان|بلوار|רחוב|רח['׳]|שדרות|שד['׳]|כיכר"
    r"|الملك|الملكة|الأمير|الأميرة|مستشفى|جامعة|مسجد|مدرسة)[ \t]+|[„«“\"])\Z"
)
# After a name: a house number (a street named after a person: "Жарка Зрењанина 14/II, 21000 Нови Сад"), or
# Georgian "named after" ("ივანე ჯავახიშვილის სახელობის უნივერსიტეტი")
_NAMED_AFTER_AFTER = re.compile(r"[ \t]+(?:\d{1,4}[a-zа-я]?(?:/[\dIVX]+)?[,\n]|სახელობის)")


@functools.cache
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), lower-cased, in the scripts read here, from Faker's ``_LOCALES``."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attrs, into in ((_FIRST_ATTRS, first), (_LAST_ATTRS, last)):
            for attr in attrs:
                values = getattr(provider, attr, ())
                into.update(n.lower() for n in values if isinstance(n, str) and _SCRIPT.match(n))
    for names in (first, last):  # Greek in capitals drops its accents: "ΕΛΕΝΗ" is "Ελένη"
        names.update({_unaccented(n) for n in names if _GREEK.match(n)})
    return frozenset(first), frozenset(last)


# An Arabic family name of origin or descent, "al-" and a word ending in "-i" ("الشناوي", "القحطاني", "الهاشمي"):
# a surname's shape after a listed given name ("خالد المنصوري"); not the adjectives of that shape a name of a
# king or a thing takes ("عبدالله الثاني", "مستشفى الملك فهد التخصصي")
_ARABIC = re.compile("[\u0621-\u064a]")
_ARABIC_NISBA = re.compile("ال[\u0621-\u064a]{2,}ي$")
_NISBA_WORDS = frozenset(
    "الثاني التخصصي الإجمالي الإلكتروني الحالي الرئيسي الطبي الوطني الدولي المركزي الجامعي الشخصي الأصلي "
    "النهائي الأساسي التجاري المدني القانوني الرسمي السنوي اليومي الإضافي الفعلي العادي الصحي المالي الحكومي "
    "الفني الدراسي الكلي العربي الإسلامي الخليجي".split()
)
_GREEK = re.compile("[α-ωάέήίόύώϊϋΐΰς]")
_SON_OF = frozenset({"بن", "ابن", "بنت"})  # "son of", "daughter of" between an Arabic name's given names


def _unaccented(word: str) -> str:
    """``word`` without its accents and diaereses (Greek written in capitals: "ΠΑΠΑΔΟΠΟΥΛΟΣ", "ΕΛΕΝΗ")."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


# Listed names that are greetings too: "שלום" (hello) opens a letter before the name
_GREETINGS = frozenset({"שלום"})


def _forms(word: str) -> set[str]:
    """``word`` (lower-cased) as written and with each case ending swapped for a dictionary form's."""
    forms = {word}
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.update(word[: -len(ending)] + base for base in _BASE_ENDINGS)
    if word[-1] in "οηαυ":
        forms.update(word.rstrip("υ") + base for base in _GREEK_BASE_ENDINGS)
    return forms


# A Greek initial and a surname of a Greek surname's shape ("Σ. Παπαδημητρίου", "Α. Τσολάκης"): a signature's or a
# register's name (not a section's letter and a word: "Α. Γενικές διατάξεις")
_GREEK_INITIAL_SURNAME = re.compile(
    r"(?<![\w.])[Α-Ω]\.[ \t]?[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώς]*(?:όπουλ|ίδ|ιάδ|άκ|ούλ|ίου|ίδου|ούδ)[α-ωάέήίόύώς]*(?![\w.])"
)


def is_given_name(word: str) -> bool:
    """Whether ``word`` (in one of the scripts read here, any of its forms) is a listed given name."""
    return bool(_forms(word.lower()) & name_lists()[0])


def said_by_speaker(text: str, label: str, words: str) -> bool:
    """Whether ``words`` after ``label`` are what a chat's speaker says, not a name: ``label`` opens two turns of
    ``text`` at least (``tables.opens_turns``) and ``words`` do not open with a listed given name (the answer to
    "your full name?": "العميل: ممتاز، يعطيك العافية" is said, "العميل: سارة الحربي" answers)."""
    return opens_turns(text, label) and not is_given_name(words.split()[0])


def known_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names of two or three words side by side that hold a listed given name and a listed
    or surname-shaped word beside it, and of a Greek initial before a Greek surname's shape (see the module's
    docstring)."""
    if not _SCRIPT.search(text):
        return []
    initialled = [m.span() for m in _GREEK_INITIAL_SURNAME.finditer(text)] if "." in text else []
    first, last = name_lists()
    words = list(_WORD.finditer(text))
    words = [w for w in words if w.group() not in _GREETINGS]
    forms = [_forms(w.group().lower()) for w in words]
    # (an Arabic compound given name, "Abd" and the word after it: "عبد الرحمن", "عبد الله")
    given = [bool(f & first) or w.group() == "عبد" for w, f in zip(words, forms, strict=True)]
    given = [g or (i > 0 and words[i - 1].group() == "عبد") for i, g in enumerate(given)]
    surname = [
        bool(f & last or (not _UNCASED_RE.match(w.group()) and _SURNAME_SHAPE.search(w.group())))
        for w, f in zip(words, forms, strict=True)
    ]
    nisba = [bool(_ARABIC_NISBA.match(w.group())) and w.group() not in _NISBA_WORDS for w in words]

    def beside(i: int) -> bool:  # words i and i + 1 stand side by side
        return i + 1 < len(words) and re.fullmatch(r"[ \t]+", text[words[i].end() : words[i + 1].start()]) is not None

    found = []
    i = done = 0  # (done: the words before it are in a name found, or none)
    while i < len(words):
        if beside(i) and (given[i] and (surname[i + 1] or nisba[i + 1]) or surname[i] and given[i + 1]):
            end = i + 2 if not (beside(i + 1) and (given[i + 2] or surname[i + 2])) else i + 3
            # given names before it in Arabic: a father's and grandfather's ("خالد سعيد المنصوري"), "son of" or
            # "daughter of" between them ("خالد بن راشد المهيري")
            first_word = i
            while first_word > done and beside(first_word - 1) and _ARABIC.match(words[first_word - 1].group()):
                if given[first_word - 1]:
                    first_word -= 1
                elif (
                    words[first_word - 1].group() in _SON_OF
                    and first_word - 1 > done
                    and given[first_word - 2]
                    and beside(first_word - 2)
                ):
                    first_word -= 2
                else:
                    break
            start_at, end_at = words[first_word].start(), words[end - 1].end()
            named_after = _NAMED_AFTER_BEFORE.search(text, max(0, start_at - 12), start_at)
            if not named_after and not _NAMED_AFTER_AFTER.match(text, end_at):
                found.append((start_at, end_at))
            i = done = end
        else:
            i += 1
    return found + [span for span in initialled if not any(a < span[1] and span[0] < b for a, b in found)]
