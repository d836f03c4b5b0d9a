"""Names written in a script without capital letters, found after a word that announces a person.

Arabic, Persian, Urdu, Hebrew, the Indic scripts, Thai, Khmer, Ethiopic and Georgian write no capitals, so the
name rules of ``recognizers.py``, which read capitals and Latin name lists, do not see their names. A name there is
read off the word before it:

- a title or a form of address ("السيد", "الأستاذ", "د.", 'ד"ר', "श्रीमती", "திரு.", "አቶ", "ბატონი", "محترمہ");
- a greeting that calls the reader ("שלום", "வணக்கம்", "ძვირფასო", "ውድ", "عزيزي") or a person's label ("المريض",
  "পিতা:", "والد کا نام:");
- a speaker naming themself ("اسمي", "আমার নাম", "ผมชื่อ", "ስሜ", "казвам се"), or saying "I am" ("أنا",
  "আমি", "من", "ดิฉัน") after a greeting ("مرحبا، أنا ...", "সালাম ..., আমি ...").

The name is the words of that script after the cue: up to three (connectors such as "بن", "عبد" not counted),
ending at punctuation, a line's end, a form's column gap or a word that closes an address ("المحترم", "هستم",
"صاحبہ"). After a title a longer run is cut to its first two words ("الأستاذ خالد الزهراني على الجوال"); after a
greeting or an introduction it is no name (a sentence, not a name, follows). Thai and Khmer write a phrase
without spaces: a name is at most two of their space-separated chunks of at most fifteen letters.
Cyrillic has capitals but its names are not in the Latin lists: after an introduction ("казвам се", "меня
зовут", "мене звати") up to three capitalised Cyrillic words are the name.
"""

from __future__ import annotations

import re

from services.safety.non_latin_names import said_by_speaker
from services.safety.tables import MARKS

# The scripts read here: Hebrew, Arabic (Persian and Urdu letters too), the Indic scripts to Sinhala, Thai, Lao,
# Georgian, Ethiopic, Khmer; and Greek, whose names the Latin rules do not read (its titles only)
_SCRIPT = (
    "\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0900-\u0dff\u0e00-\u0eff"
    "\u10a0-\u10ff\u1200-\u137f\u1780-\u17ff\u0370-\u03ff\u1f00-\u1fff"
)
_LETTER = rf"(?:[^\W\d_]|[{MARKS}]|\u200c)"  # a letter, its marks, Persian's zero-width non-joiner
_WORD = re.compile(rf"(?=[{_SCRIPT}]){_LETTER}+(?:[-'׳״\"\u05be]{_LETTER}+)*")  # (\u05be: Hebrew's maqaf, "בן־דוד")
_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")  # a cased script (Georgian's letters are lower case)
_CHUNKED = re.compile("[\u0e00-\u0eff\u1780-\u17ff]")  # Thai, Lao, Khmer: no spaces between words

