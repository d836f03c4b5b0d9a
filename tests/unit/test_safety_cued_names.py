"""Names in scripts without capital letters (and Cyrillic after an introduction), read off the word that
announces them: ``services/safety/cued_names.py``, through the name recogniser the guard runs."""

from __future__ import annotations

import pytest

from services.safety.cued_names import cued_names
from services.safety.recognizers import NameRecognizer


@pytest.fixture(scope="module")
def names():
    recognizer = NameRecognizer()
    recognizer.load()
    return lambda text: [text[r.start : r.end] for r in recognizer.analyze(text, ["PERSON"])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # titles, a clause after the name cut at a closing word or to two words
        ("السيد/ يوسف بن سالم الحربي المحترم\nتحية طيبة وبعد", ["يوسف بن سالم الحربي"]),
        ("يرجى التواصل مع الأستاذة ريم القحطاني على الرقم المذكور أدناه", ["ريم القحطاني"]),
        ("عيادة د. سامي عبد الرحمن — طب الأطفال", ["سامي عبد الرحمن"]),
        ("محترمہ ثمینہ اقبال صاحبہ،\nآپ کی درخواست موصول ہو گئی", ["ثمینہ اقبال"]),
        ("የምስክር ወረቀት\nወ/ሮ አልማዝ በቀለ (የተወለዱት 1980)", ["አልማዝ በቀለ"]),
        ("பார்சல் விவரம்: திரு. செந்தில் குமார், சென்னை", ["செந்தில் குமார்"]),
        # greetings and labels: the name ends at punctuation
        ("שלום יעל גולדברג,\nמצורפת החשבונית", ["יעל גולדברג"]),
        ("ძვირფასო გიორგი კაპანაძე, თქვენი შეკვეთა გზაშია", ["გიორგი კაპანაძე"]),
        ("ውድ ብርሃኑ ደሳለኝ፣ ክፍያዎ ተቀብለናል", ["ብርሃኑ ደሳለኝ"]),
        ("வணக்கம் பிரியா ராஜேஷ், உங்கள் கணக்கு", ["பிரியா ராஜேஷ்"]),
        ("আবেদনকারী: রফিকুল ইসলাম, পিতা: নুরুল হক, গ্রাম: চরপাড়া", ["নুরুল হক"]),
        ("Father's name / والد کا نام: اکرم حسین\nشناختی کارڈ", ["اکرم حسین"]),
        # introductions: "my name is" anywhere, "I am" after a greeting
        ("السلام عليكم، اسمي منى الشهري وأريد تغيير موعدي", ["منى الشهري"]),  # cut to two words
        ("مرحبا، أنا هند الدوسري.", ["هند الدوسري"]),
        ("নমস্কার, আমি সুমন দাস। আমার বিলটি ভুল এসেছে", ["সুমন দাস"]),
        ("درود، من مریم رضایی‌فر هستم و سفارشم نرسیده", ["مریم رضایی\u200cفر"]),
        ("สวัสดีครับ ผมชื่อ วีระ ทองดี อยากสอบถามเรื่องพัสดุ", ["วีระ ทองดี"]),
        ("Добър ден, казвам се Радослава Иванова Николова и имам въпрос", ["Радослава Иванова Николова"]),
    ],
)
def test_a_name_announced_by_a_title_a_greeting_or_an_introduction_is_a_person(names, text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "المريض يعاني من ألم في الصدر منذ يومين",  # a label before a sentence, not a name
        "مرحبا، أتصل من شركة الاتصالات بخصوص الفاتورة",  # Arabic "من" is "from": no "هستم" after it
        "أنا بخير والحمد لله، شكرا على السؤال",  # "I am" with no greeting before it
        "שלום רב,\nבהמשך לשיחתנו",  # a greeting to no one
        "מרק עוף חם ולחם טרי",  # a title's letters opening a longer word ("מר" in "מרק")
        "திருவிழா நாள் அன்று கடை மூடப்படும்",  # "திரு" opening "festival"
        "المراجعة منى السيد    السن: ٤٥",  # a form's column gap after a title-like surname
        "สวัสดีค่ะ ดิฉันอยากสอบถามเรื่องการจัดส่งสินค้าที่สั่งไว้เมื่อวาน",  # one long Thai phrase
    ],
)
def test_a_cue_before_a_sentence_or_inside_a_word_announces_no_name(text):
    assert cued_names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ชื่อนักเรียน: ด.ญ. กัญญาณัฐ ทองคำ\nผู้ปกครอง: นางวิไลวรรณ ทองคำ  โทร. 081-726-4490",
            ["กัญญาณัฐ ทองคำ", "วิไลวรรณ ทองคำ"],
        ),
        ("เรียน คุณพิมพ์ชนก ศรีสวัสดิ์\nขอบคุณที่ลงทะเบียน", ["พิมพ์ชนก ศรีสวัสดิ์"]),
        ("ผู้ปกครอง: นายสมชาย ใจดี\n", ["สมชาย ใจดี"]),
        ("ชื่อ: นางสาวมาลี ศรีสุข\n", ["มาลี ศรีสุข"]),
        ("นักเรียน: ด.ช. ธนากร มีสุข\n", ["ธนากร มีสุข"]),
        ("วิทยากร: ดร. สมศักดิ์ วงศ์ดี\n", ["สมศักดิ์ วงศ์ดี"]),
        ("อาจารย์ที่ปรึกษา: ผศ.ดร.สมชาย ใจดี\n", ["สมชาย ใจดี"]),  # a dotted title glued to the name
        (
            "اسم الطالب: يزن محمود العبادي\nاسم ولي الأمر: محمود سليمان العبادي",
            ["يزن محمود العبادي", "محمود سليمان العبادي"],
        ),
        ("المتبرع: عائشة راشد المهيري\nالمبلغ: 500 درهم", ["عائشة راشد المهيري"]),
        ("अगली विज़िट: 25/05/2024\nनर्स: सुनीता यादव — 98390 41726", ["सुनीता यादव"]),
        ("பதிவு செய்தவர்: ஆர். சரவணன்\n", ["ஆர். சரவணன்"]),  # an initial with its full stop
        ("სახელი, გვარი: ნინო ბერიძე\nდაბადების თარიღი:", ["ნინო ბერიძე"]),
        ("المسعف: ماجد العتيبي — للتواصل مع ابن المريض", ["ماجد العتيبي"]),  # a paramedic
        ("السلام عليكم،\nأنا العميل عبدالرحمن بن سعد القحطاني، حوّلت مبلغ", ["عبدالرحمن بن سعد القحطاني"]),
    ],
)
def test_form_labels_and_thai_titles_announce_names(names, text, expected):
    assert names(text) == expected


