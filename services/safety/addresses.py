"""Whole postal addresses, found by regular expressions that need no NER model.

``AddressRecognizer`` (ADDRESS): a whole postal address (house number, street with a street
word, unit, towns, state and ZIP or UK / Irish / Canadian postcode, or a four-digit postcode
after a town; continental "Lindenstraße 12, 10969 Berlin", "Schönhauser Allee 112, 10439
Berlin", "14 Rue des Lilas, 75019 Paris" and "Rua Augusta 210, 2º Esq., 1100-053 Lisboa"
forms; a street with no house number when a full postcode closes it; PO boxes). Since session 16:
a house number and a street with no street word held by a full postcode or PIN ("22 Kirkgate,
Cupar, Fife KY15 5AZ"), unit, block and building or venue names before the house number, house
and plot numbers ("House 14, Road 5, ..."), towns with district numbers ("Dublin 6"), Japanese
block numbers, Korean "-ro"/"-gil" roads, Vietnamese wards and districts, Brazilian CEPs, Dutch
postcodes, Polish flat numbers, US and Canadian rural routes, GPO boxes and private bags, Irish
rural addresses (county and Eircode), and Japanese and Korean script. Second round: residences,
buildings, flats and "c/o" before the number, Spanish "C/", several unit parts and a province or
state after the town ("Bologna BO", ", CDMX"), the house number before "Rua", German "Am ..."
streets and floors ("3. OG links"), Dutch Roman floors, flat codes before an Indian PIN ("B-704,
..."), house, block and lot numbers, Vietnamese alleys ("ngõ"), named UK houses and farms with a
full postcode, Kenyan box codes, Korean and Japanese buildings, flats and floors. Session 21:
Nordic, Finnish and Dutch street words ("Thorvald Meyers gate", "Hämeenkatu", "Jægersborggade"),
house numbers with parts ("101/3/12", "14 B 21", "158-bis"), floors and flats before the postcode
("2. th.", "lgh 1102", "3. OG links") and over lines, 3 + 2 digit postcodes holding a street with no
street word ("Ερμού 54, 105 63 Αθήνα"), street-first Latin addresses with units, colonias and towns
and no postcode needed ("Av. Cabildo 2380, 4° B, Belgrano, CABA"), "Flat 2/1" and house-number
ranges before the street; and addresses named by their layout: a quoted value under an address key
(JSON, dicts, YAML, logfmt, FHIR) and an HL7 PID segment's address field. Session 22: French units and
quarters before the postcode and Quebec towns, Turkish ("No:", "D:", "Mah."), Russian ("ул., д., кв."),
Chinese, Singaporean ("Blk"), Indian door-number and Irish-language forms, a building after a Japanese or
Korean address; a count before a bare street abbreviation ("20 St.", German "Stück") is no street.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from services.safety.recognizers import recognizer_result
from services.safety.tables import record_fields

_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Parkway|Pkwy|"
    r"Terrace|Ter|Close|Crescent|Cres|Grove|Square|Sq|Highway|Hwy|Circle|Cir|Row|Mews|Hill|Gardens|Walk|"
    r"Green|Park|Rise|View|Trail|Loop|Alley|Plaza|Parade|Embankment|Broadway|Quay|Wharf|Esplanade|Promenade|"
    r"Gate|Ridge|Meadows?|Vale|Yard|Chase|Croft|Causeway|Circus|Approach|Glen|Villas|Cottages|Expressway|"
    r"Freeway|Turnpike|Pike|Crossing|Path|Marg|Nagar|Wynd|Brae|Estate|Est)\.?"
)
# (À-Ö and Ø-Þ: "×" between them is no letter: "2 × Dr. Scholl's")
_CAP = r"[A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ][\wÀ-ÿ'’.-]*"
_CAP_LETTERS = r"[A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ][^\W\d_]*(?:['’.-][^\W\d_]+)*\.?"  # a capitalised word of letters only
_CAP_FIRST = r"(?=[A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ])"  # a look ahead at _CAP's first letter (why: see _BEFORE_HOUSE)
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)\b"  # a numbered street's name ("65th", "3rd")
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Floor|Fl|Flat|Room|#)\.?\s*#?[\w-]+)"
# A town may carry a district number before the next comma ("Dublin 6, D06 X2P7", "Lekki Phase 1, Lagos").
# (A phone's label is no town: "Dr. Wendelin Kraus, Tel. 0821 569 8830".)
_NOT_TOWN = r"(?!(?:Tel|Tél|Tlf|Tfn|Fax|Phone|Mobile|Mob|Ph)\b)"
# (a town's name may hold a lower-case word between its capitalised ones: "Kingston upon Thames", "Frankfurt am
# Main", "Lipník nad Bečvou", "Halle an der Saale")
_TOWN_JOIN = r"\s(?:(?:upon|am|nad|pod|an\sder|ob\sder)\s)?"
_TOWN = rf"(?:,?\s*{_NOT_TOWN}{_CAP}(?:{_TOWN_JOIN}{_CAP}){{0,2}}(?:\s\d{{1,2}}(?=,))?)"
# A town set apart from the word before it by a comma or a space: a capitalised word is never cut in
# two to make a street and a town ("114  PNR K7Q2LM", "4419 AUTH 08817" hold a code, not an address).
_TOWN_APART = rf"(?:(?:,\s*|\s+){_CAP}(?:{_TOWN_JOIN}{_CAP}){{0,2}}(?:\s\d{{1,2}}(?=,))?)"
# (a whole code: no part of a longer one, "...PT,PT59003506510000438290713" holds an IBAN)
_POSTAL = (
    r"(?:,?\s*(?<!\w)(?:[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?(?![ \t]+\d{3,}\b)"  # US state + ZIP (on one line, no phone's)
    r"|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"  # UK postcode
    r"|(?:[A-Z]{2}\s+)?[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canadian postal code, perhaps after the province
    r"|[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y\d]{4}"  # Irish Eircode
    # a Dublin postal district, perhaps its Eircode after it
    r"|Dublin\s(?:1\d|2[0-4]|[1-9]|6W)(?:,?\s*[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y\d]{4})?(?![\w/-]|\.\d))(?!\w))"
)
# After a town only: a postcode of four to six digits (South Africa, Australia after the state,
# continental Europe, an Indian PIN: "Bengaluru 560001", "Bengaluru - 560 001"); no group of three digits or more after
# it (a phone number on the next line: "Ashcombe Park GC\n01242 496 310").
# (Or a postcode before the last town, after a comma: "Makati City, 1203 Metro Manila".)
_POSTAL_AFTER_TOWN = (
    rf"(?:{_POSTAL}|,\s*\d{{4}}\s+{_CAP}(?:\s{_CAP})?(?=[\s,.;)]|$)"
    rf"|,?\s*(?:[-–]\s*)?(?:\d{{4,6}}|\d{{3}}\s\d{{3}})(?!\d|[/:.-]\d|[ \t]+\d{{3,}}\b))"
)
# Towns then a postcode (as many towns as the postcode needs: "Randburg, Johannesburg 2194"), or
# one to two towns, or the postcode alone.
_TOWNS_POSTAL = rf"(?:{_TOWN}{{1,3}}?{_POSTAL_AFTER_TOWN}|{_TOWN}{{1,2}}|{_POSTAL})"
# Street words that open a street's name (Portuguese, Spanish, Italian, Catalan).
_STREET_FIRST = (
    r"(?:Rua|Avenida|Av\.|Calle|Carrer|Via|Viale|Corso|Piazza|Piazzale|Plaza|Paseo|Praça|Largo|Travessa|"
    r"Alameda|Estrada|Rambla|Camino|Calçada|Ronda|Passeig|Vico|Vicolo|C/|Avda\.|Pasaje|Psje\.|Jr\.|Jirón|"
    r"Calzada|Carrera|Rue|Chemin|Strada|Str\.|Bulevardul|Bulevar|Rúa|Kale|Gran\s+V[ií]a|Camí|Ulica|Put|Trg|Булевар|Улица)"
)
# The same in lower case, as Italian, Portuguese, French and Spanish write them in a sentence ("di via Aurelio
# Saffi 22"): only where a postcode and its town close the address
_STREET_FIRST_LOWER = r"(?:via|viale|corso|piazza|rua|rue|calle|avenida)"
# A flat, floor or unit after a street-first address's house number ("piso 7° B", "depto. 1403", "Int. 3",
# "bte 12", "interior 3"), perhaps two in a row ("piso 7 depto C")
_LATIN_UNIT_WORD = r"piso|depto|dpto|apartamento|apto|apt|interior|int|torre|bloque|oficina|local|stan"
_LATIN_UNIT = (
    rf"(?i:{_LATIN_UNIT_WORD}|casa|of|bte|bus|ap|bl|sc|et)\.?\s?[\w°º-]{{1,6}}(?: [A-Z]\b)?"
    rf"(?: (?i:{_LATIN_UNIT_WORD})\.?\s?[\w°º-]{{1,6}}(?: [A-Z]\b)?)?"
    r"|r/c\b"  # Portuguese "rés-do-chão", the ground floor
)
# A part after a street-first address's house number: a unit (``_LATIN_UNIT``, or "4° B"), a colonia, district or
# town ("Col. Roma Norte", "Villa Alemana"), a postcode ("C.P. 06700", "15001", an Argentine "C1045AAC"); a word
# ending in a full stop ends the part ("..., N.L.. Diagnóstico").
_LATIN_PART = (
    rf"(?:{_LATIN_UNIT}"
    r"|\d{1,2}[°º](?: ?[A-Z]\b)?"
    # (a lower-case word for a quarter or a commune before its name: "ejido La Soledad", "colonia Centro")
    r"|(?:(?:Col|C\.P|CP)\.?\s|(?:ejido|colonia|barrio|fraccionamiento|fracc\.|vereda|aldea|bairro)\s)?"
    r"(?:[A-ZÀ-Þ][\w.'’-]*|\d{4,5}|[A-Z]\d{4}[A-Z]{3})"
    r"(?:(?<!\.) (?:(?:de|del|la|los|las|do|da|dos|das|y) )?(?:[A-ZÀ-Þ][\w.'’-]*|\d{4,5}))*)"
)
# German and Dutch street words written apart from the name ("Schönhauser Allee", "Alte Straße").
# Nordic street words too ("Thorvald Meyers gate", "Kongens vej").
_STREET_APART = (
    r"(?:Straße|Strasse|Str\.|Allee|Weg|Platz|Gasse|Ring|Damm|Ufer|Chaussee|Markt|Steig|Laan|Straat|"
    r"gate|gata|gatan|vei|veien|vej|gade|vägen|väg|"
    r"tn|pst|mnt|g\.|pr\.|iela|cesta|ulica|utca|kalea)"  # Estonian, Lithuanian, Latvian, Slovene, Croatian, ...
)
# German, Dutch and Nordic street words joined to the name ("Lindenstraße", "Oudegracht", "Kungsgatan",
# "Jægersborggade", "Hämeenkatu", "Mannerheimintie", "Laugavegur").
_STREET_JOINED = (
    r"(?:straße|strasse|str\.|weg|platz|gasse|allee|laan|straat|gracht|kade|singel|plein|gatan|gata|gaten|gate|"
    r"vägen|väg|veien|vei|vej|gade|stræde|katu|tie|kuja|polku|kaari|rinne|väylä|vegur|ring|damm|ufer|markt|"
    # Icelandic, declined after "að" / "á" ("Hafnargötu", "Hraunbæ", "Laugavegi")
    r"götu|vegi|braut|bæ|stræti|stígur|stíg)"
)
# A capitalised word in the Latin, Greek or Cyrillic script ("Ερμού").
_CAP_ANY = r"[A-ZÀ-ÖØ-ÞΑ-ΩΆ-ΏА-Я][\w'’.-]*"
_CAP_ANY_FIRST = r"(?=[A-ZÀ-ÖØ-ÞΑ-ΩΆ-ΏА-Я])"
# Titles and forms of address, no street's words
_NOT_A_TITLE = r"(?!(?:Frau|Herrn?|Mr|Mrs|Ms|Miss|Mx|Dear|Kollegin|Kollege|Madame|Monsieur|Sra?|Señora?)\b)"
# Continental house numbers: "12", "4a", "23bis", "101/3/12", "263-1", "231 bis", "14 B 21", "12 B", the Dutch floor
# "112-3hoog" and "412-H", a Belgian box ("12 bus 3").
_CONTINENTAL_HOUSE = (
    r"\d{1,4}(?:bis|ter|[a-zA-Z])?(?:[/-](?:\d+(?:hoog)?|[IVX]{1,4}|hs|bis|ter|[a-zA-Z]))*(?:\s(?:bis|ter)\b|\s[A-Z]\b(?:\s\d{1,3}\b)?)?"
    r"(?:\s+bus\s+\d{1,4}\b)?"
    r"(?:\s+m\.\s*\d+)?"
)
# Up to two short parts between the house number and the postcode, after a comma or a line break:
# floors, flats, staircases ("2. th.", "lgh 1102", "4 tr", "bte 12", "Hinterhaus", "3. OG links"),
# or a Swedish flat number with no comma ("12 B lgh 1102").
# (no phone's line: "Hringbraut 121, 107 Reykjavík\nSími: +354 862 4410" ends at the town)
_CONTINENTAL_UNITS = (
    r"(?:(?:,[ \t]*|[ \t]*\n[ \t]*|[ \t]+(?=lgh\b))"
    r"(?!(?i:s[íi]mi|tel|t[ée]l[ée]fono|puh|phone|mob|fax)\b)[^,\n]{1,15}?){0,2}"
)
# The town after a continental postcode: "Berlin", "Freiburg im Breisgau", "København N", "Praha 10".
_CONTINENTAL_TOWN = (
    r"[A-ZÀ-ŽΑ-ΩΆ-ΏА-Я][\w-]+(?: (?:(?:im|am|an|der|de|la|sur|ob der) )?[A-ZÀ-Ž][\w-]+)?(?: (?:[A-Z]|\d{1,2})\b)?"
)
# A continental postcode and its town, after a comma, a line break or a space: German, Dutch ("3511
# NK"), Swedish, Czech and Greek ("411 24"), Polish ("00-238"), four-digit Nordic, Austrian, Belgian, three-digit
# Icelandic ("110 Reykjavík"); a country's letters before it ("LT-03154 Vilnius").
_CONTINENTAL_POSTCODE = (
    r"(?:(?:,[ \t]*|[ \t]*\n[ \t]*|[ \t]+)(?:[A-Z]{1,2}-)?"
    r"(?:\d{4}\s?[A-Z]{2}|\d{3}\s\d{2}|\d{4,5}|\d{2}-\d{3}|(?<=,[ \t])\d{3}(?=[ \t][A-ZÀ-Þ]))"
    rf"\s+{_CONTINENTAL_TOWN}"
    # (or the town first, then a Latvian postcode: "Brīvības iela 118-24, Rīga, LV-1001")
    r"|,[ \t]*[A-ZĀ-Ž][\w-]+,[ \t]*LV-\d{4})"
)
# What may stand before a house number: units and blocks ("Flat 4B, Tower 2, "), then a building's or
# a venue's name ending in a building word ("Urbana Residency, ", "Queen's Park Health Centre, ").
_BUILDING = (
    r"(?:Residency|Residences|Apartments|Tower|Towers|Court|House|Building|Centre|Center|Mansions|Estate|"
    r"Complex|Heights|Surgery|Clinic|Practice|Hospital|Hall|Lodge|Chambers|Home|Homes|Gardens|Park|Place|Plaza|"
    r"Villas|Cottages)"
)
# (A form whose match may open with optional parts first looks ahead at the characters any of its matches
# opens with: without that the regex engine tries each optional part at every position of the text. Here:
# "c/o", a unit's word or a floor, a building's name, a house number.)
_BEFORE_HOUSE = (
    r"(?=[c\dA-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ])"
    rf"(?:\bc/o\s+{_CAP}(?:\s{_CAP}){{0,3}},\s*)?"
    r"(?:(?:(?:(?:Flat|Apt|Apartment|Unit|Suite|Tower|Block|Wing|Floor|Building)\s+\w+(?:[/.]\w+)?"
    r"|\d{1,2}(?:st|nd|rd|th)\s+[Ff]loor),\s*){1,3}"
    # (after a unit a building's name needs no building word: "Unit 6, The Palms, 22 Main Road")
    rf"(?:{_CAP}(?:\s{_CAP}){{0,2}},\s*(?=\d))?)?"
    rf"(?:\b{_CAP}(?:\s{_CAP}){{0,3}}\s{_BUILDING},\s*)?"
)
# A postcode strong enough to hold a street whose name has no street word ("22 Kirkgate, Cupar,
# Fife KY15 5AZ", "783 Anandapur, Kolkata 700107"): the national forms above or a six-digit PIN
# (which never begins with 0: "Tampere. Puhelin 040 718 2294" holds a phone number, not a PIN; nor is it a part
# of a longer code or number: "PT59003506510000438290713" is an IBAN, "Zugangs-PIN 418 227 903#" a dial-in code).
_STRONG_POSTAL = rf"(?:{_POSTAL}|,?\s*(?:[-–]\s*)?(?<!\w)[1-9]\d{{2}}\s?\d{{3}}(?!\d|[/:.-]\d|[ \t]\d))"
# The town after a continental postcode: a few words on its line ("Santiago de Querétaro"), then perhaps a
# province's code ("Bologna BO") or one more word after a comma (", CDMX", ", Qro.", ", Portugal").
_TOWN_AFTER_CODE = (  # (in Cyrillic too: "21000 Нови Сад")
    r"[A-ZÀ-ŽА-ЯЁЂЈЉЊЋЏ][\w-]+(?:[ \t](?:(?:de|del|di|do|da|sur|am|an|la)[ \t])?[A-ZÀ-ŽА-ЯЁЂЈЉЊЋЏ][\w-]+){0,2}"
    r"(?:\s[A-Z]{2}\b|,\s*[A-ZÀ-Ž][\wÀ-ž]*\.?(?=[\s;)]|$))?"
)
# A Turkish capitalised word or a street's number ("İnönü", "Kadıköy", "1203")
_TR_WORD = r"[A-ZÇĞİÖŞÜ0-9][\wçğıöşü'’-]*"
# One to three capitalised words with no full stop ("Petaling Jaya", not "Selangor. Terima")
_PLAIN_TOWN = r"[A-Z][\w'’-]*(?:[ \t][A-Z][\w'’-]*){0,2}"
# An Indian or Pakistani locality's sector, phase or block: "Sector 44-C", "Phase 2", "Block B"
_SECTOR = r"(?:Sector|Sec\.|Phase|Block|Stage|Ward|Plot|Pocket)\s+(?:\d{1,3}(?:-?[A-Z])?|[A-Z])"
_KO_ROAD = rf"{_CAP}-(?:ro|gil|daero)(?:\s\d{{1,3}}(?:beon)?-gil)?"
# Korean: "27 Olympic-ro 35-gil, Songpa-gu, Seoul 05510", "Teheran-ro 152, Gangnam-gu, Seoul"
_KOREAN_FORM = (
    rf"{_BEFORE_HOUSE}(?:\b\d{{1,5}}(?:-\d{{1,4}})?\s+{_KO_ROAD}|\b{_KO_ROAD}\s\d{{1,5}}(?:-\d{{1,4}})?)"
    rf"{_UNIT}?{_TOWNS_POSTAL}"
)
# the house number first: "15 Rua do Almada, 4050-036 Porto, Portugal" (not a table's last number before the next
# column: "+34 943 21 87 60  Kale Nagusia 9, 20003 Donostia")
_HOUSE_BEFORE_STREET_FIRST_FORM = (
    rf"{_BEFORE_HOUSE}\b\d{{1,5}}(?![ \t]{{2}}|\t)\s+{_STREET_FIRST}(?:\s+[\wÀ-ÿ'’.-]+){{1,5}}?,\s*"
    rf"(?:\d{{4}}-\d{{3}}|\d{{5}})\s+{_TOWN_AFTER_CODE}"
)
# Turkish: a neighbourhood, a street, the door number after "No:", a floor or flat, a postcode and town:
# "Bağdat Caddesi No: 214 D: 6, 34728 Kadıköy/İstanbul", "Cumhuriyet Mah. 1203 Sok. No:5 Kat:3 D:7"; a numbered
# street as an ordinal ("Bahçelievler Mah. 1327. Sok. No: 8", "7. Cadde No: 27"), a door's letter ("No: 214/B")
_TURKISH_FORM = (
    rf"(?:\b{_TR_WORD}(?: {_TR_WORD}){{0,2}} (?:Mahallesi|Mah\.|Mh\.),?\s*)?"
    rf"(?:\b{_TR_WORD}(?: {_TR_WORD}){{0,2}}|\b\d{{1,5}}\.)"
    r" (?:Caddesi|Cadde|Cad\.|Cd\.|Sokağı|Sokak|Sok\.|Sk\.|Bulvarı|Blv\.|Bulv\.)"
    r",?\s*(?:No|Numara)\s*[:.]?\s*\d{1,4}[A-Z]?(?:/(?:\d{1,3}[A-Z]?|[A-Z]))?"
    r"(?:,?\s*(?:(?:Kat|Daire)\s*[:.]?|[KD]\s*[:.])\s*\d{1,3}){0,2}"
    # the neighbourhood after the flat, its word left out before a postcode ("D: 7, Suadiye, 34740 Kadıköy/İstanbul")
    rf"(?:,\s*{_TR_WORD}(?: {_TR_WORD})?(?: (?:Mahallesi|Mah\.|Mh\.)|(?=,?\s*\d{{5}}\s)))?"
    rf"(?:,?\s*\d{{5}}\s+{_TR_WORD}(?:\s*/\s*{_TR_WORD})?|,\s*{_TR_WORD}\s*/\s*{_TR_WORD})?"
)
# Russian and Ukrainian: "ул. Ленина, д. 25, кв. 18, Екатеринбург, 620014", "620014, г. Екатеринбург, ул.
# Ленина, д. 25", "вул. Личаківська, 41, кв. 6, Львів, 79010" (a street word, the house, perhaps after "д.",
# building and flat parts, the town, the index)
_CYRILLIC_FORM = (
    r"(?:\b\d{6},\s*)?(?:(?:г|гор|м)\.\s*[А-ЯЁІЇЄ][\w-]+,\s*)?"
    r"\b(?:ул|улица|вул|вулиця|просп|пр-т|проспект|пер|переулок|наб|б-р|бульв|ш|шоссе|пл|площадь)\.?\s+"
    r"[А-ЯЁІЇЄ0-9][\w-]*(?:\s[\w-]+){0,2},\s*(?:(?:д|дом|буд)\.?\s*)?\d{1,4}[а-яА-Я]?(?:/\d{1,4})?"
    r"(?:,\s*(?:корп|к|стр|кв|оф|под|эт)\.?\s*\d{1,4}[а-яА-Я]?){0,3}"
    r"(?:,\s*(?:[гм]\.\s*)?[А-ЯЁІЇЄ][\w-]+(?:\s[А-ЯЁІЇЄ][\w-]+)?){0,2}(?:,?\s*\d{5,6}(?!\d))?"
)
# Chinese: province (or autonomous region), city, district, a road (perhaps its section: "復興南路一段"), its number
# (or a lane's, "1288弄"), building and room or floor ("390號7樓之2"):
# "上海市徐汇区漕溪北路88号3栋1202室", "上海市浦东新区张杨路1288弄6号楼1203室", a named building perhaps in Latin
# letters before its block, the room's number then without "室" ("建国路88号SOHO现代城B座2106"). It opens after
# no other hanzi but a word leading to it ("地址是", "住在", "寄到"), none of them its part.
_CHINESE_LEAD = "是在到至址于於为為"
_CHINESE_FORM = (
    rf"(?:(?<![\u4e00-\u9fff])|(?<=[{_CHINESE_LEAD}]))(?![{_CHINESE_LEAD}])"
    r"(?:(?<![0-9])[0-9]{3}(?:[0-9]{2,3})?(?=[\u4e00-\u9fff]))?"  # a Taiwanese postcode before it ("106臺北市...")
    r"(?:[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治[区區])?[\u4e00-\u9fff]{1,4}市(?:[\u4e00-\u9fff]{1,4}[区县區縣])?"
    r"[\u4e00-\u9fff]{1,10}?[路街道巷弄](?:[一二三四五六七八九十]段)?"
    # (a lane and an alley off the road before the number: "復興南路二段151巷7號")
    r"(?:[0-9０-９]{1,4}[巷衖](?:[0-9０-９]{1,4}弄)?)?"
    r"[0-9０-９]{1,5}(?:-[0-9]{1,3})?(?:[号號]院?|弄)(?:[0-9０-９]{1,3}[号號]?[栋幢座楼棟樓](?:之[0-9０-９]{1,2})?"
    r"|[\u4e00-\u9fffA-Za-z]{1,12}?[A-Z0-9]{0,3}[号號]?[栋幢座楼棟樓](?=[0-9０-９]))?(?:[0-9０-９]{1,2}单元)?"
    r"(?:[0-9０-９]{1,5}室|(?<=[栋幢座楼棟樓])[0-9０-９]{1,5}(?![0-9０-９])|[0-9０-９]{1,3}[樓楼](?:之[0-9０-９]{1,2})?)?"
)
# Hebrew: the street's abbreviated word, its name, the number, a flat, the town and a postcode: "רח' הנביאים 27
# דירה 5, חיפה 3312502", "שד' ויצמן 7 דירה 12, כפר סבא"
_HEBREW_FORM = (
    r"(?:רח['׳]|רחוב|שד['׳]|שדרות|דרך)\s+[\u05d0-\u05ea\"'׳״-]+(?:\s[\u05d0-\u05ea\"'׳״-]+){0,2}\s+\d{1,4}"
    r"(?:\s*(?:דירה|ד['׳])\s*\d{1,4})?,\s*[\u05d0-\u05ea-]+(?:\s[\u05d0-\u05ea-]+){0,2}(?:\s+\d{5,7})?"
)
# Romanian: "str. Moților nr. 58, bl. M2, sc. A, et. 4, ap. 17, jud. Cluj" (the street's word, "nr.", block,
# staircase, floor and flat, then a town, a commune or a county), the town perhaps first ("mun. Cluj-Napoca, "), a
# village for the street ("sat Gheorghieni nr. 212A, comuna Feleacu, jud. Cluj")
_ROMANIAN_FORM = (
    r"(?:\b(?:mun|com|or)\.\s*[A-ZĂÂÎȘȚŞŢ][\w-]+,\s*)?\b(?:(?:[Ss]tr|[Bb]d|[Bb]-dul|[Ss]os|[Șș]os|[Aa]l)\.|sat)\s*"
    r"[A-ZĂÂÎȘȚŞŢ][\w.-]*(?:\s[A-ZĂÂÎȘȚŞŢ][\w.-]*){0,3}\s+nr\.\s*\d{1,4}[A-Z]?"
    # (a village's commune, "comuna Feleacu"; a postcode before the town, "400363 Cluj-Napoca")
    r"(?:,\s*(?:bl|sc|et|ap)\.\s*\w{1,4}){0,4}"
    r"(?:,\s*(?:(?:mun|com|jud|sat|or)\.\s*|comuna\s+|\d{6}\s+)?[A-ZĂÂÎȘȚŞŢ][\w-]+){0,3}"
)


def _words(*words: str) -> Callable[[str], bool]:
    """The condition that a text holds one of ``words``."""
    return lambda text: any(word in text for word in words)


# Each form comes with what every one of its matches holds (None: nothing cheaper to look for than the form
# itself), and runs only on a text holding it: most forms cannot match most texts, and each costs 20-100 us
# on 1,000 characters where a look for a word or a short pattern costs a few. A word that opens a street's
# name ("Rua", "Calle"), a Turkish street word, Cyrillic or Hebrew letters, the Chinese "市" (city), the
# Romanian house number's " nr.", the words and codes named below.
_STREET_FIRST_WORD = re.compile(_STREET_FIRST)
_TURKISH_STREET = re.compile(r"Cad|Cd\.|Sok|Sk\.|Bulv|Blv")
_CYRILLIC = re.compile(r"[а-яё]")
_HEBREW = re.compile("[\u05d0-\u05ea]")
_VIETNAMESE_WARD = re.compile(r",\s*(?:(?i:Phường|Xã|Thị\s+trấn|Quận|Huyện)|P\.|Q\.)\s")
_JAPANESE_POSTCODE = re.compile(r"\d{3}-\d{4}(?!\d)")
_BRAZILIAN_CEP = re.compile(r"\d{5}-\d{3}(?!\d)")
_FRENCH_STREET = re.compile(
    r"(?i)\d(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|boul\.|bd|place|chemin|allée|impasse|quai|cours)\s"
)
_MALAY_ROAD_WORDS = _words("Jalan", "JALAN", "Jl", "JLN", "Lorong", "LORONG", "Lrg", "Persiaran", "Lebuh")
_HOUSE_NO = re.compile(r"No\.?\s*\d")
_UK_POSTCODE = re.compile(r"[A-Z]\d[A-Z\d]?\s*\d[A-Z]{2}")
_IRISH_COUNTY = re.compile(r",\s*Co(?:\.|unty)?\s")
_CONTINENTAL_POSTCODE_TOWN = re.compile(r"[,\n]\s*(?:\d{3}\s\d{2}|\d{4}\s?[A-Z]{2})\s+[A-ZÀ-ŽΑ-ΩΆ-ΏА-Я]")
_COLOMBIAN_NUMBER = re.compile(r"(?:#|No\.?|N[°º]\.?)\s*\d{1,3}[A-Z]?\s?-\s?\d")
_DANISH_FLOOR = re.compile(r"\.\s?(?:th|tv|mf|sal)\.?,?\s+\d{4}")
_HUNGARIAN_STREET = re.compile(r"\s(?:út|utca|u\.|tér|körút|krt\.|köz|sor|sétány)\s+\d")
_FORMS: list[tuple[str, Callable[[str], Any] | None]] = [
    # [Flat 2, ]1187 Pinecrest Drive[, Apt 3C][, Boulder][, CO 80302] ("Flat 2/1, ", "Flat 5, 2nd floor, ",
    # a range of house numbers: "45-47 Hall Street")
    # (the house number and the street on one line: "Tel 01743 352 019\n\nDear Dr Okonkwo" holds none)
    # (a numbered street's ordinal among its words: "1129 NE 65th St", "8841 SW 24th Terrace")
    # (no code's tail: "PRJ-2307 Collins St fit-out" names a project; no clock's minutes: "04:12 Dr. Iyer on ...")
    (
        rf"{_BEFORE_HOUSE}(?:\b(?:Blk|Block)\s+)?(?<![A-Za-z]-)(?<!\d:)\b(?:\d{{1,5}}-)?\d{{1,6}}[A-Z]?[ \t]+"
        rf"(?:(?:(?:{_CAP}|{_ORDINAL})[ \t]+){{1,3}}{_STREET}(?![\w])|{_STREET}(?![\w])(?=[ \t]+{_CAP}))"
        r"(?:\s\d{1,3}(?=,|\s#))?"  # a numbered avenue: "Ang Mo Kio Ave 10 #09-1234"
        rf"{_UNIT}?{_TOWNS_POSTAL}?",
        None,
    ),
    # a house number and a street with no street word, held by a strong postcode after its towns
    (rf"{_BEFORE_HOUSE}\b\d{{1,5}}[A-Z]?\s+(?:{_CAP}\s+){{0,2}}{_CAP}{_TOWN_APART}{{1,3}}?{_STRONG_POSTAL}", None),
    # "House 14, Road 5, Trans-Amadi Layout, Port Harcourt", "Plot 22, Admiralty Way, Lekki Phase 1,
    # Lagos": a house or plot number before the street (Nigeria, Bangladesh, Pakistan)
    (
        rf"\b(?:House|Plot|Block|Bldg|Building)\s+(?:No\.?\s*)?\d{{1,4}}[A-Z]?,\s*(?:(?:Road|Street|Lane|Avenue|Close)\s+(?:No\.?\s*)?\d{{1,3}}[A-Z]?"
        rf"|(?:{_CAP}\s+){{0,3}}{_STREET})(?![\w])(?:,\s*(?:Sector\s+)?[A-Z]{{1,2}}-\d{{1,2}}(?:/\d{{1,2}})?)?{_TOWNS_POSTAL}?",
        _words("House", "Plot", "Block", "Bldg", "Building"),
    ),
    (_KOREAN_FORM, _words("-ro", "-gil", "-daero")),
    # Vietnamese: "12 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh" (ward, district, city words)
    # (an alley's number after the house's: "Số 18 ngõ 42 Trần Duy Hưng, phường Trung Hoà, quận Cầu Giấy")
    (
        rf"(?=[S\d])\b(?:Số\s+)?\d{{1,4}}[A-Z]?(?:/\d{{1,3}})*(?:\s+(?i:ngõ|ngách|hẻm|kiệt)\s+\d{{1,4}}(?:/\d{{1,3}})*)*"
        rf"\s+{_CAP}(?:\s{_CAP}){{0,3}},\s*(?:(?i:Phường|Xã|Thị\s+trấn|Quận|Huyện)|P\.|Q\.)"
        rf"\s+(?:{_CAP}|\d{{1,2}})(?:\s(?:{_CAP}|\d{{1,2}})){{0,3}}(?:,\s*(?:(?i:quận|huyện|thành\s+phố|tp\.)\s+)?(?:{_CAP}|\d{{1,2}})(?:\s(?:{_CAP}|\d{{1,2}})){{0,3}}){{0,3}}",
        _VIETNAMESE_WARD.search,
    ),
    # US and Canadian rural routes: "RR 2 Box 45, Smithville, TN 37166", "RR 3, Site 12, Comp 8, Okotoks, AB T1S 1A2"
    (
        r"\b(?:RR|R\.R\.|Rural\s+Route|HC)\s*#?\s*\d{1,3}"
        rf"(?:(?:,?\s*(?:Site|Comp|Box|Stn|Station)\s*\w+){{1,3}}{_TOWNS_POSTAL}?|{_TOWN}{{1,3}}?{_POSTAL})",
        _words("RR", "R.R.", "Rural", "HC"),
    ),
    # Japanese: "2-14-5 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023" (block numbers, district, ward,
    # town, a postcode of 3 + 4 digits)
    (
        rf"\b\d{{1,4}}(?:-\d{{1,4}}){{1,2}}\s+{_CAP}(?:,\s*{_CAP}(?:\s{_CAP})?){{1,3}},?\s+(?:〒\s?)?\d{{3}}-\d{{4}}(?!\d)",
        _JAPANESE_POSTCODE.search,
    ),
    # Brazilian: "Rua Augusta, 1508, apto 62, Consolação, São Paulo - SP, 01304-001" (a CEP closes it), its parts
    # perhaps after a dash ("Rua das Palmeiras, 215 – Centro, Petrolina – PE, 56304-000")
    (
        rf"\b{_STREET_FIRST}(?:\s+[\wÀ-ÿ'’.-]+){{1,5}}?,?\s+\d{{1,5}}[A-Za-z]?"
        r"(?:(?:,|[ \t][–-])\s*[^,\n]{1,25}?){0,4},?\s+\d{5}-\d{3}(?!\d)",
        _BRAZILIAN_CEP.search,
    ),
    # Maltese: a house number, "Triq" (street) and its name, the locality, a postcode of three letters and four digits:
    # "12, Triq il-Kbira, Ħaż-Żebbuġ ZBG 1402"
    (r"\b\d{1,4}[A-Z]?,?\s+Triq\s+[^,\n]{2,30},\s*[^,\n]{2,30}?,?\s+[A-Z]{3}\s?\d{4}(?!\d)", _words("Triq")),
    # a street with no house number, held by its postcode: "[The Old Forge, ]Church Lane, Little
    # Wittenham, Abingdon OX14 4QS", "Chalmers Street, EH3 9ES" (its words no title or form of address: "Frau
    # Kollegin Dr. Brunhilde Ostermeier" holds no street called "Dr.")
    (
        rf"{_CAP_FIRST}(?:(?:Flat|Apt|Apartment|Unit|Suite|Block)\s+\w+,\s*){{0,2}}(?:\b{_CAP}(?:\s{_CAP}){{0,2}},\s*)?"
        rf"\b(?:{_NOT_A_TITLE}{_CAP}\s+){{1,3}}{_STREET}(?![\w])"
        rf"(?:{_TOWN}{{1,3}}?{_POSTAL_AFTER_TOWN}|{_POSTAL})",
        None,
    ),
    # [Résidence Les Tilleuls, Bât. C, ]14 Rue des Lilas, 75019 Paris / 27 rue des Tanneurs, appt 14, 67000
    # Strasbourg / 8 allée des Érables, bât. C, esc. 2, 31400 Toulouse / 12, Rue Ibn Batouta, Quartier Maarif,
    # Casablanca 20330 / 4520, rue Saint-Denis, app. 3, Montréal (Québec) H2J 2L3
    (
        r"(?=[RABE\d])(?:\b(?:Résidence|Appartement|Appt\.?|Bâtiment|Bât\.|Escalier|Esc\.)\s+"
        r"[\wÀ-ÿ'’ -]{1,30}?,\s*){0,3}"
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|boul\.|bd|place|chemin|allée|impasse|quai|cours)"
        r"(?:\s+[\wÀ-ÿ'’-]+){1,4}(?:,\s*[^,\n]{1,25}?){0,3},?\s+"
        r"(?:\d{5}\s+[A-ZÀ-Þ][\wÀ-ÿ-]+|[A-ZÀ-Þ][\wÀ-ÿ-]+(?:\s\([A-ZÀ-Þ][\wÀ-ÿ-]+\))?\s+(?:\d{5}(?!\d)|[A-Z]\d[A-Z]\s?\d[A-Z]\d))",
        _FRENCH_STREET.search,
    ),
    # Lindenstraße 12, 10969 Berlin / Schönhauser Allee 112, 10439 Berlin / ul. Długa 17/4, 00-238 Warszawa /
    # Thorvald Meyers gate 52, 0552 Oslo / Hämeenkatu 18 B 24, 33200 Tampere / Vasagatan 12 B, lgh 1102,
    # 411 24 Göteborg / Mariahilfer Straße 101/3/12\n1060 Wien / Am Hohen Weg 4a\n3. OG links\n79102 Freiburg
    (
        rf"(?=[A-ZÀ-ÞĀ-Žuap])(?:\b(?:[A-ZÀ-ÞĀ-Ž][\w-]* )?[A-ZÀ-ÞĀ-Ž][\w-]*(?:{_STREET_JOINED}|-{_STREET_APART})"
        rf"|\b[A-ZÀ-ÞĀ-Ž][\w-]*(?: [A-ZÀ-ÞĀ-Ž][\w-]*)? {_STREET_APART}"
        r"|\b(?:ul|al|pl)\.\s+[A-ZÀ-ŽĀ-Ž][\wÀ-ž-]+(?:\s+[A-ZÀ-ŽĀ-Ž][\wÀ-ž-]+){0,2}"  # "ul. Dobrego Pasterza"
        r"|\b(?:Am|An\s+der|Auf\s+der|Im|In\s+der|Zum|Zur|Unter\s+den)\s+(?:[A-ZÄÖÜ][\wÀ-ž-]+\s+)?[A-ZÄÖÜ][\wÀ-ž-]+)"
        rf"\s+{_CONTINENTAL_HOUSE}{_CONTINENTAL_UNITS}{_CONTINENTAL_POSTCODE}",
        None,
    ),
    # Rua Augusta 210, 2º Esq., 1100-053 Lisboa / Calle Mayor 5, 3º B, 28013 Madrid / Via Roma 12, 00184 Roma /
    # Chemin de Bellerive 24, 1007 Lausanne (a Swiss or Belgian four-digit postcode) / Via San Vitale 58/B, 40125
    # Bologna (a letter or a number after a slash)
    # (the name after a lower-case street word perhaps after "de": "calle de Alcalá, número 214, piso 3.º, ...")
    (
        rf"\b(?:{_STREET_FIRST}|{_STREET_FIRST_LOWER}(?=\s+(?:del?\s+)?[A-ZÀ-Þ]))(?:\s+[\w'’.-]+){{1,5}}?,?\s+"
        r"(?:(?i:número|núm\.|n\.?\s?º)\s?)?\d{1,4}[A-Za-z]?"
        r"(?:/(?:\d{1,4}|[A-Za-z])\b)?"
        rf"(?:,\s*[^,\n]{{1,15}}?){{0,3}},?\s+(?:\d{{4}}-\d{{3}}|\d{{4,5}})\s+{_TOWN_AFTER_CODE}",
        None,
    ),
    (_HOUSE_BEFORE_STREET_FIRST_FORM, _STREET_FIRST_WORD.search),
    # Malaysia: a house or lot number, a "Jalan" and its name, perhaps a "Taman" or an estate, a postcode, the town
    # and the state: "No. 27, Jalan Seri Kembangan 4/2, Taman Seri Kembangan Jaya, 43300 Seri Kembangan, Selangor",
    # in capitals too
    (
        r"\b(?:No\.?|NO\.?|Lot|LOT)\s*\d{1,5}[A-Z]?,\s*(?:Jalan|JALAN|Jln\.?|JLN\.?|Lorong|LORONG|Persiaran|Lebuh)\s+"
        r"[^,\n]{1,40},(?:[ \t]*[^,\n]{1,40},){0,3}[ \t]*\d{5}[ \t]+[A-Z][\w]*(?:[ \t][A-Z][\w]*){0,2}"
        r"(?:,[ \t]*[A-Z][\w]*(?:[ \t][A-Z][\w]*)?)?",
        _MALAY_ROAD_WORDS,
    ),
    # a house number before a comma and a street with its word, perhaps towns: "No. 14B, Adeniyi Jones Avenue,
    # Ikeja, Lagos" (Nigeria)
    (
        rf"\bNo\.?\s*\d{{1,5}}[A-Z]?,\s*(?:{_CAP}\s+){{1,3}}{_STREET}(?![\w])"
        r"(?:,[ \t]*[A-Z][\w'’-]*(?:[ \t][A-Z][\w'’-]*){0,2}){0,3}",
        _HOUSE_NO.search,
    ),
    # (Afrikaans and Dutch "Posbus", "Postbus"; Swahili "S.L.P." (Sanduku la Posta); in capitals too: "P.O. BOX 41873,
    # DEIRA, DUBAI")
    (
        rf"(?:(?:\bP\.?\s?O\.?|\bG\.?P\.?O\.?|\bPost\s+Office|\bLocked|\bPrivate)\s+(?:Box|Bag|BOX|BAG)|\bPos(?:t)?bus"
        r"|\bS\.L\.P\.)"
        rf"\s+[A-Z]?\d+(?:-\d{{5}})?{_TOWNS_POSTAL}?",
        _words("Box", "Bag", "BOX", "BAG", "Posbus", "Postbus", "S.L.P."),
    ),
    # a house or farm named, no number, its village and post town, a full UK postcode: "Ty Newydd,
    # Llanfihangel-y-Creuddyn, Aberystwyth SY23 4LA", "Mains of Auchindoir, Rhynie, Huntly AB54 4HJ"
    (
        rf"{_CAP_FIRST}\b{_CAP}(?:\s(?:(?:of|y|na|an|the)\s)?{_CAP}){{0,2}}(?:,\s*{_CAP}(?:\s{_CAP}){{0,2}}){{2,3}}"
        r"\s+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",
        _UK_POSTCODE.search,
    ),
    # a flat or door number, then locality, town, state and a six-digit PIN: "B-704, Lodha Belmondo,
    # Gahunje, Pune, Maharashtra 412101", "TC 25/1421, Pulimoodu, Thiruvananthapuram, Kerala 695001"
    # (not a phone number's last group: "+91 98201 44563, B-704, ..."); a door number in parts: "H.No. 4-7-12,
    # Barkatpura, Hyderabad 500027"; "No. 18/2, 2nd Main Road, ...", "Flat No. 304, ..., HSR Layout Sector 2, ...",
    # "Flat 9B, Sunflower Heights, Sector 45, Gurugram 122003"; the town a word of letters (not "...,NW771204558"
    # in a CSV row), the number not a time's seconds ("06:12:44,R1,...")
    (
        r"(?=[A-Z\d])(?<![\d+][ .-])(?<!\d:)"
        r"(?:\b(?:(?:H|D|Door|Flat|Plot)\.?\s?)?No\.?\s?|\bFlat\s|\b(?:[A-Z]{1,3}[- ])?)"
        r"\d{1,5}(?:[/-]\d{1,5}){0,3}[A-Z]?,"
        rf"(?:\s*(?:{_CAP}(?:\s{_CAP}){{0,3}}(?:\s{_SECTOR})?|{_SECTOR}|\d{{1,2}}(?:st|nd|rd|th)\s{_CAP}(?:\s{_CAP})?),){{1,4}}"
        rf"\s*{_CAP_LETTERS}(?:\s{_CAP_LETTERS})?"
        r"\s*(?:[-–]\s*)?\d{3}\s?\d{3}(?!\d)",
        None,
    ),
    # a house, plot or block and lot number, then a block, estate, localities and a postcode: "House No.
    # 221, Block C, Model Town, Lahore 54700", "Blk 12 Lot 7, Mabuhay Homes, Brgy. San Isidro, Cainta, Rizal 1900"; the
    # postcode before the town and the state: "Lot 14, Kampung Sungai Tiang, 06300 Kuala Nerang, Kedah" (Malaysia)
    (
        rf"\b(?:House|Plot|Blk|Block|Lot)\s+(?:No\.?\s*)?\d{{1,4}}[A-Z]?(?:,?\s+(?:Block|Blk|Lot|Sector|Phase)\s+\w+)?"
        rf"(?:,\s*{_CAP}(?:\s{_CAP}){{0,3}}){{1,4}}?"
        rf"(?:\s+\d{{4,6}}(?!\d)|,\s*\d{{5}}\s+{_CAP}(?:\s{_CAP}){{0,2}},\s*{_CAP}(?:\s{_CAP})?)",
        _words("House", "Plot", "Blk", "Block", "Lot"),
    ),
    # German: a floor or wing between house number and postcode: "Hasenheide 71, 3. OG links, 10967 Berlin"
    (
        r"\b[A-ZÄÖÜ][\wÀ-ž-]{3,}\s+\d{1,4}[a-z]?,\s*[^,\n]{0,15}\b(?:OG|EG|DG|UG|Etage|Stock|Hinterhaus|Vorderhaus|"
        r"Gartenhaus|Seitenflügel|Obergeschoss)\b[^,\n]{0,10},\s*\d{5}\s+[A-ZÄÖÜ][\wÀ-ž-]+",
        _words(
            "OG",
            "EG",
            "DG",
            "UG",
            "Etage",
            "Stock",
            "Hinterhaus",
            "Vorderhaus",
            "Gartenhaus",
            "Seitenflügel",
            "Obergeschoss",
        ),
    ),
    # Irish rural addresses, no house number: "Ballymore, Mullingar, Co. Westmeath, N91 X2Y3", in Irish too
    # ("Cnoc na Móna, Gaoth Dobhair, Co. Dhún na nGall, F92 X2K7", "14 Sráid an Droichid, Baile Átha Luain, Co. na
    # hIarmhí N37 F6P2": a house number, the article before a county, its "h" before a vowel)
    (
        rf"(?=[\dA-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ])(?:\b\d{{1,4}}\s+)?\b{_CAP}(?:\s(?:[a-z]{{1,3}}\s)?{_CAP}){{0,2}}"
        rf"(?:,\s*{_CAP}(?:\s(?:[a-z]{{1,3}}\s)?{_CAP}){{0,2}}){{0,2}},\s*"
        rf"(?:Co\.?|County)\s+(?:na\s+h?|an\s+)?{_CAP}(?:\s[\w'’]+){{0,2}},?\s*{_POSTAL}",
        _IRISH_COUNTY.search,
    ),
    # Japanese and Korean script: "〒100-0005 東京都千代田区丸の内1-8-1", "서울특별시 강남구 테헤란로 152"
    (
        r"(?:〒\s?\d{3}-\d{4}\s*)?[\u4e00-\u9fff]{1,3}[都道府県][\u3040-\u30ff\u4e00-\u9fff]{1,10}?[市区郡町村]"
        r"[\u3040-\u30ff\u4e00-\u9fff]{0,12}?[0-9０-９]{1,4}(?:(?:丁目|番地|[-－ー丁目番地号の])[0-9０-９]{1,4}){0,3}"
        r"(?:丁目|番地|[丁目番地号])?"
        r"(?:\s*(?:[\u30a0-\u30ff\u4e00-\u9fff]{1,15}[0-9０-９]{0,3}\s*)?[0-9０-９]{1,3}(?:階|F|号室)"
        r"|\s+[\u30a0-\u30ff\u4e00-\u9fff]{1,15}[0-9０-９]{1,4}(?:号室|号)?)?",
        _words("都", "道", "府", "県"),
    ),
    (
        r"[\uac00-\ud7a3]{1,6}(?:특별시|광역시|특별자치시|도|시)\s+(?:[\uac00-\ud7a3]{1,6}[시군구]\s+){1,2}"
        r"(?:[\uac00-\ud7a3]{1,6}[동읍면]\s+)?[\uac00-\ud7a30-9]{1,10}(?:로|길)\s?\d{1,4}(?:-\d{1,4})?(?:번길\s?\d{1,4})?"
        r"(?:,?\s*\d{1,4}동)?(?:,?\s*(?:[\uac00-\ud7a3A-Za-z]{1,12}\s?)?\d{1,5}호)?(?:\s*\(\d{5}\))?",
        None,
    ),
    # a lot-number (jibun) address: "서울특별시 강남구 삼성동 159-9"
    (
        r"[\uac00-\ud7a3]{1,6}(?:특별시|광역시|특별자치시|도|시)\s+(?:[\uac00-\ud7a3]{1,6}[시군구]\s+){1,2}"
        r"[\uac00-\ud7a3]{1,6}[동읍면리]\s+\d{1,5}(?:-\d{1,5})?(?!\d)",
        None,
    ),
    # no street word, a postcode of a form no other number takes (3 + 2 digits, Dutch 4 digits + 2
    # letters): "Ερμού 54, 105 63 Αθήνα", "Vinohradská 1511/230, 100 00 Praha 10" (or "2059/80b"; a Czech square's
    # or embankment's word in lower case after its name: "Karlovo náměstí 32/17, 120 00 Praha 2"), a flat or a
    # Greek floor and a line break between ("Λεωφ. Αλεξάνδρας 86, Διαμ. 5\n114 73 Αθήνα", "Εγνατίας 112, 4ος
    # όροφος, 546 30 Θεσσαλονίκη"), a Greek town's city after it, ending its line or sentence ("551 31 Καλαμαριά,
    # Θεσσαλονίκη")
    (
        rf"{_CAP_ANY_FIRST}\b(?:{_CAP_ANY} ){{0,2}}{_CAP_ANY}(?: (?:náměstí|nábřeží|třída))? \d{{1,4}}[A-Za-z]?"
        r"(?:/\d{1,4}[A-Za-z]?){0,2}"
        rf"(?:,[ \t]*(?:{_CAP_ANY}[ \t]?\d{{1,4}}|\d{{1,2}}(?:ος|ο|ου)[ \t]+(?:όροφος|ορόφου)))?(?:,\s*|[ \t]*\n[ \t]*)"
        rf"(?:\d{{3}}\s\d{{2}}|\d{{4}}\s?[A-Z]{{2}})\s+{_CONTINENTAL_TOWN}"
        r"(?:,[ \t]*(?!Τηλ|ΤΗΛ|Κιν|ΚΙΝ)[Α-ΩΆ-Ώ][\w-]{3,}(?=[ \t]*(?:\n|\Z|[.;)])))?",
        _CONTINENTAL_POSTCODE_TOWN.search,
    ),
    # the street word first, a house number, then units, colonias, towns and postcodes after commas, the
    # postcode perhaps missing: "Av. Providencia 1208, depto. 1403, Providencia, Santiago", "Pasaje Los
    # Aromos 2270, Villa Alemana, Valparaíso", "Calle 58 N.º 732, La Plata, B1900"
    (
        rf"\b{_STREET_FIRST}(?: [\w'’.-]+){{1,5}}?,? (?:(?i:n\.?\s?º|nr\.|no\.|número|núm\.)\s?)?\d{{1,5}}[A-Za-z]?"
        rf"(?:,? {_LATIN_PART})?(?:,\s?{_LATIN_PART}){{1,6}}",
        _STREET_FIRST_WORD.search,
    ),
    # Colombian: the street's type and number, then "#" (or "No.") and the cross street's number and the house's:
    # "Calle 63 Sur # 77K-45, interior 3, apartamento 502, Bosa, Bogotá", "Cra. 7 No. 71-21, Bogotá"
    (
        r"\b(?:Calle|Carrera|Cra\.?|Kr\.?|Cl\.?|Avenida|Av\.|Diagonal|Dg\.?|Transversal|Tv\.?)\s+\d{1,3}[A-Z]?"
        rf"(?:\s(?:Bis|Sur|Este|Norte|[A-Z]))*\s*(?:#|No\.?|N[°º]\.?)\s*\d{{1,3}}[A-Z]?\s?-\s?\d{{1,3}}[A-Z]?"
        rf"(?:,\s?{_LATIN_PART}){{0,6}}",
        _COLOMBIAN_NUMBER.search,
    ),
    # Malaysian: "No. 23, Jalan SS 2/64, 47300 Petaling Jaya, Selangor", "B-12-3, Residensi Vista, Jalan Bukit
    # Serdang 3, 43300 Seri Kembangan, Selangor" (a house or unit number, perhaps a building, the road, a postcode)
    (
        rf"\b(?:No\.?\s*\d{{1,4}}[A-Z]?(?:-\d{{1,3}})*|[A-Z]-\d{{1,3}}-\d{{1,3}}|\d{{1,4}}[A-Z]?)(?:,\s*{_CAP}(?:\s{_CAP}){{0,3}})?"
        rf",\s*(?:Jalan|Jln\.?|Lorong|Lrg\.?|Persiaran|Lebuh)\s+[^,\n]{{1,30}},\s*\d{{5}}\s+{_PLAIN_TOWN}(?:,\s*{_PLAIN_TOWN})?",
        _MALAY_ROAD_WORDS,
    ),
    # Danish: a street with no street word, a floor and side ("2. th.", "st. tv."), a postcode and town:
    # "Dæmningen 41, 2. th., 7100 Vejle"
    (
        rf"{_CAP_ANY_FIRST}\b(?:{_CAP_ANY} )?{_CAP_ANY} \d{{1,4}}[A-Za-z]?,\s*"
        r"(?:\d{1,2}\.|st\.)\s?(?:th|tv|mf|sal)\.?,?"
        rf"\s+\d{{4}}\s+{_CONTINENTAL_TOWN}",
        _DANISH_FLOOR.search,
    ),
    # Hungarian, the postcode and town first: "1137 Budapest, Pozsonyi út 56. III. em. 4.", "... II. emelet 5."
    (
        rf"\b\d{{4}}\s+{_CAP}(?:,\s*|\s+)(?:{_CAP}\s+){{1,2}}(?:út|utca|u\.|tér|körút|krt\.|köz|sor|sétány)\s+\d{{1,3}}\.?"
        r"(?:\s*(?:[IVX]+\.?|fszt\.?)\s*(?:em\.|emelet)?\s*\d{1,3}\.?)?",
        _HUNGARIAN_STREET.search,
    ),
    # Arabic: a building's number, a street's word and name, then two parts or more after commas (a district, a
    # floor, a flat, a town and postcode): "8228 شارع الأمير سلطان، حي الملز، الرياض 12641، الرقم الإضافي 3317",
    # "١٤ شارع الجلاء، الدور الثالث، شقة ٦، المنصورة، الدقهلية"
    (
        r"(?<![\w/-])[0-9٠-٩]{1,5}[ \t]+(?:شارع|طريق)[ \t]+[^\d\n،,؟.—–:]{2,30}(?:[،,][ \t]*[^\n،,؟.—–:]{2,40}){2,6}"
        r"(?<![ \t])",
        _words("شارع", "طريق"),
    ),
    # Hindi: a house's, a flat's or a plot's number, parts after commas, a six-digit PIN: "मकान नंबर 45, गली नंबर 3,
    # शास्त्री नगर, जयपुर, राजस्थान 302016", "फ्लैट नं. 402, साई कृपा अपार्टमेंट, सेक्टर 21, नेरुल, नवी मुंबई 400706"
    (
        r"(?:मकान|फ्लैट|प्लॉट|हाउस)[ \t]+(?:नंबर|नं\.)[ \t]*[0-9०-९]{1,5}(?:[,،][ \t]*[^\n,।]{2,40}?){1,6}[ \t]*[–—-]?[ \t]*"
        r"[0-9०-९]{6}(?![0-9०-९])",
        None,
    ),
    # Indonesian: "Jl. Kaliurang KM 7,5 Gg. Pandega Marta No. 12, Condongcatur, Depok, Sleman, DI Yogyakarta 55283"
    # (the street, its house number after "No.", perhaps RT/RW, the village, districts and a five-digit postcode)
    (
        r"\b(?:Jl|Jln|Jalan)\.?\s+[A-Z](?:[^\n,]|,(?=\d)){1,60}?\bNo\.?\s*\d{1,4}[A-Z]?(?:\s*,?\s*RT\.?\s*\d{1,3}\s*/\s*RW\.?\s*\d{1,3})?"
        r"(?:,\s*[^,\n\d]{2,40}){1,5},?\s+\d{5}(?!\d)",
        _MALAY_ROAD_WORDS,
    ),
    # Hungarian, the street first: "Bartók Béla út 64. 3/2, 1114 Budapest", "Váci utca 12. II. em. 4., 1052 Budapest"
    (
        rf"{_CAP_FIRST}\b(?:{_CAP}\s+){{1,2}}(?:út|utca|u\.|tér|körút|krt\.|köz|sor|sétány)\s+\d{{1,3}}\.?"
        r"(?:\s*(?:\d{1,2}/\d{1,2}|(?:[IVX]+\.?|fszt\.?)\s*(?:em\.|emelet)?\s*\d{1,3}\.?))?,\s*\d{4}\s+"
        rf"{_CAP}",
        _HUNGARIAN_STREET.search,
    ),
    # a house named by its kind and its town, a full UK postcode: "Hillfoot Cottage, Bridge of Weir PA11 3SY"
    (
        rf"{_CAP_FIRST}\b(?:{_CAP}\s){{1,2}}(?:Cottage|House|Farm|Farmhouse|Lodge|Barn|Mill|Manor|Croft|Grange|Villa|Bungalow),\s*"
        rf"{_CAP}(?:\s(?:of|on|upon|le|in|under)?\s?{_CAP}){{0,3}}\s+[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}}\b",
        _UK_POSTCODE.search,
    ),
    (_TURKISH_FORM, _TURKISH_STREET.search),
    (_CYRILLIC_FORM, _CYRILLIC.search),
    (_CHINESE_FORM, _words("市")),
    (_HEBREW_FORM, _HEBREW.search),
    (_ROMANIAN_FORM, _words(" nr.")),
    # an Arabic post office box and its town: "ص.ب 55127، دبي"
    (r"ص\.\s?ب\.?\s*\d{2,6}(?:،\s*[\u0621-\u064a]+)?", None),
]
_ADDRESS_PATTERNS = [pattern for pattern, _ in _FORMS]
# One regex per form: apart, each keeps the regex engine's fast scan for its first characters.
_ADDRESS_FORMS = tuple(re.compile(pattern) for pattern in _ADDRESS_PATTERNS)
_FORM_NEEDS = {i: needs for i, (_, needs) in enumerate(_FORMS) if needs is not None}
# A street word that opens a street's name, in any case, before a space ("Calle ", "rue "): what the words
# before a name in an address may be (services/safety/pii.py, address_after_name).
OPENS_A_STREET = re.compile(
    rf"(?i:{_STREET_FIRST}|avenue|boulevard|chemin|allée|impasse|quai|place|strada|ulica|ul\.)\s", re.UNICODE
)


# An address said in a call or typed as speech, after a cue ("the address we have nine chancellor court
# dunstable lu6 1qx", "at eleven holly mews camberwell", "current address abhi bhi house number 27 gali
# number 4 shastri nagar meerut", "j'reste au 1420 rue des Érables à Chicoutimi"): a house number in
# digits or words, one to three words and a street word, or a street word opening the name (in any case),
# then up to five words of town, district or house parts and a UK postcode; a function word, a number word
# after the street or the end of the clause ends it. Its words are the rest of a sentence's: they must not
# be the function words that surround times and counts ("at eleven in the park" is no address).
_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
)
_SPOKEN_HOUSE = (
    rf"(?:(?:house|flat|door)\s+(?:number|no\.?)\s+)?"
    rf"(?:\d{{1,5}}[a-z]?|{_NUMBER_WORD}(?:(?:\s+|-)(?:dash\s+)?{_NUMBER_WORD})*)"
)
_NOT_A_PLACE_WORD = (
    r"(?:the|a|an|in|on|at|of|to|for|from|by|with|and|or|but|is|are|was|were|be|it|its|this|that|these|"
    r"my|your|his|her|our|their|we|you|he|she|they|i|me|us|am|pm|o'clock|oclock|tomorrow|today|tonight|"
    r"please|could|would|can|will|should|if|so|then|yes|no|yeah|ok|okay|right|thanks|thank|hai|hain|"
    r"estoy|est|u|je|il|on|et|y|en|que|is|minutes?|hours?|days?|weeks?|times?|people|items?|"
    rf"{_NUMBER_WORD})"
)
_PLACE_WORD = rf"(?!{_NOT_A_PLACE_WORD}\b)[^\W\d_][\w'’-]*"
_STREET_WORD = _STREET.removesuffix(r"\.?")
_LOWER_POSTCODE = r"[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}"
_SPOKEN_ADDRESS = re.compile(
    rf"(?i)\b(?:address(?:\s+[a-z]+){{0,3}}?|live\s+at|living\s+at|lives\s+at|at|to|au|reste\s+au)[\s:,]+"
    rf"(?P<address>{_SPOKEN_HOUSE}\s+"
    rf"(?:(?:{_PLACE_WORD}\s+){{1,3}}{_STREET_WORD}|gali"
    rf"|(?:{_STREET_FIRST}|rue|calle|avenida)\s+(?:(?:des|de|del|la|le|du|da|do)\s+)?{_PLACE_WORD})"
    rf"(?:(?:\s+|,\s*)(?:(?:à|en)\s+)?(?:{_PLACE_WORD}|\d{{1,4}}(?!\d)|{_LOWER_POSTCODE})){{0,5}}?)"
    rf"(?=\s*(?:[.,;:!?\n]|$|\s{_NOT_A_PLACE_WORD}\b))"
)


def has_spoken_address(text: str) -> bool:
    """Whether ``text`` holds an address said with its house number in words (the prefilter's address
    condition for a text with no digit)."""
    return _SPOKEN_ADDRESS.search(text) is not None


_FULL_STOP_AFTER_WORD = re.compile(r"\b[^\W\d_]{4,}\.$")

# A quoted value under an address key, in JSON, a Python dict, YAML, logfmt or FHIR (the key says what
# the value is, whatever its country's form): "addr": "...", 'street': '...', address_line1="...",
# billingAddress: "...", "address": [{"text": "..."}], <address><text value="..."/>. Keys of network
# and mail addresses ("ip_address", "remote_addr", "email_address") are not address keys.
_ADDRESS_KEY = (
    r"(?:(?:home|billing|shipping|mailing|postal|residential|delivery|physical|permanent|current|street|"
    r"patient|customer|contact)[_-]?)?(?:address|addr|street)(?:[_-]?line[_-]?\d)?|postal"
)
_ADDRESS_FIELD = re.compile(  # (first a look at what its matches open with: a quote, a key's first letter, "<")
    rf"(?i)(?=[\"'abcdhmprs<])(?:(?<![\w.-])[\"']?(?:{_ADDRESS_KEY})[\"']?\s*[:=]\s*(?:\[\s*)?(?:\{{\s*[\"']text[\"']\s*:\s*)?"
    r"|<address>\s*<text\s+value=)"
    r"(?P<quote>[\"'])(?P<value>[^\"'\n]{6,160})(?P=quote)"
)
# What makes a key's value an address: a digit (a house number, a postcode), a word, and a space
# between its parts or a CJK script that writes none; not an e-mail address, a link, a network or
# memory address or a wallet's (one token).
_FIELD_WORD = re.compile(r"[^\W\d_]{2}")
_FIELD_PARTS = re.compile(r"\s|[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]")
_NOT_POSTAL_VALUE = re.compile(r"@|://")
# An HL7 v2 PID segment's eleventh field, the patient's address (XAD): street^other^city^state^postcode
# ^country...; the address is its first five components ("Flat 6^27 Peckham Rye^London^^SE15 3NX").
_HL7_PID_ADDRESS = re.compile(r"(?m)^PID(?:\|[^|\n]*){10}\|(?P<value>[^|\n~]*)")


# A postcode field's value that is an address alone: a UK postcode or an Irish Eircode (an area's numeric
# postcode, a US ZIP, names no few houses and is left alone); values that are a network's, not a street's
_POINTING_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y\d]{4}")
_NETWORK_VALUE = re.compile(r"(?i)\d{1,3}(?:\.\d{1,3}){3}|\b0x[0-9a-f]|[0-9a-f]{2}(?::[0-9a-f]{2}){3}|::")


def _record_address_spans(text: str) -> list[tuple[int, int]]:
    """Address values ``tables.record_fields`` reads under an address key or column (a street line, a whole
    address: a digit or four parts, a word, parts) or a postcode key (a UK postcode or an Eircode alone)."""
    spans = []
    for field in record_fields(text):
        value = text[field.start : field.end]
        if field.kind == "address":
            postal = (
                # (a rural address may hold no number: "Teach na Coille, Bóthar an Chaisleáin, An Spidéal, Co. na
                # Gaillimhe", four parts or more then)
                (any(c.isdigit() for c in value) or value.count(",") >= 3)
                and _FIELD_WORD.search(value)
                and _FIELD_PARTS.search(value)
                and not _NOT_POSTAL_VALUE.search(value)
                and not _NETWORK_VALUE.search(value)
            )
        else:
            postal = field.kind == "postcode" and _POINTING_POSTCODE.fullmatch(value) is not None
        if postal:
            spans.append((field.start, field.end))
    return spans


def _field_spans(text: str) -> list[tuple[int, int]]:
    """The spans of address values that their layout names: a value under an address key, an HL7
    PID segment's address field."""
    spans = []
    for m in _ADDRESS_FIELD.finditer(text):
        value = m.group("value")
        if (
            any(c.isdigit() for c in value)
            and _FIELD_WORD.search(value)
            and _FIELD_PARTS.search(value)
            and not _NOT_POSTAL_VALUE.search(value)
        ):
            spans.append((m.start("value"), m.end("value")))
    spans += _record_address_spans(text)
    if "PID|" in text:
        for m in _HL7_PID_ADDRESS.finditer(text):
            postal = "^".join(m.group("value").split("^")[:5]).rstrip("^ ")
            if any(c.isdigit() for c in postal) and _FIELD_WORD.search(postal):
                spans.append((m.start("value"), m.start("value") + len(postal)))
    return spans


