"""Known-vulnerability gate for the project's environment (``make audit``, run by ``.ci/run``).

Runs ``pip-audit`` on the virtual environment and decides:

- a vulnerability listed in ``.ci/pip-audit-ignore.txt`` (``ID  package  reason``, the reason
  required) is reported and accepted; any other vulnerability fails the build (exit 1);
- when the vulnerability service cannot be reached (no network, DNS, a mirror that does not
  serve PyPI's JSON API, so that no dependency can be audited), a WARNING says that the audit
  did not happen and the build goes on (exit 0): an offline CI is not a finding;
- any other failure of pip-audit fails the build (exit 2).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

IGNORE_FILE = Path(__file__).with_name("pip-audit-ignore.txt")
_UNREACHABLE = re.compile(
    r"ConnectionError|NameResolutionError|Max retries exceeded|Temporary failure in name resolution|"
    r"Name or service not known|timed out|ReadTimeout|ConnectTimeout|HTTP(Error)? 5\d\d|ServiceError",
    re.IGNORECASE,
)


def read_ignores(path: Path) -> dict[str, str]:
    """Vulnerability id -> why it is accepted. Blank lines and ``#`` comments are skipped."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise ValueError(f"{path}:{number}: expected 'VULN-ID  package  reason', got {line!r}")
        ignores[parts[0]] = f"{parts[1]}: {parts[2]}"
    return ignores


def verdict(report: dict | None, stderr: str, ignores: dict[str, str]) -> tuple[int, list[str]]:
    """(exit status, lines to print) for a pip-audit JSON report (None when it wrote none)."""
    if report is None:
        if _UNREACHABLE.search(stderr):
            reason = stderr.strip().splitlines()[-1] if stderr.strip() else "no answer"
            return 0, [f"WARNING: pip-audit could not reach its vulnerability service; NOT AUDITED ({reason})"]
        return 2, ["pip-audit failed:", stderr.strip()]
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    lines: list[str] = []
    if dependencies and not audited:
        return 0, [
            f"WARNING: the vulnerability service knew none of the {len(dependencies)} dependencies "
            f"(e.g. {skipped[0]['skip_reason']}); NOT AUDITED — no network to PyPI's JSON API?"
        ]
    if skipped:
        lines.append(
            f"note: {len(skipped)} dependencies could not be audited: " + ", ".join(d["name"] for d in skipped)
        )
    status = 0
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            accepted = next((ignores[i] for i in ids if i in ignores), None)
            where = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            if accepted:
                lines.append(f"accepted {where} ({accepted})")
            else:
                lines.append(f"VULNERABLE {where} (fixed in {fixes}); fix it or list it in {IGNORE_FILE.name}")
                status = 1
    lines.append(f"pip-audit: {len(audited)} dependencies audited, " + ("FAILED" if status else "no unlisted finding"))
    return status, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("--timeout", type=int, default=15, help="socket timeout of each request (seconds)")
    args = parser.parse_args(argv)
    ignores = read_ignores(args.ignore_file)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [args.pip_audit, "--local", "--skip-editable", "--progress-spinner", "off", "--format", "json"]
        command += ["--timeout", str(args.timeout), "--output", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        try:
            report = json.loads(out.read_text())
        except (OSError, ValueError):
            report = None
    status, lines = verdict(report, done.stderr, ignores)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
