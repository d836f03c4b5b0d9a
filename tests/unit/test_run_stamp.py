"""The provenance fields every dev script's record ends with (``loadtests._common.RunStamp``)."""

import sys

from loadtests._common import RunStamp
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
