"""Tables inside a text: a header row and the rows under it, in CSV, semicolon, tab or markdown form.
The name recogniser reads the cells under a name column (``recognizers.py``), the date-of-birth
recogniser the dates under a birth column (``birth_dates.py``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

CELL_SEPARATORS = ("|", ",", ";", "\t")


def table_cells(line: str, separator: str) -> list[tuple[int, int]]:
    """(start, end) in ``line`` of each cell between ``separator``s (none inside double quotes),
    spaces and quotes around a cell left out."""
    bounds, start, quoted = [], 0, False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == separator and not quoted:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(line)))
    cells = []
    for begin, end in bounds:
        while begin < end and line[begin] in " \t\"'":
            begin += 1
        while end > begin and line[end - 1] in " \t\"'":
            end -= 1
        cells.append((begin, end))
    return cells


# A rule under a table's header, as psql and MySQL print one ("-----+-----", "+----+----+")
_RULE_LINE = re.compile(r"[ \t]*[-+=]{3,}[-+=| \t]*")


def opens_turns(text: str, label: str) -> bool:
    """Whether ``label`` and a colon open two lines of ``text`` at least (after a chat's time stamp): a chat's or a
    transcript's speaker, the words after it said, not a record's value ("العميل: ممتاز، يعطيك العافية")."""
    turn = re.compile(rf"(?m)^[ \t]*(?:\[[^\]\n]{{1,30}}\][ \t]*)?{re.escape(label)}[ \t]*:")
    return len(turn.findall(text)) >= 2


def table_columns(text: str, header: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """(header cell, start, end) of each cell under a header cell that ``header`` matches whole, in a
    table of ``text``: a header row (cells split by "|", ",", ";" or a tab; none inside double quotes), then the
    rows below it with as many cells (a rule line under the header passed over: psql's "----+----"), until a
    blank line or a row of another shape."""
    out: list[tuple[str, int, int]] = []
    table: tuple[str, dict[int, str], int] | None = None  # separator, the matching cells by index, cells per row
    offset = header_row = 0
    lines = text.split("\n")
    for row, line in enumerate(lines):
        if table is not None:
            separator, columns, width = table
            cells = table_cells(line, separator)
            if len(cells) != width:
                if not (row == header_row + 1 and _RULE_LINE.fullmatch(line)):
                    table = None
            else:
                out += [(key, offset + cells[i][0], offset + cells[i][1]) for i, key in columns.items()]
        if table is None:
            below = None  # the first row under a header: the next line, or the one after a rule line
            for separator in CELL_SEPARATORS:
                count = line.count(separator)
                if count < (2 if separator == "|" else 1) or row + 1 == len(lines):
                    continue
                if below is None:
                    below = row + 2 if row + 2 < len(lines) and _RULE_LINE.fullmatch(lines[row + 1]) else row + 1
                if lines[below].count(separator) < count:
                    continue  # a header has a row under it with as many separators at least (quoted ones add)
                # (split as str.split does where no quote can hide a separator; a key is short: most lines are prose)
                keys = [line[a:b] for a, b in table_cells(line, separator)] if '"' in line else line.split(separator)
                keys = [k.strip(" \t'") for k in keys]  # (psql pads its header cells)
                columns = {
                    i: k for i, k in enumerate(keys) if len(k) <= 40 and k.count(" ") <= 4 and header.fullmatch(k)
                }
                if columns:
                    table = (separator, columns, len(keys))
                    header_row = row
                    break
        offset += len(line) + 1
    return out


# ---- Records: a value read with its key or its column, whatever the format ----
#
# One table maps a key, normalised (``key_kind``: lower case, letters and digits only, so "firstName",
# "first_name", "First Name" and "first-name" are one key), to what its value holds:
#   "name"     a person's whole name         "given"/"family"  a part of it (one span per field)
#   "address"  a street line or a whole address (a town-only field is no key here: it is unlabelled)
#   "postcode" a postcode field: only a UK postcode or an Irish Eircode alone counts as an address
#   "place"    a town, a region or a country: no address, no person
#   "thing"    a car's make and model, a boat's, a ship's or a horse's name: no person
#   "birth"    a date of birth
# The formats (``record_fields``): a JSON, dict, YAML, INI, logfmt or form field (quoted or bare key, ':'
# or '=', the value quoted, in a list, or bare to the line's end), an XML element, an HL7 v2 segment's field
# (``_HL7_KINDS``: PID-5 the name, PID-7 the date of birth, PID-11 the address, ...), a CSV / TSV / markdown column
# (``table_columns``), an SQL INSERT's column.
_KEY_KINDS = {
    "name": (
        "fullname name patientname customername clientname contactname holdername accountholder cardholder "
        "cardholdername accountname accountholdername guestname passengername paxname employeename staffname "
        "membername studentname applicantname tenantname insuredname policyholder beneficiary payee payeename "
        "recipient recipientname empfänger empfaenger kontoinhaber tenaamstelling titular nombrecompleto nomcomplet "
        "nomecompleto namalengkap nama hoten họtên фио фиo 氏名 姓名 이름 성명 hóspede hospede guest "
        "नाम पूरानाम रोगीकानाम मरीजकानाम ชื่อ ชื่อผู้ป่วย ชื่อนามสกุล ชื่อสกุล ชื่อผู้รับ নাম পুরোনাম பெயர் పేరు "
        "نام نامکامل الاسم الاسمالكامل שם שםמלא ονοματεπώνυμο "
        # the name a card, an account or a passport carries; Arabic's four-part name, a parent's name in Arabic
        # and Persian ("الاسم رباعي", "اسم الأم", "نام پدر")
        "nameoncard nameasoncard nameonaccount nameonpassport フリガナ ふりがな "
        "الاسمرباعي الاسمالرباعي اسمالأم اسمالام اسمالأب "
        "اسمالاب نامپدر ناممادر "
        # Amharic, Punjabi and Irish words for a name; the additional driver of a rental
        "ስም ሙሉስም ਨਾਂ ਨਾਮ ਪੂਰਾਨਾਮ ainm ainmiomlán additionaldriver conductoradicional "
        # a Chinese form's Chinese and English names; Kazakh "full name", the owner's
        "中文姓名 英文姓名 中文名 英文名 атыжөні иесініңатыжөні "
        # an account's holder (Polish), the deceased's name (Hebrew), the athlete's (Arabic)
        "właściciel właścicielka שםהנפטר שםהנפטרת اسمالرياضي اسمالرياضية"
    ),
    "given": (
        "firstname givenname given first forename forenames vorname vornamen prenom prénom prenoms prénoms "
        "middlename firstnamekana givennamekana preferredname nickname knownas аты әкесініңаты "
        "isem voornaam fornavn förnamn fornamn etunimi imię imie имя 名 tên ten ชื่อจริง שםפרטי όνομα "
        "prenume име céadainm imiona"
    ),
    "family": (
        "lastname familyname family last surname nachname familienname nom apellido apellidos cognome "
        "lastnamekana familynamekana surnameatbirth lastnameatbirth тегі "
        "achternaam kunjom nazwisko фамилия отчество etternavn efternamn efternavn sukunimi soyadı soyadi 姓 họ nume "
        "презиме sloinne sloinnebreithe nazwiskorodowe "
        # French birth, used and married names ("Nom de naissance", "Nom d'usage", "Nom de jeune fille")
        "nomdenaissance nomdusage nomdejeunefille nomdefamille nomdépouse nomdepouse nommarital "
        "นามสกุล उपनाम שםמשפחה επώνυμο نامخانوادگی"
    ),
    "address": (
        "address addr addr1 addr2 address1 address2 addressline addressline1 addressline2 line1 line2 street "
        "street1 street2 streetaddress homeaddress billingaddress shippingaddress mailingaddress postaladdress "
        "residentialaddress deliveryaddress adres adresse adress adresa alamat direccion dirección domicilio "
        "indirizzo endereco endereço morada anschrift strasse straße heimilisfang osoite адрес 住所 地址 住址 주소 "
        "indirizz logradouro địachỉ diachi адреса адресапроживання כתובת כתובתמגורים lakcím lakcim anwani makazi "
        "पता स्थायीपता वर्तमानपता ที่อยู่ ঠিকানা முகவரி చిరునామా پتہ پتا نشانی آدرس العنوان διεύθυνση "
        "მისამართი հասցե բնակությանհասցե አድራሻ seoladh ikheli rueetnuméro rueetnumero straatennummer "
        # Hausa, Kazakh, Czech, Kurdish, Mongolian, Uzbek; Chinese contact and household addresses; Ukrainian and
        # Russian places of residence
        "adireshin adireshingida мекенжай мекенжайы bydliště bydliste trvalébydliště ناونیشان хаяг "
        "оршинсуугаахаяг manzil manzili yashashmanzili 通訊地址 通讯地址 聯絡地址 联系地址 戶籍地址 户籍地址 "
        "現住址 现住址 居住地址 місцепроживання зареєстрованемісцепроживання адресапроживання местожительства "
        # Arabic "(last) place of residence"
        "محلإقامة محلالإقامة آخرمحلإقامة"
    ),
    "postcode": "postcode postalcode zip zipcode eircode éirchód",
    # a town, a region or a country alone: no address (no street), and no person ("city": "Petaling Jaya")
    "place": (
        "city town village suburb locality lokalita district county state province region country ciudad ville "
        "stadt ort città cidade miasto kota placeofbirth birthplace nơisinh lugardenacimiento geburtsort "
        "lieudenaissance stop busstop"
    ),
    # a car's make and model ("Vehicle: Skoda Octavia", "Pojazd: Toyota Corolla Cross"), a boat's or a ship's name
    # ("Vessel: Lady Catriona", "Ship: MS Nordlys Aurora"), a horse's and its parents' ("Sire: Ramiro B"): no person
    "thing": (
        "vehicle véhicule vehiculo vehículo veicolo fahrzeug pojazd voertuig carmodel vehiclemodel makemodel "
        "vessel vesselname boat boatname yacht yachtname ship shipname navire schiff horse horsename sire dam"
    ),
    "birth": (
        "dob birth born birthdate birthday dateofbirth geburtsdatum gebdat gebdatum datenaissance "
        "datedenaissance naissance fechanacimiento fechadenacimiento datanascita datadinascita datanascimento "
        "datadenascimento nascimento tariklahir tarikhlahir tanggallahir tgllahir датарождения 生年月日 出生日期 "
        "생년월일 ngaysinh ngàysinh ngàythángnămsinh fodselsdato fødselsdato födelsedatum geboortedatum "
        "dataurodzenia datatwelid fædd fechanac nato nata datanasterii datanașterii datanaşterii "
        "fæðingardagur जन्मतिथि जन्मदिनांक जन्मतारीख วันเกิด วันเดือนปีเกิด জন্মতারিখ பிறந்ததேதி "
        "పుట్టినతేదీ تاریختولد تاریخپیدائش تاريخالميلاد תאריךלידה ημερομηνίαγέννησης დაბადებისთარიღი "
        "ծննդյանամսաթիվ የትውልድቀን ranarhaihuwa بەرواریلەدایکبوون төрсөнонсарөдөр tugilgansanasi"
    ),
}
# A person named by a role in a document's field ("Patient: Eilidh MacSween", "主治医师：陈思远",
# "Κατηγορούμενος: ..."): roles that only a person fills, not a firm (no landlord, employer, supplier). A
# role's value may go on after the name ("..., born 14-03-1997"): ``recognizers.py`` reads the name in it.
ROLE_NAME_KEYS = frozenset(
    (
        "patient patientin paciente paziente complainant defendant accused victim witness suspect testimone testigo "
        "témoin zeuge zeugin ασφαλισμένος ασφαλισμένη πραγματογνώμονας atsakovas atsakovė ieškovas ieškovė "
        "plaintiff plaintiffsattorney defendantsattorney attorney debtor deudor deudora débiteur débitrice schuldner "
        "schuldnerin granter grantor tenant tenants treasurer secretary signed signedby "
        # who found, handed in or reported a thing (a lost-property book's "Finder"), who manages a case
        "finder foundby handedinby reportedby manager casemanager caseworker socialworker keyworker accountmanager "
        # an informant; a witness in Danish, Norwegian, Swedish, Dutch, Polish, Czech
        "informant vidne vittne getuige świadek svědek சாட்சி "
        "employee employé employée empleado empleada angajat angajată salariat pracownik πατρώνυμο μητρώνυμο "
        "pracownica funcionário funcionária dipendente medewerker werknemer "
        "attendingphysician attendingdoctor treatingphysician referringphysician reviewer "
        "المريض المريضة اسمالمريض اسمالمريضة الطبيبالمعالج العميل المتهم المشتكي "
        "המטופל המטופלת שםהמטופל שםהמטופלת שםהחולה אישקשר רופא רופאה רופאמטפל הנאשם המתלונן המתלוננת "
        "患者 患者姓名 病人姓名 主治医师 主治医生 住院医师 经治医师 被告人 原告 班主任 监护人 患者氏名 主治医 担当医 "
        "환자 환자명 환자성명 보호자 담임 담임교사 주치의 담당의 "
        "bệnhnhân họtênbệnhnhân họtênngườibệnh ngườibệnh bácsĩ bácsĩđiềutrị giáoviênchủnhiệm phụhuynh "
        "ασθενής ασθενούς θεράπωνιατρός κατηγορούμενος κατηγορουμένη παθών παθούσα μάρτυρας κηδεμόνας "
        "रोगी मरीज उपचारकर्ता ผู้ป่วย แพทย์ผู้รักษา "
        # a person's name by their relation or role in Hebrew ("שם המזמינה", the booker's), Amharic ("የእናት ስም",
        # the mother's), Bengali, Hindi, Punjabi, Urdu ("পিতার নাম", "पिता का नाम", "والد کا نام": the father's),
        # Polish and Irish (the father's given name, the mother's birth surname)
        "שםהמזמין שםהמזמינה שםהלקוח שםהלקוחה שםהאורח שםהאורחת שםהנוסע שםהנוסעת שםהמבוטח שםהמבוטחת שםהאב שםהאם "
        "שםהילד שםהילדה שםהתלמיד שםהתלמידה שםהפונה שםהמבקש שםהמבקשת שםהשוכר שםהשוכרת "
        "የአባትስም የእናትስም የሕፃኑስም የልጁስም የታካሚውስም የተማሪውስም "
        "পিতারনাম মাতারনাম বাবারনাম মায়েরনাম স্বামীরনাম স্ত্রীরনাম রোগীরনাম গ্রাহকেরনাম আবেদনকারীরনাম "
        "বাড়িওয়ালারনাম অভিভাবকেরনাম "
        "पिताकानाम माताकानाम पतिकानाम पत्नीकानाम आवेदककानाम अभिभावककानाम "
        "ਪਿਤਾਦਾਨਾਂ ਪਿਤਾਦਾਨਾਮ ਮਾਤਾਦਾਨਾਂ ਮਾਤਾਦਾਨਾਮ ਪਤੀਦਾਨਾਂ ਪਤੀਦਾਨਾਮ "
        "والدکانام والدہکانام شوہرکانام imięojca imięmatki imieojca imiematki sloinnebreithedomháthar "
        # kin, witnesses, coaches, workers and interpreters in Arabic, Hindi, Dutch and Turkish (an heir's list
        # "الابن: ...", "गवाह: ...", "tolk: ...", "baba adı: ..."), who held an interview (Polish), a salesperson
        "المدرب المدربة الزوجة الزوج الابن الابنة الشهود الشاهد العاملة العامل المترجم المترجمة الموظفةالمسؤولة "
        "الموظفالمسؤول توقيعالرياضي खिलाड़ी देखभालकर्ता निष्पादक गवाह tolk tercüman tercuman yabancı babaadı "
        "anneadı rozmowęprzeprowadziła rozmowęprzeprowadził satışdanışmanı "
        # a technician, who took a delivery or a case in Swahili, Vietnamese, Turkish and Thai
        # ("Fundi: Baraka", "Kỹ thuật viên: Tuấn", "Teslim alan: Selin", "ผู้รับเรื่อง: ณัฐวุฒิ")
        "fundi kỹthuậtviên teslimalan teslimeden ผู้รับเรื่อง "
        # who inspected a returned car, who rented it, who took the money (Greek "Ταμίας"), a tour's guide on duty
        "inspector renter cashier ταμίας tourguide guideonduty "
        # a rider's trainer, a focus group's moderator, a boat's crew (Norwegian), a harbour's duty master, a firm's
        # legal representative (Chinese), the instructor or the physiotherapist in charge (Japanese)
        "trainer moderator moderadora moderatrice mannskap dutyhm harbourmaster 法定代表人 担当インストラクター "
        "担当理学療法士 "
        # who served at a till or a counter ("Served by:", Spanish "Le atendió:"), who wrote a note down (Polish
        # "Zapisała:"), a shoot's photographer, a lesson's instructor, who signed a log off (not "Operator:", a
        # call transcript's speaker: "OPERATOR: OK Bethan, ...")
        "servedby leatendió atendidopor zapisała zapisał photographer instructor signedoff"
    ).split()
)
KEY_KINDS = {key: kind for kind, keys in _KEY_KINDS.items() for key in keys.split()}
KEY_KINDS |= dict.fromkeys(ROLE_NAME_KEYS, "name")
# A person's role before a name's or a birth date's key ("patient_dob", "guardianLastName", "billing_street")
_ROLE_PREFIXES = (
    "patient customer client contact member employee staff student pupil guest holder account passenger pax insured "
    "applicant tenant guardian parent mother father spouse child owner payee payer buyer seller billing shipping "
    "guard officer agent driver "
    "delivery mailing home office work business "
    "postal residential permanent current new old previous registered correspondence"
).split()
# Role prefixes whose bare "name" is a firm's or a place's ("Business name: Whitfield Custom Kicks")
_FIRM_PREFIXES = frozenset("business office work home".split())
_SUFFIX_KINDS = (
    ("dob", "birth"),
    ("dateofbirth", "birth"),
    ("birthdate", "birth"),
    ("firstname", "given"),
    (
        "lastname",
        "family",
    ),
    ("givenname", "given"),
    ("familyname", "family"),
    ("surname", "family"),
    ("fullname", "name"),
    (
        "name",
        "name",
    ),
    ("address", "address"),
    ("first", "given"),  # a CSV header's "employee_first", "payee_last"
    ("last", "family"),
    ("addressline1", "address"),
    ("street", "address"),
)


def normal_key(key: str) -> str:
    """A key as the table holds it: lower case, its letters, marks and digits only."""
    return "".join(c for c in key.lower() if c.isalnum() or is_mark(c))


def is_mark(c: str) -> bool:
    """Whether ``c`` is a combining mark: a vowel sign or virama of an Indic script, a Thai tone mark, an accent
    written apart. ``\\w`` and ``str.isalpha`` leave them out of a word ("जन्म तिथि", "ที่อยู่")."""
    return unicodedata.category(c) in ("Mn", "Mc")


# "Name of" a person's role, the role after it: "Ονοματεπώνυμο μαθητή", "Nombre del alumno", "Nom du patient"
_NAME_OF = ("ονοματεπώνυμο", "όνομα", "nombredel", "nombredela", "nomdu", "nomde", "nomedo", "nomeda", "nameof")
_ROLES_AFTER = frozenset(
    "μαθητή μαθήτριας κηδεμόνα ασθενούς πατέρα μητέρας γονέα συζύγου δικαιούχου αιτούντος αιτούσας alumno alumna "
    "paciente padre madre tutor titular cliente patient élève eleve parent père mère aluno aluna pai mãe student "
    "pupil father mother guardian spouse applicant thepatient thestudent".split()
)

# A word for "address" opening a longer key: "Адрес за кореспонденция", "نشانی برای ارسال", "Dirección de envío",
# "عنوانكم المسجل" (not in English: "addressee"), unless the address is an e-mail's, a web or an IP address
_ADDRESS_OF = tuple(
    "адрес نشانی عنوان آدرس dirección direccion adresse indirizz endereço endereco anschrift adres alamat aadress "
    "naslov osoite διεύθυνση כתובת ঠিকানা पता ที่อยู่ địachỉ አድራሻ seoladh ikheli العنوان".split()
)
# A Germanic compound ending in "address" ("Bostedsadresse", "Lieferadresse", "Hemadress", "Woonadres")
_ADDRESS_COMPOUND_END = ("adresse", "adress", "adres")
# (read in the key as written: "ip" and "site" are words of their own, not letters of "principal" or "depósito")
_NOT_POSTAL_AFTER = re.compile(
    r"mail|correo|électron|electr|elettr|\bip\b|web|url|почт|\bsit[eo]\b|ايميل|ایمیل|الكتروني|الإلكتروني"
)


@functools.lru_cache(maxsize=4096)
def key_kind(key: str, whole: bool = True) -> str | None:
    """What a value under ``key`` holds (see ``_KEY_KINDS``), or None. (Cached: keys recur from text to text,
    "Name", "DOB", "Address"; at most 4,096 are kept.) ``whole``: the key is not a part of a longer one (a part
    names a kind by itself: "address below" in "born 14.1.1979 (address below)" opens no address)."""
    written, key = key, normal_key(key)
    kind = KEY_KINDS.get(key)
    if kind is not None or len(key) > 40:
        return kind
    for suffix, kind in _SUFFIX_KINDS:  # a role before a known key: "patient_dob", "billingStreet"
        if key.endswith(suffix) and key[: -len(suffix)] in _ROLE_PREFIXES:
            if kind == "name" and key[: -len(suffix)] in _FIRM_PREFIXES:
                return None  # "Business name", "Office name": a firm's
            return kind
    if any(key.startswith(name) and key[len(name) :] in _ROLES_AFTER for name in _NAME_OF):
        return "name"
    head, _, condition = key.partition("if")
    if condition and KEY_KINDS.get(head) == "birth":
        return "birth"  # a birth column filled on a condition ("dob_if_concession", "date_of_birth_if_known")
    worded = whole and all(c.isalpha() or is_mark(c) for c in key)
    if (key.startswith(_ADDRESS_OF) or (key.endswith(_ADDRESS_COMPOUND_END) and len(key) <= 20)) and worded:
        return None if _NOT_POSTAL_AFTER.search(written.lower()) else "address"
    if written.lower().split()[:1] == ["address"] and worded and not _NOT_POSTAL_AFTER.search(written.lower()):
        return "address"  # "Address in country of origin", "Address at time of claim"
    if whole and ("/" in written or "(" in written):
        # a key in two languages ("Όνομα / First name", "Ημ. γέννησης / Date of birth", "Awoda (DOB)"): what the
        # parts known say, when they say one thing ("Defendant / Address" says two)
        kinds = {key_kind(part, whole=False) for part in re.split(r"[/()]", written) if part.strip()} - {None}
        if len(kinds) == 1:
            return kinds.pop()
    return None


class Field(tuple):
    """(kind, key, start, end): a value of ``text[start:end]`` read under ``key``."""

    __slots__ = ()

    def __new__(cls, kind: str, key: str, start: int, end: int) -> Field:
        return tuple.__new__(cls, (kind, key, start, end))

    kind = property(lambda self: self[0])
    key = property(lambda self: self[1])
    start = property(lambda self: self[2])
    end = property(lambda self: self[3])


# The combining marks of the Basic Multilingual Plane (``is_mark``), for a character class beside ``\w``
# (``recognizers.py`` reads words with them too)
MARKS = "".join(chr(c) for c in range(0x300, 0x10000) if is_mark(chr(c)))
# A key, then ':' or '=': quoted, bare (a word with '.', '-' or '_' inside: "Geb.-Dat.", "addr_1"), or at a
# line's start or after a form's column gap up to five more words, commas or slashes between them too ("Date of
# birth:", "Ngày, tháng, năm sinh:", "Ημ. γέννησης / Date of birth:"); then the value: quoted (perhaps the first
# of a list's), or bare to the line's end ("name: Jane Roe"), a wide gap (a form's next column), a comma before
# another key, a brace or a bracket.
_KEY_VALUE = re.compile(
    r"(?:(?P<q>[\"'])(?P<qkey>[^\"'\n:=]{1,40})(?P=q)"
    rf"|(?:(?<=^)|(?<=[\s{{,;(\[&?]))(?P<key>[^\W\d][\w{MARKS}.-]{{0,39}}?)"
    rf"|(?:(?m:^)|(?<=[ \t]{{2}})|(?<=[\t\u3000]))[ \t>*-]*(?:\d{{1,2}}[.)][ \t]+)?"
    rf"(?P<lkey>[^\W\d][\w{MARKS}.-]*(?:(?:,?[ \t]+|[ \t]*/[ \t]*)[\w{MARKS}.'’-]+){{1,5}}?))"
    # (a note in brackets after the key: "Legal name (Last, First):", "성명(영문):")
    r"(?:[ \t]*[(（][^()（）\n]{1,40}[)）])?"
    r"[ \t]*(?P<sep>[:=：՝፡])[ \t]*(?P<list>\[[ \t]*)?"
    r"(?:(?P<vq>[\"'])(?P<qvalue>[^\"'\n]{1,160})(?P=vq)|(?P<value>[^\s\"'\[{][^\n]{0,160}))"
)
# Where a bare value ends: a form's next column (two spaces or a tab), another field ("…, dob: …"), a brace,
# a sentence's full stop (not an abbreviation's of up to three letters, "No. 23", "Av. El Sol", or an address's
# of four, "Brgy. Ugong", "Bldg. 4", or of a letter
# and its vowel sign, "डॉ. अमित", nor one before a lower-case word: Hungarian "42. 3. em. 7."), a contact's
# label after an address ("…, Tel. 031 …"), a note in brackets ("(post to …)")
_BARE_END = re.compile(
    r"[ \t\u3000]{2,}|[\t\u3000]|[,;][ \t]*[\"']?[^\W\d][\w.-]{0,30}[\"']?[ \t]*[:=]|[}\]|&]"
    r"|[ \t]+[^\W\d][\w.-]{0,30}="
    rf"|(?<!\b[^\W\d_])(?<!\b[^\W\d_]{{2}})(?<!\b[^\W\d_]{{3}})(?<!\b[^\W\d_][{MARKS}])"
    r"(?<!\bBrgy)(?<!\bBldg)(?<!\bBlvd)(?<!\bApto)\.[ \t]+(?![\d#a-zà-ÿ])"
    r"|[,;.]?[ \t]+(?i:tel|tél|tlf|tfn|puh|cel|cell|phone|mobile|mob|fax|e-?mail|telefon|teléfono|тел|моб)\b"
    r"|[ \t]+\((?=[a-z])"
)
_LOGFMT_END = re.compile(r"[\s,;&|}\]]")
_XML_FIELD = re.compile(
    r"<(?P<key>[^\W\d][\w.:-]{0,40})"
    r"(?:[ \t]+value=\"(?P<attr>[^\"\n]{1,160})\"[^>]*/?>|>(?P<value>[^<>\n]{1,160})</(?P=key)>)"
)
# HL7 v2 segments and the fields of theirs that hold a person's name, date of birth or address (0-based after
# "PID|"): the patient (PID-5, PID-7, PID-11), the next of kin (NK1-2, NK1-4), the guarantor (GT1-3, GT1-5,
# GT1-8), the insured (IN1-16, IN1-18, IN1-19); "provider": a clinician as ID^FAMILY^GIVEN (the ordering
# provider ORC-12 and OBR-16, the attending, referring, consulting and admitting doctors PV1-7, -8, -9, -17)
_HL7_SEGMENT = re.compile(r"(?m)^(?P<segment>PID|NK1|GT1|IN1|ORC|OBR|PV1)\|(?P<fields>[^\n]*)")
_HL7_KINDS = {
    "PID": {4: "name", 6: "birth", 10: "address"},
    "NK1": {1: "name", 3: "address"},
    "GT1": {2: "name", 4: "address", 7: "birth"},
    "IN1": {15: "name", 17: "birth", 18: "address"},
    "ORC": {11: "provider"},
    "OBR": {15: "provider"},
    "PV1": {6: "provider", 7: "provider", 8: "provider", 16: "provider"},
}


_TIME_AT_BEFORE = re.compile(r"(?i)\b(?:(?:time|years?|months?|how\s+long)\s+at|tiempo\s+en|tempo\s+n[ao])\s+\Z")


_ON_SITE_BEFORE = re.compile(r"(?i)\bvor[ \t]\Z")


def _key_value_fields(text: str) -> list[Field]:
    out = []
    pos = 0
    while (m := _KEY_VALUE.search(text, pos)) is not None:
        key = m.group("qkey") or m.group("key") or m.group("lkey")
        kind = key_kind(key)
        if kind == "place" and _ON_SITE_BEFORE.search(text, max(0, m.start() - 4), m.start()):
            kind = None  # German "vor Ort" (on site) ends a label: "Ansprechpartner vor Ort: Herr Jonas Pfeiffer"
        if kind == "name" and "/" in key:  # a role's key in two languages ("Trysorydd / Treasurer"): the role's
            key = next((part.strip() for part in key.split("/") if normal_key(part) in ROLE_NAME_KEYS), key)
        if kind is None and normal_key(key) == "line" and "addr" in text[max(0, m.start() - 30) : m.start()].lower():
            kind = "address"  # FHIR's address "line": ["..."]
        if kind is None or (  # an unknown key ("New address", "ts") may hold or precede a known one: read on in it
            kind == "address" and _TIME_AT_BEFORE.search(text, max(0, m.start() - 20), m.start())
        ):  # ("Time at address: 2 yrs 9 mths" holds a duration)
            pos = m.start() + 1
            continue
        if m.group("qvalue") is not None:
            start, end = m.span("qvalue")
        else:
            start, end = m.span("value")
            while start < end and text[start] in "* \t":  # markdown's bold key: "**Address on file:** ..."
                start += 1
            logfmt = (
                m.group("sep") == "="
                and m.group("key")
                and text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip()
            )
            stop = (_LOGFMT_END if logfmt else _BARE_END).search(text, start, end)
            end = stop.start() if stop else end
        while end > start and text[end - 1] in " \t,;.?!":
            end -= 1
        if end > start:
            out.append(Field(kind, key, start, end))
        pos = max(m.start() + 1, end)
    return out


def _xml_fields(text: str) -> list[Field]:
    out = []
    for m in _XML_FIELD.finditer(text):
        kind = key_kind(m.group("key").rsplit(":", 1)[-1])
        if kind is not None:
            group = "attr" if m.group("attr") is not None else "value"
            start, end = m.span(group)
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                out.append(Field(kind, m.group("key"), start, end))
    return out


def _hl7_fields(text: str) -> list[Field]:
    """The fields of ``_HL7_KINDS``, each by its segment's name and number ("NK1-2"): a name's first three
    components ("SURNAME^GIVEN^MIDDLE": one field), a provider's family and given names (the ID before them
    left out), a date of birth's date part, an address's first five components ("street^other^city^state^
    postcode")."""
    out = []
    for m in _HL7_SEGMENT.finditer(text):
        kinds = _HL7_KINDS[m.group("segment")]
        start = m.start("fields")
        for i, field in enumerate(m.group("fields").split("|")):
            kind, value, skip = kinds.get(i), field.split("~")[0], 0
            if kind == "name":
                value = "^".join(value.split("^")[:3])
            elif kind == "provider":
                kind, (skip, value) = "name", (len(value.split("^")[0]) + 1, "^".join(value.split("^")[1:3]))
            elif kind == "birth":
                value = value[:8]
            elif kind == "address":
                value = "^".join(value.split("^")[:5])
            value = value.rstrip("^ ")
            if kind is not None and value:
                key = f"{m.group('segment')}-{i + 1}"
                out.append(Field(kind, key, start + skip, start + skip + len(value)))
            start += len(field) + 1
    return out


# An SQL INSERT's columns and rows: each value is read by its column's name ("dob", "last_name").
_SQL_INSERT = re.compile(
    r"(?is)\binsert\s+into\s+[\w.\"`\[\]]+\s*\(([^()]{1,400})\)\s*values\s*((?:\([^()]{1,800}\)\s*,?\s*)+)"
)
_SQL_ROW = re.compile(r"\(([^()]*)\)")
# pg_dump's COPY block: its columns, then a row a line, values between tabs, up to the line "\."
_SQL_COPY = re.compile(r"(?im)^copy\s+[\w.\"]+\s*\(([^()]{1,400})\)\s+from\s+stdin;[ \t]*\n")
_SQL_VALUE = re.compile(r"'((?:[^'\\]|\\.|'')*)'|([^,\s][^,]*)")


def sql_values(text: str) -> list[tuple[str, int, int]]:
    """(column, start, end) of each value an SQL INSERT or a COPY block in ``text`` gives, quotes left out."""
    out = []
    for copy in _SQL_COPY.finditer(text) if "COPY" in text or "copy" in text else ():
        columns = [c.strip(' \t\n"') for c in copy.group(1).split(",")]
        start = copy.end()
        while start < len(text) and not text.startswith("\\.", start):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            cells = text[start:end].split("\t")
            if len(cells) != len(columns):
                break  # the block ended without its "\."
            for column, cell in zip(columns, cells, strict=True):
                if cell and cell != "\\N":  # "\N" is NULL
                    out.append((column, start, start + len(cell)))
                start += len(cell) + 1
    for insert in _SQL_INSERT.finditer(text):
        columns = [c.strip(' \t\n"`[]') for c in insert.group(1).split(",")]
        for row in _SQL_ROW.finditer(text, insert.start(2), insert.end(2)):
            values = list(_SQL_VALUE.finditer(text, row.start(1), row.end(1)))
            for column, value in zip(columns, values, strict=False):
                group = 1 if value.group(1) is not None else 2
                out.append((column, value.start(group), value.end(group)))
    return out


_TOKEN = re.compile(r"\S+")
# A fixed-width header's cell: a word, or words joined by a slash ("Defendant / Address": one column that holds
# both, not a name's column beside an address's)
_HEADER_CELL = re.compile(r"\S+(?: / \S+)*")
_WIDE_GAP = "  "


def fixed_width_columns(text: str) -> list[tuple[str, int, int]]:
    """(header cell, start, end) of each value under a known key (``key_kind``) in a fixed-width table: a
    header row of words (or words joined by " / ") and no other separator, aligned over two spaces or more
    somewhere, then rows down to a blank line. A row's value for a column is the run of words (one space
    apart) that starts within three characters of the column's header, stopping at a wide gap or near the next
    column."""
    out: list[tuple[str, int, int]] = []
    lines = text.split("\n")
    offset, header = 0, None
    for line in lines:
        if not line.strip():
            header = None
        elif header is not None:
            out += _fixed_width_row(line, offset, header)
        elif _WIDE_GAP in line.strip() and not any(c in line for c in ",;|\t:="):
            cells = [(m.start(), m.group()) for m in _HEADER_CELL.finditer(line)]
            if 3 <= len(cells) <= 12 and all(len(c) <= 20 for _, c in cells):
                header = cells if any(key_kind(c) for _, c in cells) else None
        offset += len(line) + 1
    return out


def _fixed_width_row(line: str, offset: int, header: list[tuple[int, str]]) -> list[tuple[str, int, int]]:
    tokens = list(_TOKEN.finditer(line))
    out = []
    for i, (column, key) in enumerate(header):
        if key_kind(key) is None:
            continue
        limit = header[i + 1][0] - 2 if i + 1 < len(header) else len(line)
        first = next((t for t in tokens if abs(t.start() - column) <= 3), None)
        if first is None:
            continue
        end = first.end()
        for t in tokens:
            if t.start() > first.start() and t.start() == end + 1 and t.start() < limit:
                end = t.end()
            elif t.start() > end:
                break
        out.append((key, offset + first.start(), offset + end))
    return out


class _KeyHeader:
    """A header cell matcher for ``table_columns``: a cell whose key ``key_kind`` knows."""

    @staticmethod
    def fullmatch(cell: str) -> bool:
        return key_kind(cell) is not None


@functools.lru_cache(maxsize=4)
def record_fields(text: str) -> tuple[Field, ...]:
    """Every value in ``text`` that a key or a column names (see ``_KEY_KINDS``), in each format above;
    one text read once for the three recognisers that ask (names, addresses, dates of birth)."""
    out: list[Field] = []
    if ":" in text or "=" in text or "：" in text or "՝" in text or "፡" in text:
        out += _key_value_fields(text)
    if "</" in text or "value=" in text:
        out += _xml_fields(text)
    if "|" in text and _HL7_SEGMENT.search(text):
        out += _hl7_fields(text)
    if "INSERT" in text or "insert" in text or "COPY" in text or "copy" in text:
        out += [Field(k, c, s, e) for c, s, e in sql_values(text) if (k := key_kind(c))]
    if "\n" in text:
        out += [Field(k, c, s, e) for c, s, e in table_columns(text, _KeyHeader) if s < e and (k := key_kind(c))]
        if _WIDE_GAP in text:
            out += [Field(k, c, s, e) for c, s, e in fixed_width_columns(text) if (k := key_kind(c))]
    return tuple(sorted(set(out), key=lambda f: (f.start, -f.end)))
