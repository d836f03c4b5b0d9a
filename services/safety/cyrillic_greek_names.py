"""Names in Cyrillic and Greek letters that the name lists know.

The name rules of ``recognizers.py`` read Latin capitals and Latin name lists; Cyrillic and Greek names reach
them only through a patronymic, initials, a cue or a chat label. Here a run of two or three capitalised words
of one of these scripts is a person's name when one word is a given name of Faker's Bulgarian, Greek,
Macedonian, Russian or Ukrainian lists and another a surname of those lists, or shaped as one (a Slavic
surname's or patronymic's ending, a Greek surname's): "Дмитрий Соколов", "Цветелина Николаева Петкова",
"Андрія Петренка", "Ελένη Παπαδοπούλου". A word is looked up as written and with a case ending put back to its
dictionary form ("Андрія" as "Андрій", "Ольге" as "Ольга", "Γιώργο" as "Γιώργος"). Headings in capitals
("ЗАЯВЛЕНИЕ") and a thing named after a person ("улица Ивана Франко", "Жарка Зрењанина 14/II", a hall's name in
quotes: „Јован Јовановић Змај”) are no names.
"""

from __future__ import annotations

import functools
import importlib
import re

_UPPER = "А-ЯЁІЇЄҐЎЈЅЉЊЋЂЏΑ-ΩΆΈΉΊΌΎΏ"
_LOWER = "а-яёіїєґўјѕљњћђџα-ωάέήίόύώϊϋΐΰς"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_RUN = re.compile(rf"(?<![\w-]){_WORD}(?:[ \t]+{_WORD}){{1,2}}(?![\w-])")
_SCRIPT = re.compile(f"[{_UPPER}]")
_LOCALES = ("bg_BG", "el_GR", "mk_MK", "ru_RU", "uk_UA")
_FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female")
_LAST_ATTRS = ("last_names", "last_names_male", "last_names_female")

# Endings of a Slavic surname or patronymic, any case ("Петков", "Петкова", "Шевчук", "Стојановић",
# "Викторовне"), and of a Greek surname ("Παπαδόπουλος", "Παπαδοπούλου", "Καραλής", "Τζανακάκη")
_SURNAME_SHAPE = re.compile(
    "(?:ов|ев|ёв|ин|ын|ск|цк|енк|чук|ук|юк|ич|ић|шин|дзе|швили|ян)(?:а|у|ой|ым|ом|е|ого|ому|ий|ая|ої|ий|о|ів)?$"
    "|(?:ович|евич|овн|евн|ичн|івн|ївн)[а-яі]*$"
    "|(?:όπουλ|ίδ|ιάδ|άκ|ούλ|άτ|έα|ίτ|ίου|ίδου|ούδ)[α-ωάέήίόύώς]*$"
)
# Case endings of a declined given name or surname and the dictionary form's endings to try in their place
_CASE_ENDINGS = ("ому", "ого", "ою", "ові", "ой", "ей", "ом", "ем", "ым", "им", "а", "я", "у", "ю", "е", "ы", "и", "і")
_BASE_ENDINGS = ("", "а", "я", "й", "ь", "о")
_GREEK_BASE_ENDINGS = ("ς", "ος", "ης", "ας")
# Words right before a run that make it a thing named after a person: a street, a square, "named after"
_NAMED_AFTER_BEFORE = re.compile(
    r"(?i)(?:\b(?:улиц\w*|ул\.|вулиц\w*|вул\.|проспект\w*|просп\.|площад\w*|пл\.|бульвар\w*|булевар\w*|бул\.|"
    r"имени|імені|им\.|ім\.|οδ(?:ός|ού|ό)|οδ\.|λεωφ\w*|πλατεί\w*)[ \t]*|[„«“\"])\Z"
)
# A house number after a run: a street named after a person ("Жарка Зрењанина 14/II, 21000 Нови Сад")
_HOUSE_NUMBER_AFTER = re.compile(r"[ \t]+\d{1,4}[a-zа-я]?(?:/[\dIVX]+)?[,\n]")


@functools.cache
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), lower-cased, in Cyrillic and Greek letters, from Faker's ``_LOCALES``."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attrs, into in ((_FIRST_ATTRS, first), (_LAST_ATTRS, last)):
            for attr in attrs:
                values = getattr(provider, attr, ())
                into.update(n.lower() for n in values if isinstance(n, str) and _SCRIPT.match(n))
    return frozenset(first), frozenset(last)


def _forms(word: str) -> set[str]:
    """``word`` (lower-cased) as written and with each case ending swapped for a dictionary form's."""
    forms = {word}
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.update(word[: -len(ending)] + base for base in _BASE_ENDINGS)
    if word[-1] in "οηαυ":
        forms.update(word.rstrip("υ") + base for base in _GREEK_BASE_ENDINGS)
    return forms


def known_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of two or three capitalised Cyrillic or Greek words that hold a listed given
    name and a listed or surname-shaped word beside it (see the module's docstring)."""
    if not _SCRIPT.search(text):
        return []
    first, last = name_lists()
    found = []
    for m in _RUN.finditer(text):
        if _NAMED_AFTER_BEFORE.search(text, max(0, m.start() - 12), m.start()) or _HOUSE_NUMBER_AFTER.match(
            text, m.end()
        ):
            continue
        words = list(re.finditer(r"\S+", m.group()))
        forms = [_forms(w.group().lower()) for w in words]
        given = {i for i, f in enumerate(forms) if f & first}
        surname = {
            i for i, (w, f) in enumerate(zip(words, forms, strict=True)) if f & last or _SURNAME_SHAPE.search(w.group())
        }
        if any(g != s for g in given for s in surname):
            named = sorted(given | surname)  # a word before the name is no part of it ("Спасибо Дмитрий Соколов")
            found.append((m.start() + words[named[0]].start(), m.start() + words[named[-1]].end()))
    return found
