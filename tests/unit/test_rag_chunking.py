from __future__ import annotations

import pytest

from services.rag.chunking import Chunker
from services.rag.config import RagSettings
from services.rag.fusion import reciprocal_rank_fusion
from tests.unit.rag_fixtures import tokenizer  # noqa: F401  (fixture)

SENTENCE = "Mitochondrial dynamics shape programmed cell death in the lace plant leaf."


def test_every_chunk_fits_the_model_window(tokenizer):  # noqa: F811
    chunker = Chunker(tokenizer, max_tokens=256, overlap_tokens=32)
    text = " ".join(f"Sentence number {i} talks about protein folding and kinase inhibitors." for i in range(300))
    chunks = chunker.chunk(text)
    assert len(chunks) > 10
    assert max(chunker.count(c) for c in chunks) <= 256
    # nearly full chunks: sentences are packed up to the budget
    assert min(chunker.count(c) for c in chunks[:-1]) > 200


def test_small_budget_and_overlap_repeats_trailing_sentences(tokenizer):  # noqa: F811
    chunker = Chunker(tokenizer, max_tokens=64, overlap_tokens=20)
    sentences = [f"Fact {i}: the patient cohort {i} received treatment." for i in range(12)]
    chunks = chunker.chunk(" ".join(sentences))
    assert max(chunker.count(c) for c in chunks) <= 64
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = chunker.sentences(first)[-1]
        assert second.startswith(last_sentence)  # the overlap carries the previous chunk's tail
    # every sentence survives
    joined = " ".join(chunks)
    assert all(s in joined for s in sentences)


def test_a_sentence_longer_than_the_budget_is_cut_at_token_boundaries(tokenizer):  # noqa: F811
    chunker = Chunker(tokenizer, max_tokens=48, overlap_tokens=0)
    long_sentence = " ".join(["electrophysiological"] * 200) + "."
    chunks = chunker.chunk(long_sentence)
    assert len(chunks) > 3
    assert all(chunker.count(c) <= 48 for c in chunks)
    assert sum(c.count("electrophysiological") for c in chunks) == 200


def test_paragraphs_and_empty_text(tokenizer):  # noqa: F811
    chunker = Chunker(tokenizer, max_tokens=256, overlap_tokens=16)
    assert chunker.chunk("  \n\n \t ") == []
    assert chunker.chunk(f"{SENTENCE}\n\nSecond paragraph here.") == [f"{SENTENCE} Second paragraph here."]


def test_settings_refuse_a_budget_over_the_model_limit():
    with pytest.raises(ValueError):
        RagSettings(chunk_tokens=300)
    with pytest.raises(ValueError):
        RagSettings(chunk_tokens=64, chunk_overlap_tokens=40)


def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    # an item found by both lists beats one ranked first by a single list
    assert dict(reciprocal_rank_fusion([["x", "y"], ["y", "z"]]))["y"] > dict(reciprocal_rank_fusion([["x"]]))["x"]
    # duplicates within one list vote once; ties keep first-seen order
    assert reciprocal_rank_fusion([["p", "p", "q"]], k=1) == [("p", 0.5), ("q", 1 / 4)]
    assert [i for i, _ in reciprocal_rank_fusion([["m"], ["n"]])] == ["m", "n"]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=0)