# A UK postcode or an Irish Eircode given alone after a word asking for it or naming it, in a call or a chat
# ("the billing postcode.\nCaller: N16 7RT", "postcode M14 5RU", "Eircode?\nB: D06 F2K7", "the postcode separately,
# so for the record it is CV32 5LP"): it points at a few
# houses. ZZ99 is the NHS's code for no fixed abode, no place.
_POSTCODE_GIVEN = re.compile(
    r"(?i:\b(?:post\s?code|postal\s+code|eircode)\b)[^\n\d]{0,50}?(?:\n[^\n:\d]{0,30}:)?[ \t]*"
    r"(?<![A-Za-z\d])(?P<code>(?!ZZ99)[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y\d]{4})(?![\w-])"
)


# A line holding only a postcode and a town, right after an address that ends its line ("Lindenstraße 14\n67433
# Neustadt an der Weinstraße", "Koivukuja 5 B 12\n33720 Tampere", "Prinsengracht 263-2\n1016 GV Amsterdam")
_TOWN_LINE_AFTER = re.compile(
    r"[ \t]*\n[ \t]*(?P<line>\d{4,5}(?:[ \t]?[A-Z]{2})?[ \t]+[^\W\d_][^\W\d_'’.-]*(?:[ \t]+[^\W\d_][^\W\d_'’.-]*){0,4})"
    r"[ \t]*(?=\n|\Z)"
)


