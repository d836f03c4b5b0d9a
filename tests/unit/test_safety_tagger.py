"""The learned PII recogniser (services/safety/tagger.py): its features, BIO tags to spans and back,
a tiny model that learns a name and finds it in a sentence it never saw, its training step
(pipelines/classifiers/pii_tagger.py: skipped when up to date), the detector's wiring, and a
missing model file (logged; the rules answer alone)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.safety import recognizers
from services.safety.tagger import (
    CLUSTERS_FILE,
    CONFIG_FILE,
    MODEL_FILE,
    PiiTagger,
    TaggerMissingError,
    Token,
    WordClusters,
    bio_tags,
    features,
    rule_labels_of,
    shape,
    spans_of,
    tokens_of,
    train,
    word_features,
)

# Invented names (in no gazetteer), so only the learned context and the words themselves can find them
NAMES = ["Zorblat Quenton", "Vashtie Murrow", "Oklen Brastaad", "Pribbe Santoul", "Gwendrick Aulo"]
TEMPLATES = [
    "Patient {} was seen today for a follow-up",
    "Please ask {} to call the clinic back",
    "Ticket closed by {} after the refund",
    "Dear {} your parcel is on its way",
]


def doc_of(text: str) -> list[SimpleNamespace]:
    """spaCy-like tokens of a whitespace split (enough for these tests)."""
    out, pos = [], 0
    for word in text.split(" "):
        out.append(SimpleNamespace(text=word, idx=pos, whitespace_=" "))
        pos += len(word) + 1
    return out


def labelled(template: str, name: str) -> tuple[list[Token], list[str]]:
    text = template.format(name)
    start = text.index(name)
    tokens = tokens_of(doc_of(text))
    return tokens, bio_tags(tokens, [("PERSON", start, start + len(name))])


def test_shape_and_word_features():
    assert shape("McDonald") == "XxXxx" and shape("90210") == "dd" and shape("O'Neil") == "X'Xxx"
    feats = word_features("Margaret")
    assert "w=margaret" in feats and "t" in feats and "g" in feats  # a given name in the gazetteer
    assert "g" not in word_features("Zorblat") and "d5" in word_features("90210")


def test_features_see_lines_neighbours_and_birth_cues():
    text = "Name:\nAnna Kowalska born 1990-01-02"
    tokens = tokens_of(doc_of(text.replace("\n", " \n ")))
    rows = features(tokens)
    anna = rows[[t.text for t in tokens].index("Anna")]
    assert "bol" in anna and "pl=name:" in anna and "1w=kowalska" in anna and "-1w=name:" in anna
    date = rows[-1]
    assert "cue" in date and "eol" in date and "2edge" in date


def test_bio_tags_and_spans_round_trip():
    tokens = [
        Token("Dr", 0, 2, True),
        Token("Anna", 3, 7, False),
        Token("Lee", 8, 11, False),
        Token("at", 12, 14, False),
    ]
    tags = bio_tags(tokens, [("PERSON", 3, 11)], scheme="BIO")
    assert tags == ["O", "B-PERSON", "I-PERSON", "O"]
    assert bio_tags(tokens, [("PERSON", 3, 11)]) == ["O", "B-PERSON", "L-PERSON", "O"]  # BILOU, as trained
    assert spans_of(tokens, tags) == [("PERSON", 3, 11)]
    # an I- with no B- before it opens a span; a change of type closes one
    assert spans_of(tokens, ["I-PERSON", "I-ADDRESS", "O", "B-PERSON"]) == [
        ("PERSON", 0, 2),
        ("ADDRESS", 3, 7),
        ("PERSON", 12, 14),
    ]
    assert rule_labels_of(tokens, [("PERSON", 3, 7)]) == ["", "PERSON", "", ""]


def test_bilou_tags_mark_a_spans_last_token_and_a_one_token_span():
    tokens = [Token(w, 3 * i, 3 * i + 2, False) for i, w in enumerate(["Ann", "Lee", "Bo", "at", "Kim"])]
    spans = [("PERSON", 0, 5), ("PERSON", 6, 8), ("PERSON", 12, 14)]
    tags = bio_tags(tokens, spans, scheme="BILOU")
    assert tags == ["B-PERSON", "L-PERSON", "U-PERSON", "O", "U-PERSON"]
    # an L- or U- closes its span: two names side by side stay two (BIO would merge "Ann Lee" and "Bo")
    assert spans_of(tokens, tags) == spans
    assert spans_of(tokens, ["L-PERSON", "U-ADDRESS", "I-ADDRESS", "O", "O"]) == [
        ("PERSON", 0, 2),
        ("ADDRESS", 3, 5),
        ("ADDRESS", 6, 8),
    ]
    assert bio_tags(tokens, spans, scheme="BIO") == ["B-PERSON", "I-PERSON", "B-PERSON", "O", "B-PERSON"]


def test_a_taggers_name_stays_on_its_line():
    """A PERSON span's I- / L- tokens on the next line are dropped: "Rosalind K.\nSSN" is "Rosalind K."; an
    address over two lines stays whole, and a name that opens on the next line (B-) is its own."""
    words = [("Rosalind", 0), ("K.", 0), ("SSN", 1), (":", 0), ("Flat", 1), ("5", 0), ("Leeds", 1)]
    tokens = [Token(w, 10 * i, 10 * i + len(w), bool(first)) for i, (w, first) in enumerate(words)]
    tags = ["B-PERSON", "I-PERSON", "L-PERSON", "O", "B-ADDRESS", "I-ADDRESS", "L-ADDRESS"]
    assert spans_of(tokens, tags) == [("PERSON", 0, 12), ("ADDRESS", 40, 65)]
    assert spans_of(tokens[:3], ["B-PERSON", "I-PERSON", "U-PERSON"]) == [("PERSON", 0, 12), ("PERSON", 20, 23)]


def test_a_tiny_model_finds_a_name_it_was_taught_in_a_new_sentence(tmp_path):
    examples = [(*labelled(t, n), None) for t in TEMPLATES for n in NAMES]
    train(examples, tmp_path / MODEL_FILE, iterations=50)
    tagger = PiiTagger(tmp_path / MODEL_FILE)
    assert tagger.rule_features is False  # no pii_tagger.json beside it
    text = "Yesterday Vashtie Murrow phoned about the invoice"
    found = tagger.tag(tokens_of(doc_of(text)))
    assert [(kind, text[s:e]) for kind, s, e in found] == [("PERSON", "Vashtie Murrow")]
    assert tagger.tag(tokens_of(doc_of("The invoice was paid yesterday"))) == []


def test_two_taggers_of_one_model_never_compare_their_attribute_sets(tmp_path, monkeypatch):
    """Each tagger keeps its own per-word cache of the features its model reads: a second tagger of the same model
    in the process (``bench_pii``'s detector beside its guard's) never meets a cache entry of the first's, so their
    two equal attribute sets (29,760 names for the shipped model) are never compared. A cache keyed by the set and
    shared by both compared them on every word: the guard ran at 420 ms a check instead of 15."""
    from services.safety import tagger as module

    compared = []

    class Attributes(frozenset):
        __hash__ = frozenset.__hash__

        def __eq__(self, other):
            compared.append(other)
            return frozenset.__eq__(self, other)

    train([(*labelled(t, n), None) for t in TEMPLATES for n in NAMES], tmp_path / MODEL_FILE, iterations=20)
    monkeypatch.setattr(module, "frozenset", Attributes, raising=False)  # the set each tagger builds of its model's
    first, second = PiiTagger(tmp_path / MODEL_FILE), PiiTagger(tmp_path / MODEL_FILE)
    monkeypatch.undo()
    tokens = tokens_of(doc_of("Yesterday Vashtie Murrow phoned about the invoice"))
    assert first.tag(tokens) == second.tag(tokens) == first.tag(tokens)
    assert compared == []


def test_a_missing_model_raises_a_clear_error_and_the_detector_falls_back_to_the_rules(tmp_path, caplog):
    from services.safety.pii import PiiDetector

    with pytest.raises(TaggerMissingError, match="llmops classifiers train"):
        PiiTagger(tmp_path / MODEL_FILE)
    with caplog.at_level(logging.WARNING):
        detector = PiiDetector(tagger_path=tmp_path / MODEL_FILE)
    assert detector.tagger is None
    assert "PII tagger not found" in caplog.text and "rules alone" in caplog.text
    found = detector.detect("Thanks, Margaret Okafor.", ["PERSON"])
    assert [e.type for e in found] == ["PERSON"]


def test_the_tagger_setting_turns_it_off(tmp_path, safety_models_dir):
    from services.safety.config import SafetySettings
    from services.safety.service import SafetyService

    for built in safety_models_dir.iterdir():  # the classifiers, beside a tiny tagger
        if built.name != MODEL_FILE:
            (tmp_path / built.name).symlink_to(built)
    model = tmp_path / MODEL_FILE
    examples = [(*labelled(t, n), None) for t in TEMPLATES for n in NAMES]
    train(examples, model, iterations=5)
    assert SafetyService.from_settings(SafetySettings(models_dir=tmp_path)).pii.tagger is not None
    off = SafetyService.from_settings(SafetySettings(models_dir=tmp_path, pii_tagger=False))
    assert off.pii.tagger is None
    assert "TaggerRecognizer" not in [r.name for r in off.pii.analyzer.registry.recognizers]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tagger")
    examples = [(*labelled(t, n), None) for t in TEMPLATES for n in NAMES]
    train(examples, out / MODEL_FILE, iterations=50)
    return out


def test_the_detector_reports_the_taggers_names_beside_the_rules(tiny_model):
    from services.safety.pii import PiiDetector
    from services.safety.recognizers import NameRecognizer

    text = "Ticket closed by Oklen Brastaad after the refund. Thanks, Margaret Okafor."
    rules_only = PiiDetector()
    assert [text[e.start : e.end] for e in rules_only.detect(text, ["PERSON"])] == ["Margaret Okafor"]
    detector = PiiDetector(tagger_path=tiny_model / MODEL_FILE)
    names = [r.name for r in detector.analyzer.registry.recognizers]
    assert "TaggerRecognizer" in names and "NameRecognizer" in names  # trained without rule features: beside them
    found = [text[e.start : e.end] for e in detector.detect(text, ["PERSON"])]
    assert "Oklen Brastaad" in found and "Margaret Okafor" in found
    assert detector.prefilter is not None and any(
        isinstance(r, NameRecognizer) for r in detector.prefilter.by_entity["PERSON"]
    )
    # no PII type asked for that the tagger reports: it reports nothing
    assert detector.detect(text, ["EMAIL_ADDRESS"]) == []


def test_a_model_trained_on_rule_features_runs_the_rules_itself(tiny_model, tmp_path):
    from services.safety.pii import PiiDetector

    model = tmp_path / MODEL_FILE
    model.write_bytes((tiny_model / MODEL_FILE).read_bytes())
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"rule_features": True}))
    detector = PiiDetector(tagger_path=model)
    names = [r.name for r in detector.analyzer.registry.recognizers]
    assert detector.tagger.rule_features and "TaggerRecognizer" in names
    assert not {"NameRecognizer", "AddressRecognizer", "DateOfBirthRecognizer"} & set(names)


def test_one_doc_and_one_tagging_serve_the_prefilter_and_presidio(pii_detector, monkeypatch):
    """With the tagger loaded, each text is tokenized once and tagged once (the prefilter's call, whose
    result Presidio's reuses), found or not; a text asked only for types the tagger does not report
    and holding none of them still skips the tokenizer."""
    from services.safety.policy import DEFAULT_ENTITIES

    calls = {"tokenizer": 0, "tag": 0}
    tokenizer, tag = pii_detector.nlp.tokenizer, pii_detector.tagger.tag

    def count(name, fn):
        def counted(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return counted

    def tokenized(string):  # a text's Doc; not the chunks handed on alone to be cached (no space in one)
        calls["tokenizer"] += " " in string
        return tokenizer(string)

    monkeypatch.setattr(pii_detector.nlp, "tokenizer", tokenized)
    monkeypatch.setattr(pii_detector.tagger, "tag", count("tag", tag))
    texts = [
        "Ticket closed by Margaret Okafor after the refund, call 415-555-0132.",  # rules and tagger
        "The invoice was paid yesterday and the parcel left the depot.",  # nothing: Presidio skipped
        "Write to ops@example.com about build 42.",  # no name, other recognisers pass
    ]
    for i, text in enumerate(texts, 1):
        pii_detector.detect(text, list(DEFAULT_ENTITIES))
        assert calls == {"tokenizer": i, "tag": i}, text
    pii_detector.detect("no address in here", ["EMAIL_ADDRESS"])
    assert calls == {"tokenizer": 3, "tag": 3}
    # without the tagger, a text the prefilter skips is not tokenized
    from services.safety.pii import PiiDetector

    rules_only = PiiDetector()
    monkeypatch.setattr(rules_only, "_tokens_only", count("rules_only", rules_only._tokens_only))
    rules_only.detect(texts[1], list(DEFAULT_ENTITIES))
    assert "rules_only" not in calls
    # the tagger reads tokens: asked without them it says so
    recognizer = next(r for r in pii_detector.analyzer.registry.recognizers if r.name == "TaggerRecognizer")
    with pytest.raises(ValueError, match="NLP artefacts"):
        recognizer.analyze("Ticket closed by Zorblat Quenton", ["PERSON"])


def _write_sets(folder: Path, rows: list[dict]) -> None:
    from pipelines.classifiers.pii_tagger import TRAIN_SETS

    folder.mkdir(parents=True, exist_ok=True)
    for name in TRAIN_SETS:
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_training_writes_the_model_and_is_skipped_when_up_to_date(tmp_path, monkeypatch):
    from pipelines.classifiers.pii_tagger import TRAIN_SETS, train_pii_tagger, up_to_date

    rows = []
    for template in TEMPLATES:
        for name in NAMES:
            text = template.format(name)
            start = text.index(name)
            rows.append({"text": text, "spans": [{"type": "PERSON", "start": start, "end": start + len(name)}]})
    data, out = tmp_path / "data", tmp_path / "out"
    _write_sets(data, rows)
    said: list[str] = []
    info = train_pii_tagger(out, data_dir=data, rule_features=False, progress=said.append)
    assert (out / MODEL_FILE).exists() and info["texts"] == len(TRAIN_SETS) * len(rows) and not info["rule_features"]
    assert "pii_tagger" in json.loads((out / "manifest.json").read_text())
    # the shipped recipe's word clusters are written beside the model and the model reads them: words
    # the sentence model places alike share a cluster
    assert info["clusters"] == 256 and (out / CLUSTERS_FILE).exists()
    clusters = PiiTagger(out / MODEL_FILE).clusters
    assert clusters is not None and clusters.of("Dorothy") == clusters.of("Margaret") != clusters.of("invoice")
    assert train_pii_tagger(out, data_dir=data, rule_features=False, progress=said.append) == info
    assert said[-1] == "pii_tagger: up to date"
    # another regularisation (the leave-one-set-out bench's --c1 / --c2) trains again and says so
    other = train_pii_tagger(out, data_dir=data, rule_features=False, c1=0.2, c2=0.1, progress=said.append)
    assert said[-1] != "pii_tagger: up to date" and (other["c1"], other["c2"]) == (0.2, 0.1)
    _write_sets(data, rows[:-1])  # a changed set trains again
    assert train_pii_tagger(out, data_dir=data, rule_features=False)["texts"] == len(TRAIN_SETS) * (len(rows) - 1)
    # other name lists (its features read them) make the model stale too
    assert up_to_date(out, data, rule_features=False)
    first, last = recognizers.name_lists()
    monkeypatch.setattr(recognizers, "name_lists", lambda: (first, last | {"kowalczyk-test"}))
    assert not up_to_date(out, data, rule_features=False)


def _entity(kind: str, start: int, end: int, score: float = 0.8):
    from services.safety.pii import Entity

    return Entity(kind, start, end, score)


def test_a_tagger_name_or_address_over_another_types_entity_gives_way():
    """A pattern's date (or phone, e-mail, IP) beats the tagger's guess of a name or an address over
    it ("Jan" of "Meet on 3-Jan"); a tagger's date of birth over a DATE_TIME stays, and so does a rule's
    name there (it won before, by score)."""
    from services.safety.pii import tagger_gives_way

    date, name = _entity("DATE_TIME", 8, 13, 0.6), _entity("PERSON", 10, 13)
    assert tagger_gives_way([date, name], {("PERSON", 10, 13)}) == [date]
    assert tagger_gives_way([date, name], set()) == [date, name]  # the same span from a rule: not the tagger's
    phone, street = _entity("PHONE_NUMBER", 20, 32, 0.4), _entity("ADDRESS", 0, 25)
    assert tagger_gives_way([phone, street], {("ADDRESS", 0, 25)}) == [phone]
    born = _entity("DATE_OF_BIRTH", 8, 13)
    assert tagger_gives_way([date, born], {("DATE_OF_BIRTH", 8, 13)}) == [date, born]
    apart = _entity("PERSON", 20, 30)
    assert tagger_gives_way([date, apart], {("PERSON", 20, 30)}) == [date, apart]


def test_a_rules_address_or_birth_date_widens_to_the_taggers_overlapping_span():
    """A rule's span would win the overlap and drop what the tagger saw beyond it: it grows to
    cover both, keeping its score, unless the tagger's span also covers another entity; names are
    left as the rules cut them."""
    from services.safety.pii import widen_to_tagger

    rule, tagged = _entity("ADDRESS", 20, 50, 0.85), _entity("ADDRESS", 5, 45)
    assert widen_to_tagger([rule, tagged], {("ADDRESS", 5, 45)}) == [_entity("ADDRESS", 5, 50, 0.85)]
    born, tagged_born = _entity("DATE_OF_BIRTH", 10, 20, 0.9), _entity("DATE_OF_BIRTH", 10, 24)
    assert widen_to_tagger([born, tagged_born], {("DATE_OF_BIRTH", 10, 24)}) == [_entity("DATE_OF_BIRTH", 10, 24, 0.9)]
    name = _entity("PERSON", 0, 4, 0.85)
    assert widen_to_tagger([rule, tagged, name], {("ADDRESS", 5, 45)}) == [_entity("ADDRESS", 5, 50, 0.85), name]
    swallowing = _entity("ADDRESS", 0, 45)  # would take the name in
    assert widen_to_tagger([rule, swallowing, name], {("ADDRESS", 0, 45)}) == [rule, name, swallowing]
    person, tagged_person = _entity("PERSON", 10, 20, 0.85), _entity("PERSON", 5, 20)
    assert widen_to_tagger([person, tagged_person], {("PERSON", 5, 20)}) == [person, tagged_person]


def test_a_taggers_name_inside_a_rules_name_gives_way_to_it():
    """The tagger's higher score would win the overlap and keep a part of the rule's name ("Lindiwe"
    of "Lindiwe Dlamini", which the rule scores 0.6): the name stays as the rule cut it."""
    from services.safety.pii import resolve_overlaps, widen_to_tagger

    full, given = _entity("PERSON", 10, 25, 0.6), _entity("PERSON", 10, 17, 0.8)
    assert resolve_overlaps(widen_to_tagger([full, given], {("PERSON", 10, 17)})) == [full]
    across = _entity("PERSON", 20, 30, 0.8)  # overlapping, not inside: left to the overlap's scores
    assert widen_to_tagger([full, across], {("PERSON", 20, 30)}) == [full, across]


@pytest.mark.parametrize(
    ("text", "span", "vetoed"),
    [
        ("Suspected Parkinson's disease, referred on.", "Parkinson", True),
        ("Pearson and Spearman correlation were both 0.4", "Pearson", True),
        ("Shipped to Springfield, IL yesterday", "Springfield", True),
        ("Flowers from Marks & Spencer arrived", "Marks", True),
        ("Ticket closed by Oklen Brastaad after the refund", "Oklen Brastaad", False),
        ("Hi Anna Ford, your parcel is on its way", "Anna Ford", False),
        ("Astronomy notes: Halley's Comet returns in 2061", "Halley's Comet", True),
        ("Sports desk: the Davis Cup draw", "Davis Cup", True),
        ("Drinks: Bellini, Negroni, Arnold Palmer", "Arnold Palmer", True),  # a list of drinks (session 26)
        ("From: Ana Lopez\nSent: 27 November 2026 16:40", "Sent", True),
        ("Copy to Dr Helen Straw, Riverside Surgery", "Helen Straw", False),
        ("Dear Sir, the order is late", "Sir", True),  # a title or a greeting's word alone
        ("Dear Sir/Madam, thank you", "Sir/Madam", True),
        ("Dear Sirs, please find attached", "Sirs", True),
        ("Cocktail menu: Tom Collins 9.50", "Tom Collins", True),  # round 9: no_person_here
        ("Towns: Paris, Texas; Florence, Alabama", "Texas", True),
        ("Heimilisfang: Hringbraut 121\nSími: +354 862 4410", "Sími", True),
    ],
)
def test_the_name_rules_not_a_name_context_vetoes_a_tagger_name(text, span, vetoed):
    """The tagger tags from the words around; the rules' eponym, place, firm and region contexts
    say no person, and their "no" stands over the tagger's PERSON (a decoy flagged by the tagger alone)."""
    from services.safety.recognizers import not_a_name
    from services.safety.tagger import tagger_recognizer

    start = text.index(span)
    assert not_a_name(text, start, start + len(span)) is vetoed
    fake = SimpleNamespace(rule_features=False, tag=lambda tokens, rules: [("PERSON", start, start + len(span))])
    found = tagger_recognizer(fake).analyze(text, ["PERSON"], SimpleNamespace(tokens=doc_of(text)))
    assert [(r.start, r.end) for r in found] == ([] if vetoed else [(start, start + len(span))])


def test_address_cues_mark_the_line_after_a_label_and_the_line_before():
    text = "Addr:\nTy Gwyn, Heol y Dderwen\nLlanarth SA47 0PN\nThanks"
    tokens = tokens_of(doc_of(text.replace("\n", " \n ")))
    rows = dict(zip([t.text for t in tokens], features(tokens), strict=True))
    assert "al" in rows["Addr:"] and "lal" in rows["Addr:"] and "ac" not in rows["Addr:"]
    assert "ac" in rows["Gwyn"] and "plal" in rows["Gwyn"]  # the line after a label-only line
    assert "pc" in rows["SA47"] and "lpc" in rows["Llanarth"] and "ac" not in rows["Llanarth"]
    assert "plpc" in rows["Thanks"]
    text = "Ship to: Flat 2, 10 Mill Road, Ely"
    tokens = tokens_of(doc_of(text))
    rows = dict(zip([t.text for t in tokens], features(tokens), strict=True))
    assert "uw" in rows["Flat"] and "sw" in rows["Road"] and "lsw" in rows["Ely"] and "luw" in rows["Ely"]
    tokens = tokens_of(doc_of("Meet Anna Lee at noon"))
    assert not any(
        f in ("sw", "uw", "pc", "al", "ac") or f[:2] in ("ls", "lu", "lp", "la") for r in features(tokens) for f in r
    )


def test_the_per_word_caches_keep_at_most_cached_words_each():
    from services.safety import tagger

    clusters = WordClusters({"dorothy": 7})
    caches = (tagger.word_features, tagger._lent_by, tagger.ModelAttributes(frozenset()).parts, clusters.lent)
    assert [c.cache_info().maxsize for c in caches] == [tagger.CACHED_WORDS] * 4
    assert not hasattr(clusters.of, "cache_info")  # asked only when ``lent`` misses: no cache of its own
    for i in range(tagger.CACHED_WORDS + 10):
        word = f"w{i}"
        clusters.lent(word)
        tagger._lent_by(word)
    assert all(c.cache_info().currsize <= tagger.CACHED_WORDS for c in caches)


def test_a_row_holds_only_the_models_attributes_and_tags_as_the_whole_row(pii_detector):
    """The shipped tagger leaves out of each row the words' and the lines' features its model has no weights for
    (CRFsuite ignores them): the same tags and marginals as the whole rows over the PII sets, rows a fifth
    shorter."""
    from loadtests.bench_pii import load
    from services.safety import tagger as module

    tagger = pii_detector.tagger
    model = tagger._tagger
    assert len(tagger._attributes.names) > 10_000
    whole = kept = 0
    for name in ("heldout5", "heldout27", "heldout28"):
        for row in load(name):
            tokens = module.tokens_of(pii_detector._tokens_only(row["text"]).tokens)
            rows = [module.features(tokens, None, tagger.clusters, a) for a in (None, tagger._attributes)]
            assert all(f in tagger._attributes for r in rows[1] for f in r if not f.startswith(("-1c=", "0c=", "1c=")))
            readings = []
            for xseq in rows:
                tags = model.tag(xseq)
                readings.append((tags, [model.marginal(t, i) for i, t in enumerate(tags)]))
            assert readings[0] == readings[1], row["id"]
            whole += sum(map(len, rows[0]))
            kept += sum(map(len, rows[1]))
    assert kept < 0.9 * whole


def test_word_clusters_are_a_words_first_wordpiece_cluster_and_features_read_them():
    clusters = WordClusters({"dorothy": 7, "dor": 3, "road": 5, "佐": 9})
    assert clusters.of("Dorothy") == "7" and clusters.of("Dorothée") == "3"  # accents stripped, longest prefix
    assert clusters.of("Roads") == "5" and clusters.of("佐々木") == "9" and clusters.of("xyz") == ""
    tokens = tokens_of(doc_of("Dorothy Roads xyz"))
    rows = features(tokens, None, clusters)
    assert "0c=7" in rows[0] and "1c=5" in rows[0]
    assert "-1c=7" in rows[1] and "0c=5" in rows[1] and not any(f.startswith("1c=") for f in rows[1])
    assert not any("c=" in f for f in features(tokens)[0])  # a model without clusters: none


def test_tokens_are_cut_at_field_separators_spacy_leaves_inside_them():
    text = "1021;Brandstätter;Lukas;14.03.2009 SMITH^JOHN 住所：大阪府大阪市北区 Mensah,Kwabena paid 1,000"
    tokens = tokens_of(doc_of(text))
    assert [t.text for t in tokens] == [
        "1021", ";", "Brandstätter", ";", "Lukas", ";", "14.03.2009",
        "SMITH", "^", "JOHN", "住所", "：", "大阪府大阪市北区", "Mensah", ",", "Kwabena", "paid", "1,000",
    ]  # fmt: skip
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.line_start for t in tokens[:3]] == [True, False, False]


