"""Train-only sources (``Task.train_only_sources``): rows that every fit of the training pipeline trains
on (the shipped model's and each leave-one-source-out fold's) and that nothing scores: not the dev
split, not the out-of-source scores the threshold is chosen on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.classifiers import train
from pipelines.classifiers.data import read_injection

INFO = {"status": "unavailable", "reason": "a test"}  # the extra rows' info as load_extra gives it
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def _rows(source: str, label: int, n: int, marker: str) -> list[tuple[str, int, str]]:
    return [(f"{marker} {WORDS[i % 12]} {WORDS[(i * 5) % 12]} {marker} {i}", label, source) for i in range(n)]


@pytest.fixture
def task(tmp_path: Path) -> train.Task:
    data = tmp_path / "injection" / "train.jsonl"
    data.parent.mkdir(parents=True)
    base = _rows("base", 1, 12, "override") + _rows("base", 0, 12, "recipe")
    data.write_text("".join(json.dumps({"text": t, "label": y, "source": s}) + "\n" for t, y, s in base))
    return train.Task(
        "injection",
        "injection/train.jsonl",
        read_injection,
        ("benign", "injection"),
        0.3,
        1.0,
        "injection_heldout.jsonl",
        (0.5,),
        extra=True,
        max_features=500,
        train_only_sources=("only",),
    )


def test_train_only_rows_are_in_every_fit_and_in_no_score(task, tmp_path, monkeypatch):
    extra = (
        _rows("other", 1, 10, "ignore")
        + _rows("other", 0, 10, "weather")
        + _rows("only", 1, 8, "zorblax")
        + _rows("only", 0, 8, "quendle")
    )
    only_texts = {r[0] for r in extra if r[2] == "only"}
    fitted: list[list[str]] = []
    fit = train.fit_texts

    def recording(texts, *args, **kwargs):
        fitted.append(list(texts))
        return fit(texts, *args, **kwargs)

    monkeypatch.setattr(train, "fit_texts", recording)
    (tmp_path / "out").mkdir()
    report = train.train_task(task, tmp_path, tmp_path / "out", extra=(extra, INFO))

    # the shipped fit and one fold per scored source (base, other), each with every train-only row
    assert len(fitted) == 3 and all(only_texts <= set(texts) for texts in fitted)
    assert report["split"]["train_only_rows"] == 16
    assert report["data"]["rows"] == 24 and report["extra_data"]["rows"] == 36
    # scored: the dev split and the leave-one-source-out figures hold the other sources only
    assert set(report["leave_one_source_out"]) == {"base", "other"}
    assert "only" not in report["metrics"]["per_source"]
    assert report["metrics"]["rows"] == 2 * round(0.3 * 12) + 2 * round(0.3 * 10)  # per (source, label)


def test_the_dev_split_is_the_same_with_train_only_rows_or_without_them(task, tmp_path, monkeypatch):
    dev: list[list[str]] = []
    split = train.stratified_split

    def recording(rows, fraction, *args, **kwargs):
        out = split(rows, fraction, *args, **kwargs)
        dev.append(out.test_texts)
        return out

    monkeypatch.setattr(train, "stratified_split", recording)
    other = _rows("other", 1, 10, "ignore") + _rows("other", 0, 10, "weather")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    train.train_task(task, tmp_path, tmp_path / "a", extra=(other, INFO))
    only = _rows("only", 1, 8, "zorblax") + _rows("only", 0, 8, "quendle")
    train.train_task(task, tmp_path, tmp_path / "b", extra=(other + only, INFO))
    assert dev[0] == dev[1]
