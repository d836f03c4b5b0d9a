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
"født" / "fødd" / "född" with Swedish, Danish and Norwegian month names.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from services.safety.recognizers import SQL_BIRTH_COLUMN, STAMP, recognizer_result, sql_values

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Month names of the birth cues' other languages (German, French, Spanish, Portuguese, Italian, Dutch, Nordic)
# that the English prefixes above miss: "7. Mai 1971", "16 de março de 2006", "3 août 1990".
_MONTH_FOREIGN = (
    r"(?i:januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|janvier|février|fevrier|mars|avril|juin|"
    r"juillet|août|aout|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|setiembre|octubre|noviembre|diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|"
    r"outubro|novembro|dezembro|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    # Dutch; Swedish, Danish and Norwegian months the English prefixes miss
    r"januari|februari|maart|mei|augustus|maj|augusti|desember)"
)
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|\d{{1,2}}\.?(?:º|er)?\s+(?:de\s+)?(?:{_MONTH_FOREIGN}|{_MONTH})\s+(?:de\s+)?\d{{4}}"
    # Korean, Japanese and Chinese: "1990년 3월 5일", "1979年10月2日"
    r"|\d{4}\s*[년年]\s*\d{1,2}\s*[월月]\s*\d{1,2}\s*[일日]?"
    rf"|\d{{1,2}}-{_MONTH}-\d{{2,4}})"
)
# Birth cues in the languages of the address forms (services/safety/addresses.py), and as field keys ("date_of_birth",
# "dateOfBirth", "patient_dob").
_BIRTH_CUE = (
    r"(?:d\.?\s?o\.?\s?b\b\.?|(?<=\()b\.|date[\s_-]?of[\s_-]?birth|birth[\s_-]?date|birthday|born|geb\.|geboren(?:\s+am)?"
    r"|geburtsdatum|n[ée]e?\s+le|date\s+de\s+naissance|nat[oa]\s+il|data\s+di\s+nascita|nacid[oa]\s+el"
    r"|fecha\s+de\s+nacimiento|nascid[oa]\s+(?:em|a)|data\s+de\s+nascimento|geboortedatum"
    # Vietnamese, Korean, Japanese / Chinese, Turkish, Polish, Serbo-Croatian, Nordic
    r"|ng[àa]y\s+sinh|생년월일|生年月日|出生日期|do[ğg]um\s+tarihi|data\s+urodzenia|datum\s+ro[đd]enja"
    r"|f[øo]dselsdato|f[öo]delsedatum|syntym[äa]aika|f[øö]d[dt])"
)
_DOB = re.compile(
    rf"(?i)(?:\b|(?<=_)){_BIRTH_CUE}"
    # a longer cue, up to six words, then "is" or a colon: "date of birth for the security check is"
    # or a question whose answer follows on the next line
    # (or "reads", "says", "shows": "DOB on the script reads 5/6/59")
    r"(?:(?:\s+[a-z'’]+){1,6}?\s+(?:is|was|as|reads|says|shows)\b"
    r"|(?:\s+[a-z'’]+){1,6}?(?=\?[ \t]*\n)|(?:\s+(?:is|was|on|in|as))*)"
    r"(?:\s*/\s*age)?\s*[\"']?\s*[:=：–—-]?\s*[\"']?\s*(?:\([^)\n]{0,20}\)\s*[:=：–—-]?\s*)?"
    # asked on one chat line, answered on the next: "...date of birth?\ncustomer: it's March 9, 1987",
    # the speaker perhaps behind a time stamp ("[09:15] customer: 23/10/1988")
    rf"(?:[?.]?[ \t]*\n{STAMP}[^\n:]{{1,24}}:\s*(?:it['’]?s|it is|sure|yes)?[,.]?\s*)?"
    rf"(?:the\s+)?(?P<date>{_DATE})(?!\d)"
)


# A date of birth corrected in the same sentence: "my DOB as 14/06/1983 but it should be 14/08/1983".
_DOB_CORRECTION = re.compile(
    r"(?i)[\s,—–-]*(?:(?:but|and|however|though|it|that|this|which|mine)\b[\s,—–-]*){0,3}(?:should\s+(?:be|read|say)|is\s+actually|(?:the\s+)?(?:correct|right|real)\s+(?:one|date)\s+is"
    rf"|(?:changed?|corrected|updated?)\s+(?:it\s+)?to)\s*:?\s*(?:the\s+)?(?P<date>{_DATE})(?!\d)"
)


# A table's header cell naming its column the date of birth ("dob", "Date of birth", "patient_dob",
# "born", "DOB (dd/mm/yyyy)"): a CSV, TSV or semicolon export, or a markdown table.
_BIRTH_HEADER = re.compile(rf"(?i)(?:\w+[\s_-])?{_BIRTH_CUE}(?:\s*\([^)\n]*\))?")
_BIRTH_WORD = re.compile(rf"(?i){_BIRTH_CUE}")
_DATE_CELL = re.compile(_DATE)
_CELL_SEPARATORS = ("|", ",", ";", "\t")


def _cells(line: str, separator: str) -> list[tuple[int, int]]:
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


def birth_column_dates(text: str) -> list[tuple[int, int]]:
    """(start, end) of the dates in a table's birth column: a header row with a cell naming the date
    of birth, then the rows below it with as many cells (until a blank line or a row of another
    shape), the cell in that column when it is a full date."""
    if not _BIRTH_WORD.search(text):
        return []
    out: list[tuple[int, int]] = []
    column: tuple[str, int, int] | None = None  # separator, the birth cell's index, cells per row
    offset = 0
    for line in text.split("\n"):
        if column is not None:
            separator, index, width = column
            cells = _cells(line, separator)
            if len(cells) != width:
                column = None
            else:
                start, end = cells[index]
                if _DATE_CELL.fullmatch(line, start, end):
                    out.append((offset + start, offset + end))
        if column is None:
            for separator in _CELL_SEPARATORS:
                if line.count(separator) < (2 if separator == "|" else 1):
                    continue
                cells = _cells(line, separator)
                birth = [i for i, (start, end) in enumerate(cells) if _BIRTH_HEADER.fullmatch(line, start, end)]
                if birth:
                    column = (separator, birth[0], len(cells))
                    break
        offset += len(line) + 1
    return out


class DateOfBirthRecognizer(EntityRecognizer):
    """DATE_OF_BIRTH: a full date right after a birth cue; other dates are left alone."""

    regexes = (_DOB,)  # what services/safety/prefilter.py read its condition from

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="DateOfBirthRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "DATE_OF_BIRTH" not in entities:
            return []
        out = []
        if "INSERT" in text or "insert" in text:
            # an INSERT's date in a birth column (its date holds the digits the prefilter counts)
            for column, start, end in sql_values(text):
                if SQL_BIRTH_COLUMN.match(column) and re.fullmatch(_DATE, text[start:end]):
                    out.append(recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self))
        for start, end in birth_column_dates(text):  # a table's birth column
            out.append(recognizer_result("DATE_OF_BIRTH", start, end, 0.9, self))
        for m in _DOB.finditer(text):
            out.append(recognizer_result("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.9, self))
            corrected = _DOB_CORRECTION.match(text, m.end())
            if corrected:
                out.append(
                    recognizer_result("DATE_OF_BIRTH", corrected.start("date"), corrected.end("date"), 0.9, self)
                )
        return out
