"""Turn the hand-written, inline-labelled texts (every ``*.txt`` here: ``dev.txt``, ``heldout.txt`` to
``heldout15.txt``) into JSONL with character spans: ``[[P|Jane Doe]]`` marks a PERSON, ``A`` an
ADDRESS, ``D`` a DATE_OF_BIRTH, and ``E T C S I IP`` the pattern types. ``### kind`` starts a text.

    python loadtests/data/pii/build.py      # rewrites heldout*.jsonl and dev.jsonl
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
TYPES = {
    "P": "PERSON",
    "A": "ADDRESS",
    "D": "DATE_OF_BIRTH",
    "E": "EMAIL_ADDRESS",
    "T": "PHONE_NUMBER",
    "C": "CREDIT_CARD",
    "S": "US_SSN",
    "I": "IBAN_CODE",
    "IP": "IP_ADDRESS",
}
MARK = re.compile(r"\[\[(IP|[PADETCSI])\|(.+?)\]\]", re.S)


def parse(block: str) -> tuple[str, list[dict]]:
    text, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(block):
        before = block[pos : m.start()]
        text.append(before)
        length += len(before)
        value = m.group(2)
        spans.append({"type": TYPES[m.group(1)], "start": length, "end": length + len(value), "text": value})
        text.append(value)
        length += len(value)
        pos = m.end()
    text.append(block[pos:])
    return "".join(text), spans


def build(name: str) -> int:
    source = (HERE / f"{name}.txt").read_text()
    rows = []
    for i, chunk in enumerate(re.split(r"^### ", source, flags=re.M)[1:]):
        kind, _, body = chunk.partition("\n")
        text, spans = parse(body.strip("\n"))
        assert "[[" not in text, f"{name} #{i}: unbalanced markup"
        rows.append({"id": f"{name}-{i:03d}", "kind": kind.strip(), "text": text, "spans": spans})
    with open(HERE / f"{name}.jsonl", "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


if __name__ == "__main__":
    for source in sorted(HERE.glob("*.txt")):  # every set written here
        print(source.stem, build(source.stem))
