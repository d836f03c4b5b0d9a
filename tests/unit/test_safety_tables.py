"""The record reader (``services/safety/tables.py``): a value read with its key or column, whatever the
format, and the name, address and date-of-birth recognisers that read it."""

from __future__ import annotations

import pytest

from services.safety.addresses import AddressRecognizer
from services.safety.birth_dates import RECORD_BIRTH_STEMS, DateOfBirthRecognizer, has_birth_cue
from services.safety.recognizers import NameRecognizer
from services.safety.tables import KEY_KINDS, key_kind, normal_key, record_fields


def spans(recognizer, text: str) -> list[str]:
    recognizer.load()
    return [text[r.start : r.end] for r in recognizer.analyze(text, recognizer.supported_entities)]


def fields(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in record_fields(text)]


@pytest.mark.parametrize(
    "key, kind",
    [
        ("firstName", "given"),
        ("first_name", "given"),
        ("First Name", "given"),
        ("LAST-NAME", "family"),
        ("patient_name", "name"),
        ("ФИО", "name"),
        ("Nachname", "family"),
        ("addr1", "address"),
        ("billingStreet", "address"),
        ("Heimilisfang", "address"),
        ("zip", "postcode"),
        ("dateOfBirth", "birth"),
        ("patient_dob", "birth"),
        ("employee_first", "given"),  # a CSV header's role and "first" / "last"
        ("payee_last", "family"),
        ("seller_address", "address"),
        ("officeAddress", "address"),
        ("logradouro", "address"),
        ("Geb.-Dat.", "birth"),
        ("дата_рождения", "birth"),
        ("DateNaissance", "birth"),
        ("ip_address", None),
        ("emailAddress", None),
        ("city", "place"),  # a town alone: no address, no person
        ("cityName", None),
        ("product_name", None),
    ],
)
def test_one_key_table_reads_a_key_whatever_its_case_and_separators(key, kind):
    assert key_kind(key) == kind


def test_every_birth_key_holds_a_stem_the_prefilter_finds():
    # DateOfBirthRecognizer runs only where has_birth_cue holds: each birth key must hold a stem it searches
    for key, kind in KEY_KINDS.items():
        if kind == "birth":
            assert any(stem in key for stem in RECORD_BIRTH_STEMS), key
            assert has_birth_cue(f'"{key}": "1990-01-02"'), key
    assert normal_key("Date of Birth") == "dateofbirth"


@pytest.mark.parametrize(
    "text, expected",
    [
        # JSON with camelCase and non-Latin keys
        (
            '{"ФИО": "Лебедева Ольга Петровна", "дата_рождения": "03.05.1978"}',
            [("name", "Лебедева Ольга Петровна"), ("birth", "03.05.1978")],
        ),
        # YAML flow with bare keys and a list
        ('name: [{family: "van Dijk", given: ["Marloes"]}]', [("family", "van Dijk"), ("given", "Marloes")]),
        # unquoted YAML to the line's end
        (
            "patient:\n  full_name: Tomasz Wiśniewski\n  dob: 1961-09-14\n",
            [("name", "Tomasz Wiśniewski"), ("birth", "1961-09-14")],
        ),
        # XML elements
        ("<Nom>Girard</Nom><Prenom>Céline</Prenom>", [("family", "Girard"), ("given", "Céline")]),
        # INI: "key=value" at a line's start runs to the line's end; logfmt stops at a space
        ("[guest]\nName=Haruto Sato\n", [("name", "Haruto Sato")]),
        ("ts=1 firstname=ines action=login", [("given", "ines")]),
        # a form: the next column after a wide gap, a sentence's full stop
        ("DOB: Jun 2, 1970   Sex: M", [("birth", "Jun 2, 1970")]),
        ("New address: 5 Elm Row, Leeds LS6 2AB. Please update it.", [("address", "5 Elm Row, Leeds LS6 2AB")]),
        # an abbreviation's full stop stays inside
        ("Address: No. 9, Av. El Sol 12, Cusco", [("address", "No. 9, Av. El Sol 12, Cusco")]),
    ],
)
def test_record_fields_reads_key_value_formats(text, expected):
    assert fields(text) == expected


