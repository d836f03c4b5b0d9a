"""``llmops rag`` commands on a real index with the fast embedder."""

from __future__ import annotations

import json

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
