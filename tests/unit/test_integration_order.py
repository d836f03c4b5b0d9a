"""The integration package's collection order: modules on the shared stack run last, each whole."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tests.integration import conftest

HERE = Path(conftest.__file__).parent


def item(path: Path, name: str, *fixtures: str) -> SimpleNamespace:
    return SimpleNamespace(path=path, name=name, fixturenames=list(fixtures))


def test_stack_modules_move_behind_the_others_whole_and_in_order() -> None:
    unit = Path(conftest.__file__).parents[1] / "unit" / "test_x.py"
    fuzz, ab, rag = HERE / "test_fuzz.py", HERE / "test_ab.py", HERE / "test_rag.py"
    items = [
        item(fuzz, "fuzz", "stack", "tmp_path"),
        item(fuzz, "fuzz_count"),  # no stack, but its module's first test uses it: stays after it
        item(ab, "ab", "tmp_path"),
        item(rag, "rag", "indexed", "stack"),
        item(ab, "ab2"),
        item(unit, "unit", "stack"),  # outside the package: left where it is
    ]
    conftest.pytest_collection_modifyitems(items)
    assert [i.name for i in items] == ["ab", "ab2", "fuzz", "fuzz_count", "rag", "unit"]