def test_record_fields_reads_hl7_pid_name_birth_date_and_address():
    text = "MSH|^~\\&|LAB|X\nPID|1||MRN1^^^H^MR||ADEBAYO^TUNDE^K^^MR||19790321|M|||4 Oak Lane^^LEEDS^^LS6 2AB^GBR\n"
    assert fields(text) == [
        ("name", "ADEBAYO^TUNDE^K"),
        ("birth", "19790321"),
        ("address", "4 Oak Lane^^LEEDS^^LS6 2AB"),
    ]


def test_record_fields_reads_csv_and_sql_columns():
    csv = "id,family_name,given_name,birth\n7,Lê,Văn Hùng,2012-04-05\n"
    assert fields(csv) == [("family", "Lê"), ("given", "Văn Hùng"), ("birth", "2012-04-05")]
    sql = "INSERT INTO c (id, street, dob) VALUES (1, 'Meir 12', '1990-01-01');"
    assert fields(sql) == [("address", "Meir 12"), ("birth", "1990-01-01")]


def test_address_fields_are_street_lines_and_pointing_postcodes_only():
    text = '{"street": "Kerkstraat 14", "city": "Gent", "zip": "9000"}\n{"line1": "Unit 2", "zip": "EH1 1YZ"}'
    assert spans(AddressRecognizer(), text) == ["Kerkstraat 14", "Unit 2", "EH1 1YZ"]
    # a network address under an address key is no street
    assert spans(AddressRecognizer(), "address: 10.4.0.12 port 443") == []
    csv = "name,eircode\nSeán Burke,D02 X285\n"
    assert spans(AddressRecognizer(), csv) == ["D02 X285"]


def test_birth_fields_give_dates_of_birth_without_a_birth_word_in_prose():
    assert spans(DateOfBirthRecognizer(), "<DateNaissance>1988-02-14</DateNaissance>") == ["1988-02-14"]
    assert spans(DateOfBirthRecognizer(), '{"дата_рождения": "17.10.1995"}') == ["17.10.1995"]
    assert spans(DateOfBirthRecognizer(), "PID|1||77^^^H||NGUYEN^AN||19690102|F\n") == ["19690102"]
    # PID-7 holds a date; another field's eight digits are none
    assert spans(DateOfBirthRecognizer(), "PID|1||19690102^^^H||NGUYEN^AN||X|F\n") == []


def test_name_fields_are_people_when_their_values_read_as_names():
    found = spans(NameRecognizer(), '{"ФИО": "Лебедева Ольга Петровна", "sku": "A-1"}')
    assert found == ["Лебедева Ольга Петровна"]
    found = spans(NameRecognizer(), "<Nom>Girard</Nom>\n<Prenom>Céline</Prenom>")
    assert found == ["Girard", "Céline"]
    # under a bare "name" (a product's too) a value must read as a person's name
    recognizer = NameRecognizer()
    recognizer.load()
    assert recognizer._record_name("name", "Anna de Vries")
    assert not recognizer._record_name("name", "Earl Grey loose")
    assert not recognizer._record_name("name", "Toblerone 100g")
    assert recognizer._record_name("PID-5", "OKORO^BLESSING^ADA")


def test_fixed_width_columns_read_values_near_their_header():
    text = "NO  NAME                    DOB        NAT\n1   OKORO/BLESSING MRS      03/02/1984 NGA\n\nafter"
    assert fields(text) == [("name", "OKORO/BLESSING MRS"), ("birth", "03/02/1984")]
    assert spans(DateOfBirthRecognizer(), text) == ["03/02/1984"]
    assert "OKORO/BLESSING" in spans(NameRecognizer(), text)


def test_fhir_address_line_and_no_person_inside_an_address_value():
    text = '{"address": [{"line": ["Kungsgatan 7 lgh 1201"], "city": "Uppsala"}]}'
    assert spans(AddressRecognizer(), text) == ["Kungsgatan 7 lgh 1201"]
    sql = "INSERT INTO p (surname, address) VALUES ('Hughes', 'Plas Newydd, Ffordd Fawr, Bala LL23 7AB');"
    assert "Plas Newydd" not in spans(NameRecognizer(), sql)
    assert spans(AddressRecognizer(), sql) == ["Plas Newydd, Ffordd Fawr, Bala LL23 7AB"]


