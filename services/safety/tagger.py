"""A learned PII recogniser: a linear-chain CRF (CRFsuite, ``python-crfsuite``) tagging spaCy's
tokenizer tokens (cut further at field separators: ``; | ^``, CJK punctuation, commas not
between digits) with BILOU tags for PERSON, ADDRESS and DATE_OF_BIRTH.

The hand-written rules of ``services/safety/recognizers.py`` gain on the set they are written on
and lose on the next author's; a tagger learns the same cues (gazetteer membership, shape,
capitalisation, the words around, the line a token sits on) as weights from the labelled sets of
``loadtests/data/pii`` instead. It is trained by ``llmops classifiers train`` into
``var/classifiers/pii_tagger.crfsuite`` (``pipelines/classifiers/pii_tagger.py``), in seconds.

Features of a token: its lower-cased form, shape, two- and three-letter prefix and suffix,
title / upper / digit flags, membership of the recognisers' name lists (given name, surname), its
place on its line, the head word of its line and the last word of the previous line (form fields:
"Name:" then the value), a birth cue among the six tokens before it, address cues (a street word,
a unit word, a postcode-shaped token on its line or the line before; after an address label such
as "Addr:" on its line or the line before), a chat speaker label ("Maria:" first on a line), CJK
address morphemes, its word cluster (``WordClusters``: k-means over the sentence model's
input embeddings; also of the tokens at -1 and +1), the same few of the tokens at -2..+2, and, with
``rule_features``, which rule recogniser's span holds it (the rules' own hits: the tagger then
learns when to trust them).

The tagger reads only tokens, so it could report anything: ``services/safety/prefilter.py`` has no
cheaper necessary condition for it than its own result, which is what the detector gives it (as for
the name gazetteer): a text the tagger and the other recognisers find nothing in still skips Presidio.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

LABELS = ("PERSON", "ADDRESS", "DATE_OF_BIRTH")
MODEL_FILE = "pii_tagger.crfsuite"
CONFIG_FILE = "pii_tagger.json"  # how the model was trained (rule features or not), beside it
# Word clusters the model reads (``WordClusters``): wordpiece -> cluster id, written beside the model
CLUSTERS_FILE = "pii_tagger_clusters.json"
# Words whose features each per-word cache keeps (``word_features``, ``_lent_by``, and per model
# ``WordClusters.lent`` and ``ModelAttributes.parts``). 16,384 hit as often as 50,000 on the development sets'
# stream and hold a fifth of the resident memory when full (``loadtests/bench_tagger_cache.py``; README, PII "Round 5").
CACHED_WORDS = 16_384
SCORE = 0.8  # what a tagged span scores in Presidio: under the rules' 0.85/0.9, so a rule's span wins an overlap
# A span is reported when each of its tokens' tags has at least this marginal probability
MIN_PROBABILITY = 0.5

_BIRTH_CUES = frozenset(
    "born dob d.o.b. d.o.b birth birthday birthdate geb. geb geboren née nee né ne nata nato nacido nacida "
    "nascido nascida birthdate: dob: geburtsdatum naissance nascita nacimiento nascimento urodzenia sinh född "
    "fødselsdato syntymäaika 생년월일 生年月日 出生日期 date_of_birth dateofbirth birth_date birthdate".split()
)
_SHAPE_MAP = str.maketrans(
    {**{c: "d" for c in "0123456789"}, **{c: "x" for c in "abcdefghijklmnopqrstuvwxyz"}}
    | {c: "X" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
)
_REPEATS = re.compile(r"(.)\1{2,}")
# Tag scheme of the training rows: "BILOU" (a span's last token L-, a one-token span U-; since session
# 18's second round) or "BIO"; spans_of reads both
SCHEME = "BILOU"
# Address cues on a token's line and the line before: a street word, a unit word, a postcode-shaped
# token, an address label (features(): _line_cues)
_STREET_WORDS = frozenset(
    "street st road rd avenue ave av lane ln drive dr boulevard blvd court ct way place pl parkway pkwy terrace "
    "close crescent cres square sq highway hwy row walk mews gardens grove hill strasse straße str weg allee platz "
    "gasse ring rue via viale calle avenida av. rua laan straat vej gatan gata katu ulica ul".split()
)
# Field labels an address follows ("Address:", "Adresse du bien :", "地址：")
_ADDRESS_LABELS = frozenset(
    "address addr adresse adres adresa adresă anschrift wohnadresse dirección direccion domicilio endereço endereco "
    "morada indirizzo residenza osoite cím adressi 地址 住所 주소 住址 адрес адреса διεύθυνση पता العنوان ship-to "
    "shipto".split()
)
_UNIT_WORDS = frozenset("flat apt apartment suite ste unit floor fl box bldg building block po p.o. #".split())
_POSTCODE = re.compile(
    r"^(?:\d{4,6}|\d{5}-\d{3,4}|\d{3}-\d{4}|[A-Z]{1,2}\d[A-Z\d]?|\d[A-Z]{2}|[A-Z]\d[A-Z]|\d[A-Z]\d)$"
)


# Field separators spaCy leaves inside a token, cut there for the tagger: a CSV or HL7 row with no
# spaces ("1021;Brandstätter;Lukas;14.03.2009", "SMITH^JOHN"), a label glued to its value
# ("住所：大阪府..."), "Kwabena,1979" (a comma between digits, "1,000", stays)
_FIELD_SEPARATOR = re.compile(r"[;|^：，、]|(?<!\d),|,(?!\d)")
_FIELD_PIECE = re.compile(r"(?:[^;|^：，、,]|(?<=\d),(?=\d))+|[;|^：，、,]")
# Address morphemes of Chinese, Japanese and Korean, where a whole address is often one token
# ("浙江省杭州市西湖区文三路478号", "大阪府大阪市北区梅田2"): province, prefecture, city, ward, district,
# town, block, number, road, street, room, building; a Hangul token ending in a city, district,
# neighbourhood or road suffix ("부산광역시", "해운대구", "센텀중앙로")
_CJK_ADDRESS = re.compile(r"[都道府県市区區町村丁目番地号號省县縣镇鎮路街巷室栋棟楼樓]")
_HANGUL_ADDRESS = re.compile(r"[\uac00-\ud7a3]+(?:시|도|구|군|동|읍|면|로|길)$")


@dataclass(slots=True)  # slots, not frozen: faster to build (a text holds hundreds; frozen costs 3x)
class Token:
    text: str
    start: int
    end: int
    line_start: bool  # first token on its line


def tokens_of(doc: Iterable[Any]) -> list[Token]:
    """The non-space tokens of a spaCy ``Doc`` (or any tokens with ``text``, ``idx``), with where
    each line begins."""
    out: list[Token] = []
    new_line = True
    for t in doc:
        text = t.text  # each attribute of a spaCy token is read once: they are computed per read
        if not text or text.isspace():
            new_line = new_line or "\n" in text
            continue
        start = t.idx
        if len(text) > 2 and not text.isalnum() and _FIELD_SEPARATOR.search(text):
            for k, piece in enumerate(_FIELD_PIECE.finditer(text)):
                out.append(Token(piece.group(), start + piece.start(), start + piece.end(), new_line and not k))
        else:
            out.append(Token(text, start, start + len(text), new_line))
        new_line = "\n" in getattr(t, "whitespace_", "")
    return out


def shape(word: str) -> str:
    """``Xxxx``-style shape, runs of three or more of one class cut to two ("Xxx" -> "Xxx", "Mcdonald" -> "Xxx")."""
    s = word.translate(_SHAPE_MAP)
    if not s.isascii():
        s = "".join(
            c if c in "Xxd" or c.isascii() else ("X" if c.isupper() else "x" if c.isalpha() else "o") for c in s
        )
    return _REPEATS.sub(r"\1\1", s)


@functools.cache
def _gazetteers() -> tuple[frozenset[str], frozenset[str]]:
    from services.safety.recognizers import name_lists

    return name_lists()


@functools.lru_cache(maxsize=CACHED_WORDS)
def word_features(word: str) -> tuple[str, ...]:
    """A token's own features (cached: most words repeat)."""
    from services.safety.recognizers import fold

    lower = word.lower()
    bare = lower[:-2] if lower.endswith(("'s", "’s")) else lower
    first, last = _gazetteers()
    out = [
        "w=" + lower,
        "s=" + shape(word),
        "p2=" + lower[:2],
        "p3=" + lower[:3],
        "x2=" + lower[-2:],
        "x3=" + lower[-3:],
    ]
    if word.istitle():
        out.append("t")
    if word.isupper():
        out.append("u")
    if word.isdigit():
        out.append(f"d{len(word)}")
    folded = fold(bare)
    if bare in first or folded in first:
        out.append("g")
    if bare in last or folded in last:
        out.append("l")
    key = lower.rstrip(".,")
    if key in _STREET_WORDS:
        out.append("sw")
    if key in _UNIT_WORDS:
        out.append("uw")
    if _POSTCODE.match(word.rstrip(",")):
        out.append("pc")
    if key.rstrip(":：") in _ADDRESS_LABELS:
        out.append("al")
    if not word.isascii():
        morphemes = len(_CJK_ADDRESS.findall(word)) + bool(_HANGUL_ADDRESS.match(word))
        if morphemes:
            out.append(f"cja{min(morphemes, 3)}")
    return tuple(out)


