"""Brands and firms named after people ("Wells Fargo", "Ralph Lauren", "Dr Pepper"): capitalised
runs made of known given names and surnames that name no person. No installed package holds such a
list (pycountry has places only, Faker's company names are made up), so this is a short curated
one of widely known names, matched as whole words by ``NameRecognizer``.

A phrase of two or more words is never a person ("Tommy Hilfiger shirts", "Lockheed Martin PO");
a one-word brand ("Hilton", "Disney") is none only when it stands alone or beside words that are
no names ("Cisco ASA"), so that "Paris Hilton" or "Mr Disney" are still people.
"""

from __future__ import annotations

import unicodedata

# lower case, accents stripped, hyphens and possessives removed: "Harley-Davidson" -> "harley davidson"
BRAND_PHRASES = frozenset(
    phrase.strip()
    for phrase in """
    wells fargo|charles schwab|morgan stanley|edward jones|merrill lynch|goldman sachs|dean witter|
    raymond james|dow jones|jp morgan|j p morgan|lockheed martin|johnson controls|john deere|
    john lewis|ralph lauren|tommy hilfiger|calvin klein|hugo boss|estee lauder|elizabeth arden|
    helena rubinstein|max factor|mary kay|paul mitchell|john frieda|kate spade|michael kors|
    marc jacobs|tory burch|vera wang|giorgio armani|christian dior|louis vuitton|yves saint laurent|
    pierre cardin|anne klein|liz claiborne|kenneth cole|steve madden|jimmy choo|ted baker|
    fred perry|ben sherman|tommy bahama|levi strauss|alexander mcqueen|christian louboutin|
    jack daniel|jack daniels|johnnie walker|jim beam|jose cuervo|captain morgan|tim hortons|
    ronald mcdonald|papa john|uncle ben|betty crocker|sara lee|duncan hines|orville redenbacher|
    marie callender|aunt jemima|chef boyardee|little debbie|dr pepper|dr oetker|dr martens|
    dr scholl|dr brown|walt disney|harley davidson|rolls royce|mercedes benz|aston martin|
    sherwin williams|hewlett packard|procter gamble|johnson johnson|black decker|barnes noble|
    dolce gabbana|smith wesson|abercrombie fitch|ernst young|price waterhouse|baker mckenzie|patek philippe|
    harry winston|georg jensen|dom perignon|veuve clicquot|cruz roja|stan smith|franz ferdinand|jethro tull|
    lynyrd skynyrd|eleanor rigby|peche melba|tom ford|lister petter|resusci anne|selmer paris|big bertha|
    vaughan williams|red cross
    """.split("|")
)
BRAND_WORDS = frozenset(
    """
    disney hilton marriott kellogg kelloggs heinz cadbury nestle porsche ferrari lamborghini
    maserati bugatti chanel gucci prada versace armani fendi hermes dior boeing siemens philips
    bosch peugeot renault citroen chrysler chevrolet cisco mcdonald mcdonalds sainsbury
    walgreens nordstrom hershey colgate gillette wrigley guinness macmillan bausch besson varilux
    """.split()
)
# Car makes that are no one's given name: before a model they name a car ("Skoda Octavia", "Seat León", "Kia
# Picanto"), whatever the model's word is (Octavia, Clio and Zoe are given names too)
CAR_MAKES = frozenset(
    """
    skoda seat kia toyota honda nissan mazda hyundai vauxhall opel volkswagen vw fiat dacia subaru mitsubishi
    lexus audi bmw peugeot renault citroen chevrolet chrysler jeep porsche volvo tesla ford
    """.split()
)
LONGEST = max(len(p.split()) for p in BRAND_PHRASES)


def plain(word: str) -> str:
    """``word`` as the lists hold it: lower case, no accents, no possessive, no trailing dot."""
    word = unicodedata.normalize("NFKD", word.lower().replace("’", "'")).encode("ascii", "ignore").decode()
    word = word.rstrip(".,:;")
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def brand_phrase(words: list[str]) -> bool:
    """Whether the capitalised ``words`` (a run, titles included) contain a brand of two or more words, or open
    with a car's make before its model."""
    parts = [p for w in words for p in plain(w).replace("-", " ").split()]
    if len(parts) >= 2 and parts[0] in CAR_MAKES:
        return True
    return any(
        " ".join(parts[i : i + n]) in BRAND_PHRASES for n in range(2, LONGEST + 1) for i in range(len(parts) - n + 1)
    )