@pytest.mark.parametrize(
    "text, value",
    [
        ("Address: Lindenweg 4, 3012 Bern, Tel. 031 555 12 12", "Lindenweg 4, 3012 Bern"),
        ("Address: 9 Mill Lane, Bath BA1 1AA (post to the office until May)", "9 Mill Lane, Bath BA1 1AA"),
    ],
)
def test_a_bare_address_value_stops_before_a_contact_label_or_a_note(text, value):
    assert fields(text) == [("address", value)]


def test_a_name_field_leaves_a_title_out_and_reads_a_name_given_twice_as_two():
    assert spans(NameRecognizer(), "Name: Smt. Radha Pillai\n") == ["Radha Pillai"]
    assert spans(NameRecognizer(), "성명: 김민서 / KIM MINSEO\n") == ["김민서", "KIM MINSEO"]


def test_psql_and_mysql_tables_read_their_columns_under_the_rule_line():
    psql = (
        " id | given_name | family_name |    dob\n"
        "----+------------+-------------+------------\n"
        "  1 | Annika     | Voskuijlen  | 1984-02-11\n"
        "  2 | Rafael     | Mertens     | 1979-06-30\n"
        "(2 rows)\n"
    )
    assert [(kind, value.strip()) for kind, value in fields(psql)] == [
        ("given", "Annika"),
        ("family", "Voskuijlen"),
        ("birth", "1984-02-11"),
        ("given", "Rafael"),
        ("family", "Mertens"),
        ("birth", "1979-06-30"),
    ]
    assert spans(DateOfBirthRecognizer(), psql) == ["1984-02-11", "1979-06-30"]
    mysql = (
        "+----+-----------------+\n"
        "| id | patient_name    |\n"
        "+----+-----------------+\n"
        "|  7 | Oonagh Breathnach |\n"
        "+----+-----------------+\n"
    )
    assert "Oonagh Breathnach" in spans(NameRecognizer(), mysql)


def test_a_rule_line_is_passed_over_only_right_under_the_header():
    # a rule further down ends the table: what follows is no longer its rows
    text = " id | patient_name | ward\n----+--------------+-----\n  1 | Mira Okafor | 7B\n"
    text += "----+----+----\n  x | Ana Lim | 2\n"
    assert [value.strip() for _, value in fields(text)] == ["Mira Okafor"]
    # a line of dashes under prose is no header's rule
    assert fields("Totals, by month\n----------------\nMarch, Kelechi Abara\n") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("כתובת: רחוב ביאליק 42 דירה 6, רמת גן 5245112\nטלפון: 03-5550000", "רחוב ביאליק 42 דירה 6, רמת גן 5245112"),
        ("Адреса: м. Київ, вул. Володимирська, 61, кв. 24\nТел.: 1", "м. Київ, вул. Володимирська, 61, кв. 24"),
        ("Lakcím: 1085 Budapest, Üllői út 42. 3. em. 7.\nTAJ: 1", "1085 Budapest, Üllői út 42. 3. em. 7"),
        (
            "Makazi: Mtaa wa Isamilo, Nyumba Na. 27, S.L.P. 1370, Mwanza\n",
            "Mtaa wa Isamilo, Nyumba Na. 27, S.L.P. 1370, Mwanza",
        ),
        (
            "Adresse: Ryesgade 27, 3. tv., 2200 København N, tlf. +45 28 41 77 03",
            "Ryesgade 27, 3. tv., 2200 København N",
        ),
    ],
)
def test_address_keys_of_more_languages_and_a_floor_after_a_house_number(text, value):
    assert [(kind, text[start:end]) for kind, _, start, end in record_fields(text)][:1] == [("address", value)]