class WordClusters:
    """A word's cluster: the k-means cluster (``pipelines/classifiers/pii_tagger.py``, ``word_clusters``)
    of its first WordPiece in all-MiniLM-L6-v2's input-embedding table, the longest vocabulary entry
    that begins its lower-cased, accent-stripped form (the uncased tokenizer's normalisation). Words
    the sentence model places alike share an id ("Dorothy" and "Margaret"), so
    the CRF's weights for one reach the others it never saw. ``lent`` is a cached look-up per word."""

    def __init__(self, table: dict[str, int]):
        self.table = table
        self.longest = max(map(len, table), default=0)
        self.lent = functools.lru_cache(maxsize=CACHED_WORDS)(self._lent)

    @classmethod
    def read(cls, path: Path) -> WordClusters:
        return cls(json.loads(path.read_text()))

    def of(self, word: str) -> str:
        folded = unicodedata.normalize("NFD", word.lower())
        folded = "".join(c for c in folded if unicodedata.category(c) != "Mn")
        for k in range(min(len(folded), self.longest), 0, -1):
            cluster = self.table.get(folded[:k])
            if cluster is not None:
                return str(cluster)
        return ""

    def _lent(self, word: str) -> tuple[str, str, str] | None:
        """The features a word's cluster gives the token after it, itself and the token before it
        (``-1c=``, ``0c=``, ``1c=``); None for a word with no cluster."""
        cluster = self.of(word)
        return (f"-1c={cluster}", f"0c={cluster}", f"1c={cluster}") if cluster else None


