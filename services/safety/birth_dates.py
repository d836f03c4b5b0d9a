"""Dates of birth: a date is PII when the words around it say it is one's birth date.

``DateOfBirthRecognizer`` (DATE_OF_BIRTH): a full date right after a birth cue ("DOB",
"date of birth", "born", "birthday", field keys such as ``"dob":``, "née le", "Geburtsdatum"),
or up to six words later after "is" ("date of birth for the security check is ..."), or as the
answer on the next chat line; other dates (appointments, timestamps) are not PII. Since session
16: month names of the cues' languages ("7. Mai 1971", "16 de março de 2006"), Korean, Japanese
and Chinese dates and cues, "as" after a cue, a date corrected in the same sentence ("... but it
should be 14/08/1983"), and an SQL INSERT's birth column; a date a document "reads" or "shows".
Since session 20: a full date in a table's birth column (a CSV, semicolon or tab export or a
markdown table whose header names the column "dob", "Date of birth", "born"...), and the Nordic
"født" / "fødd" / "född" with Swedish, Danish and Norwegian month names. Since session 21: a date
grammar of many languages: the month names of CLDR (babel) in 44 languages, days and years in
words ("the twenty-third of May, nineteen eighty-four", "le premier mars", "siebzehnter Juni
neunzehnhundertneunzig"), compact "02MAR79", Japanese era years ("平成3年6月18日"); cues of more
languages, field keys of any naming style ("birthDate", "fecha_nac"), "b." / "f." after a comma. Since
session 22: the name before the date in an answer line, a year word inside the date ("1952 года"), and
no date of birth after a "born" said of a firm or an animal (``born_of_no_person``).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from services.safety.lookalikes import IS_SAID_WRONG, SAID_WRONG
from services.safety.recognizers import JAPANESE_ERAS, SQL_BIRTH_COLUMN, STAMP, recognizer_result, sql_values
from services.safety.tables import record_fields, table_columns

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# The languages whose month names a date of birth may carry: CLDR's (babel's) names, each month's wide
# and abbreviated forms in its format (genitive: "августа", "lipca", "Ιανουαρίου") and stand-alone
# contexts, and each again without its accents ("fevrier", "aout") and with umlauts written out ("maerz").
_MONTH_LOCALES = (
    "en de fr es pt it nl sv da nb nn fi et pl cs sk ru uk be bg sr hr bs sl mk el tr ro hu lt lv "
    "id ms vi tl sq ca gl eu cy ga is af sw hi th es_PE bn ur ka he ar ar_SY ta mr mt so kk ha uz sr_Latn"
).split()


def _trie(words: set[str]) -> str:
    """An alternation matching exactly ``words``, as a trie ("ma(?:i|rs|y)"): shorter to compile, and
    each letter tried once."""
    tree: dict = {}
    for word in words:
        node = tree
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def walk(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(c) + walk(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return "(?:" + walk(tree) + ")"


# The Ethiopian calendar's months as written in Latin letters ("born 1 Meskerem 1983 E.C."), which CLDR lacks.
_ETHIOPIAN_MONTHS = (
    "meskerem tikimt tekemt hidar hedar tahsas tahesas tir ter yekatit yekatit megabit miyazya miazia ginbot genbot "
    "sene hamle nehase nehasse pagume pagumen"
).split()
# ... and in Ethiopic letters ("መጋቢት 12 ቀን 1982 ዓ.ም.")
_ETHIOPIC_MONTHS = "መስከረም ጥቅምት ኅዳር ህዳር ታኅሣሥ ታህሳስ ጥር የካቲት መጋቢት ሚያዝያ ግንቦት ሰኔ ሐምሌ ሀምሌ ነሐሴ ነሃሴ ጳጉሜ ጳጉሜን".split()
# The Solar Hijri calendar's months in Persian ("۱۵ فروردین ۱۳۴۹"), which CLDR's Gregorian names lack.
_PERSIAN_MONTHS = "فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر بهمن اسفند".split()
# The Islamic (Hijri) calendar's months in Arabic ("15 ربيع الأول 1406 هـ"), some of two words
_HIJRI_MONTHS = (
    *"محرم صفر رجب شعبان رمضان شوال".split(),
    *"ربيع_الأول ربيع_الاول ربيع_الآخر ربيع_الثاني جمادى_الأولى جمادى_الاولى جمادى_الآخرة جمادى_الثانية".split(),
    *"ذو_القعدة ذو_الحجة".split(),
)
_HIJRI_MONTHS = tuple(month.replace("_", " ") for month in _HIJRI_MONTHS)
# Months Serbian writes in the genitive after a day ("14. маја 1966.", "17. aprila 1993."), and Latvian in the
# locative ("1979. gada 8. jūlijā"), which CLDR's names lack
_DECLINED_MONTHS = (
    "јануара фебруара марта априла маја јуна јула августа септембра октобра новембра децембра "
    "janvārī februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī novembrī decembrī "
    "januara februara marta aprila maja juna jula avgusta septembra oktobra novembra decembra "
    # Estonian, "on" a month ("sündinud 2. jaanuaril 2001")
    "jaanuaril veebruaril märtsil aprillil mail juunil juulil augustil septembril oktoobril novembril detsembril"
).split()
_UMLAUTS_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _month_names() -> set[str]:
    """The month names of ``_MONTH_LOCALES`` (three letters or more), lower-cased."""
    from babel import Locale

    names: set[str] = set()
    for code in _MONTH_LOCALES:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for name in months[context][width].values():
                    name = name.lower().rstrip(".")
                    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
                    spelled = name.translate(_UMLAUTS_SPELLED)
                    names.update(n for n in (name, plain, spelled) if len(n) >= 3)
    return (
        names
        | set(_ETHIOPIAN_MONTHS)
        | set(_ETHIOPIC_MONTHS)
        | set(_PERSIAN_MONTHS)
        | set(_HIJRI_MONTHS)
        | set(_DECLINED_MONTHS)
    )


_MONTH_WORD = rf"(?i:{_trie(_month_names())}\.?|{_MONTH})(?![^\W\d_])"
# Number words, to read a date written out: "the twenty-third of May", "le premier mars", "veintitrés de
# mayo de mil novecientos ochenta y cuatro", "siebzehnter Juni neunzehnhundertneunzig". A number word is a
# run of these parts (English, French, Spanish, Portuguese, Italian, German) with an ordinal's ending.
_NUMBER_PARTS = (
    # English
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty twentie thirty thirtie forty fifty sixty seventy eighty ninety hundred thousand first "
    "second third fif eigh nin twelf oh "
    # French
    "un une premier première deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "vingt vingts trente quarante cinquante soixante cent cents mille mil "
    # Spanish
    "uno una primero dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieci veinte "
    "veinti treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento doscientos trescientos "
    "cuatrocientos quinientos seiscientos setecientos ochocientos novecientos séis trés dós ún "
    # Portuguese
    "um primeiro dois duas três dez dezesseis dezasseis dezessete dezassete dezoito dezenove dezanove vinte trinta "
    "quarenta cinquenta sessenta oitenta cem cento duzentos quatrocentos quinhentos seiscentos oitocentos oito sete "
    "onze doze treze quatorze trezentos setecentos novecentos "
    # Italian
    "primo due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici sedici "
    "diciassette diciotto diciannove venti vent trenta trent quaranta quarant cinquant sessanta sessant settanta "
    "settant ottanta ottant novanta novant mila "
    # German
    "ein eins eine erst zwei zwo drei dritt vier fünf fuenf sechs sech sieben sieb acht neun zehn elf zwölf zwoelf "
    "zwanzig dreißig dreissig vierzig fünfzig fuenfzig sechzig siebzig achtzig neunzig hundert tausend und"
).split()
_NUMBER_WORD = (
    _trie(set(_NUMBER_PARTS)) + "+"
    r"(?:ième|ieme|th|st|nd|rd|º|ª|o|a|e|er|en|em|es|te|ter|ten|tem|ste|ster|sten|stem)?(?![^\W\d_])"
)
# Number words in a row: "nineteen eighty-seven", "mille neuf cent quatre-vingt-douze", "mil novecientos
# ochenta y cuatro".
_NUMBER_WORDS = rf"{_NUMBER_WORD}(?:(?:\s+|-)(?:(?:and|et|y|e|und)(?:\s+|-))?{_NUMBER_WORD}){{0,7}}"
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th|er|º|ª)?(?:\.\s*|\s+)|{_NUMBER_WORDS}\s+)"
_YEAR = rf"(?:\d{{4}}|{_NUMBER_WORDS})"
_DATE = (
    # (the year first, also with a space after each dot, as Korean writes it: "2006. 10. 04.")
    r"(?i:\d{4}(?:[-/.]|\.\s)\d{1,2}(?:[-/.]|\.\s)\d{1,2}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    # spaced ("14. 3. 1955", "14 / 02 / 2020"), or the month in Roman numerals ("17-IV-1958", Polish "7 IX 2013")
    r"|\d{1,2}\.?\s*[/.-]?\s*(?:\d{1,2}\s*[/.-]|(?:i{1,3}|iv|vi{0,3}|ix|xi{0,2})(?![^\W\d_])\s*[/.-]?)\s*\d{4}"
    # a day, a month's name, a year, in any of the month names' languages, in figures or words:
    # "14 February 1961", "3rd of May 1990", Hebrew "9 בינואר 1958" ("in January"), "16 de março de 2006",
    # "12.Mai 1939", "the fourth of March, nineteen eighty-seven", "le vingt-deux avril mille neuf cent
    # quatre-vingt-douze"
    rf"|(?:(?:the|le|la|el|il|o|den|der|am)\s+)?{_DAY}(?:day\s+)?(?:(?:of|de)\s+|ב)?{_MONTH_WORD},?\s+"
    rf"(?:(?:of|de|del|do)\s+)?(?:\d{{4}}|{_NUMBER_WORDS})"
    # the month first: "March 9, 1987", "March the fourth, nineteen eighty-seven"
    rf"|{_MONTH_WORD}\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_NUMBER_WORDS}),?\s+{_YEAR}"
    # the month as an ordinal too: "the 9th of the 9th, 1990", "13th of the 4th 89"
    r"|\d{1,2}(?:st|nd|rd|th)\s+of\s+the\s+\d{1,2}(?:st|nd|rd|th)(?:\s+month)?,?\s+(?:\d{4}|\d{2})"
    # the year first, as Hungarian, Lithuanian and Latvian write it: "1986. március 4.", "1986 m. kovo 4 d."
    rf"|\d{{4}}\.?\s+(?:m\.\s+|gada\s+)?{_MONTH_WORD}\s+\d{{1,2}}\.?(?:\s*d\.)?"
    # the Ethiopian calendar in Amharic: the month, the day, "ቀን" (day), the year, "ዓ.ም." (E.C.)
    rf"|{_MONTH_WORD}\s+\d{{1,2}}\s+ቀን\s+\d{{4}}(?:\s*ዓ\.ም\.?)?"
    # Latvian, the year first: "1979. gada 8. jūlijā"; Kazakh: "1986 жылғы 12 наурыз"
    rf"|\d{{4}}\.\s+gada\s+\d{{1,2}}\.\s+{_MONTH_WORD}|\d{{4}}\s+жылғы\s+\d{{1,2}}\s+{_MONTH_WORD}"
    # compact with a month's abbreviation of any of the languages: "09-ene-1985"
    rf"|\d{{1,2}}[-/]{_MONTH_WORD}[-/](?:\d{{4}}|\d{{2}})"
    # Maltese: "12 ta' Marzu 1941" (of)
    rf"|\d{{1,2}}\s+ta['’]\s+{_MONTH_WORD}\s+\d{{4}}"
    # Basque, the year first and the month's genitive: "2013ko martxoaren 9a"
    r"|\d{4}e?ko\s+(?:urtarrila|otsaila|martxoa|apirila|maiatza|ekaina|uztaila|abuztua|iraila|urria|azaroa|abendua)"
    r"ren\s+\d{1,2}(?:a|an)?"
    # Hausa: "3 ga Nuwamba, 1981"; Mongolian, the year first: "1993 оны 11 сарын 02"; Uzbek: "1991-yil 5-mart"
    rf"|\d{{1,2}}\s+ga\s+{_MONTH_WORD},?\s+\d{{4}}|\d{{4}}\s+оны\s+\d{{1,2}}\s+сарын\s+\d{{1,2}}"
    rf"|\d{{4}}-yil\s+\d{{1,2}}-{_MONTH_WORD}"
    # Tagalog: "ika-5 ng Hunyo, 2006"
    rf"|ika-?\d{{1,2}}\s+ng\s+{_MONTH_WORD},?\s+\d{{4}}"
    # Vietnamese, whose months are numbered: "(ngày) 4 tháng 3 năm 1986", "mùng 5 tháng 7 năm 1992"
    r"|(?:ngày\s+)?(?:m[ùồ]ng\s+)?\d{1,2}\s+tháng\s+\d{1,2},?\s+(?:năm\s+)?\d{4}"
    # Korean, Japanese and Chinese: "1990년 3월 5일", "1979年10月2日", a Japanese era's year: "平成3年6月18日", and
    # Taiwan's Minguo year: "民國82年7月22日"
    rf"|(?:\d{{4}}|{JAPANESE_ERAS}\s*(?:\d{{1,2}}|元)|民[國国]\s*\d{{2,3}})\s*[년年]\s*\d{{1,2}}\s*[월月]\s*\d{{1,2}}\s*[일日]?"
    # compact, as airlines and forms write it: "02MAR79", "02-MAR-1979"
    rf"|\d{{1,2}}-?(?i:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)-?(?:\d{{4}}|\d{{2}})"
    # month, day and year in words, as said on a call: "nine, fourteen, sixty-eight"
    rf"|{_NUMBER_WORDS}(?:,\s+{_NUMBER_WORDS}){{2}})"
)
_DATE_RE = re.compile(_DATE)
# A birthday without its year, or a month and a short year, reported only after a birth cue: "born on the 4th of
# November", "am 17. Mai", "誕生日も3月14日", "DOB: march '38" (a date followed by a year in
# figures or words is a full ``_DATE``, tried first).
_DAY_MONTH = (
    rf"(?i:(?:(?:the|le|la|el|il|o|den|der|am)\s+)?\d{{1,2}}(?:st|nd|rd|th|er|º|ª)?(?:\.\s*|\s+)(?:(?:of|de)\s+)?"
    rf"{_MONTH_WORD}(?![ \t]*\d)"
    rf"|{_MONTH_WORD}\s+['’]\d{{2}}(?!\d)"
    r"|\d{1,2}\s*[월月]\s*\d{1,2}\s*[일日])"
)
_MONTH_WORD_RE = re.compile(_MONTH_WORD)


def names_a_month(text: str) -> bool:
    """Whether ``text`` holds a month's name or abbreviation in one of ``_MONTH_LOCALES``' languages
    ("mars", "Dezember", "SEP")."""
    return _MONTH_WORD_RE.search(text) is not None


# A word for "year" after a date's year, part of the date as written: Russian "14 марта 1952 года" / "г.",
# Ukrainian "року" / "р.", Polish and Czech "1961 r." / "roku".
# Japanese "born" after the date: "チャン・ティ・ラン（1997年11月2日生）", "平成9年11月2日生まれ", "1995年4月8日生、";
# Korean, in brackets or before a comma: "(2018.07.21생)", "2003.04.17생, 010-..."; Turkish: "(9 Nisan 2008
# doğumlu" (cues, and marks after a date: ``_MARK_AFTER_DATE``)
_BORN_AFTER_DATE = (r"生(?:まれ|(?=[)）、,，。\s]|\Z))", r"생(?=[)）,，\s]|\Z)", r"do[ğg]umlu")
_YEAR_WORD = r"(?:года|г\.|године|год\.|року|р\.|roku|r\.)(?![^\W\d_])"
# Birth cues in the languages of the address forms (services/safety/addresses.py) and the month names'
# languages, and as field keys of any naming style ("date_of_birth", "dateOfBirth", "patient_dob", "birthDate",
# "fecha_nac", "'birth':"); "b." and "f." (Nordic "født") after a comma, a bracket or a dash ("Mrs D. Fairweather, b.
# 14 June 1932", "Hansen, Sindre – f. 22.06.2003"), the Finnish "s." there too, the Polish "ur.", the Czech and Slovak
# "nar.". Each is written in lower case and begins with a letter (see _by_first_letter).
_BIRTH_CUES = (
    r"d\.?\s?o\.?\s?b\b\.?",
    r"b\.(?:(?<=\(b\.)|(?<=, b\.)|(?<=[–—] b\.))",
    r"f\.(?:(?<=\(f\.)|(?<=, f\.)|(?<=[–—] f\.))",
    r"ur\.",
    r"nar\.",
    r"s\.(?:(?<=\(s\.)|(?<=, s\.))",
    r"date[\s_-]?of[\s_-]?birth",
    r"dates\s+of\s+birth",
    r"birth[\s_-]?date",
    r"birthday",
    r"born",
    r"birth(?=[\"']?\s*[:=])",
    r"nasc(?=[\"']?\s*[:=])",  # a Portuguese log's key ("nasc=21/03/1988": nascimento)
    r"nasc\.(?=\s*:?\s*\d)",  # its abbreviation before a date ("Nasc.: 30/10/1964")
    r"birt\.date",  # a GEDCOM tag's path in a genealogy log ("field=BIRT.DATE")
    r"b-?day\b",
    # German, French, Italian, Spanish, Portuguese, Dutch, Catalan
    r"geb\.",
    # (Dutch "born in (a town) on": "geboren te Kampen op 12 maart 1958")
    r"geboren\s+te\s+[^\W\d_][^\W\d_'’ -]*(?:[ -][^\W\d_]+){0,2}\s+op",
    r"geboren(?:\s+am)?",
    r"geburtsdatum",
    r"geburtstag",
    r"n[ée]e?\s+(?:[àa]\s+[^\W\d_][^\W\d_'’ -]*(?:[ -][^\W\d_]+){0,2}\s+(?:\([^)\n]{1,30}\)\s+)?)?le",
    r"n[ée]\(e\)\s*le",  # a form's "Né(e) le : 14/06/1988"
    r"date[\s_-]+(?:de[\s_-]+)?naissance",
    r"nat[oa]\s+(?:a\s+[^\W\d_][^\W\d_'’ -]*(?:[ -][^\W\d_]+){0,2}\s+(?:\([^)\n]{1,30}\)\s+)?)?il",
    r"data[\s_-]+di[\s_-]+nascita",
    r"nac(?:id[oa]|i[óo]|[íi])\s+(?:en\s+[^\W\d_][^\W\d_'’ -]*(?:[ -][^\W\d_]+){0,2}\s+(?:\([^)\n]{1,30}\)\s+)?)?el",
    r"fecha[\s_-]+(?:de[\s_-]+)?nac(?:imiento)?\b\.?",
    r"f\.\s?(?:de\s)?nac\.",  # "(f. nac. 4 de agosto de 1997)"
    r"nascid[oa]\s+(?:em|aos|a)",
    r"nasci\s+(?:em|a)",
    r"nasceu(?:\s+(?:em|a|no\s+dia|dia))?",
    r"data[\s_-]+de[\s_-]+nascimento",
    r"data\s+de\s+nasc\.",  # "Data de nasc.: 07/11/1994"
    r"geboortedatum",
    r"data\s+de\s+naixement",
    r"nascut",
    r"nascuda",
    r"n[ée]ixer(?:\s+el)?",  # Catalan "va néixer el 13 de setembre de 1935"
    # Afrikaans "born", before the date ("sy is 14 Julie 1938 gebore") or after it ("gebore op 3 Mei 1950")
    r"gebore(?:\s+op)?\b",
    # Vietnamese, Korean, Japanese / Chinese, Turkish, Polish, Czech / Slovak, Serbo-Croatian / Slovene, Nordic,
    # Finnish / Estonian, Russian / Ukrainian / Bulgarian, Greek, Romanian, Hungarian, Baltic, Indonesian / Malay
    r"ng[àa]y\s+sinh",
    r"sinh\s+ng[àa]y",  # "born on the (day)": "con sinh ngày mùng 5 tháng 7 năm 1992"
    "생년월일",
    "生年月日",
    "誕生日",
    "生日",
    "出生日期",
    "出生[于於]",
    r"do[ğg]um[\s_-]+tarih(?:i|im|iniz)",  # (also a field's key: "dogum_tarihi")
    r"do[ğg]um\s+t\.",
    r"data\s+(?:i\s+miejsce\s+)?urodzenia",  # (a register's "Data i miejsce urodzenia": date and place)
    r"urodzon(?:ego|ej|ym|y|a|ą)",
    r"datum[\s_-]+narozen[íi]",  # (a field's key too: "datum_narozeni")
    r"d[áa]tum\s+narodenia",
    r"narozen[aáý]?",
    r"narodil[ao]?\s+sa",
    r"datum\s+ro[đd]enja",
    r"датум\s+рођења",
    r"рођен(?:ог|ом|а|и|е)?",
    r"ro[đd]en[a]?(?:\s+sam)?",  # "rođena sam 17. aprila 1993.": "I was born"
    r"rojen[a]?",
    r"roj\.",  # Slovene: "Marjeta Kovačič Zupan, roj. 11. 6. 1962"
    r"datum\s+rojstva",
    r"f[øo]dselsdato",
    r"f[öo]delsedatum",
    r"syntym[äa]aika",
    r"syntynyt",
    r"synt\.",  # its abbreviation ("Virtanen Aino, synt. 5.6.1990")
    r"s[üu]nniaeg",
    r"s[üu]ndinud",
    r"f[øö]d[dt]",
    r"fædd(?:ur)?",
    r"дат[ау]\s+рождения",  # (the accusative too: "назовите дату рождения")
    r"туған\s+күні",  # Kazakh
    r"года\s+рождения",
    r"року\s+народження",  # Ukrainian, after the date ("07 травня 1988 року народження")
    # the Russian and Ukrainian mark after the date: "17.08.1979 г.р." (год рождения), "р.н." (рік народження)
    r"г\.\s?р\.",
    r"р\.\s?н\.",
    r"день\s+рождения",
    r"родил(?:ся|ась)",
    r"дата\s+народження",
    r"народил(?:ся|ася)",
    r"дата(?:та)?(?:\s+ми)?\s+на\s+раждане",  # "датата ми на раждане": "my"
    r"роден[аи]?(?:\s+на)?",  # Bulgarian "born on": "родена на 12.09.1985 г."
    "γ[έε]ννησης",  # (in capitals without its accent: "ΗΜΕΡΟΜΗΝΙΑ ΓΕΝΝΗΣΗΣ")
    r"γεν\.",
    "γεννήθηκ[εα]",  # "was born", "I was born"
    # "born", a participle, perhaps with the place: "γεννηθέντα στις 14 Μαΐου 1987", "γεννηθείς στη Θεσσαλονίκη στις"
    r"γεννηθ(?:είς|έντα|είσα|έντος|είσης)(?:\s+στ(?:ην?|ο)\s+[^\W\d_]+(?:[ -][^\W\d_]+)?(?=\s+στις))?",
    "γεννημέν(?:ος|η|ου|ης)",  # "born" as a participle: "γεννημένου στις 3 Μαρτίου 1943"
    r"data\s+na[șsş]terii",
    r"n[ăa]scut[ăa]?(?:\s+la\s+data\s+de)?",
    r"sz[üu]let[ée]si\s+(?:d[áa]tum|id[őo])",
    # the Hungarian form's place and time of birth: "Születési hely, idő: Szeged, 1958. 03. 21."
    r"sz[üu]let[ée]si\s+hely\s*,\s*id[őo]\s*:\s*[^\W\d_][^,\n]{0,30},",
    r"sz[üu]letett",
    r"sz[üu]l\.",
    r"gimimo\s+data",
    r"gim\.",
    r"gim[ęe]s",
    r"gimusi",
    r"dzim[šs]anas\s+datums",
    r"dzimis",
    r"dzimusi",
    r"tanggal\s+lahir",
    # Swahili
    r"tarehe\s+ya\s+kuzaliwa",
    r"alizaliwa(?:\s+tarehe)?",  # "alizaliwa tarehe 12 Machi 2019": born on (the date)
    r"nimezaliwa(?:\s+tarehe)?",  # "I was born"
    r"nilizaliwa(?:\s+tarehe)?",  # ... as a story tells it
    # Welsh "born on", Spanish "came into the world"
    r"anwyd(?:\s+ar)?",
    r"geni\s+ar",  # (mutated: "cawsoch eich geni ar 5 Mehefin 1954", you were born on)
    r"dyddiad\s+geni",
    r"lleg[óo]\s+al\s+mundo",
    r"tarikh\s+lahir",
    # the Indonesian "TTL" (place and date of birth): "TTL: Surabaya, 17 Agustus 1993"
    r"ttl\s*:\s*[^\W\d_][^,\n]{0,30},",
    # (perhaps with the place: "lahir Sidoarjo 17-08-1965")
    r"lahir(?:\s+(?:di\s+)?[^\W\d_]+(?:\s+[^\W\d_]+)?,?(?=\s+\d))?(?:\s+pada)?",
    # the Indonesian form's place and date of birth: "Tempat/Tgl. Lahir: Denpasar, 17-08-1995", "Tempat, tanggal
    # lahir: Bandung, 12 Maret 1996"
    r"t(?:empat|mp)\.?\s*[/,]\s*t(?:anggal|gl)\.?\s+lahir\s*:\s*[^\W\d_][^,\n]{0,30},",
    # Arabic, Persian, Urdu, Hebrew, Hindi, Bengali, Tamil, Telugu, Thai
    r"تاريخ\s+(?:الميلاد|ميلاد(?:ي|ه|ها))",  # "my", "his", "her" birth date: "تاريخ ميلادي"
    r"وتاريخ\s+(?:الميلاد|ميلاد(?:ي|ه|ها))",  # ... after "and", written on to it
    r"المولود(?:ة)?\s+بتاريخ",  # "born on the date"
    # Moroccan: "date of birth", "born on": "تاريخ الازدياد: 15 مارس 1981", "المزداد في 02/07/1994"
    r"تاريخ\s+الازدياد",
    r"المزداد(?:ة)?\s+(?:في|بتاريخ)",
    "مواليد",  # "(one) of those born (on)": "من مواليد 1988/07/26"
    r"تاریخ\u0650?\s+(?:تولد|پیدائش)(?:[مش]|ام)?",  # "my", "his/her": "تاریخ تولدم ۱۳۶۸/۰۴/۱۵"; Urdu's "تاریخِ"
    r"תאריך\s+ה?ליד[הת]",  # (with the article: "תאריך הלידה")
    r"יליד(?:ת|י|ות)?",  # "born (in)": "ילידת 2.11.1988"
    r"נולד(?:ה|ו)?",  # "(he, she, they) was born": "(נולד 13.6.2015)"
    r"जन्म\s*(?:तिथि|दिनांक|तारीख|मिति)",  # (Nepali "मिति")
    r"জন্ম\s*তারিখ",
    r"பிறந்த\s*தேதி",
    r"పుట్టిన\s*తేదీ",
    "วันเกิด",
    "วันเดือนปีเกิด",
    "เกิดวันที่",  # "born on (date)"
    r"เกิด(?=\s*\d)",  # "born" before a date: "เกิด 14 ส.ค. 2564"
    "เกิดเมื่อ(?:วันที่)?",  # "born when"
    # an airline's passenger document record (SSR DOCS): the date after the passport's number and nationality
    r"docs\s+[a-z0-9]{2}\s+hk\d[\s/]?p/[a-z]{3}/[a-z0-9]+/[a-z]{3}/",
    # and a child's (SSR CHLD): "SSR CHLD KE HK1 12MAY15/P3"
    r"chld\s+[a-z0-9]{2}\s+hk\d\s+",
    # and a child's age code in a passenger list: "3.KIM/HAEUN MISS(CHD/12MAY15)"
    r"chd/",
    # Georgian "date of birth", inline as well as a field's key
    r"დაბადების\s+თარიღი",
    r"დაბ\.",
    "დაიბადა",
    # Amharic "date of birth"; Tagalog "date of birth", "birthday"
    r"የትውልድ\s+ቀን",
    r"petsa\s+ng\s+kapanganakan",
    r"kaarawan",
    # "born (on)": "ipinanganak noong Marso 3, 1985", "ipinanganak sya noong ika-3 ng Marso 2010" (he or she)
    r"ipinanganak(?:\s+(?:siya|sya|ako))?(?:\s+(?:noong|sa))?",
    # Maltese
    r"data\s+tat-twelid",
    r"twieled|twieldet|imwieled",
    # ... and "born (f.) in (a place) on the (day)": "imwielda Ħaż-Żebbuġ fit-12 ta' Marzu 1941"
    r"imwiel(?:ed|da)(?:\s+[^\s\d]{2,30}){0,2}?\s+fi[lt]-(?=\d)",
    # Somali "born", "birth"; Basque "born", "date of birth"
    r"dhashay",
    r"dhalashada",
    r"jaio(?:\s+zen)?\b",
    r"jaiotze[\s_-]+data",
    # Irish, Samoan, Zulu ("usuku lwami lokuzalwa ngu-19/06/1974"), Quechua ("paqarisqan p'unchaw"), Punjabi,
    # Armenian
    r"d[áa]ta\s+breithe",
    r"aso\s+fanau",
    r"lokuzalwa(?:\s+ngu-?)?",
    r"paqarisqan(?:\s+p['’]unchaw)?",
    r"ਜਨਮ\s*ਮਿਤੀ",
    r"ծննդյան\s+ամսաթիվ",
    "ծնված",  # "born": "ծնված 14.01.1996"
    # Hausa "day of birth", Kurdish (Sorani) "date of birth", Mongolian "born (year, month, day)", Uzbek "date of
    # birth" and "born"
    r"ranar\s+haihuwa",
    r"بەرواری\s+لەدایکبوون",
    r"төрсөн(?:\s+он,?\s+сар,?\s+өдөр)?",
    r"tug['’ʻ]ilgan(?:\s+sanasi)?",
    r"ծնվ\.",
    *_BORN_AFTER_DATE,
    # Russian "д.р." (date of birth), "born" ("родившемуся 12 февраля 1979 года"); Turkish "d.t." (doğum tarihi)
    # before a date; Hindi "जन्म" (birth) before one ("(जन्म 05-11-1978)")
    r"д\.\s?р\.",
    r"родивш[а-я]{0,5}",
    r"d\.\s?t\.(?=\s*\d)",
    r"जन्म(?=\s*[\d०-९])",
)


def _by_first_letter(alternatives: tuple[str, ...]) -> str:
    """The alternation of ``alternatives`` (each beginning with a plain letter) grouped by that letter,
    in their order within a group: a regex engine tries one group at a position, not every alternative."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "(?:" + "|".join(re.escape(c) + "(?:" + "|".join(rest) + ")" for c, rest in groups.items()) + ")"