@pytest.mark.parametrize(
    "key, kind",
    [
        ("जन्म तिथि", "birth"),
        ("रोगी का नाम", "name"),
        ("पता", "address"),
        ("ที่อยู่", "address"),
        ("วันเกิด", "birth"),
        ("নাম", "name"),
        ("முகவரி", "address"),
        ("نام خانوادگی", "family"),
        ("תאריך לידה", "birth"),
        ("Ημερομηνία γέννησης", "birth"),
    ],
)
def test_a_key_keeps_its_vowel_signs_and_marks(key, kind):
    # "ि", "ี", "ে" are combining marks, no letters to \w: a key read without them would end inside a word
    assert key_kind(key) == kind


def test_a_hindi_record_gives_its_name_address_and_date_of_birth():
    text = (
        "ओपीडी पर्ची\nरोगी का नाम: श्रीमती कमला वर्मा\nजन्म तिथि: 03/02/1958\n"
        "पता: मकान नं. 9, गली नं. 2, अशोक विहार, लखनऊ 226012\n"
    )
    assert spans(NameRecognizer(), text) == ["कमला वर्मा"]
    assert spans(DateOfBirthRecognizer(), text) == ["03/02/1958"]
    assert spans(AddressRecognizer(), text) == ["मकान नं. 9, गली नं. 2, अशोक विहार, लखनऊ 226012"]
    # the full stop of "डॉ." (a letter and its vowel sign) ends no value
    assert fields("उपचारकर्ता: डॉ. राजेश मिश्रा\n") == [("name", "डॉ. राजेश मिश्रा")]
    assert spans(NameRecognizer(), "उपचारकर्ता: डॉ. राजेश मिश्रा\n") == ["राजेश मिश्रा"]


def test_a_thai_record_leaves_a_glued_title_out_and_reads_a_thai_month():
    text = "ชื่อผู้ป่วย: นายสมศักดิ์ แก้วมณี\nวันเกิด: 7 กรกฎาคม 2521\nที่อยู่: 45/2 หมู่ 3 ตำบลสุเทพ อำเภอเมือง เชียงใหม่ 50200\n"
    assert spans(NameRecognizer(), text) == ["สมศักดิ์ แก้วมณี"]
    assert spans(DateOfBirthRecognizer(), text) == ["7 กรกฎาคม 2521"]
    assert spans(AddressRecognizer(), text) == ["45/2 หมู่ 3 ตำบลสุเทพ อำเภอเมือง เชียงใหม่ 50200"]


def test_a_pg_dump_copy_block_is_read_by_its_columns():
    text = (
        "COPY public.patients (id, last_name, first_name, date_of_birth, street) FROM stdin;\n"
        "7\tVermeulen\tSanne\t1987-10-02\tLange Voorhout 14\n8\tBakker\t\\N\t1954-03-30\t\\N\n\\.\n"
    )
    assert [(kind, text[start:end]) for kind, _, start, end in record_fields(text)] == [
        ("family", "Vermeulen"),
        ("given", "Sanne"),
        ("birth", "1987-10-02"),
        ("address", "Lange Voorhout 14"),
        ("family", "Bakker"),
        ("birth", "1954-03-30"),
    ]
    assert spans(DateOfBirthRecognizer(), text) == ["1987-10-02", "1954-03-30"]


@pytest.mark.parametrize(
    "key, kind",
    [
        ("Адрес за кореспонденция", "address"),
        ("نشانی برای ارسال کارت", "address"),
        ("Dirección de envío", "address"),
        ("አድራሻ", "address"),
        ("Adresse e-mail", None),  # an e-mail's address
        ("Dirección IP", None),
        ("Dirección principal", "address"),  # "ip" inside a word
        ("Endereço do depósito", "address"),
        ("Indirizzo del sito web", None),
        ("Ονοματεπώνυμο κηδεμόνα", "name"),
        ("Nom du patient", "name"),
    ],
)
def test_a_longer_key_opened_by_a_word_for_address_or_closed_by_a_persons_role(key, kind):
    assert key_kind(key) == kind


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("Όνομα / First name", "given"),
        ("Επώνυμο / Surname", "family"),
        ("Ημ. γέννησης / Date of birth", "birth"),
        ("Defendant / Address", None),  # one column holding two kinds
        ("Business name", None),  # a firm's
        ("Business address", "address"),
    ],
)
def test_a_key_in_two_languages_reads_as_its_known_part(key, kind):
    assert key_kind(key) == kind


