"""Drift monitor: a topic shift in the traffic is detected, unshifted traffic is not.

Reference and current windows are written through the gateway's request log writer with the
fields the input guard would set (redacted prompt); prompts are PubMedQA questions (reference
and unshifted current: disjoint samples) and, for the shift, tweets from the toxicity set.
"""

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.gateway.request_log import RequestLogWriter

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DATA = DATA if DATA.exists() else Path("/work/shared/data")
NOW = 1_800_000_000.0


def _texts():
    questions = [v["QUESTION"] for v in json.loads((DATA / "pubmedqa" / "ori_pqal.json").read_text()).values()]
    with (DATA / "toxicity" / "train.csv").open() as f:
        tweets = [row["text"] for row in csv.DictReader(f)]
    rng = random.Random(7)
    rng.shuffle(questions)
    rng.shuffle(tweets)
    return questions, tweets


def _write(writer: RequestLogWriter, texts: list[str], start: float, seed: int) -> None:
    rng = random.Random(seed)
    for i, text in enumerate(texts):
        writer.write(
            {
                "time": start + i * 5.0,
                "route": "chat",
                "model": "m",
                "status": 200,
                "prompt_chars": len(text),
                "output_chars": rng.randint(80, 400),
                "features": {},
                "redacted_prompt": text,
            }
        )


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    if not (DATA / "pubmedqa").exists():
        pytest.skip(f"shared data sets not found at {DATA}")
    tmp = tmp_path_factory.mktemp("drift")
    questions, tweets = _texts()
    out = {}
    for name, current in (("unshifted", questions[250:500]), ("shifted", tweets[:250])):
        writer = RequestLogWriter(tmp / f"{name}.jsonl")
        _write(writer, questions[:250], NOW - 7200, seed=1)  # reference: the hour before the current one
        _write(writer, current, NOW - 3600 + 1, seed=2)
        out[name] = writer.path
    return tmp, out