# Titles and forms of address: a name follows, perhaps a clause after it
_TITLES = (
    "السيد السيدة السيد/ السيدة/ الأستاذ الأستاذة الاستاذ الاستاذة الدكتور الدكتورة د. الشيخ المهندس "
    "المهندسة آقای خانم دکتر محترم محترمہ ڈاکٹر "
    "מר גב' הגב' ד\"ר ד״ר עו\"ד "
    "श्री श्रीमती सुश्री कुमारी डॉ. डॉ श्रीमान শ্রী শ্রীমতী ডাঃ ডা. திரு திரு. திருமதி செல்வி டாக்டர் "
    "አቶ ወ/ሮ ወ/ሪት ዶ/ር ბატონი ქალბატონი ბატონო ქალბატონო លោក លោកស្រី អ្នកនាង "
    "นาย นาง นางสาว ด.ญ. ด.ช. เด็กหญิง เด็กชาย ดร. ผศ.ดร. รศ.ดร. ศ.ดร. นพ. พญ. คุณ "
    "κ. Κ. κα κα. Κα κας κυρία Κυρία κύριος Κύριος κυρίου κυρίας κύριε Κύριε κύριο Κύριο Δρ Δρ. Δρα الكابتن"
).split()
# Greetings that call the reader by name and labels of a person ("المريض", "পিতা", "والد کا نام"): the name
# ends within three words, at punctuation or a line's end
_GREETINGS = (
    "عزيزي عزيزتي مرحبا שלום היי לכבוד प्रिय नमस्ते প্রিয় வணக்கம் அன்புள்ள ውድ ძვირფასო "
    "المريض المريضة الاسم नाम পিতা মাতা স্বামী কা_নাম का_नाम کا_نام "
    # form labels: a student, a guardian, a donor, a nurse, who registered, Georgian "name, surname"; Thai "Dear Khun";
    # Arabic's customer, caller and paramedic ("أنا العميل ...", "المسعف: ...")
    "اسم_الطالب اسم_الطالبة ولي_الأمر المتبرع المتبرعة नर्स பதிவு_செய்தவர் სახელი,_გვარი เรียน_คุณ "
    "العميل العميلة المتصل المتصلة المسعف المسعفة "
    # Arabic's four-part name label: the name of four words is a record's field (``tables.py``)
    "الاسم_رباعي الاسم_الرباعي الاسم_الكامل"
).split()
# A speaker naming themself: "my name is" outright; "I am" only after a greeting (Persian "من" only before
# "هستم": elsewhere it is "from" or "who")
_MY_NAME = "اسمي میرا_نام שמי मेरा_नाम আমার_নাম என்_பெயர் ผมชื่อ ดิฉันชื่อ ฉันชื่อ ስሜ ខ្ញុំឈ្មោះ".split()
_I_AM = "أنا انا معك معاك من اینجانب אני मैं আমি ดิฉัน".split()
_GREETED = re.compile(
    "(?:مرحب|السلام|سلام|درود|هلا|שלום|नमस्ते|नमस्कार|নমস্কার|আসসালামু|সালাম|জনাব|வணக்கம்|สวัสดี|ជំរាបសួរ|ሰላም)"
    r"[^.!?؟।\n]{0,60}\n{0,2}[^.!?؟।\n]{0,20}\Z"
)
# Words that close a name after it: "... المحترم", "... هستم", "... صاحبہ", "... हूँ", "... बोल रही हूँ" (am
# speaking); "שלום רב" greets no one;
# Hindi "tell (it)" after "name" asks for one ("आपका पूरा नाम बताइए"); Thai "born", "aged", "phone" ("เด็กชายภูริ เกิด
# 14 ส.ค. 2564")
_CLOSERS = frozenset(
    "المحترم المحترمة على عبر في بخصوص هستم هست صاحب صاحبہ صاحبه جی רב לכולם है हूँ हूं बताइए बताएं बताओ बोल "
    "เกิด อายุ โทร".split()
)
# A place's word after a name, or read into it: a colony, a road or a square named after a person
# "மகாத்மா காந்தி சாலை"), no person
_PLACE_AFTER = frozenset("नगर मार्ग रोड चौक कॉलोनी সরণি রোড নগর சாலை நகர் தெரு".split())
# Persian verbs' prefixes ("می‌رساند", "نمی‌شود"): no name's word
_PERSIAN_VERB_PREFIXES = ("می\u200c", "نمی\u200c")
_CONNECTORS = frozenset("بن بنت ابن عبد أبو ابو آل".split())
# Words that open an Arabic sentence, not a name, after a speaker's label ("العميل: لا والله، نقلت ..."): a greeting,
# its answer, yes, no, "if", "possible", "okay", thanks
_SENTENCE_OPENERS = frozenset(
    "السلام وعليكم مرحبا أهلا اهلا لا نعم ما إذا اذا وإذا ممكن تمام طيب شكرا مشكور مشكورة هل".split()
)
# The person labels that also label a chat's speakers (customer, caller, paramedic)
_SPEAKERS = frozenset("العميل العميلة المتصل المتصلة المسعف المسعفة".split())
# Hindi forms of address that call no one by name after a greeting ("नमस्ते मैडम", "नमस्ते जी")
_FORMS_OF_ADDRESS = frozenset("जी सर मैडम मैम".split())
# Thai "คุณ" (Khun) before a kin word or a role calls no one by name: "คุณแม่", "คุณลูกค้า"
_THAI_KHUN_ROLES = tuple("แม่ พ่อ ลูกค้า ครู หมอ ป้า ลุง ยาย ตา".split())


def _cue_pattern(words: list[str]) -> str:
    return "|".join(re.escape(w).replace("_", r"[ \t]+") for w in sorted(words, key=len, reverse=True))


# ("_" in a cue above stands for a space between its words.) A cue ends its word: only the Thai and Khmer
# ones may touch the name, a dotted title too ("ดิฉันพิมพ์ชนก", "ผศ.ดร.สมชาย"); a form's column gap after it
# ("... السيد    السن:") opens no name
_CUE = re.compile(
    rf"(?<![{_SCRIPT}\w])(?:(?P<title>{_cue_pattern(_TITLES)})|(?P<greeting>{_cue_pattern(_GREETINGS)})"
    rf"|(?P<my_name>{_cue_pattern(_MY_NAME)})|(?P<i_am>{_cue_pattern(_I_AM)}))"
    rf"(?:(?<=[\u0e00-\u0eff\u1780-\u17ff])|(?<=[\u0e00-\u0eff\u1780-\u17ff]\.)|(?!{_LETTER}))"
    r"[ \t]?[:：،,]?[ \t]?(?![ \t])"
)
_CYRILLIC_INTRO = re.compile(
    r"(?i:казвам се|казва се|меня зовут|мене звати|моё имя|моє ім'я|името ми е|аз съм|зовем се|зове се|се зове)[ \t]+"
    r"((?:[А-ЯЁІЇЄҐЎ][а-яёіїєґў'’-]+)(?:[ \t]+[А-ЯЁІЇЄҐЎ][а-яёіїєґў'’-]+){0,2})"
)
_IN_SCRIPT = re.compile(f"[{_SCRIPT}]")  # cheap gates: most texts hold no letter of these scripts
_CYRILLIC = re.compile("[а-яё]")
_GAP = re.compile(r"[ \t]+")
# A digit or a Latin letter one space after the words: a sentence goes on ("नमस्ते, कल रात 9:40 बजे", last night at
# 9:40; "का नाम ऐप में Santosh", the name in the app: Santosh), no name ends there
_SENTENCE_GOES_ON = re.compile(r" ?[0-9A-Za-z]")
_INITIAL_THEN_WORD = re.compile(rf"\. (?=[{_SCRIPT}])")
_STOPS = '.,;:!?()[]{}<>"“”«»—–|/\\،؛؟۔।॥።፣፤፥፦៕។'