_BIRTH_CUE = _by_first_letter(_BIRTH_CUES)
# A particle or copula between a cue and its date: Korean "생년월일은", Japanese "は" / "も", Chinese "是".
_CUE_PARTICLE = r"(?:[은는이가]|は|が|も|是|为|為|显示|顯示)?"
# Words that end a request for a date of birth on its line ("date of birth first please", "aur date of birth sir",
# "Geburtsdatum bitte."), the answer on the next line.
_REQUEST_WORDS = (
    r"(?:[ \t]+(?:please|pls|first|again|too|also|now|then|sir|madam|ma['’]am|bitte|noch\s+einmal|auch|"
    r"por\s+favor|tambi[ée]n|s['’]il\s+vous\s+pla[iî]t|aussi|per\s+favore|alstublieft|alsjeblieft|ook)[,]?){1,3}"
)
# Words a speaker says before the date: "yeah its the twenty third of march ...", "it's March 9, 1987".
_FILLER = (
    r"(?:(?:yeah|yes|yep|yup|sure|ok|okay|uh|um|er|so|it['’]?s|its|it\s+is|that['’]?s|s[ií]|ja|oui|é|es)[,.]?[ \t]+)*"
)
_DOB = re.compile(
    # (Chinese and Japanese write no space before a word: "高橋くんの誕生日")
    rf"(?i)(?:\b|(?<=_)|(?=[\u4e00-\u9fff])){_BIRTH_CUE}{_CUE_PARTICLE}"
    # a longer cue, up to six words, then "is" or a colon: "date of birth for the security check is"
    # (or "reads", "says", "shows": "DOB on the script reads 5/6/59"), or a question answered on the
    # next line or on its own ("день рождения твой для полиса? 3 августа 1994")
    r"(?:(?:\s+[a-z'’]+){0,6}?\s+(?:is|was|shows|says)\s+(?:wrong|incorrect)[,.;]?\s+(?:it['’]?s|it\s+is|should\s+be)\b"
    # (or said to be wrong, then corrected: "date of birth also shows wrong, it's 26.06.1987")
    r"|(?:\s+[a-zа-я'’]+){1,6}?\s+(?:is|was|as|como|reads|says|shows|като|ay)\b"
    # (a log's change of the field: "field=birthdate old=null new=\"1988-05-17\"")
    r'|\s+old=(?:"[^"\n]*"|\S+)\s+new(?==)'
    # a request ending its line, answered on the next: "date of birth first please", "Geburtsdatum bitte."
    rf"|{_REQUEST_WORDS}(?=[?.!]?[ \t]*\n)"
    # (in Japanese: "生年月日をお願いします。")
    r"|を(?:お願い(?:します|いたします|致します)|教えて(?:ください|下さい)|お伺いします)(?=[。?？!]?[ \t]*\n)"
    # (or a statement of what it is for ending its line, answered on the next: "I need a date of birth for the ID
    # check.\nCaller: ..."; not "DOB checked.\nNext visit: ...")
    r"|(?:\s+(?:[^\W\d_]|['’-])+){1,6}?(?=[?؟][ \t]*\n)|(?:\s+(?:[^\W\d_]|['’-])+){1,6}?[?؟](?=[ \t]+\d)"
    r"|\s+(?:for|to)(?:\s+(?:[^\W\d_]|['’])+){1,5}?(?=\.[ \t]*\n)"
    r"|(?:\s+(?:is|was|on|in|as|am|of|le|el|il|em|den|op|la|στις|είναι))*"  # (Greek "is")
    # (the document it is read from: "DOB on ID 30/06/2006", "date of birth on the passport: ...")
    r"(?:\s+on\s+(?:the\s+|his\s+|her\s+|my\s+)?(?:id|passport|card|licen[cs]e|form|file|record)\b)?)"
    # then a label of up to three words before a colon ("Date of birth on both: ..."), an XML
    # attribute's value (<birthDate value="...">), a note in brackets, the date perhaps in brackets
    r"(?:(?:\s+(?!and\b|or\b|und\b|et\b|y\b)[^\W\d_]+){1,3}(?=\s*(?::|[—–]\s)))?(?:\s+value)?"
    # (Armenian and Ethiopic write their own colons: "Ծննդյան ամսաթիվ՝ 12.04.2015", "የትውልድ ቀን፡ ..."; a comma: "sa
    # date de naissance, 08.06.2015")
    r"(?:\s*/\s*[^\W\d_]+)?\s*[\"']?\s*[:=：–—፦፡՝】,-]?\s*[\"']?\s*(?:[(（][^)）\n]{0,60}[)）]\s*[:=：–—፦፡՝-]?\s*)?[(（「『]?"
    # asked on one chat line, answered on the next: "...date of birth?\ncustomer: it's March 9, 1987",
    # the speaker perhaps behind a time stamp ("[09:15] customer: 23/10/1988"), the answer perhaps giving
    # the name first ("full name and date of birth?\ncaller: Dana Cole, uh, 4 May 1961", "Dana Cole — 04.05.1961")
    rf"(?:[?.!。？؟]?[ \t]*\n{STAMP}(?:[^\n:：]{{1,24}}[:：][ \t]*"
    rf"(?:[^\n\d:?]{{0,60}}?[,;—–][ \t]*|{_FILLER})"
    # or, in lower-case speech-to-text, a one-word speaker label with no colon: "customer yeah its ..."
    rf"|(?-i:[^\W\dA-Z_]{{2,20}})[ \t]+{_FILLER}))?"
    # (after the age under an "Age / DOB" label: "29 yrs / 17th Feb. 1995")
    r"(?:\d{1,3}[ \t]*(?:yrs?|years?|y\.?o\.?)[ \t]*[/,;|][ \t]*)?"
    rf"(?:the\s+)?(?P<date>{_DATE}(?:\.?[ \t]?{_YEAR_WORD})?|{_DAY_MONTH})(?!\d)"
)