def test_chat_speaker_labels_and_cjk_address_morphemes_are_features():
    text = "[ 10:03 ] Visitor : hi \n <kjetil> yes \n Ana : ok \n said Ana : no"
    tokens = tokens_of(doc_of(text.replace("<kjetil>", "< kjetil >")))
    rows = features(tokens)
    speakers = [t.text for t, row in zip(tokens, rows, strict=True) if "spk" in row]
    assert speakers == ["Visitor", "kjetil", "Ana"]  # not "Ana" in the middle of a line
    assert "cja3" in word_features("浙江省杭州市西湖区文三路478号") and "cja1" in word_features("해운대구")
    assert not any(f.startswith("cja") for f in word_features("佐々木") + word_features("이서연입니다"))


def test_an_address_wins_over_a_name_inside_it():
    """A street named after a person ("12 Rue Émile Zola"): the rule's name (0.85) would beat the
    tagger's address (0.8) by score and cut the address; the name inside goes, a name beside stays."""
    from services.safety.pii import names_in_addresses, resolve_overlaps, widen_to_tagger

    text = "Marie Dubois, 12 Rue Émile Zola, 69003 Lyon"
    street, marie = _entity("ADDRESS", 14, len(text)), _entity("PERSON", 0, 12, 0.85)
    zola = _entity("PERSON", text.index("Émile"), text.index(", 69003"), 0.85)
    assert names_in_addresses([marie, zola, street]) == [marie, street]
    tagged = {("ADDRESS", street.start, street.end)}
    found = resolve_overlaps(widen_to_tagger(names_in_addresses([marie, zola, street]), tagged))
    assert [(e.type, text[e.start : e.end]) for e in found] == [
        ("PERSON", "Marie Dubois"),
        ("ADDRESS", "12 Rue Émile Zola, 69003 Lyon"),
    ]
    overhanging = _entity("PERSON", 10, 20, 0.85)  # not wholly inside: left to the overlap rule
    assert names_in_addresses([overhanging, street]) == [overhanging, street]