def cued_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of the names that a cue announces (see the module's docstring)."""
    found: list[tuple[int, int]] = []
    for m in _CUE.finditer(text) if _IN_SCRIPT.search(text) else ():
        kind = m.lastgroup
        if kind == "i_am" and not _GREETED.search(text, max(0, m.start() - 90), m.start()):
            continue
        name = _name_after(text, m.end(), cut=kind in ("title", "my_name"))
        if name is not None and m.group().startswith("คุณ") and text.startswith(_THAI_KHUN_ROLES, name[0]):
            continue
        if name is not None and text[name[0] : name[1]].split()[0] in _SENTENCE_OPENERS | _FORMS_OF_ADDRESS:
            continue  # a chat's speaker saying a sentence: "العميل: السلام عليكم، طلبي ..."
        if (
            kind == "greeting"
            and name is not None
            and m.group(kind) in _SPEAKERS
            and said_by_speaker(text, m.group(kind), text[name[0] : name[1]])
        ):
            continue  # a chat's speaker label, the words after it said
        if name is not None and any(w in _I_AM for w in text[name[0] : name[1]].split()[1:]):
            continue  # "I" inside: a sentence ("المتصل: رقمي أنا أحسن: ...", my number is better)
        if name is None or _CUE.fullmatch(text, name[0], name[0] + len(text[name[0] : name[1]].split()[0])):
            continue  # none, or another cue ("مرحبا، أنا ..."): that one is read next
        if (kind == "greeting" and (name[2] or _SENTENCE_GOES_ON.match(text, name[1]))) or (
            m.group(kind) == "من" and name[2] not in ("هستم", "هست")
        ):
            continue  # a greeting's or a label's name ends at punctuation, Persian "من ..." at "هستم"
        gap = _GAP.match(text, name[1])
        after = _WORD.match(text, gap.end()) if gap else None
        if any(w in _PLACE_AFTER for w in text[name[0] : name[1]].split()[1:] + [after.group() if after else ""]):
            continue  # a place named after a person: its word after the name or read into it ("... ராஜாஜி சாலை")
        found.append(name[:2])
    if _CYRILLIC.search(text):
        found += [m.span(1) for m in _CYRILLIC_INTRO.finditer(text)]
    return found


def _name_after(text: str, pos: int, cut: bool) -> tuple[int, int, str] | None:
    """(start, end, the word after) of the name from ``pos``, or None. A name ends within three words (two
    chunks of Thai or Khmer); ``cut``: a longer run is cut to its first two words (after a title)."""
    words: list[re.Match[str]] = []
    counted, ended, closer = 0, False, ""
    while True:
        w = _WORD.match(text, pos)
        if w is None or w.group() in _CLOSERS or w.group().startswith(_PERSIAN_VERB_PREFIXES):
            ended, closer = bool(words), w.group() if w else ""
            break
        if w.group()[0].islower() and _GREEK.match(w.group()):  # a lower-case Greek word: no name, or its end
            ended = bool(words)
            break
        chunked = _CHUNKED.match(w.group()) is not None
        if chunked and len(w.group()) > 15:
            break  # a Thai or Khmer phrase, not a name
        words.append(w)
        counted += w.group() not in _CONNECTORS
        if counted == 2 and chunked:
            ended = True
            break
        if counted > 3:
            break
        gap = _GAP.match(text, w.end())
        after = text[w.end() : w.end() + 1]
        if after == "." and len(w.group()) <= 3 and _INITIAL_THEN_WORD.match(text, w.end()):
            pos = w.end() + 2  # an initial: Tamil "ஆர். சரவணன்", "க. பாலசுப்பிரமணியம்"
            continue
        if after in ("", "\n") or after in _STOPS or after.isdigit() or (gap and gap.end() - w.end() >= 2):
            ended = True
            break
        if gap is None:
            break  # a word glued to something else (a Latin letter, a symbol)
        pos = gap.end()
    if not words:
        return None
    if ended:
        return words[0].start(), words[-1].end(), closer
    named = [w for w in words if w.group() not in _CONNECTORS]
    if cut and len(named) >= 2:
        return words[0].start(), named[1].end(), ""
    return None