# A date of birth corrected in the same sentence: "my DOB as 14/06/1983 but it should be 14/08/1983", "shows
# 1990-06-11, that's wrong, it's 1990-11-06", "1.3.1980, а правилната е 1.11.1980" (what comes before the
# corrected date), after a cue or a birth field
_DOB_CORRECTION = re.compile(
    r"(?i)[\s,;—–-]*(?:(?:but|and|however|though|it|that|this|which|mine)\b[\s,—–-]*){0,3}(?:should\s+(?:be|read|say)|is\s+actually|(?:the\s+)?(?:correct|right|real)\s+(?:one|date)\s+is"
    r"|(?:changed?|corrected|updated?)\s+(?:it\s+)?to"
    # "..., that's wrong, it's ...", "ist falsch" (``lookalikes.SAID_WRONG``'s words), "pero es", "mas é", "а
    # правилната е", "richtig ist", "actual"
    rf"|(?:(?:that|it)['’]?s\s+{SAID_WRONG}|{IS_SAID_WRONG})[\s,.;—–-]*(?:it['’]?s|it\s+is|(?:it\s+)?should\s+be)?"
    r"|pero\s+es|sino|mas\s+(?:é|e)|а\s+правилн(?:ата|ая|а)\s+(?:е|—)?|richtig\s+(?:ist|wäre)(?:\s+aber)?(?:\s+der)?"
    r"|actual(?:ly)?"
    # "o certo é", "el correcto es", "la correcta es", "korrekt ist", "la data giusta è", "la bonne est", "doğrusu"
    r"|(?:o|a|el|la)\s+(?:cert[oa]|corret[oa]|correct[oa])\s+(?:é|es?)\b|korrekt\s+(?:ist|wäre)"
    r"|(?:la\s+)?(?:data\s+)?(?:giusta|corretta)\s+è|(?:la\s+)?bonne(?:\s+date)?\s+est|do[ğg]rusu)"
    r"\s*:?\s*(?:the\s+(?=\d))?"
)


