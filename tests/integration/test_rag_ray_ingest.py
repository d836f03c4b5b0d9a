"""Ingestion as a Ray Data job (``llmops rag ingest --runner ray``) on a real local Ray node,
with the real chunker and the real ONNX embedder: it indexes the same chunks and the same
vectors as the in-process path, and a second run skips every unchanged document."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.rag.config import RagSettings
from services.rag.documents import RecordFields, read_paths
from services.rag.service import RetrievalService
from tests.integration.conftest import EMBED_MODEL, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.ray]

PUBMED = ROOT.parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json"
FIELDS = {"text_field": "CONTEXTS", "title_field": "QUESTION", "meta_fields": ["YEAR"]}
N_DOCS = 10


@pytest.fixture(scope="module")
def ray_node():
    import ray

    ray.init(
        _node_ip_address="127.0.0.1",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        namespace="llmops-test-rag-ingest",
        runtime_env={"env_vars": {"RAY_AUTH_MODE": "disabled"}},
    )
    yield
    ray.shutdown()


def rows(service: RetrievalService, collection: str):
    table = service.store.db.open_table(collection).to_arrow().sort_by("chunk_id")
    vectors = np.stack(table["vector"].to_numpy(zero_copy_only=False))
    return table["chunk_id"].to_pylist(), table["text"].to_pylist(), table["content_hash"].to_pylist(), vectors


def test_ray_data_job_indexes_what_the_local_path_does(tmp_path, ray_node, monkeypatch):
    if not PUBMED.is_file():
        pytest.skip(f"{PUBMED} not present")
    model_dir = ROOT / "var" / "models" / EMBED_MODEL
    subset = tmp_path / "subset.jsonl"
    documents = list(read_paths([PUBMED], RecordFields(**FIELDS)))[:N_DOCS]
    subset.write_text(
        "\n".join(
            json.dumps({"id": d.id, "CONTEXTS": d.text, "QUESTION": d.title, "YEAR": d.metadata.get("YEAR")})
            for d in documents
        )
    )
    # one index folder for both paths (the ONNX export is cached there once), one collection each
    settings = RagSettings(index_dir=tmp_path / "index", embedding_model_dir=model_dir, embed_batch_size=8)
    local = RetrievalService.from_settings(settings)
    local.ingest("pubmed-local", read_paths([subset], RecordFields(**FIELDS)))

    # the CLI, as a user runs it, on the Ray node of this test (the job joins the running Ray)
    monkeypatch.setenv("LLMOPS_RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("LLMOPS_RAG_EMBEDDING_MODEL_DIR", str(model_dir))
    argv = ["rag", "ingest", str(subset), "-c", "pubmed", "--runner", "ray", "--actors", "1"]
    argv += ["--text-field", "CONTEXTS", "--title-field", "QUESTION", "--meta-field", "YEAR"]
    out = CliRunner().invoke(app, argv)
    assert out.exit_code == 0, out.output
    assert f"{N_DOCS} added, 0 replaced, 0 unchanged" in out.output and "(ray)" in out.output

    ray_service = RetrievalService.from_settings(settings)
    ids_l, texts_l, hashes_l, vectors_l = rows(local, "pubmed-local")
    ids_r, texts_r, hashes_r, vectors_r = rows(ray_service, "pubmed")
    assert len(ids_l) > N_DOCS  # several chunks per abstract
    assert (ids_r, texts_r, hashes_r) == (ids_l, texts_l, hashes_l)
    assert float((vectors_l * vectors_r).sum(axis=1).min()) > 1 - 1e-5
    assert ray_service.stats("pubmed")["documents"] == N_DOCS
    # the index the job wrote answers queries: BM25 postings were built too
    hits = ray_service.retrieve({"query": documents[3].title, "collection": "pubmed", "top_k": 3, "mode": "bm25"})
    assert hits["data"][0]["document_id"] == documents[3].id

    again = CliRunner().invoke(app, argv)
    assert again.exit_code == 0, again.output
    assert f"0 added, 0 replaced, {N_DOCS} unchanged, 0 chunks" in again.output