def _result(kind: str, start: int, end: int, tagger: bool):
    from presidio_analyzer import RecognizerResult

    name = "TaggerRecognizer" if tagger else "RuleRecognizer"
    return RecognizerResult(kind, start, end, 0.8 if tagger else 0.9, recognition_metadata={"recognizer_name": name})


def _spans(text: str, results) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start : r.end]) for r in results]


def test_the_taggers_spans_are_kept_to_whole_fields():
    """Where a rule's span of the same type ends inside a chunk at a punctuation mark, the tagger's
    span ends there too (a script written without spaces excepted); a tagger span that runs onto a
    labelled line stops before it; one across a record's field boundary, and an address with no
    letter, go. The rules' own spans are left as they are."""
    from services.safety.pii import tidy_tagger_spans

    text = '{"dob":"1979-04-02"}'
    rule = _result("DATE_OF_BIRTH", text.index("1979"), text.index('"}'), tagger=False)
    tagged = _result("DATE_OF_BIRTH", 1, len(text), tagger=True)
    assert _spans(text, tidy_tagger_spans(text, [rule, tagged])) == [("DATE_OF_BIRTH", "1979-04-02")] * 2
    text = "SSR DOCS YY HK1/P/GBR/5501/GBR/14JUN79/M"
    rule = _result("DATE_OF_BIRTH", text.index("14JUN79"), text.index("/M"), tagger=False)
    tagged = _result("DATE_OF_BIRTH", text.index("GBR/14"), text.index("/M"), tagger=True)
    assert _spans(text, tidy_tagger_spans(text, [rule, tagged]))[1] == ("DATE_OF_BIRTH", "14JUN79")
    text = "地址：广州市天河区体育西路103号维多利广场B座"  # one chunk: the tagger's building stays
    rule = _result("ADDRESS", 3, text.index("维"), tagger=False)
    tagged = _result("ADDRESS", 3, len(text), tagger=True)
    assert _spans(text, tidy_tagger_spans(text, [rule, tagged]))[1] == ("ADDRESS", text[3:])
    text = "Ship to: 4 Elm Row\nPhone: 555 0100"
    tagged = _result("ADDRESS", 9, len(text) - 9, tagger=True)
    assert _spans(text, tidy_tagger_spans(text, [tagged])) == [("ADDRESS", "4 Elm Row")]
    text = '{"resourceType":"Patient","id":"pt-771","name":[{"family":"Okafor"}],"gender":"male"}'
    across = _result("ADDRESS", 2, text.index(',"gender'), tagger=True)
    number = _result("ADDRESS", text.index("771"), text.index("771") + 3, tagger=True)
    name = _result("PERSON", text.index("Okafor"), text.index('"}]'), tagger=True)
    assert _spans(text, tidy_tagger_spans(text, [across, number, name])) == [("PERSON", "Okafor")]
    rule_number = _result("ADDRESS", text.index("771"), text.index("771") + 3, tagger=False)
    assert tidy_tagger_spans(text, [rule_number]) == [rule_number]  # a rule's span: not the tagger's to tidy