def test_a_bilingual_form_gives_its_given_and_fathers_names_and_a_role_key_its_name_alone():
    text = (
        "Επώνυμο / Surname: ΠΑΠΑΔΟΠΟΥΛΟΥ\nΌνομα / First name: ΕΙΡΗΝΗ\nΠατρώνυμο / Father's name: ΓΕΩΡΓΙΟΣ\n"
        "Trysorydd / Treasurer: Gwenllian Prydderch, 01559 362 471"
    )
    assert spans(NameRecognizer(), text) == ["ΠΑΠΑΔΟΠΟΥΛΟΥ", "ΕΙΡΗΝΗ", "ΓΕΩΡΓΙΟΣ", "Gwenllian Prydderch"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # a numbered form's key; an English key opened by "Address"
        (
            "8. Address in country of origin: Số 18 ngõ 62 phố Trần Cung, phường Cổ Nhuế 1, Hà Nội\n9. Contact no.",
            "Số 18 ngõ 62 phố Trần Cung, phường Cổ Nhuế 1, Hà Nội",
        ),
        # Irish, Zulu and Belgian keys; a rural address of four parts and no number
        (
            "Seoladh: Teach na Coille, Bóthar an Chaisleáin, An Spidéal, Co. na Gaillimhe\nUimhir: 2",
            "Teach na Coille, Bóthar an Chaisleáin, An Spidéal, Co. na Gaillimhe",
        ),
        ("Ikheli lami elisha: 2281 Section AA, Umlazi, 4031. Ngiyabonga!", "2281 Section AA, Umlazi, 4031"),
        ("Rue et numéro : Rue des Glycines 27 bte 4\nCode postal : 1030", "Rue des Glycines 27 bte 4"),
        # Armenian and Ethiopic colons after the key
        ("Հասցե՝ ք. Երևան, Իսահակյան փ. 28, բն. 14", "ք. Երևան, Իսահակյան փ. 28, բն. 14"),
        ("አድራሻ፡ አዲስ አበባ፣ ቦሌ ክፍለ ከተማ፣ ወረዳ 03፣ የቤት ቁጥር 1245", "አዲስ አበባ፣ ቦሌ ክፍለ ከተማ፣ ወረዳ 03፣ የቤት ቁጥር 1245"),
        # markdown's bold key
        ("- **Address on file:** ul. Długa 14/3, 80-827 Gdańsk.", "ul. Długa 14/3, 80-827 Gdańsk"),
    ],
)
def test_numbered_english_irish_zulu_belgian_armenian_and_ethiopic_address_keys(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_note_in_brackets_naming_an_address_opens_none():
    text = "Re: Mr Ashkan Farahani, born 14.1.1979 (address below)\nPost ACL reconstruction. Quads lag 5°. Rehab now."
    assert spans(AddressRecognizer(), text) == []


def test_hl7_next_of_kin_guarantor_and_clinicians_are_read_as_the_patient_is():
    text = (
        "PID|1||123^^^H||OKAFOR^CHIDI||19800101|M\n"
        "NK1|1|Yılmaz^Kemal|SPO|Wilhelmstraße 14^^Münster^^48149^DE|+49 171 4402918\n"
        "GT1|1||OKAFOR^EMEKA||5 Bank Lane^^Leeds^^LS6 2AB|||19551130\n"
        "PV1|1|I|W1^2^B||||4455^MBEKI^THABO\n"
        "ORC|RE|ORD-7712093|LAB-24-0311877||CM||||20240312073015|||991203^Brandt^Henrik^^^^Dr.\n"
        "OBX|1|NM|I10^Hypertension||1\n"
    )
    assert fields(text) == [
        ("name", "OKAFOR^CHIDI"),
        ("birth", "19800101"),
        ("name", "Yılmaz^Kemal"),
        ("address", "Wilhelmstraße 14^^Münster^^48149"),
        ("name", "OKAFOR^EMEKA"),
        ("address", "5 Bank Lane^^Leeds^^LS6 2AB"),
        ("birth", "19551130"),
        ("name", "MBEKI^THABO"),
        ("name", "Brandt^Henrik"),
    ]
    assert spans(NameRecognizer(), text) == [
        "OKAFOR^CHIDI",
        "Yılmaz^Kemal",
        "OKAFOR^EMEKA",
        "MBEKI^THABO",
        "Brandt^Henrik",
    ]
    assert spans(DateOfBirthRecognizer(), text) == ["19800101", "19551130"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a person by their relation or role: the booker in Hebrew, a child and a mother in Amharic, a landlord in
        # Bengali, a father in Hindi; what follows the name is left out
        ("שם המזמינה: אורית בן-שושן\nתאריך: 12/03", "אורית בן-שושן"),
        ("የሕፃኑ ስም፡ ሄኖክ ዳዊት ተስፋዬ\nፆታ፡ ወንድ", "ሄኖክ ዳዊት ተስፋዬ"),
        ("የእናት ስም፡ ብሩክታዊት አለማየሁ", "ብሩክታዊት አለማየሁ"),
        ("১০. বাড়িওয়ালার নাম: নাসরিন আক্তার, মোবাইল +880 1819-275540", "নাসরিন আক্তার"),
        ("पिता का नाम: रमेश चंद्र वर्मा", "रमेश चंद्र वर्मा"),
        # Irish surname and first name, a Polish father's given name, a rental's additional driver
        ("Sloinne: Ó Súilleabháin\nCéadainm: Pádraig\n", "Ó Súilleabháin|Pádraig"),
        ("3. Imię ojca: Tadeusz\n4. Data urodzenia: 14.06.1966", "Tadeusz"),
        ("Conductor adicional: Iturralde, Matías (licencia 29.881.045)", "Iturralde, Matías"),
        # a Kazakh owner's full name; a Tamil witness
        ("Иесінің аты-жөні: Жақыпов Ерлан Серікұлы\nТуған күні: 1", "Жақыпов Ерлан Серікұлы"),
        ("சாட்சி: ரா. கார்த்திகேயன்\n", "ரா. கார்த்திகேயன்"),
    ],
)
def test_name_keys_of_a_relation_or_role_in_more_languages(text, name):
    assert spans(NameRecognizer(), text) == name.split("|")