@pytest.mark.parametrize(("name", "expected"), [("unshifted", 0), ("shifted", 1)])
def test_drift_detection(logs, name, expected):
    tmp, paths = logs
    out = tmp / f"report-{name}"
    args = [
        "monitor",
        "drift",
        "--log",
        str(paths[name]),
        "--window",
        "1h",
        "--reference",
        "1h",
        "--now",
        str(NOW),
        "--out",
        str(out),
        "--fail-on-drift",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == expected, result.output
    report = json.loads((out / "drift.json").read_text())
    assert report["reference_requests"] == 250 and report["current_requests"] == 250
    assert report["detected"] is bool(expected)
    assert report["features"]["prompt_chars"]["drifted"] is bool(expected)
    assert (report["embedding_distance"] >= 0.15) is bool(expected)
    prom = (out / "drift.prom").read_text()
    assert (
        f"llmops_drift_detected {float(expected)}" in prom and 'llmops_drift_feature_score{feature="language"}' in prom
    )
    assert (out / "drift.html").stat().st_size > 10_000


def test_too_few_requests_gives_no_verdict(tmp_path):
    writer = RequestLogWriter(tmp_path / "r.jsonl")
    _write(writer, ["a question?"] * 5, NOW - 100, seed=1)
    result = CliRunner().invoke(
        app,
        [
            "monitor",
            "drift",
            "--log",
            str(writer.path),
            "--now",
            str(NOW),
            "--out",
            str(tmp_path / "o"),
            "--embeddings",
            "off",
        ],
    )
    assert result.exit_code == 3 and "not enough requests" in result.output


def test_embeddings_api_without_a_key_is_refused_before_the_log_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("LLMOPS_DRIFT_EMBEDDINGS_KEY", raising=False)
    args = ["monitor", "drift", "--log", str(tmp_path / "none.jsonl"), "--now", str(NOW), "--embeddings", "api"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "needs --embeddings-key" in result.output
    assert "reference:" not in result.output  # no log was read


def test_without_prompt_text_language_and_embeddings_are_not_measured(logs, tmp_path):
    """The request log's default keeps no prompt text (LLMOPS_GATEWAY_REQUEST_LOG_PROMPTS=false):
    drift is then judged on the numeric features alone; language is skipped and the embedding
    distance is not measured (NaN), not reported as 0."""
    _, paths = logs
    without_text = tmp_path / "no-text.jsonl"
    records = [json.loads(line) for line in paths["shifted"].read_text().splitlines()]
    without_text.write_text("".join(json.dumps({**r, "redacted_prompt": None}) + "\n" for r in records))
    out = tmp_path / "report"
    args = ["monitor", "drift", "--log", str(without_text), "--window", "1h", "--reference", "1h"]
    result = CliRunner().invoke(app, [*args, "--now", str(NOW), "--out", str(out), "--embeddings", "local"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "drift.json").read_text())
    assert "language" in report["skipped"] and "language" not in report["features"]
    assert report["embedding_distance"] is None and report["embedding_drift"] is False
    assert report["features"]["prompt_chars"]["drifted"] is True and report["detected"] is True
    assert "llmops_drift_embedding_distance NaN" in (out / "drift.prom").read_text()


def test_languages_under_5_percent_in_both_windows_are_pooled_as_other():
    """README Drift: "languages under 5% in both windows are pooled as 'other'"; a language at 5%
    or more in either window keeps its name in both; prompts without text stay unmeasured."""
    import pandas as pd

    from monitoring.drift.monitor import _collapse_rare_languages

    reference = pd.DataFrame({"language": ["en"] * 90 + ["de"] * 6 + ["fr"] * 2 + ["it"] * 2})
    current = pd.DataFrame({"language": ["en"] * 92 + ["de"] * 1 + ["fr"] * 4 + ["es"] * 1 + [None] * 2})
    _collapse_rare_languages(reference, current)
    assert reference["language"].value_counts().to_dict() == {"en": 90, "de": 6, "other": 4}
    assert current["language"].value_counts(dropna=False).to_dict() == {"en": 92, "other": 5, None: 2, "de": 1}


def test_reference_log_is_read_whole_as_the_reference(tmp_path):
    """README: `--reference-log FILE` takes the reference from a saved log (all of it) instead of
    the window before the current one."""
    baseline = RequestLogWriter(tmp_path / "baseline.jsonl")
    _write(baseline, ["an old question?"] * 40, NOW - 90 * 86400, seed=1)  # months before any window
    live = RequestLogWriter(tmp_path / "r.jsonl")
    _write(live, ["a question?"], NOW - 100, seed=2)
    args = ["monitor", "drift", "--log", str(live.path), "--now", str(NOW), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--embeddings", "off", "--reference-log", str(baseline.path)])
    assert result.exit_code == 3 and "reference: 40 requests, current: 1 requests" in result.output, result.output


def test_pushgateway_gets_the_drift_gauges(tmp_path):
    """README: `monitor drift --pushgateway HOST:PORT` pushes the `llmops_drift_*` gauges (the chart's
    CronJob reports this way; `LLMOpsDriftReportStale` watches them)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pushes: list[tuple[str, str]] = []

    class Pushgateway(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            pushes.append((self.path, self.rfile.read(int(self.headers["Content-Length"])).decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    writer = RequestLogWriter(tmp_path / "r.jsonl")
    _write(writer, [f"question {i}?" for i in range(40)], NOW - 7200, seed=1)
    _write(writer, [f"question {i}?" for i in range(40)], NOW - 3600 + 1, seed=2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pushgateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        args = ["monitor", "drift", "--log", str(writer.path), "--now", str(NOW), "--reference", "1h"]
        args += ["--out", str(tmp_path / "o"), "--embeddings", "off"]
        args += ["--pushgateway", f"127.0.0.1:{server.server_port}"]
        result = CliRunner().invoke(app, args)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    [(path, body)] = pushes
    assert path == "/metrics/job/llmops-drift" and "llmops_drift_detected 0.0" in body
    assert 'llmops_drift_window_requests{window="current"} 40.0' in body