def _line_cues(tokens: Sequence[Token]) -> list[tuple[str, ...]]:
    """Per token, the address cues of its line ("l" + cue) and of the line before ("pl" + cue), and
    "ac" after an address label on its line or anywhere on the line before."""
    lines: list[list[int]] = []
    for i, tok in enumerate(tokens):
        if tok.line_start or not lines:
            lines.append([])
        lines[-1].append(i)
    out: list[tuple[str, ...]] = [()] * len(tokens)
    before: tuple[str, ...] = ()
    for line in lines:
        cues = {f for i in line for f in word_features(tokens[i].text) if f in ("sw", "uw", "pc", "al")}
        here = tuple(sorted("l" + c for c in cues)) + tuple("p" + c for c in before)
        labelled = "lal" in before
        for i in line:
            out[i] = here + ("ac",) if labelled else here
            labelled = labelled or "al" in word_features(tokens[i].text)
        before = tuple(sorted("l" + c for c in cues))
    return out


# The features a neighbour lends a token (by their prefix), at -2..+2
_NEAR = ("w=", "s=", "g", "l", "t", "u")
_FAR = ("w=", "s=")


class _Lent(NamedTuple):
    """What a word lends the tokens around it: its features as the tokens it is at +2, +1, -1 and -2
    from see them ("2w=...", "1w=...", "-1w=...", "-2w=..."), and whether it is a birth cue."""

    views: tuple[tuple[str, ...], ...]
    birth_cue: bool