def test_an_address_that_opens_with_its_residents_name_starts_after_it():
    """The resident's name (a PERSON found, its first word a given name) at the start of an address
    span, perhaps after a title or label, is no part of the address; a street or building named like
    a person stays whole."""
    from services.safety.pii import address_after_name

    def after_name(text: str, address: str, name: str) -> str:
        start = text.index(address)
        result = _result("ADDRESS", start, start + len(address), tagger=True)
        address_after_name(text, [result], [(text.index(name), text.index(name) + len(name))])
        return text[result.start : result.end]

    text = "Owner: Margaret Hollis, Ivy Cottage, Upper Swell, Cheltenham GL54 1EW, 01451 830 112"
    address = "Margaret Hollis, Ivy Cottage, Upper Swell, Cheltenham GL54 1EW"
    assert after_name(text, address, "Margaret Hollis") == "Ivy Cottage, Upper Swell, Cheltenham GL54 1EW"
    text = "Write to Fr. Colm Ó Briain\nThe Parochial House, Main Street, Clifden, Co. Galway H71 X2P4"
    address = text[text.index("Fr.") :]
    assert after_name(text, address, "Colm Ó Briain") == text[text.index("The Parochial") :]
    kept = [
        ("Domicilio: Av. Benito Juárez, 1450, Col. Centro, Monterrey", "Benito Juárez"),  # a street named after him
        ("Adresse : Résidence Les Acacias, bât. D, 3 rue Pasteur, 69007 Lyon", "Résidence Les Acacias"),  # labelled
        ("Ty Gwyn, Heol y Bont, Llandysul SA44 4AB", "Gwyn"),  # a house's name: a word before the name
    ]
    for text, name in kept:
        address = text.split(": ")[-1]
        assert after_name(text, address, name) == address


