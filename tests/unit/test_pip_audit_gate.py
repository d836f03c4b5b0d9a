"""The CI dependency audit (.ci/pip_audit_gate.py): unlisted findings fail, listed ones pass with
their reason, an unreachable vulnerability service warns instead of failing."""

from __future__ import annotations

import importlib.util
import json
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("pip_audit_gate", ROOT / ".ci" / "pip_audit_gate.py")
gate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate)

VULN = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2099-0001"], "fix_versions": ["2.0"]}
REPORT = {
    "dependencies": [
        {"name": "safe", "version": "1.0", "vulns": []},
        {"name": "leaky", "version": "1.0", "vulns": [VULN]},
    ]
}


def test_an_unlisted_finding_fails():
    status, lines = gate.verdict(REPORT, "", {})
    assert status == 1 and any("VULNERABLE leaky 1.0: GHSA-aaaa-bbbb-cccc" in line for line in lines)


@pytest.mark.parametrize("listed", ["GHSA-aaaa-bbbb-cccc", "CVE-2099-0001"])
def test_a_listed_finding_passes_with_its_reason(tmp_path, listed):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text(f"# comment\n\n{listed}  leaky  only the CLI uses it, never on user input\n")
    status, lines = gate.verdict(REPORT, "", gate.read_ignores(ignore))
    assert status == 0 and any("accepted leaky" in line and "never on user input" in line for line in lines)


def test_an_ignore_entry_needs_a_reason(tmp_path):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("GHSA-aaaa-bbbb-cccc leaky\n")
    with pytest.raises(ValueError, match="reason"):
        gate.read_ignores(ignore)


def test_unreachable_service_warns_and_passes():
    stderr = "requests.exceptions.ConnectionError: Failed to resolve 'pypi.org' (Name or service not known)"
    status, lines = gate.verdict(None, stderr, {})
    assert status == 0 and lines[0].startswith("WARNING") and "NOT AUDITED" in lines[0]
    # a mirror without PyPI's JSON API: no dependency can be looked up
    unknown = {"dependencies": [{"name": "x", "version": "1", "skip_reason": "Dependency not found on PyPI"}]}
    status, lines = gate.verdict(unknown, "", {})
    assert status == 0 and "NOT AUDITED" in lines[0]


def test_other_pip_audit_failures_fail():
    status, _ = gate.verdict(None, "pip_audit: error: unrecognized arguments", {})
    assert status == 2


def test_gate_runs_pip_audit_and_exits_with_its_verdict(tmp_path, capsys):
    """The real command line, with a stand-in pip-audit that writes a report with one finding."""
    fake = tmp_path / "pip-audit"
    fake.write_text(
        "#!/usr/bin/env python3\nimport sys, json\nout = sys.argv[sys.argv.index('--output') + 1]\n"
        f"open(out, 'w').write({json.dumps(json.dumps(REPORT))})\nsys.exit(1)\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert gate.main(["--pip-audit", str(fake), "--ignore-file", str(tmp_path / "none.txt")]) == 1
    assert "VULNERABLE leaky" in capsys.readouterr().out
    (tmp_path / "ok.txt").write_text("CVE-2099-0001 leaky accepted for the test\n")
    assert gate.main(["--pip-audit", str(fake), "--ignore-file", str(tmp_path / "ok.txt")]) == 0


def test_the_shipped_ignore_file_parses():
    gate.read_ignores(gate.IGNORE_FILE)
