"""Where a record came from: a dev script's provenance fields (``RunStamp``), every ``emit``ted record's."""

import json
import sys

from loadtests._common import RunStamp, emit
from services.cli.local_stack import REPO


def test_fields_name_the_command_from_the_repo_root_and_when_it_began(monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(REPO / "loadtests" / "short_text_dev.py"), "--pubmedqa", "5"])
    monkeypatch.setattr("time.time", lambda: 1_764_547_200.0)  # 2025-12-01T00:00:00Z
    stamp = RunStamp()
    monkeypatch.setattr("time.time", lambda: 1_764_547_212.34)
    fields = stamp.fields()
    assert fields["command"] == "loadtests/short_text_dev.py --pubmedqa 5"
    assert fields["at"] == "2025-12-01T00:00:00Z"
    assert fields["seconds"] == 12.3
    for key in ("load_avg_before", "load_avg_after"):
        assert len(fields[key]) == 3 and all(isinstance(x, float) for x in fields[key])


def test_a_script_outside_the_repo_is_named_by_its_file(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "probe.py")])
    assert RunStamp().fields()["command"] == "probe.py"


def test_every_emitted_record_says_when_and_how_it_was_made(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", [str(REPO / "loadtests" / "bench_pii.py"), "--set", "dev"])
    monkeypatch.setattr("time.time", lambda: 1_764_547_200.0)  # 2025-12-01T00:00:00Z
    out = tmp_path / "records" / "bench.jsonl"
    emit({"bench": "pii"}, out)
    emit({"bench": "pii", "command": "kept as given"}, out)
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first == {
        "bench": "pii",
        "recorded_at": "2025-12-01T00:00:00Z",
        "command": "loadtests/bench_pii.py --set dev",
    }
    assert second["command"] == "kept as given"
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == second