@functools.lru_cache(maxsize=CACHED_WORDS)
def _lent_by(word: str) -> _Lent:
    """``word``'s ``_Lent``: one cached call per token."""
    own = word_features(word)
    lower = word.lower()
    return _Lent(
        tuple(tuple(f"{o}{f}" for f in own if f.startswith(_NEAR if abs(o) == 1 else _FAR)) for o in (2, 1, -1, -2)),
        lower.rstrip(":") in _BIRTH_CUES or "birth" in lower,
    )


class ModelAttributes:
    """The attributes a model has weights for, and each word's features kept to those (``parts``: CRFsuite ignores
    the attributes it has no weights for, so leaving them out changes no tag). The per-word cache belongs to the
    model: one cache for every model, keyed by the word and the set, compared two equal sets of ~30,000 attributes
    on each hit when two taggers of one model shared a process (``bench_pii``'s detector and its guard's)."""

    def __init__(self, names: frozenset[str]):
        self.names = names
        self.parts = functools.lru_cache(maxsize=CACHED_WORDS)(self._parts)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _parts(self, word: str) -> tuple[tuple[str, ...], _Lent]:
        """``word``'s own features and its ``_Lent``, only those of the model's attributes."""
        names, lent = self.names, _lent_by(word)
        views = tuple(tuple(f for f in view if f in names) for view in lent.views)
        return tuple(f for f in word_features(word) if f in names), _Lent(views, lent.birth_cue)


def _speaker(tokens: Sequence[Token], i: int) -> bool:
    """Whether token ``i`` is a chat speaker's label: first on its line (or after a bracketed time
    stamp, "[10:03] Ana:") and followed by a colon, or IRC's "<ana>"."""
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    if nxt == ":":
        return tokens[i].line_start or (
            i >= 3 and tokens[i - 1].text == "]" and tokens[i - 3].text == "[" and tokens[i - 3].line_start
        )
    return nxt == ">" and i >= 1 and tokens[i - 1].text == "<" and tokens[i - 1].line_start


def features(
    tokens: Sequence[Token],
    rule_labels: Sequence[str] | None = None,
    clusters: WordClusters | None = None,
    attributes: ModelAttributes | None = None,
) -> list[list[str]]:
    """CRFsuite features per token. ``rule_labels``: per token, the type of the rule span holding it ("" if
    none); ``clusters``: the word clusters the model reads (its own and its neighbours' at -1, +1), if any;
    ``attributes``: a model's, to leave out the words' features and the line's it has no weights for (None:
    all, as training reads them)."""
    n = len(tokens)
    lent = [clusters.lent(t.text) for t in tokens] if clusters is not None else None
    out: list[list[str]] = []
    line_head, prev_last = "lh=", ""
    cue_at = -100  # index of the last birth cue seen
    line_cues = _line_cues(tokens)
    if attributes is None:
        parts = [(word_features(t.text), _lent_by(t.text)) for t in tokens]
    else:
        parts = [attributes.parts(t.text) for t in tokens]
    lends = [lent_by for _, lent_by in parts]
    for i, tok in enumerate(tokens):
        if tok.line_start:
            prev_last = "pl=" + tokens[i - 1].text.lower() if i else ""
            line_head = "lh=" + tok.text.lower()
            if attributes is not None:
                prev_last = prev_last if prev_last in attributes else ""
                line_head = line_head if line_head in attributes else ""
        row = list(parts[i][0])
        if tok.line_start:
            row.append("bol")
        elif line_head:
            row.append(line_head)
        if i + 1 == n or tokens[i + 1].line_start:
            row.append("eol")
        if prev_last:
            row.append(prev_last)
        if i - cue_at <= 6:
            row.append("cue")
        if i + 1 < n and tokens[i + 1].text in (":", ">") and _speaker(tokens, i):
            row.append("spk")
        row.extend(line_cues[i])
        # the token at i + offset, seen from i: lends[j].views holds its features at +2, +1, -1, -2
        for k, offset in enumerate((-2, -1, 1, 2)):
            j = i + offset
            if 0 <= j < n:
                row.extend(lends[j].views[3 - k])
            else:
                row.append(f"{offset}edge")
        if lent is not None:  # the clusters of the token before, this one, the one after
            if i and (before := lent[i - 1]):
                row.append(before[0])
            if here := lent[i]:
                row.append(here[1])
            if i + 1 < n and (after := lent[i + 1]):
                row.append(after[2])
        if rule_labels is not None:
            if rule_labels[i]:
                row.append("r=" + rule_labels[i])
            for offset in (-1, 1):
                j = i + offset
                if 0 <= j < n and rule_labels[j]:
                    row.append(f"{offset}r={rule_labels[j]}")
        out.append(row)
        if lends[i].birth_cue:
            cue_at = i
    return out


