"""``llmops rag`` commands on a real index with the fast embedder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.cli import rag as rag_cli
from tests.unit.rag_fixtures import make_service, tokenizer  # noqa: F401  (fixture)


@pytest.fixture
def cli(tmp_path, tokenizer, monkeypatch):  # noqa: F811
    service = make_service(tmp_path / "index", tokenizer)
    monkeypatch.setattr(rag_cli, "_service", lambda threads=None: service)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["rag", *args])


def test_ingest_list_stats_query_delete(cli, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        "\n".join(
            json.dumps({"id": f"d{i}", "text": f"Document {i} is about topic{i} and kidneys.", "lang": "en"})
            for i in range(5)
        )
    )
    first = cli("ingest", str(docs), "--collection", "notes")
    assert first.exit_code == 0, first.output
    assert "5 added, 0 replaced, 0 unchanged" in first.output and "5/5" in first.output
    again = cli("ingest", str(docs), "-c", "notes")
    assert "0 added, 0 replaced, 5 unchanged" in again.output
    listed = cli("list")
    assert "notes" in listed.output and "lang" in listed.output
    stats = json.loads(cli("stats", "notes").output)
    assert stats["documents"] == 5 and stats["filter_fields"] == ["document_id", "source", "title", "lang"]
    hits = json.loads(cli("query", "notes", "topic3 kidneys", "--json", "--filter", "lang=en").output)
    assert hits["data"][0]["document_id"] == "d3"
    bad = cli("query", "notes", "x", "--filter", "colour=red")
    assert bad.exit_code == 1 and "unknown filter field" in bad.output
    erased = cli("delete", "notes", "--document", "d3")
    assert erased.exit_code == 0 and "1 chunks" in erased.output
    assert "d3" not in cli("query", "notes", "topic3", "--json", "-k", "5").output
    assert cli("delete", "notes", "--yes").exit_code == 0
    assert cli("stats", "notes").exit_code == 1


def test_bad_input_fails_cleanly(cli, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1_000_000)
    out = cli("ingest", str(big), "-c", "notes")
    assert out.exit_code == 1 and "over the 2,000,000-byte limit" in out.output
    assert cli("list").output.count("notes") == 0
    assert cli("ingest", str(tmp_path / "missing.md"), "-c", "notes").exit_code == 1


def _pubmedqa(folder, n):
    """A PubMedQA-shaped file (an object of records keyed by PubMed id) under folder/pubmedqa/."""
    (folder / "pubmedqa").mkdir(parents=True)
    records = {
        str(1000 + i): {
            "QUESTION": f"Does drug{i} help kidneys?",
            "CONTEXTS": [f"Background {i}: kidneys.", f"Results {i}: drug{i} helped."],
            "LABELS": ["BACKGROUND", "RESULTS"],
            "MESHES": ["Kidney"],
            "YEAR": "2001",
            "final_decision": "yes",
        }
        for i in range(n)
    }
    (folder / "pubmedqa" / "ori_pqal.json").write_text(json.dumps(records))


def test_demo_ingests_pubmedqa_once(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("LLMOPS_RAG_ENABLED", raising=False)
    _pubmedqa(tmp_path / "data", 3)
    first = cli("demo", "--data-dir", str(tmp_path / "data"))
    assert first.exit_code == 0, first.output
    assert "pubmed: 3 added, 0 replaced, 0 unchanged" in first.output and "(local)" in first.output
    again = cli("demo", "--data-dir", str(tmp_path / "data"))
    assert "pubmed: 0 added, 0 replaced, 3 unchanged, 0 chunks" in again.output
    stats = json.loads(cli("stats", "pubmed").output)
    assert stats["documents"] == 3 and {"year", "final_decision"} <= set(stats["filter_fields"])
    hit = json.loads(cli("query", "pubmed", "drug1", "--json", "--filter", "year=2001").output)["data"][0]
    assert hit["document_id"] == "1001" and hit["title"] == "Does drug1 help kidneys?"


def test_demo_skips_without_data_or_with_rag_off(cli, tmp_path, monkeypatch):
    missing = cli("demo", "--data-dir", str(tmp_path / "nowhere"))
    assert missing.exit_code == 0 and "not found" in missing.output
    _pubmedqa(tmp_path / "data", 1)
    monkeypatch.setenv("LLMOPS_RAG_ENABLED", "false")
    off = cli("demo", "--data-dir", str(tmp_path / "data"))
    assert off.exit_code == 0 and "RAG is off" in off.output
    assert "pubmed" not in cli("list").output


def test_auto_runner_picks_ray_from_the_size_threshold(cli, tmp_path, monkeypatch, tokenizer):  # noqa: F811
    chosen = []

    def fake_ray_chunker(service, address, actors):  # the Ray Data job itself: tests/integration
        chosen.append(actors)
        return service.chunk_batches

    monkeypatch.setattr(rag_cli, "_ray_chunker", fake_ray_chunker)
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps({"id": f"d{i}", "text": f"Text number {i}."}) for i in range(3)))
    small = cli("ingest", str(docs), "-c", "a")
    assert "(local)" in small.output and chosen == []
    monkeypatch.setenv("LLMOPS_RAG_RAY_INGEST_MIN_BYTES", "10")
    service = make_service(tmp_path / "i2", tokenizer)  # reads the threshold from the environment
    monkeypatch.setattr(rag_cli, "_service", lambda threads=None: service)
    big = cli("ingest", str(docs), "-c", "b", "--actors", "3")
    assert big.exit_code == 0, big.output
    assert "3 added" in big.output and "(ray)" in big.output and chosen == [3]
    assert "0 unchanged" in big.output
    assert "(local)" in cli("ingest", str(docs), "-c", "b", "--runner", "local").output


def test_make_serve_ingests_the_demo_before_starting():
    root = Path(__file__).resolve().parents[2]
    # --no-print-directory: under another make (`make test` runs pytest) make -n also prints
    # "make[1]: Entering/Leaving directory" lines
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "serve"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    lines = plan.splitlines()
    demo = next(i for i, line in enumerate(lines) if "llmops rag demo" in line)
    assert "LLMOPS_DATA_DIR=../shared/data" in lines[demo]
    assert lines[-1].endswith("llmops serve") and demo < len(lines) - 1