def corrected_date(text: str, end: int) -> tuple[int, int] | None:
    """(start, end) of the date that corrects a date of birth ending at ``end`` (``_DOB_CORRECTION``), if one does."""
    cue = _DOB_CORRECTION.match(text, end)
    corrected = cue and _DATE_RE.match(text, cue.end())
    if corrected and not text[corrected.end() : corrected.end() + 1].isdigit():
        return corrected.span()
    return None


# The same date of birth in another calendar, in brackets after the first, perhaps after the first's era:
# "born 1 Meskerem 1983 E.C. (11 September 1990)", "١٤٠٥/٠٣/١٢ هـ (1984-12-05)" (what follows the first date).
_SAME_DATE_IN_BRACKETS = re.compile(
    # (a word perhaps before the second and its era's letter after it: "22/03/1418هـ (الموافق 27/07/1997م)")
    rf"[ \t]*(?:[^\W\d_]{{1,2}}\.(?:[^\W\d_]\.)?|[^\W\d_]{{1,3}}(?![^\W\d_]))?[ \t]*\([ \t]*(?:[^\W\d_]{{2,10}}[ \t]+)?"
    rf"(?P<date>{_DATE})[ \t]*(?:[^\W\d_](?![^\W\d_]))?[ \t]*\)"
)