def _address_spans(text: str) -> list[tuple[int, int]]:
    """The forms' matches, leftmost first and longest at a start, none overlapping another."""
    found = sorted(
        [
            *(
                (m.start(), m.end())
                for i, rx in enumerate(_ADDRESS_FORMS)
                if i not in _FORM_NEEDS or _FORM_NEEDS[i](text)
                for m in rx.finditer(text)
            ),
            *_field_spans(text),
            *((m.start("address"), m.end("address")) for m in _SPOKEN_ADDRESS.finditer(text)),
            *((m.start("code"), m.end("code")) for m in _POSTCODE_GIVEN.finditer(text)),
        ],
        key=lambda s: (s[0], -s[1]),
    )
    spans: list[tuple[int, int]] = []
    # a sentence's full stop after a town is no part of it ("..., 1203 Metro Manila."); "St." keeps its dot
    found = [(s, e - 1 if _FULL_STOP_AFTER_WORD.search(text, s, e) else e) for s, e in found]
    for start, end in found:
        if not spans or start >= spans[-1][1]:
            spans.append((start, _with_town_line(text, start, end)))
    return spans


def _with_town_line(text: str, start: int, end: int) -> int:
    """The end of the address ``text[start:end]`` with the postcode-and-town line after its street line
    (``_TOWN_LINE_AFTER``), or the rest of that line when a form took only its first words ("...\n67433
    Neustadt" of "67433 Neustadt an der Weinstraße")."""
    town = _TOWN_LINE_AFTER.match(text, end)
    if town is None and (last := text.rfind("\n", start, end)) >= 0:
        town = _TOWN_LINE_AFTER.match(text, last)
    return max(end, town.end("line")) if town else end


class AddressRecognizer(EntityRecognizer):
    """ADDRESS: whole postal addresses (US, UK, Irish, continental forms, PO boxes)."""

    # what services/safety/prefilter.py read its condition from (every form and field value holds a digit)
    regexes = (*_ADDRESS_FORMS, _ADDRESS_FIELD, _HL7_PID_ADDRESS, _SPOKEN_ADDRESS)

    def __init__(self) -> None:
        super().__init__(supported_entities=["ADDRESS"], name="AddressRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "ADDRESS" not in entities:
            return []
        return [recognizer_result("ADDRESS", start, end, 0.85, self) for start, end in _address_spans(text)]