def test_a_name_that_opens_an_address_span_is_its_addressee_not_part_of_it():
    """ "Name, 3 Street, Town" as one ADDRESS span (the tagger reads the name as the address's first line), the
    name's first word no given name of the lists: the address starts after the comma or dash when a digit follows;
    an address label before the span, or no digit after the name, leaves the span whole."""
    from services.safety.pii import address_after_name

    def after_name(text: str, start: int, name: str) -> str:
        result = _result("ADDRESS", start, len(text), tagger=True)
        address_after_name(text, [result], [(text.index(name), text.index(name) + len(name))])
        return text[result.start : result.end]

    text = "Landlord: Ceridwen ap Rhys, 7 Heol Fawr, Llandeilo SA19 6AA"
    assert after_name(text, 10, "Ceridwen ap Rhys") == "7 Heol Fawr, Llandeilo SA19 6AA"
    text = "Mrs Ceridwen ap Rhys — The Old Rectory, 4 Church Road, Bantry"
    assert after_name(text, 0, "Ceridwen ap Rhys").startswith("The Old Rectory")
    text = "Adresse : Résidence Les Ormes, 5 allée des Pins, 31000 Toulouse"
    assert after_name(text, 10, "Résidence Les Ormes") == text[10:]
    text = "Mrs Ceridwen ap Rhys, Hill House, Llandeilo"
    assert after_name(text, 0, "Ceridwen ap Rhys") == text