def bio_tags(tokens: Sequence[Token], spans: Iterable[tuple[str, int, int]], scheme: str | None = None) -> list[str]:
    """BIO or BILOU tags (``scheme``, default ``SCHEME``) of ``tokens`` for labelled character ``spans``
    (type, start, end): a token inside a span (by overlap) takes its type; the first of a span's
    tokens B-, the rest I-; with BILOU the last L- and a one-token span's U-."""
    tags = ["O"] * len(tokens)
    for kind, start, end in sorted(spans, key=lambda s: s[1]):
        inside = [i for i, t in enumerate(tokens) if t.start < end and start < t.end and tags[i] == "O"]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + kind
        if (scheme or SCHEME) == "BILOU" and inside:
            last = inside[-1]
            tags[last] = ("U-" if len(inside) == 1 else "L-") + kind
    return tags


def spans_of(tokens: Sequence[Token], tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Character spans (type, start, end) from BIO or BILOU tags; an I- or L- with no open span of
    its type before it opens one; an L- or U- closes its span. A name stays on its line: the I- and
    L- tokens that would carry a PERSON span onto the next line are dropped ("Rosalind K.\nSSN" is
    "Rosalind K.")."""
    out: list[tuple[str, int, int]] = []
    current: list[Any] | None = None
    carried = False  # dropping a name's tokens carried over a line break
    for tok, tag in zip(tokens, tags, strict=True):
        if tag == "O":
            current, carried = None, False
            continue
        prefix, kind = tag.split("-", 1)
        if kind == "PERSON" and prefix in "IL" and (carried or (tok.line_start and current is not None)):
            current, carried = None, prefix == "I"
            continue
        carried = False
        if prefix in "IL" and current is not None and current[0] == kind:
            current[2] = tok.end
            out[-1] = tuple(current)  # type: ignore[assignment]
        else:
            current = [kind, tok.start, tok.end]
            out.append(tuple(current))  # type: ignore[arg-type]
        if prefix in "LU":
            current = None
    return out


def rule_labels_of(tokens: Sequence[Token], rule_spans: Iterable[tuple[str, int, int]]) -> list[str]:
    """Per token, the type of the rule span overlapping it ("" for none)."""
    labels = [""] * len(tokens)
    for kind, start, end in rule_spans:
        for i, t in enumerate(tokens):
            if t.start < end and start < t.end:
                labels[i] = kind
    return labels


def train(
    examples: Iterable[tuple[Sequence[Token], Sequence[str], Sequence[str] | None]],
    path: Path,
    *,
    c1: float = 0.05,
    c2: float = 0.01,
    iterations: int = 150,
    clusters: WordClusters | None = None,
) -> None:
    """Fit a CRF on (tokens, BIO or BILOU tags, rule labels or None) examples and write it to ``path``
    (``clusters``: word clusters as features; the caller writes them beside the model, ``CLUSTERS_FILE``)."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags, rules in examples:
        if tokens:
            trainer.append(features(tokens, rules, clusters), list(tags))
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))