def test_a_finder_column_and_a_managers_key_hold_people():
    text = (
        "Ref    | Item                 | Finder         | Outcome\n"
        "LP-231 | Kindle + charger     | Agnieszka (HK) | posted 05/08\n"
        "LP-234 | walking poles        | night porter   | unclaimed\n"
        "\nCamp manager: Lemayian, ops desk.\n"
    )
    assert spans(NameRecognizer(), text) == ["Agnieszka", "Lemayian"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # Kazakh, Kurdish, Uzbek, Mongolian and Chinese address keys; a four-letter abbreviation inside the value
        ("Мекенжайы: Абай көшесі, 42 үй, Қарабұлақ ауылы\nТел.: 1", "Абай көшесі, 42 үй, Қарабұлақ ауылы"),
        ("ناونیشان: سلێمانی، گەڕەکی بەختیاری، کۆڵانی ٤٢، خانووی ١٧", "سلێمانی، گەڕەکی بەختیاری، کۆڵانی ٤٢، خانووی ١٧"),
        ("Yashash manzili: Toshkent sh., Yunusobod tumani, 24-uy\nTel.: 1", "Toshkent sh., Yunusobod tumani, 24-uy"),
        ("Оршин суугаа хаяг: Баянзүрх дүүрэг, 45-р байр, 12 тоот", "Баянзүрх дүүрэг, 45-р байр, 12 тоот"),
        ("通訊地址：70145 臺南市東區大學路西段 53 巷 12 號 4 樓\n電話", "70145 臺南市東區大學路西段 53 巷 12 號 4 樓"),
        (
            "Address: Unit 12B, E. Rodriguez Jr. Ave., Brgy. Ugong, Pasig City 1604\nNote",
            "Unit 12B, E. Rodriguez Jr. Ave., Brgy. Ugong, Pasig City 1604",
        ),
    ],
)
def test_address_keys_of_central_asia_kurdistan_and_taiwan(text, address):
    assert spans(AddressRecognizer(), text) == [address]