# A table's header cell naming its column the date of birth ("dob", "Date of birth", "patient_dob",
# "born", "DOB (dd/mm/yyyy)"): a CSV, TSV or semicolon export, or a markdown table.
_BIRTH_HEADER = re.compile(rf"(?i)(?:\w+\.?[\s_-])?{_BIRTH_CUE}(?:\s*\([^)\n]*\))?")  # (Greek "Ημ. Γέννησης")
# The cues are written in lower case: searched in the lower-cased text they are tried as plain letters, about
# three times faster than case-blind (a text whose length lower-casing changes is searched case-blind).
_BIRTH_WORD = re.compile(_BIRTH_CUE)
_BIRTH_WORD_ANY_CASE = re.compile(rf"(?i){_BIRTH_CUE}")


def birth_cues(text: str) -> Iterator[int]:
    """Where each birth cue in ``text`` starts (overlapping ones included)."""
    lower = text.lower()
    cue, searched = (_BIRTH_WORD, lower) if len(lower) == len(text) else (_BIRTH_WORD_ANY_CASE, text)
    pos = 0
    while (m := cue.search(searched, pos)) is not None:
        yield m.start()
        pos = m.start() + 1


# What every date-of-birth key ``tables.record_fields`` reads holds in the text, whatever its case and
# separators ("date_naissance", "Geb.-Dat.", "дата_рождения", "DateOfBirth"), and an HL7 segment with a birth
# field (PID-7, GT1-8, IN1-18): a text with none of these has no birth field (tests/unit/test_safety_tables.py
# checks each key).
RECORD_BIRTH_STEMS = (
    "dob birth born geb naissance nacimiento fechanac nac. nascita nascimento nato nata nasterii nașterii naşterii "
    "lahir twelid рождения 生年月日 出生日期 생년월일 sinh fødsel fodsel födelse geboorte urodzenia fædd fæð "
    "जन्म জন্ম பிறந்த "
    "పుట్టిన เกิด تولد پیدائش الميلاد לידה γέννησης დაბადების ծննդյան የትውልድ haihuwa لەدایکبوون төрсөн tugilgan"
).split()
# (first a look at the letters the stems and segments open with: the engine then skips other positions at once)
_RECORD_BIRTH = re.compile(
    f"(?i)(?=[{re.escape(''.join(sorted({s[0] for s in RECORD_BIRTH_STEMS} | set('pgi'))))}])"
    f"(?:(?:PID|GT1|IN1)\\||{'|'.join(RECORD_BIRTH_STEMS)})"
)


