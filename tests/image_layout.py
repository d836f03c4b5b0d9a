"""The stack image's working directory, rebuilt from deploy/docker/Dockerfile without Docker.

``image_workdir(dest)`` copies what the Dockerfile's ``COPY`` instructions put under its
``WORKDIR`` (sources taken from the build context, the repository root, minus the paths
``.dockerignore`` excludes) and then runs the Dockerfile's own ``llmops classifiers train`` step
there, with its ``--mount=type=bind,from=data`` target pointed at the data folder (the named build
context ``data``). What the tests build from that directory is what the image holds, not the
repository's working copy (where ``var/classifiers`` exists and would hide a missing step).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    split = (s.strip().split(None, 1) for s in logical)
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "") for parts in split]


def ignore_patterns() -> list[re.Pattern]:
    """.dockerignore lines as regexes over context-relative paths (Go filepath.Match plus ``**``)."""
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip().rstrip("/")
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            raise NotImplementedError(f".dockerignore exception {line!r}: teach tests/image_layout.py")
        regex = ""
        i = 0
        while i < len(line):
            if line.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif line.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif line[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif line[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(line[i]), i + 1
        patterns.append(re.compile(regex + r"\Z"))
    return patterns


def ignored(relative: Path, patterns: list[re.Pattern]) -> bool:
    """A path is excluded when it, or a folder above it, matches a pattern."""
    parts = relative.parts
    return any(p.match("/".join(parts[:n])) for n in range(1, len(parts) + 1) for p in patterns)


def _copy(source: Path, dest: Path, patterns: list[re.Pattern]) -> None:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for path in files:
        relative = path.relative_to(ROOT)
        if ignored(relative, patterns):
            continue
        target = dest / path.relative_to(source) if source.is_dir() else dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def image_workdir(dest: Path, data_dir: Path, *, seed_classifiers: Path | None = None) -> tuple[Path, str]:
    """Fill ``dest`` as the image's WORKDIR; returns (dest, the WORKDIR path inside the image).

    ``seed_classifiers``: already trained artefacts put where the train step writes before it
    runs; the step's own check (data and recipe hashes in manifest.json) then decides whether they
    are what it would produce (kept) or not (trained again). Saves ~25 s of training per run.
    """
    patterns = ignore_patterns()
    workdir = None
    for op, args in instructions(DOCKERFILE.read_text()):
        if op == "WORKDIR":
            workdir = args
        elif op == "COPY" and workdir:
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            *sources, target = words
            for source in sources:  # Docker's rules: a folder's contents go into the target
                src, into = ROOT / source, dest / target
                if not src.is_dir() and (target.endswith("/") or target == "."):
                    into = into / src.name
                _copy(src, into, patterns)
        elif op == "RUN" and workdir and "llmops classifiers train" in args:
            mount = re.search(r"--mount=(\S+)", args)
            options = dict(kv.split("=", 1) for kv in mount.group(1).split(",")) if mount else {}
            assert options.get("from") == "data", f"the train step reads the named context `data`: {args}"
            command = shlex.split(args[mount.end() :] if mount else args)
            command = [str(data_dir) if w == options["target"] else w for w in command]
            assert command[0] == "llmops", command
            if seed_classifiers:
                out = dest / command[command.index("--out") + 1]
                shutil.copytree(seed_classifiers, out, dirs_exist_ok=True)
            # `python -m services.cli` from dest: the image's copy of the code, not the repository's
            subprocess.run([sys.executable, "-m", "services.cli", *command[1:]], cwd=dest, check=True, timeout=300)
    assert workdir, "no WORKDIR in the Dockerfile"
    return dest, workdir