def test_a_place_named_after_a_person_is_no_name():
    assert cued_names("पाइपलाइन डॉ. राजेंद्र प्रसाद नगर में बदली जाएगी") == []
    assert cued_names("অফিসটি শ্রী বিধান রায় সরণি থেকে সরে গেছে") == []  # Bengali: a road
    assert cued_names("கடை திரு. ராஜாஜி சாலை அருகில் உள்ளது") == []  # Tamil: a road
    text = "डॉ. राजेंद्र प्रसाद ने पुष्टि की"
    assert [text[a:b] for a, b in cued_names(text)] == ["राजेंद्र प्रसाद"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Συνοδός: η αδελφή του, κα Μαρία Κωστοπούλου, στο 697", ["Μαρία Κωστοπούλου"]),
        ("Εξετάστηκε από τον Δρ Νικόλαο Βλάχο.", ["Νικόλαο Βλάχο"]),
        ("Προς: κ. Δημήτριο Ζαφειρίου\nΘέμα: ενοίκιο", ["Δημήτριο Ζαφειρίου"]),
        ("ο κ. Ζαφειρίου είπε ότι θα έρθει", ["Ζαφειρίου"]),  # a lower-case word ends the name
        ("βιβλία, τετράδια κ.λπ. για το σχολείο", []),
    ],
)
def test_greek_titles_announce_capitalised_names(text, expected):
    assert [text[a:b] for a, b in cued_names(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "उपयोगकर्ता: नमस्ते, कल रात 9:40 बजे की मेरी कैब राइड",  # "hello, last night at 9:40": a sentence goes on
        "ड्राइवर का नाम ऐप में Santosh दिख रहा है",  # "the driver's name in the app: Santosh"
        "المتصل: رقمي أنا أحسن: صفر سبعة",  # "my number, I (mean), is better": "I" inside, a sentence
        "المتصل: مشكورة، الله يعطيك العافية.",  # thanks
    ],
)
def test_a_label_or_greeting_before_a_sentence_announces_no_name(text):
    assert cued_names(text) == []