@functools.lru_cache(maxsize=4)
def has_birth_cue(text: str) -> bool:
    """Whether ``text`` holds a birth cue or a birth field's key: without one, ``DateOfBirthRecognizer``
    reports nothing. (Kept for the last texts: the prefilter, the recogniser and its parts each ask of one text.)"""
    return next(birth_cues(text), None) is not None or _RECORD_BIRTH.search(text) is not None


# A birth field's value: a full date, perhaps with the Russian or Ukrainian year word ("19 июня 1964 г."), or
# one written YYYYMMDD (HL7's PID-7, a log's "nata=19790612"), perhaps wrapped in a call ('ISODate("1971-06-08")')
_FIELD_DATE_ITSELF = rf"{_DATE}(?:\.?[ \t]?{_YEAR_WORD})?|(?:18|19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_FIELD_DATE = re.compile(
    rf"(?P<date>{_FIELD_DATE_ITSELF})|[A-Za-z]\w*\(\s*[\"']?(?P<called>{_FIELD_DATE_ITSELF})[\"']?\s*\)"
)


def birth_field_dates(text: str) -> list[tuple[int, int]]:
    """(start, end) of the dates under a birth key or column (``tables.record_fields``, ``_FIELD_DATE``)."""
    values = (_FIELD_DATE.fullmatch(text, f.start, f.end) for f in record_fields(text) if f.kind == "birth")
    return [m.span("date") if m.group("date") else m.span("called") for m in values if m]