def test_a_rules_name_that_opens_a_tagger_address_stays_and_the_address_goes():
    """ "Patient: Gunnarsdóttir, Sigríður  Kt. 120358-2239": the tagger's address runs on from the
    rules' name; a rule's address that opens with a name keeps it ("12 Rue Émile Zola" aside, the
    name goes inside any address that does not open with it)."""
    from services.safety.pii import names_in_addresses

    name, address = _entity("PERSON", 9, 32, 0.85), _entity("ADDRESS", 9, 50)
    assert names_in_addresses([name, address], {("ADDRESS", 9, 50)}) == [name]
    assert names_in_addresses([name, address], set()) == [address]  # the rules' address: the name is its part
    street = _entity("PERSON", 12, 24, 0.85)  # inside the tagger's address, not at its start
    assert names_in_addresses([street, address], {("ADDRESS", 9, 50)}) == [address]
    tagger_name = _entity("PERSON", 9, 32)  # the tagger's own name opens nothing
    assert names_in_addresses([tagger_name, address], {("ADDRESS", 9, 50), ("PERSON", 9, 32)}) == [address]
    carrera = _entity("PERSON", 9, 16, 0.6)  # "Carrera 7 # 71-21, Torre B": no sure name
    assert names_in_addresses([carrera, address], {("ADDRESS", 9, 50)}) == [address]
    rules_street = _entity("ADDRESS", 9, 36, 0.85)  # a name inside a rule's address is a street's
    assert names_in_addresses([name, rules_street, address], {("ADDRESS", 9, 50)}) == [rules_street, address]


