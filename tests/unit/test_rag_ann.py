"""The store's HNSW-SQ8 dense index (services/rag/ann.py) on a real LanceDB table in a temporary
folder, forced on (``dense_index: hnsw_sq8``) with a few thousand clustered vectors."""

from __future__ import annotations

import numpy as np
import pytest

from services.rag.ann import AnnParams
from services.rag.store import Chunk, LanceStore
from tests.unit.rag_fixtures import make_service, tokenizer  # noqa: F401  (fixture)

DIM = 384
TOPICS = ("a", "b", "c", "d")


def clustered(n: int, seed: int, centres: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = np.random.default_rng(99).standard_normal((centres, DIM)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    x = c[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def chunks_of(doc: int, vectors: np.ndarray, version: str = "v1") -> list[Chunk]:
    return [
        Chunk(
            chunk_id=f"d{doc}#{i}",
            document_id=f"d{doc}",
            chunk_index=i,
            text=f"document {doc} part {i} {version}",
            vector=v,
            content_hash=f"{doc}-{version}",
            metadata={"topic": TOPICS[doc % len(TOPICS)]},
        )
        for i, v in enumerate(vectors)
    ]


def fill(store: LanceStore, vectors: np.ndarray, per_doc: int = 3, collection: str = "c") -> None:
    for start in range(0, len(vectors), 600):  # a few commits, like ingestion batches
        docs = range(start // per_doc, min(len(vectors), start + 600) // per_doc)
        chunks = [c for d in docs for c in chunks_of(d, vectors[d * per_doc : (d + 1) * per_doc])]
        store.replace_documents(collection, [f"d{d}" for d in docs], chunks)
    store.refresh(collection)


def ann_store(path, **params) -> LanceStore:
    return LanceStore(path, dense=AnnParams(kind=params.pop("kind", "hnsw_sq8"), **params))


@pytest.fixture(scope="module")
def data():
    return clustered(3000, seed=1), clustered(40, seed=2)


@pytest.fixture
def store(tmp_path, data):
    s = ann_store(tmp_path / "idx")
    fill(s, data[0])
    return s


def top(store, q, k=10, filters=None, collection="c"):
    return [h.chunk_id for h in store.dense(collection, q, k, filters or {})]


def test_recall_against_exact_flat_scan(store, tmp_path, data):
    flat = LanceStore(tmp_path / "idx", dense=AnnParams(kind="flat"))
    assert store.stats("c")["dense_index"]["kind"] == "hnsw_sq8"
    assert flat.stats("c")["dense_index"]["kind"] == "flat"
    recalls = [len(set(top(store, q)) & set(top(flat, q))) / 10 for q in data[1]]
    assert np.mean(recalls) >= 0.95
    hits = store.dense("c", data[1][0], 5, {})
    exact = flat.dense("c", data[1][0], 5, {})
    assert hits[0].score == pytest.approx(exact[0].score, abs=1e-5)  # re-ranked on float32: exact cosine
    assert hits[0].text and hits[0].metadata["topic"] in TOPICS


def test_erasure_removes_a_document_from_ann_results_at_once(store, tmp_path, data):
    q = data[0][30]  # chunk 0 of document d10
    assert top(store, q)[0] == "d10#0"
    assert store.delete_document("c", "d10") == 3
    assert store.stats("c")["dense_index"]["kind"] == "hnsw_sq8"  # the ANN still answers
    assert not [c for c in top(store, q, 50) if c.startswith("d10#")]
    index = store._ann.get("c")
    assert not [c for c in index.search(q, 100)[0] if c.startswith("d10#")]  # the index itself, not only LanceDB
    label = index._keys["chunk_id"].to_pylist().index("d10#0")
    vectors = np.fromfile(tmp_path / "idx" / "c.ann" / "vectors.f32", dtype=np.float32).reshape(-1, DIM)
    assert not vectors[label].any()  # the float32 vector is gone from disk as well
    reopened = ann_store(tmp_path / "idx")
    reopened.dense("c", q, 10, {})
    reopened._ann.wait()
    assert reopened.stats("c")["dense_index"]["tombstones"] == 3
    assert not [c for c in top(reopened, q, 50) if c.startswith("d10#")]


def test_replaced_chunks_do_not_come_back(store, data):
    old = data[0][60:63]  # document d20
    new = clustered(1, seed=7)
    store.replace_documents("c", ["d20"], chunks_of(20, new, version="v2"))
    store.refresh("c")
    assert store.stats("c")["dense_index"]["kind"] == "hnsw_sq8"
    found = store.dense("c", old[1], 50, {})
    assert "d20#1" not in [h.chunk_id for h in found]
    assert "d20#1" not in store._ann.get("c").search(old[1], 100)[0]
    for h in found:
        if h.chunk_id == "d20#0":
            assert h.score == pytest.approx(float(new[0] @ old[1]), abs=1e-5) and h.text.endswith("v2")
    assert top(store, new[0])[0] == "d20#0"


def test_persisted_index_is_reloaded_not_rebuilt(store, tmp_path, data):
    path = tmp_path / "idx" / "c.ann" / "index.faiss"
    written = path.stat().st_mtime_ns
    reopened = ann_store(tmp_path / "idx")
    assert reopened.stats("c")["dense_index"]["kind"] == "flat"  # not loaded yet
    expected = top(store, data[1][3])
    reopened.dense("c", data[1][3], 10, {})
    reopened._ann.wait()
    assert reopened.stats("c")["dense_index"]["kind"] == "hnsw_sq8"
    assert top(reopened, data[1][3]) == expected
    assert path.stat().st_mtime_ns == written
    path.unlink()  # a lost file: rebuilt from the table
    rebuilt = ann_store(tmp_path / "idx")
    assert top(rebuilt, data[1][3]) == top(LanceStore(tmp_path / "idx", dense=AnnParams(kind="flat")), data[1][3])
    rebuilt._ann.wait()
    assert rebuilt.stats("c")["dense_index"]["live"] == 3000 and path.exists()


def test_index_behind_the_table_is_synchronised(store, tmp_path, data):
    other = LanceStore(tmp_path / "idx", dense=AnnParams(kind="flat"))  # another process writing
    fresh = clustered(3, seed=11)
    other.replace_documents("c", ["new"], [*chunks_of(5000, fresh)])
    other.delete_document("c", "d7")
    q = fresh[0]
    assert top(store, q)[0] == "d5000#0"  # stale index: the exact flat scan answered
    store._ann.wait()
    stats = store.stats("c")["dense_index"]
    assert stats["kind"] == "hnsw_sq8" and stats["live"] == 3000
    assert top(store, q)[0] == "d5000#0"
    assert not [c for c in top(store, data[0][21], 50) if c.startswith("d7#")]


def test_filters_are_respected(store, data):
    for q in data[1][:5]:
        hits = store.dense("c", q, 10, {"topic": "b"})
        assert len(hits) == 10 and {h.metadata["topic"] for h in hits} == {"b"}
    only = store.dense("c", data[1][0], 10, {"document_id": "d13"})  # selective: the flat scan answers
    assert sorted(h.chunk_id for h in only) == ["d13#0", "d13#1", "d13#2"]


def test_rebuild_when_tombstones_exceed_the_share(tmp_path):
    s = ann_store(tmp_path / "idx", rebuild_share=0.2)
    fill(s, clustered(600, seed=3))
    for d in range(50):  # 150 of 600 chunks: 25 % tombstones
        s.delete_document("c", f"d{d}")
    assert s.stats("c")["dense_index"]["tombstones"] == 150
    s.refresh("c")
    stats = s.stats("c")["dense_index"]
    assert stats["tombstones"] == 0 and stats["live"] == 450


def test_auto_is_flat_below_the_threshold(tmp_path):
    s = ann_store(tmp_path / "idx", kind="auto", min_chunks=1000)
    vectors = clustered(1200, seed=4)
    fill(s, vectors[:900])
    assert s.stats("c")["dense_index"]["kind"] == "flat"
    assert not (tmp_path / "idx" / "c.ann").exists()
    s.replace_documents(
        "c", ["d300", "d301", "d302"], [c for d in (300, 301, 302) for c in chunks_of(d, vectors[d * 3 : d * 3 + 3])]
    )
    s.replace_documents(
        "c",
        [f"d{d}" for d in range(303, 400)],
        [c for d in range(303, 400) for c in chunks_of(d, vectors[d * 3 : d * 3 + 3])],
    )
    s.refresh("c")
    assert s.stats("c")["dense_index"]["kind"] == "hnsw_sq8"
    s.drop("c")
    assert not (tmp_path / "idx" / "c.ann").exists()


def test_service_on_the_ann_index_erasure_and_idempotent_reingest(tmp_path, tokenizer, monkeypatch):  # noqa: F811
    from services.rag.config import RagSettings
    from services.rag.documents import Document

    monkeypatch.setenv("LLMOPS_RAG_DENSE_INDEX", "hnsw_sq8")
    assert RagSettings().dense_params().kind == "hnsw_sq8"
    svc = make_service(tmp_path / "index", tokenizer, dense_index="hnsw_sq8")
    docs = [Document(f"doc{i}", f"Topic {i} talks about subject{i} and marker{i % 7}.") for i in range(40)]
    assert svc.ingest("med", docs)["added"] == 40
    assert svc.store.stats("med")["dense_index"]["kind"] == "hnsw_sq8"
    ask = {"query": "subject12 marker5", "collection": "med", "mode": "dense", "top_k": 3}
    assert svc.retrieve(ask)["data"][0]["document_id"] == "doc12"
    again = svc.ingest("med", docs)
    assert again["added"] == 0 and again["unchanged"] == 40
    assert svc.store.stats("med")["dense_index"]["live"] == 40
    svc.store.delete_document("med", "doc12")
    assert "doc12" not in [p["document_id"] for p in svc.retrieve({**ask, "top_k": 40})["data"]]


def test_processes_sharing_the_files_never_write_over_each_other(tmp_path, data):
    a = ann_store(tmp_path / "idx")
    fill(a, data[0][:900])
    extra = clustered(6, seed=21)
    a.replace_documents("c", ["d7001"], chunks_of(7001, extra[:3]))  # appended by A, not saved yet
    b = ann_store(tmp_path / "idx")  # another process: the files disagree with their state, so it rebuilds them
    b.dense("c", extra[0], 10, {})
    b._ann.wait()
    assert b.stats("c")["dense_index"]["live"] == 903
    a.replace_documents("c", ["d7002"], chunks_of(7002, extra[3:]))  # A's copy is detached: dropped, not written
    assert a._ann.get("c") is None
    assert top(a, extra[3])[0] == "d7002#0"  # the flat scan answers while A catches up
    a._ann.wait()
    assert a.stats("c")["dense_index"]["live"] == 906 and top(a, extra[3])[0] == "d7002#0"
    c = ann_store(tmp_path / "idx")
    c.dense("c", extra[0], 10, {})
    c._ann.wait()
    assert c.stats("c")["dense_index"]["live"] == 906 and top(c, extra[0])[0] == "d7001#0"


def test_small_collections_count_rows_once_per_table_version(tmp_path):
    """Under ``auto`` every dense query of a collection below the threshold asks whether it is large
    enough now; the row count is read from the table once per version, not on every query."""
    from services.rag.ann_collections import AnnCollections

    class Table:
        version, counted = 1, 0

        def count_rows(self) -> int:
            self.counted += 1
            return 10

    collections, table = AnnCollections(tmp_path, DIM, AnnParams(kind="auto", min_chunks=1000)), Table()
    for _ in range(5):
        assert collections.for_query("c", table) is None
    assert table.counted == 1
    table.version = 2
    collections.for_query("c", table)
    assert table.counted == 2


def test_changing_m_or_ef_construction_rebuilds_the_index(store, tmp_path, data):
    """README RAG settings: changing hnsw_m or hnsw_ef_construction rebuilds the index (the saved
    files of other build parameters are not loaded)."""
    from services.rag.ann import AnnIndex

    folder = tmp_path / "idx" / "c.ann"
    kept = AnnParams(kind="hnsw_sq8")
    assert AnnIndex.load(folder, 384, kept) is not None
    assert AnnIndex.load(folder, 384, AnnParams(kind="hnsw_sq8", m=kept.m * 2)) is None
    assert AnnIndex.load(folder, 384, AnnParams(kind="hnsw_sq8", ef_construction=kept.ef_construction + 8)) is None
    written = (folder / "index.faiss").stat().st_mtime_ns
    other = ann_store(tmp_path / "idx", m=kept.m * 2)
    other.dense("c", data[1][3], 10, {})
    other._ann.wait()
    assert (folder / "index.faiss").stat().st_mtime_ns != written, "rebuilt with the new M"
