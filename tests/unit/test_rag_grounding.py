from __future__ import annotations

from services.rag.grounding import citations, features, grounded_messages

PASSAGES = [
    {"id": "a#0", "document_id": "a", "text": "Aspirin thins blood.", "title": "Aspirin", "source": "a.md",
     "score": 0.0328, "scores": {"dense": 0.71, "bm25": 3.2}},
    {"id": "b#2", "document_id": "b", "text": "Statins lower LDL.", "title": "", "source": "b.md",
     "score": 0.0161, "scores": {"bm25": 1.1}},
]  # fmt: skip


def test_sources_are_numbered_in_a_system_message_after_the_clients_own():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What does aspirin do?"}]
    out = grounded_messages(messages, PASSAGES)
    assert out[0] == messages[0] and out[2] == messages[1] and len(out) == 3
    grounding = out[1]["content"]
    assert out[1]["role"] == "system"
    assert "[1] Aspirin\nAspirin thins blood." in grounding and "[2]\nStatins lower LDL." in grounding
    assert grounding.index("[1]") < grounding.index("[2]")
    user_only = grounded_messages(messages[1:], PASSAGES)
    assert user_only[0]["role"] == "system" and user_only[1] == messages[1]
    assert grounded_messages(messages, []) == messages


def test_citations_and_features():
    cites = citations(PASSAGES, "med")
    assert [c["index"] for c in cites] == [1, 2]
    assert cites[0] | {} == {
        "index": 1, "id": "a#0", "document_id": "a", "collection": "med", "title": "Aspirin", "source": "a.md",
        "score": 0.0328, "text": "Aspirin thins blood.",
    }  # fmt: skip
    feats = features(PASSAGES, retrieved=3, dropped=1)
    assert feats == {
        "rag_passages_retrieved": 3.0,
        "rag_passages_used": 2.0,
        "rag_passages_dropped": 1.0,
        "rag_top_score": 0.0328,
        "rag_top_dense_similarity": 0.71,
    }
    assert all(isinstance(v, float) for v in feats.values())  # numbers only, never passage text
    assert features([], retrieved=0, dropped=0)["rag_top_score"] == 0.0
