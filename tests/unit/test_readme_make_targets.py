"""README "Commands" lists every make target the Makefile declares (.PHONY), and no other; `make help`
(what `make` alone prints) lists the same targets."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from services.cli.local_stack import REPO


def makefile_targets() -> set[str]:
    phony = re.search(r"^\.PHONY:(.*)$", (REPO / "Makefile").read_text(), re.M)
    assert phony, "the Makefile declares its targets in one .PHONY line"
    return set(phony.group(1).split()) - {"help"}  # `make` alone runs help


def readme_targets() -> set[str]:
    readme = (REPO / "README.md").read_text()
    table = re.search(r"^Make targets.*?\n\n((?:\|[^\n]*\n)+)", readme, re.M | re.S)
    assert table, "README has a 'Make targets' table"
    rows = table.group(1).splitlines()[2:]  # after the header and its rule
    return {name for row in rows for name in re.findall(r"`([a-z][a-z-]*)`", row.split("|")[1])}


def test_the_readme_lists_exactly_the_makefile_targets():
    assert readme_targets() == makefile_targets()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_help_lists_exactly_the_makefile_targets():
    printed = subprocess.run(["make", "-s", "help"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    lines = printed.splitlines()
    assert all(line.startswith("make ") for line in lines), printed
    names = [line.split()[1] for line in lines]
    assert len(names) == len(set(names)), "each target once"
    assert set(names) == makefile_targets()
