"""The retrieval service on a real LanceDB index in a temporary folder (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.common.errors import InvalidRequestError, NotFoundError
from services.rag.documents import Document, DocumentError, RecordFields, read_paths
from tests.unit.rag_fixtures import make_pdf, make_service, tokenizer  # noqa: F401  (fixture)

DOCS = [
    Document(
        "aspirin",
        "Aspirin lowers the risk of myocardial infarction in adults. Low doses inhibit platelet aggregation.",
        title="Aspirin and the heart",
        metadata={"year": 2001, "topic": "cardiology"},
    ),
    Document(
        "insulin",
        "Insulin pumps improve glycaemic control in type 1 diabetes. Hypoglycaemia was rarer with pumps.",
        title="Insulin pumps",
        metadata={"year": 2010, "topic": "endocrinology"},
    ),
    Document(
        "asthma",
        "Inhaled corticosteroids reduce asthma exacerbations in children. Growth was slightly slower.",
        title="Steroids for asthma",
        metadata={"year": 2010, "topic": "pulmonology"},
    ),
]


@pytest.fixture
def service(tmp_path, tokenizer):  # noqa: F811
    svc = make_service(tmp_path / "index", tokenizer)
    svc.ingest("med", DOCS)
    return svc


def ids(answer):
    return [p["document_id"] for p in answer["data"]]


def test_hybrid_retrieval_returns_passages_with_sources(service):
    answer = service.retrieve({"query": "platelet aggregation aspirin", "collection": "med", "top_k": 2})
    assert ids(answer)[0] == "aspirin"
    top = answer["data"][0]
    assert top["title"] == "Aspirin and the heart"
    assert top["metadata"] == {"year": 2001, "topic": "cardiology"}
    assert set(top["scores"]) == {"dense", "bm25"} and top["ranks"] == {"dense": 1, "bm25": 1}
    assert top["score"] == pytest.approx(2 / 61)
    assert len(answer["data"]) == 2
    assert set(answer["timings"]) >= {"embed", "dense", "bm25", "fuse", "total"}
    for mode in ("dense", "bm25"):
        single = service.retrieve({"query": "asthma children", "collection": "med", "mode": mode})
        assert ids(single)[0] == "asthma" and set(single["data"][0]["scores"]) == {mode}


def test_metadata_filters_are_applied_inside_the_store(service):
    body = {"query": "aspirin platelet", "collection": "med", "top_k": 5}
    assert set(ids(service.retrieve({**body, "filters": {"year": 2010}}))) == {"insulin", "asthma"}
    assert ids(service.retrieve({**body, "filters": {"topic": ["pulmonology"], "year": "2010"}})) == ["asthma"]
    assert ids(service.retrieve({**body, "filters": {"document_id": "insulin"}})) == ["insulin"]
    assert ids(service.retrieve({**body, "filters": {"topic": "none-such"}})) == []
    # quotes in values are data, not SQL
    assert ids(service.retrieve({**body, "filters": {"topic": "x' OR '1'='1"}})) == []


def test_unknown_filter_field_is_a_clear_400(service):
    with pytest.raises(InvalidRequestError) as err:
        service.retrieve({"query": "aspirin", "collection": "med", "filters": {"colour": "red"}})
    assert err.value.param == "filters"
    assert "colour" in err.value.message and "topic" in err.value.message and "year" in err.value.message
    with pytest.raises(InvalidRequestError):
        service.retrieve({"query": "aspirin", "collection": "med", "filters": {"year`; drop": "1"}})


def test_each_passage_names_its_chunk_and_source(service):
    """README Retrieval: each passage has `id` (`<document id>#<chunk index>`), `document_id`,
    `chunk_index`, `text`, `score`, `scores` / `ranks` per ranking, `title`, `source`, `metadata`."""
    [passage] = service.retrieve({"query": "insulin pumps", "collection": "med", "top_k": 1})["data"]
    fields = {"id", "document_id", "chunk_index", "text", "score", "scores", "ranks", "title", "source", "metadata"}
    assert fields <= set(passage), sorted(passage)
    assert passage["id"] == f"{passage['document_id']}#{passage['chunk_index']}" == "insulin#0"
    assert passage["text"].startswith("Insulin pumps improve glycaemic control")


def test_a_replica_sees_each_batch_another_writer_commits(tmp_path, tokenizer):  # noqa: F811
    """README: "The retrieval replicas see each committed batch of a running ingest": a second
    service over the same index folder (here in the same process, as a replica beside a CLI
    ingest would be in another) answers from new and erased documents at once, without a restart."""
    writer = make_service(tmp_path / "index", tokenizer)
    replica = make_service(tmp_path / "index", tokenizer)
    writer.ingest("med", DOCS)
    body = {"query": "statin myopathy", "collection": "med", "top_k": 5}
    assert "statin" not in ids(replica.retrieve(body))
    writer.ingest("med", [Document("statin", "Statins can cause myopathy in older patients.")])
    for mode in ("hybrid", "dense", "bm25"):
        assert ids(replica.retrieve({**body, "mode": mode}))[0] == "statin", mode
    assert replica.stats("med")["documents"] == 4
    writer.delete_document("med", "statin")
    assert "statin" not in ids(replica.retrieve(body))


def test_a_retrieval_without_top_k_returns_default_top_k_passages(tmp_path, tokenizer):  # noqa: F811
    """README RAG settings: `default_top_k` (5) is "the top_k of a retrieval that gives none"."""
    docs = [Document(f"d{i}", f"Trial {i} of aspirin for headache in adults.") for i in range(8)]
    body = {"query": "aspirin headache", "collection": "med"}
    shipped = make_service(tmp_path / "a", tokenizer)
    shipped.ingest("med", docs)
    assert shipped.settings.default_top_k == 5 and len(shipped.retrieve(body)["data"]) == 5
    two = make_service(tmp_path / "b", tokenizer, default_top_k=2)
    two.ingest("med", docs)
    assert len(two.retrieve(body)["data"]) == 2 and len(two.retrieve({**body, "top_k": 7})["data"]) == 7


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"query": "", "collection": "med"}, "query"),
        ({"query": "   ", "collection": "med"}, "query"),
        ({"query": "x", "collection": "med", "top_k": 0}, "top_k"),
        ({"query": "x", "collection": "med", "top_k": 10000}, "top_k"),
        ({"query": "x", "collection": "Bad Name!"}, "collection"),
        ({"query": "x", "collection": "med", "unknown": 1}, "unknown"),
        ({"collection": "med"}, "query"),
        ({"query": "x", "collection": "med", "mode": "magic"}, "mode"),
        ({"query": "x" * 5000, "collection": "med"}, "query"),
    ],
)
def test_bad_retrieve_requests_are_400(service, body, param):
    with pytest.raises(InvalidRequestError) as err:
        service.retrieve(body)
    assert err.value.status_code == 400 and err.value.param == param


def test_unknown_collection_is_404(service):
    with pytest.raises(NotFoundError) as err:
        service.retrieve({"query": "aspirin", "collection": "nope"})
    assert err.value.status_code == 404 and err.value.code == "collection_not_found"
    with pytest.raises(NotFoundError):
        service.stats("nope")
    with pytest.raises(NotFoundError):
        service.delete_document("nope", "aspirin")


def test_reingest_skips_unchanged_and_replaces_changed(service):
    embedder = service.embedder
    before = embedder.calls
    again = service.ingest("med", DOCS)
    assert (again["added"], again["replaced"], again["unchanged"], again["chunks"]) == (0, 0, 3, 0)
    assert embedder.calls == before  # nothing embedded again
    changed = Document("insulin", "Closed-loop insulin delivery beat injections overnight.", title="Insulin pumps")
    result = service.ingest("med", [*DOCS[:1], changed])
    assert (result["added"], result["replaced"], result["unchanged"]) == (0, 1, 1)
    stats = service.stats("med")
    assert (stats["documents"], stats["chunks"]) == (3, 3)
    old = service.retrieve({"query": "hypoglycaemia pumps", "collection": "med", "mode": "bm25"})
    assert "insulin" not in ids(old)  # the old text is gone
    new = service.retrieve({"query": "closed-loop overnight", "collection": "med", "mode": "bm25"})
    assert ids(new) == ["insulin"]


def test_a_changed_document_with_fewer_chunks_leaves_no_stale_chunk(tmp_path, tokenizer):  # noqa: F811
    svc = make_service(tmp_path / "i", tokenizer, chunk_tokens=32, chunk_overlap_tokens=0)
    long = Document("d", " ".join(f"Finding {i} concerns renal clearance of drug {i}." for i in range(30)))
    svc.ingest("c", [long])
    assert svc.stats("c")["chunks"] > 5
    svc.ingest("c", [Document("d", "One short replacement sentence.")])
    assert svc.stats("c")["chunks"] == 1
    assert ids(svc.retrieve({"query": "renal clearance", "collection": "c", "mode": "bm25"})) == []


def test_erasure_removes_every_chunk_vector_and_posting_from_disk(tmp_path, tokenizer):  # noqa: F811
    svc = make_service(tmp_path / "index", tokenizer, chunk_tokens=32, chunk_overlap_tokens=0)
    secret = "Zygomorphicxylophone"
    victim = Document("victim", " ".join(f"Patient {i} named {secret} took dose {i}." for i in range(20)))
    svc.ingest("med", [*DOCS, victim])
    # a second version of the victim too, so old table versions hold it as well
    svc.ingest("med", [Document("victim", victim.text + f" Follow-up for {secret}.")])
    assert ids(svc.retrieve({"query": secret, "collection": "med", "mode": "bm25"}))[0] == "victim"

    def files_holding_secret() -> list[Path]:
        needles = (secret.encode(), secret.lower().encode())
        files = [p for p in (tmp_path / "index").rglob("*") if p.is_file()]
        return [p for p in files if any(n in p.read_bytes() for n in needles)]

    assert files_holding_secret()  # the check below can see the text on disk
    result = svc.delete_document("med", "victim")
    assert result["chunks_removed"] > 3
    for mode in ("bm25", "dense", "hybrid"):
        answer = svc.retrieve({"query": f"{secret} patient dose", "collection": "med", "mode": mode, "top_k": 50})
        assert "victim" not in ids(answer)
    assert svc.stats("med")["documents"] == 3
    assert files_holding_secret() == []
    with pytest.raises(NotFoundError):
        svc.delete_document("med", "victim")


def test_an_oversized_document_refuses_the_whole_ingest(tmp_path, tokenizer):  # noqa: F811
    svc = make_service(tmp_path / "index", tokenizer)
    huge = Document("huge", "word " * 1_000_000)  # 5 MB
    with pytest.raises(InvalidRequestError) as err:
        svc.ingest("med", [*DOCS, huge])
    assert "huge" in err.value.message and "5,000,000 bytes" in err.value.message
    assert svc.store.collections() == []  # nothing half-ingested
    svc.ingest("med", DOCS)
    with pytest.raises(InvalidRequestError):
        svc.ingest("med", [Document("new", "A new document."), huge])
    assert svc.stats("med")["documents"] == 3
    for bad in ([Document("e", "   ")], [DOCS[0], DOCS[0]], [Document("", "text")]):
        with pytest.raises(InvalidRequestError):
            svc.ingest("med", bad)
    assert svc.stats("med")["documents"] == 3


def test_collections_admin(service):
    [stats] = service.collections()
    assert stats["collection"] == "med" and stats["documents"] == 3
    assert stats["filter_fields"] == ["document_id", "source", "title", "topic", "year"]
    assert service.drop_collection("med") == {"collection": "med", "dropped": True}
    assert service.collections() == []


def test_reading_json_jsonl_markdown_and_text(tmp_path):
    (tmp_path / "pubmed.json").write_text(
        json.dumps({"111": {"QUESTION": "Q?", "CONTEXTS": ["Part one.", "Part two."], "YEAR": "2001", "X": [1]}})
    )
    (tmp_path / "docs.jsonl").write_text(
        json.dumps({"id": "a", "text": "Alpha.", "metadata": {"lang": "en"}}) + "\n\n" + json.dumps({"text": "Beta."})
    )
    (tmp_path / "guide.md").write_text("# Setup guide\n\nInstall **it**.\n\n- step `one`\n\n```\ncode here\n```\n")
    (tmp_path / "notes.txt").write_text("Plain notes.")
    (tmp_path / "skip.csv").write_text("a,b")
    fields = RecordFields(text_field=None)
    docs = {
        d.id: d for d in read_paths([tmp_path / "docs.jsonl", tmp_path / "guide.md", tmp_path / "notes.txt"], fields)
    }
    assert docs["a"].metadata == {"lang": "en"} and docs["docs.jsonl:3"].text == "Beta."
    assert docs["guide.md"].title == "Setup guide"
    assert docs["guide.md"].text == "Setup guide\n\nInstall it.\n\nstep one\n\ncode here"
    assert docs["notes.txt"].text == "Plain notes." and docs["notes.txt"].title == "notes"
    [pub] = read_paths([tmp_path / "pubmed.json"], RecordFields(text_field="CONTEXTS", title_field="QUESTION"))
    assert (pub.id, pub.title, pub.text, pub.metadata) == ("111", "Q?", "Part one.\n\nPart two.", {"YEAR": "2001"})
    with pytest.raises(DocumentError, match="unsupported"):
        list(read_paths([tmp_path / "skip.csv"]))
    with pytest.raises(DocumentError, match="no such file"):
        list(read_paths([tmp_path / "missing.txt"]))
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{broken\n')
    with pytest.raises(DocumentError, match="bad.jsonl:2"):
        list(read_paths([tmp_path / "bad.jsonl"]))
    with pytest.raises(DocumentError, match="no 'text' field"):
        list(read_paths([tmp_path / "pubmed.json"]))


def test_collection_names_are_checked_before_writing(tmp_path, tokenizer):  # noqa: F811
    svc = make_service(tmp_path / "index", tokenizer)
    with pytest.raises(InvalidRequestError):
        svc.ingest("../escape", DOCS)
    assert not any(Path(tmp_path).rglob("*.lance"))


def test_pdf_text_layer_is_ingested_and_retrievable(tmp_path, tokenizer):  # noqa: F811
    folder = tmp_path / "pdfs"
    folder.mkdir()
    make_pdf(folder / "statins.pdf", ["Statins lower cholesterol.", "Myopathy is a rare side effect."], "Statin review")
    make_pdf(folder / "untitled.pdf", ["Vitamin D and bone density."])
    docs = {d.id: d for d in read_paths([folder])}
    assert docs["statins.pdf"].title == "Statin review"
    assert docs["statins.pdf"].text == "Statins lower cholesterol.\n\nMyopathy is a rare side effect."
    assert docs["statins.pdf"].metadata == {"format": "pdf", "pages": 2}
    assert docs["untitled.pdf"].title == "untitled"  # no document-info title: the file name
    service = make_service(tmp_path / "idx", tokenizer)
    service.ingest("pdf", list(docs.values()))
    answer = service.retrieve({"query": "statin myopathy side effect", "collection": "pdf", "top_k": 1})
    assert ids(answer) == ["statins.pdf"]


def test_bad_pdfs_are_refused_and_nothing_is_ingested(tmp_path, tokenizer):  # noqa: F811
    (tmp_path / "garbage.pdf").write_bytes(b"this is not a PDF at all")
    with pytest.raises(DocumentError, match=r"garbage.pdf: not a readable PDF"):
        list(read_paths([tmp_path / "garbage.pdf"]))
    make_pdf(tmp_path / "whole.pdf", ["Some text."])
    (tmp_path / "cut.pdf").write_bytes((tmp_path / "whole.pdf").read_bytes()[:40])  # truncated mid-object
    with pytest.raises(DocumentError, match=r"cut.pdf: not a readable PDF"):
        list(read_paths([tmp_path / "cut.pdf"]))
    make_pdf(tmp_path / "scanned.pdf", [""])  # a page without a text layer (what a scan looks like)
    [empty] = read_paths([tmp_path / "scanned.pdf"])
    service = make_service(tmp_path / "idx", tokenizer)
    good = Document(id="ok", text="Fine text.")
    with pytest.raises(InvalidRequestError, match="scanned.pdf' has no text"):
        service.ingest("pdf", [good, empty])
    assert service.collections() == []  # the whole batch refused: not even the good document


def test_default_metadata_is_the_short_top_level_scalars(tmp_path):
    """README: without --meta-field, a record's metadata is every other top-level scalar field of
    at most 256 characters (a single-record JSON file and a list are read too)."""
    record = {"text": "One record.", "title": "One", "year": 2001, "ok": "y" * 256, "long": "x" * 257, "tags": ["a"]}
    (tmp_path / "one.json").write_text(json.dumps(record))
    (tmp_path / "many.json").write_text(json.dumps([{"text": "First."}, {"id": "b", "text": ["P one.", "P two."]}]))
    docs = {d.id: d for d in read_paths([tmp_path / "one.json", tmp_path / "many.json"], RecordFields())}
    assert docs["one.json"].title == "One" and docs["one.json"].metadata == {"year": 2001, "ok": "y" * 256}
    assert docs["b"].text == "P one.\n\nP two." and docs["many.json[0]"].text == "First."


def test_an_encrypted_pdf_is_refused_with_its_path(tmp_path):
    """README: a damaged or encrypted PDF is refused with its path."""
    from pypdf import PdfReader, PdfWriter

    make_pdf(tmp_path / "plain.pdf", ["Secret minutes."])
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "plain.pdf"))
    writer.encrypt("owner-and-user-password")
    with open(tmp_path / "locked.pdf", "wb") as f:
        writer.write(f)
    with pytest.raises(DocumentError, match=r"locked.pdf: encrypted PDF"):
        list(read_paths([tmp_path / "locked.pdf"]))


def test_metadata_keys_become_lower_case_filter_fields(tmp_path, tokenizer):  # noqa: F811
    """README: every metadata key becomes a filterable field, lower-cased, other characters as `_`."""
    svc = make_service(tmp_path / "index", tokenizer)
    svc.ingest("med", [Document("d1", "Statins lower cholesterol.", metadata={"Publication Year": "2001"})])
    meta = {"Publication Year": "2005", "Study-Type": "cohort"}  # a key the collection did not have yet
    svc.ingest("med", [Document("d2", "Statins and myopathy.", metadata=meta)])
    assert {"publication_year", "study_type"} <= set(svc.stats("med")["filter_fields"])
    body = {"query": "statins", "collection": "med", "filters": {"publication_year": "2005"}}
    assert ids(svc.retrieve(body)) == ["d2"]
    assert ids(svc.retrieve({**body, "filters": {"study_type": "cohort"}})) == ["d2"]


def test_bm25_stems_and_drops_english_stop_words(service):
    """README: BM25 is LanceDB's full-text index with stemming and English stop words."""
    body = {"collection": "med", "mode": "bm25", "top_k": 3}
    assert ids(service.retrieve({**body, "query": "inhibiting platelets"}))[:1] == ["aspirin"]  # inhibits platelet
    assert ids(service.retrieve({**body, "query": "the and of"})) == []  # nothing but stop words
