"""Which countries' phone formats a text points to, read from the text itself: the country calling
codes of its international numbers ("+48 601 238 447": Poland), the country-code top-level domains
of its e-mail addresses and links ("@otenet.gr": Greece), the scripts it is written in (Greek,
Cyrillic, Hangul, kana, Han, Devanagari, Arabic, Hebrew, Thai; since session 21 also the letters of
one national Latin alphabet: Polish "ł", Czech "ř", Hungarian "ő", Romanian "ș", Turkish "ğ"; since
session 22 the Spanish "ñ", pointing to the Spanish-speaking regions, and "ã", "õ" to Portugal and Brazil) and
the language of the phone cue before a number ("Tlf", "Puhelin", "Cel."). The phone recogniser
(``services/safety/lookalikes.py``) accepts a number shorter than ten digits after a phone cue only
when it is valid in one of these regions or a configured one (Norwegian and Danish numbers have
eight digits, Polish, Spanish, Portuguese and Peruvian nine), so that a configured region list of
two countries still reads the rest of the world's numbers where a text says where it is from.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# Phone cues by language, with the regions whose numbers a cue in that language most likely
# introduces. English cues point nowhere (the configured regions stand).
# The regions that write Spanish ("ñ" points to them).
SPANISH = ("ES", "MX", "AR", "CO", "PE", "CL", "VE", "EC", "GT", "BO", "DO", "PY", "UY", "CR", "PA")
CUES_BY_LANGUAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    # (German: "erreichen Sie mich unter 0176 / 238 55 910")
    "german": (r"handy|erreichen|erreichbar|anrufen", ("DE", "AT", "CH")),
    "nordic": (r"tlf|mobil|mobilnummer|telefonnummer|puhelin|puh|matkapuhelin", ("NO", "DK", "SE", "FI", "IS")),
    "icelandic": (r"s[íi]mi|fars[íi]mi", ("IS",)),
    # (its abbreviation before a number, "s. 862 4170": a region only where the text points to one)
    "abbreviated": (r"s(?=\.[ \t]?\d)", ()),
    "iberian": (
        r"cel|celular|m[óo]vil|tel[ée]fono|llamar|llamarme|llamarnos|llam[ée]is|ll[áa]me|ll[áa]men(?:os)?|llamadme|"
        r"llama|ll[áa]ma(?:me|nos)|"
        r"llamante|contacto|contato|telem[óo]vel|telefone|"
        r"tel[èe]fon|cham[áa]deme|ch[áa]m[ae]nos|deitu|zap|wpp|fijo|comun[íi]quese|comunicarse|ligue|ligar",
        # (Catalan, Galician, Basque; Brazil's "zap"; a landline, "get in touch", "call", "call me", a transcript's
        # caller: "que me llame al 11 5832-4470", "LLAMANTE: Es el ..."; "call (me)": "llámame al 963 52 18 07")
        (*SPANISH, "PT", "BR"),
    ),
    # (Polish "at the number": "pod numerem 512 090 633")
    "polish": (r"kom[óo]rka|kom[óo]rkowy|stacjonarn\w*|tel\.\s*kom|zadzwo[nń]\w*|dzwo[nń]\w*|pod\s+numerem", ("PL",)),
    # (Italian "call (me)", "get in touch", a contact number: "può chiamarmi al 340 556 7721")
    "italian": (r"chiamar\w*|chiamate(?:mi|ci)?|telefonar\w*|contattar\w*|recapito", ("IT", "SM", "CH")),
    # (Hungarian "call (me, us)", "phone number": "hívjatok: 06 1 301 4477")
    "hungarian": (r"h[íi]vj\w*|h[íi]vhat\w*|telefonsz[áa]m\w*", ("HU",)),
    # (Greek "contact (me)", "landline": "επικοινωνήσετε μαζί μου στο 6944 123 456, στο σταθερό 2310 456 789")
    "greek": (r"τηλ[έε]φωνο|τηλ|κινητ[όο]|καλ[έε]στε|επικοινων[ήη]σ\w*|σταθερ[όο]", ("GR", "CY")),
    # (Mongolian "утас"; Ukrainian "at the number", "за номером 0 800 31 27 45"; "по телефону")
    "cyrillic": (
        r"телефон\w*|тел|моб|мобильный|мобільний|утас|за\s+номером",
        ("RU", "UA", "BY", "KZ", "BG", "RS", "MN"),
    ),
    "south_slavic": (r"dosegljiv\w*|pokli[cč]ite|nazovite|mobitel", ("SI", "HR", "RS", "BA")),
    "baltic": (r"t[āa]lru[nņ]\w*|t[āa]lr|zvaniet|skambinkite|helistage|telefonas", ("LV", "LT", "EE")),
    # Singapore's and Malaysia's "hp" (handphone): "my hp 8812 4096"
    "malay": (r"hp|handphone", ("SG", "MY")),
    # (Georgian "tel.", "phone", "mobile": "ტელ. 577 30 21 94")
    "georgian": (r"ტელ|ტელეფონი|მობილური", ("GE",)),
}
# Cues written in scripts with no spaces between words ("연락처는", "电话："): no word boundary after them.
CJK_CUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "han": (r"电话|手机|電話|手機|携帯|連絡先|联系人|聯絡人", ("CN", "TW", "HK", "JP")),
    "hangul": (r"연락처|전화|휴대폰|핸드폰", ("KR",)),
    # (Hindi "contact": "संपर्क नंबर")
    "devanagari": (r"मोबाइल|फ़ोन|फोन|संपर्क", ("IN", "NP")),
    # (Arabic "at the number": "على الرقم ٠٧٩ ٥٥٣ ٢١٨٤")
    "arabic": (r"هاتف|جوال|موبايل|للاستفسار|للتواصل|على الرقم", ("SA", "AE", "EG", "MA", "JO")),
    "hebrew": (r"טלפון|נייד", ("IL",)),
    "bengali": (r"মোবাইল|ফোন", ("BD", "IN")),
    "tamil": (r"தொலைபேசி|கைபேசி|அலைபேசி", ("IN", "LK")),
    "khmer": (r"ទូរសព្ទ", ("KH",)),
    "urdu": (r"ہیلپ لائن|موبائل|فون", ("PK",)),
    "persian": (r"تلفن|شماره تماس", ("IR",)),
}
# Letters of the Latin script that one national alphabet alone uses ("ł" of "Dąbrowska", "ő" of "Győr"), and
# the regions whose texts are written with them.
_NATIONAL_LETTERS = (
    (re.compile(r"[ąęłżĄĘŁŻ]"), ("PL",)),
    (re.compile(r"[řůŘŮ]"), ("CZ",)),
    (re.compile(r"[őűŐŰ]"), ("HU",)),
    (re.compile(r"[șțȘȚ]"), ("RO",)),
    (re.compile(r"[ğıĞİ]"), ("TR",)),
    (re.compile(r"[ñÑ]"), SPANISH),
    (re.compile(r"[ãõÃÕ]"), ("PT", "BR")),
    (re.compile(r"[ðþÐÞ]"), ("IS", "FO")),
)
# Scripts other than Latin, and the regions whose texts are written in them.
_SCRIPTS = (
    (re.compile(r"[\u0370-\u03ff]"), ("GR", "CY")),
    (re.compile(r"[\u0400-\u04ff]"), ("RU", "UA", "BY", "KZ", "BG", "RS")),
    (re.compile(r"[\uac00-\ud7a3]"), ("KR",)),
    (re.compile(r"[\u3040-\u30ff]"), ("JP",)),
    (re.compile(r"[\u4e00-\u9fff]"), ("CN", "TW", "HK", "JP")),
    (re.compile(r"[\u0900-\u097f]"), ("IN", "NP")),
    (re.compile(r"[\u0600-\u06ff]"), ("SA", "AE", "EG", "MA", "JO")),
    (re.compile(r"[\u0590-\u05ff]"), ("IL",)),
    (re.compile(r"[\u0e00-\u0e7f]"), ("TH",)),
    (re.compile(r"[\u0980-\u09ff]"), ("BD", "IN")),
    (re.compile(r"[\u0b80-\u0bff]"), ("IN", "LK")),
    (re.compile(r"[\u1780-\u17ff]"), ("KH",)),
    (re.compile(r"[ہےڈٹں]"), ("PK",)),  # letters of Urdu alone among the Arabic script's languages
)
# A host's country-code top-level domain, in an e-mail address or a link ("...@otenet.gr", "www.x.com.pe").
_HOST_TLD = re.compile(r"(?:@|://|\bwww\.)[\w.-]*?\.([a-z]{2})\b(?![.@\w-])", re.IGNORECASE)
# A country calling code after "+" or an international "00": "+48 601...", "0030 210...".
_CALLING_CODE = re.compile(r"(?<![\w+])(?:\+|00)([1-9]\d{0,2})(?=[ .(-]?\d)")


def _calling_code_regions(text: str) -> set[str]:
    import phonenumbers

    out: set[str] = set()
    for m in _CALLING_CODE.finditer(text):
        digits = m.group(1)
        # a calling code is a prefix code: the first of its prefixes that is one
        for size in range(1, len(digits) + 1):
            regions = phonenumbers.region_codes_for_country_code(int(digits[:size]))
            if regions and regions != ("001",):
                out.update(regions)
                break
    return out


@functools.cache
def seven_digit_regions() -> frozenset[str]:
    """The regions whose numbers are written with seven digits (phonenumbers' metadata: every fixed line seven,
    mobiles seven too): Iceland, Estonia, Panama, Liechtenstein and some islands."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    def lengths(desc: Any) -> list[int]:
        return [n for n in (desc.possible_length if desc is not None else ()) if n > 0]

    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is not None and lengths(metadata.fixed_line) == [7] and 7 in lengths(metadata.mobile):
            found.add(region)
    return frozenset(found)


def cue_regions(language: str | None) -> tuple[str, ...]:
    """The regions of a cue's language (a group name of ``CUES_BY_LANGUAGE`` or ``CJK_CUES``)."""
    where = CUES_BY_LANGUAGE.get(language or "") or CJK_CUES.get(language or "")
    return where[1] if where else ()


def script_regions(text: str) -> list[str]:
    """The regions of the scripts other than Latin that ``text`` is written in, in ``_SCRIPTS``' order."""
    out: list[str] = []
    for script, where in _SCRIPTS:
        if script.search(text):
            out += [r for r in where if r not in out]
    return out


def hinted_regions(text: str) -> set[str]:
    """The regions ``text`` points to (calling codes, ccTLDs, scripts); the cue's language adds its own
    (``cue_regions``)."""
    import phonenumbers

    regions = _calling_code_regions(text)
    for m in _HOST_TLD.finditer(text):
        code = m.group(1).upper()
        regions.add("GB" if code == "UK" else code)
    for letters, where in _NATIONAL_LETTERS:
        if letters.search(text):
            regions.update(where)
    regions.update(script_regions(text))
    return regions & phonenumbers.SUPPORTED_REGIONS