class TaggerMissingError(FileNotFoundError):
    """No trained tagger file where one was asked for."""


class PiiTagger:
    """A trained tagger: tokens in, (type, start, end) spans out."""

    def __init__(self, path: Path, rule_features: bool | None = None, min_probability: float = MIN_PROBABILITY):
        """``rule_features``: whether the model reads the rules' hits (None: as ``pii_tagger.json``
        beside it says, else no); ``min_probability``: see ``MIN_PROBABILITY``."""
        import pycrfsuite

        if not path.exists():
            raise TaggerMissingError(f"PII tagger not found: {path} (train it with `llmops classifiers train`)")
        config_path = path.with_name(CONFIG_FILE)
        config = json.loads(config_path.read_text()) if config_path.exists() else {}
        if rule_features is None:
            rule_features = bool(config.get("rule_features"))
        self.rule_features = rule_features
        # the word clusters it was trained with, beside it (a model trained with them reads them)
        self.clusters = WordClusters.read(path.with_name(CLUSTERS_FILE)) if config.get("clusters") else None
        self.min_probability = min_probability
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        # the attributes it has weights for: a row holds only those (about a fifth of a row's name words and lines
        # it never met)
        self._attributes = ModelAttributes(frozenset(self._tagger.info().attributes))

    def tag(
        self, tokens: Sequence[Token], rule_spans: Iterable[tuple[str, int, int]] = ()
    ) -> list[tuple[str, int, int]]:
        if not tokens:
            return []
        rules = rule_labels_of(tokens, rule_spans) if self.rule_features else None
        tags = self._tagger.tag(features(tokens, rules, self.clusters, self._attributes))
        if self.min_probability > 0:
            marginal = self._tagger.marginal
            tags = [t if t == "O" or marginal(t, i) >= self.min_probability else "O" for i, t in enumerate(tags)]
        return spans_of(tokens, tags)


def tagger_recognizer(tagger: PiiTagger, rules: Sequence[Any] = ()) -> Any:
    """A Presidio recogniser reporting the tagger's spans, read off the tokens of the NLP artefacts
    it is given (the detector makes them once per text, under its lock, for the prefilter's call and
    Presidio's: ``services/safety/pii.py``). ``rules``: the rule recognisers whose hits the tagger
    reads (only with a model trained on rule features)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from services.safety.recognizers import not_a_name

    class TaggerRecognizer(EntityRecognizer):
        def __init__(self) -> None:
            super().__init__(supported_entities=list(LABELS), name="TaggerRecognizer", supported_language="en")

        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
            wanted = set(entities) & set(LABELS)
            if not wanted:
                return []
            if nlp_artifacts is None:
                raise ValueError("the PII tagger reads spaCy tokens: give it the text's NLP artefacts")
            rule_spans = []
            if tagger.rule_features:
                for rule in rules:
                    rule_spans += [(r.entity_type, r.start, r.end) for r in rule.analyze(text, list(LABELS), None)]
            return [
                RecognizerResult(
                    kind,
                    start,
                    end,
                    SCORE,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
                for kind, start, end in tagger.tag(tokens_of(nlp_artifacts.tokens), rule_spans)
                if kind in wanted and not (kind == "PERSON" and not_a_name(text, start, end))  # the rules' veto
            ]

    return TaggerRecognizer()


__all__ = [
    "CLUSTERS_FILE",
    "CONFIG_FILE",
    "LABELS",
    "MODEL_FILE",
    "PiiTagger",
    "TaggerMissingError",
    "Token",
    "WordClusters",
    "bio_tags",
    "features",
    "rule_labels_of",
    "shape",
    "spans_of",
    "tagger_recognizer",
    "tokens_of",
    "train",
    "word_features",
]