def test_the_merge_drops_names_in_addresses_before_a_tagger_address_gives_way():
    """Merge order (measured, README "Round 9"): a name inside the tagger's address goes with it even
    when the address then gives way to a phone (a CSV row's "Block" of "Flat 18C, Block 2"); a sure
    name that opens it stays."""
    from services.safety.pii import merge_tagger_spans

    address, phone = _entity("ADDRESS", 0, 40), _entity("PHONE_NUMBER", 30, 40, 0.4)
    block = _entity("PERSON", 5, 10, 0.6)
    assert merge_tagger_spans([address, phone, block], {("ADDRESS", 0, 40)}) == [phone]
    sure = _entity("PERSON", 0, 10, 0.85)
    assert merge_tagger_spans([address, phone, sure], {("ADDRESS", 0, 40)}) == [phone, sure]


@pytest.mark.parametrize(
    ("text", "kind", "span", "fits"),
    [
        ('dob "YYYY-MM-DD", phone "+00"', "DATE_OF_BIRTH", "YYYY-MM-DD", False),
        ("Fædd: 12. mars 1958", "DATE_OF_BIRTH", "12. mars 1958", True),
        ("born the fourth of November", "DATE_OF_BIRTH", "the fourth of November", True),
        ("生年月日: 平成四年", "DATE_OF_BIRTH", "平成四年", True),
        ("PID|1||77^^^H||NGUYEN^AN||19860412|F", "DATE_OF_BIRTH", "19860412", True),
        ("고객: 윤하은이고요, 1993년 11월 2일이요", "DATE_OF_BIRTH", "1993년 11월 2일", True),
        ("nar. 14. 3. 1955", "DATE_OF_BIRTH", "14. 3. 1955", True),
        ("Ng Kwok Wing,1412,2026-12-02,2026-12-05", "DATE_OF_BIRTH", "-05", False),  # no date's figures
        ('"Sørensen, Mette",1507,2026-12-03,2026-12-04', "DATE_OF_BIRTH", "1507,2026-12-03,2026-12-04", False),
        ("exp 09/27. Number he texted from: 814-273-0966.", "DATE_OF_BIRTH", "814-273-0966", False),  # a phone's
        ("DOB: 1987-03-22, SSN", "DATE_OF_BIRTH", "1987-03-22", True),
        ("plan: Hannah-Arendt-Straße, Willy-Brandt-Allee, Marie-Curie-Platz", "ADDRESS", "Willy-Brandt-Allee", False),
        ("Pegs:\nP1 -33.8568, 151.2153\nP2 -33.8571, 151.2160", "ADDRESS", "P1 -33.8568, 151.2153", False),
        ("$GPGGA,091512.00,5130.4421,N,00007.5530,W,1", "ADDRESS", "5130.4421,N,00007.5530,W", False),
        ("at 12 Rue Émile Zola, 69002 Lyon", "ADDRESS", "12 Rue Émile Zola, 69002 Lyon", True),
        ("Address: Drumbeg, Inver, Co. Donegal", "ADDRESS", "Drumbeg, Inver, Co. Donegal", True),  # labelled
        ('"First Name","Last Name","Email"', "PERSON", '"Last Name"', False),
        ('"First Name","Street Address","City"', "PERSON", "Street Address", False),
        ('name "<Given> <Family>"', "PERSON", "<Given", False),
        ("<Consignment>\n  <Name>Aditi Chakraborty</Name>\n</Consignment>", "PERSON", "Consignment", False),
        ("<Consignment>\n  <Name>Aditi Chakraborty</Name>\n</Consignment>", "PERSON", "Aditi Chakraborty", True),
        ("<Marta> running late\n<Joe> ok", "PERSON", "Marta", True),  # a chat nick, no element
        ("plan: Hannah-Arendt-Straße", "PERSON", "Hannah-Arendt-", False),
        ("Ticket closed by Oklen Brastaad", "PERSON", "Oklen Brastaad", True),
    ],
)
def test_a_tagger_span_its_characters_rule_out_does_not_fit(text, kind, span, fits):
    """The tagger guesses from the words around: a date of birth with no digit or month, an address
    with no number or one that is coordinates, a name that is a label, a placeholder or markup are
    ruled out by their characters."""
    from services.safety.pii import tagger_span_fits

    start = text.index(span)
    assert tagger_span_fits(text, kind, start, start + len(span)) is fits