def dates_after_cues(text: str, cues: list[int]) -> Iterator[re.Match]:
    """``_DOB``'s matches in ``text``, as ``finditer`` gives them, tried only where a cue starts (``cues``)."""
    after = 0
    for start in cues:
        if start < after:
            continue
        m = _DOB.match(text, start)
        if m is not None:
            yield m
            after = m.end()


# German puts the verb last: a date right before "geboren" or "Geburtstag" ("Jonas ist am 17.05.2014 geboren",
# "Jonas hat am 17. Mai Geburtstag"), after "am" or "den"; so does Afrikaans, after "is" or "op" ("sy is 14 Julie
# 1938 gebore"). Russian and Ukrainian mark a date of birth after it:
# "Соколова Наталья Викторовна, 17.08.1979 г.р.", "02.12.1988 р.н.", "1979 года рождения", "07 травня 1988 року
# народження"; so does Japanese in brackets: "（1997年11月2日生）".
_DATE_BEFORE_GERMAN_CUE = re.compile(rf"(?i)\b(?:am|den|is|op)\s+(?P<date>{_DATE}|{_DAY_MONTH})(?<![.!?])\s+\Z")
_DATE_BEFORE_MARK = re.compile(rf"(?P<date>{_DATE})[ \t]*\Z")
_MARK_AFTER_DATE = re.compile(
    r"(?i)г\.\s?р\.|р\.\s?н\.|года\s+рождения|року\s+народження|" + "|".join(_BORN_AFTER_DATE)
)


def dates_before_cues(text: str, cues: list[int]) -> Iterator[re.Match]:
    """The dates right before a cue that follows its date, in the 60 characters before it: a German cue that begins
    "geb" (``_DATE_BEFORE_GERMAN_CUE``), a Russian or Ukrainian mark (``_MARK_AFTER_DATE``)."""
    for start in cues:
        if text[start : start + 3].lower() == "geb":
            before = _DATE_BEFORE_GERMAN_CUE
        elif _MARK_AFTER_DATE.match(text, start):
            before = _DATE_BEFORE_MARK
        else:
            continue
        m = before.search(text, max(0, start - 60), start)
        if m is not None:
            yield m


def birth_column_dates(text: str) -> list[tuple[int, int]]:
    """(start, end) of the dates in a table's birth column (``tables.table_columns``: a header row
    with a cell naming the date of birth, then the rows below it with as many cells), the cell in
    that column when it is a full date."""
    if not has_birth_cue(text):
        return []
    return [
        (start, end) for _, start, end in table_columns(text, _BIRTH_HEADER) if _DATE_RE.fullmatch(text, start, end)
    ]


# A numbered or bulleted list's row: a person's name in two to six words, each opening with a capital letter
# ("KOWALCZYK, Agnieszka", "Mei-Ling Tsao", "Νίκος Ζαχαρίου"), a dash and a full date: a crew's, guests' or
# passengers' list ("1. KOWALCZYK, Agnieszka - 12.01.1990 - PL - passport EK4418273")
_LISTED_ROW = re.compile(
    r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+(?P<name>[^\W\d_][\w'’-]*(?:,?[ \t]+[^\W\d_][\w'’-]*){1,5})"
    rf"[ \t]+[-–—][ \t]+(?P<date>{_DATE})(?![\d/.-]*\d)"
)