@pytest.mark.parametrize(
    "text",
    [
        "Equipe Casa & Tech — empresa fundada em 12/03/1998, CNPJ na nota.",
        "Employee 4471 | SSN on file | DOB on file | hire 04/04/2011 | dept 12",
        "excluding the rights granted by a Transfer dated 11 October 1987 to the former owner",
        "Statuts de la SARL Tilleuls (créée le 2 mai 1998), siège à Lyon.",
    ],
)
def test_a_taggers_date_after_a_word_dating_something_else_is_no_date_of_birth(pii_detector, text):
    assert [text[e.start : e.end] for e in pii_detector.detect(text, ["DATE_OF_BIRTH"])] == []


def test_a_forms_name_label_in_other_languages_is_no_taggers_name():
    from services.safety.pii import tagger_span_fits

    text = "Civilité : Mme\nNom : Lefèvre-Aubry   Prénom : Camille"
    for label in ("Nom", "Prénom"):
        assert not tagger_span_fits(text, "PERSON", text.index(label), text.index(label) + len(label))
    assert tagger_span_fits(text, "PERSON", text.index("Camille"), text.index("Camille") + 7)


def test_a_taggers_address_over_a_csv_rows_cells_is_dropped_and_the_rules_names_stay():
    from services.safety.pii import tagger_span_fits

    text = "mrn,surname,given,dob\nH-558201,NAKASHIMA,Ren,1991-05-16,HbA1c,48\nH-558202,OKAFOR,Chidera,1974-09-02"
    start = text.index("H-558201")
    assert not tagger_span_fits(text, "ADDRESS", start, text.index("Chidera") + 8)
    street = "Ship to: 12 Mill Road, Ely CB7 4HT"
    assert tagger_span_fits(street, "ADDRESS", street.index("12"), len(street))


@pytest.mark.parametrize(
    ("before", "dates_else"),
    [
        ("Graaff-Reinet; oorl. ", True),  # Afrikaans "died"
        ("c1 Johannes Petrus geb. 12.02.1922, ged. ", True),  # "baptised"
        ("Постанови Кабінету Міністрів України від ", True),  # a law's date
        ("Mary Ellen Tate died ", True),
        ("Johannes Petrus geb. ", False),
        ("Дата народження: ", False),
    ],
)
def test_a_death_a_baptism_and_a_laws_date_are_dates_of_something_else(before, dates_else):
    from services.safety.pii import _OTHER_DATE_BEFORE

    assert (_OTHER_DATE_BEFORE.search(before) is not None) is dates_else


def test_a_taggers_date_in_a_year_still_to_come_is_no_date_of_birth():
    """An expiry or a due date: "EXP: 07/04/2090" (a year after this one, whenever the test runs)."""
    from services.safety.pii import tidy_tagger_spans

    text = "DATE OF BIRTH: 07/04/1983\nDRIVER'S LICENSE #: 104882371   STATE: TN   EXP: 07/04/2090"
    born, expires = (text.index(d) for d in ("07/04/1983", "07/04/2090"))
    results = [_result("DATE_OF_BIRTH", born, born + 10, True), _result("DATE_OF_BIRTH", expires, expires + 10, True)]
    assert _spans(text, tidy_tagger_spans(text, results)) == [("DATE_OF_BIRTH", "07/04/1983")]