def listed_birth_dates(text: str) -> list[tuple[int, int]]:
    """(start, end) of the dates in a list's rows after each person's name (``_LISTED_ROW``), two rows or more on
    lines one after the other, in a text with a birth cue (the list's header or another person's "born")."""
    if not has_birth_cue(text):
        return []
    rows = [
        m
        for m in _LISTED_ROW.finditer(text)
        if all(word[0].isupper() for word in m.group("name").replace(",", " ").split())
        and not in_a_later_year(m.group("date"))
    ]
    lines = [text.count("\n", 0, m.start()) for m in rows]
    return [
        m.span("date")
        for i, m in enumerate(rows)
        if (i > 0 and lines[i - 1] == lines[i] - 1) or (i + 1 < len(rows) and lines[i + 1] == lines[i] + 1)
    ]


# "born" said of a firm or an animal ("The brewery was born on 14.02.1983", "border terrier, born 4/4/2019",
# "Born on 1 June 2004 in a garage, our company ..."): a firm's, a venture's or an animal's word, or a firm's
# legal form, in the words before "born" in its sentence or, "born" opening the sentence, after it.
_NO_PERSON_WORD = re.compile(
    r"(?i)\b(?:company|companies|firm|business|brand|start-?up|brewery|bakery|distillery|winery|shop|store|"
    r"restaurant|caf[eé]|studio|agency|label|band|magazine|newspaper|charity|foundation|project|idea|product|"
    r"app|platform|website|podcast|factory|venture|enterprise|co-?op|cooperative|puppy|puppies|dog|cat|kitten|"
    r"kittens|foal|calf|calves|lamb|horse|pony|pet|litter|cub|terrier|retriever|spaniel|poodle|collie|bulldog|"
    r"mare|stallion|filly|colt|heifer|piglet|analytics|labs?|systems|solutions|technolog(?:y|ies)|software|"
    r"consulting|holdings|ventures|games)\b"
    r"|\b(?-i:AS|A/S|ApS|AB|ASA|SA|LLC|Ltd|GmbH|AG|KG|Inc|plc|BV|NV|Oy|SpA|Srl|SARL|Pty|KK)\b"
)
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)(?:1[89]|2\d)\d\d(?!\d)")


def in_a_later_year(date: str) -> bool:
    """Whether ``date`` (as written) holds a four-digit year after this one: an expiry or a due date ("EXP:
    07/04/2029", "Scadenza verifica periodica: 09/06/2030"), no one's date of birth."""
    years = _FOUR_DIGIT_YEAR.findall(date)
    return bool(years) and int(years[-1]) > datetime.date.today().year


_BORN = re.compile(r"(?i)\bborn\b")
_AUXILIARIES = frozenset("was is were are been be has had have who which that".split())
_SENTENCE_BREAK = re.compile(r"[.!?\n]")


def born_of_no_person(text: str, date_start: int) -> bool:
    """Whether the date at ``date_start`` follows a "born" (in its sentence, at most 40 characters before)
    said of a firm or an animal: ``_NO_PERSON_WORD`` in its subject (the last clause before it that is
    not only "was" or "is", its last six words: not "the founder of the company, Jane Doe, was born"),
    or after it when it opens its sentence."""
    window = text[max(0, date_start - 40) : date_start]
    cues = list(_BORN.finditer(window))
    if not cues or _SENTENCE_BREAK.search(window, cues[-1].end()):
        return False
    born = cues[-1]
    cue = date_start - len(window) + born.start()
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, cue)]
    opening = breaks[-1] if breaks else 0
    for clause in reversed(text[opening:cue].split(",")):  # the subject: the last clause not only "was"
        words = [w for w in clause.split() if w.lower() not in _AUXILIARIES][-6:]
        if words:
            return _NO_PERSON_WORD.search(" ".join(words)) is not None
    end = _SENTENCE_BREAK.search(text, date_start)
    return _NO_PERSON_WORD.search(text, date_start, end.start() if end else len(text)) is not None


# A date in digits that OCR misread a digit of: "O7/11/1986", "O9-3O-1978", "l2.03.1991" (letters for 0, 1, 5 in
# a day, month and year shape with four real digits at least); read with the digits it stands for.
_OCR_DATE = re.compile(r"(?<![\w/.-])[\dOoIlS]{1,2}[/.-][\dOoIlS]{1,2}[/.-][\dOoIlS]{2,4}(?![\w/-])")
_OCR_DIGITS = str.maketrans("OoIlS", "00115")


def read_ocr_digits(text: str) -> str:
    """``text`` with the letters of its misread dates read as digits (same length, same offsets)."""
    if not any(c in text for c in "OoIlS"):
        return text
    parts, last = [], 0
    for m in _OCR_DATE.finditer(text):
        value = m.group()
        if sum(c.isdigit() for c in value) >= 4 and not value.isdigit():
            parts += [text[last : m.start()], value.translate(_OCR_DIGITS)]
            last = m.end()
    return "".join(parts) + text[last:] if parts else text


class DateOfBirthRecognizer(EntityRecognizer):
    """DATE_OF_BIRTH: a full date right after a birth cue; other dates are left alone."""

    regexes = (_DOB,)  # what services/safety/prefilter.py read its condition from

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="DateOfBirthRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "DATE_OF_BIRTH" not in entities or not has_birth_cue(text):
            return []  # every date of birth found here follows a cue or sits under one (an INSERT's column too)
        text = read_ocr_digits(text)
        cues = list(birth_cues(text))
        spans = [span for field in birth_field_dates(text) for span in (field, corrected_date(text, field[1])) if span]
        out = [recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self) for start, end in spans]
        fields = len(out)
        if "INSERT" in text or "insert" in text:
            # an INSERT's date in a birth column (the column's name holds a cue)
            for column, start, end in sql_values(text):
                if SQL_BIRTH_COLUMN.match(column) and _DATE_RE.fullmatch(text, start, end):
                    out.append(recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self))
        for start, end in birth_column_dates(text):  # a table's birth column
            out.append(recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self))
        for start, end in listed_birth_dates(text):  # a list's rows, each a name and a date
            out.append(recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self))
        for m in dates_after_cues(text, cues):
            if born_of_no_person(text, m.start("date")):
                continue
            out.append(recognizer_result("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.9, self))
            same = _SAME_DATE_IN_BRACKETS.match(text, m.end())
            if same is not None:
                out.append(recognizer_result("DATE_OF_BIRTH", same.start("date"), same.end("date"), 0.9, self))
            corrected = corrected_date(text, m.end())
            if corrected:
                out.append(recognizer_result("DATE_OF_BIRTH", *corrected, 0.9, self))
        for m in dates_before_cues(text, cues):
            out.append(recognizer_result("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.9, self))
        # a field's date that a cue also reaches is the cue's ("Date of birth: the seventh of ...": its date
        # without "the"); in the text's order
        cued = out[fields:]
        out = [r for r in out[:fields] if not any(r.start < c.end and c.start < r.end for c in cued)] + cued
        return sorted(out, key=lambda r: r.start)
