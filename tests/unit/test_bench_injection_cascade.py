"""loadtests/bench_injection_cascade.py: the band cascade, its choice, the benign stream and the cache key."""

from __future__ import annotations

import json
import random

import numpy as np

from loadtests import bench_injection_cascade as bench


def test_cascade_keeps_scores_outside_the_band_and_maps_the_second_inside():
    shipped = np.array([0.1, 0.5, 0.7, 0.95])
    second = np.array([0.9, 0.0, 1.0, 0.0])
    out = bench.cascade_scores(shipped, second, 0.4, 0.9)
    assert out[0] == 0.1 and out[3] == 0.95  # outside: the shipped score
    assert out[1] == 0.4  # inside, second 0: the band's bottom
    assert out[2] == 0.9  # inside, second 1: the band's top
    assert bench.in_band(shipped, 0.4, 0.9).tolist() == [False, True, True, False]


def test_cascade_blend_keeps_part_of_the_shipped_place():
    out = bench.cascade_scores(np.array([0.6]), np.array([0.0]), 0.4, 0.8, weight=0.5)
    # shipped 0.6 is half way up the band: 0.5 * 0 + 0.5 * 0.5 = 0.25 of the band
    assert np.isclose(out[0], 0.4 + 0.4 * 0.25)


def test_choose_cascade_prefers_the_band_where_the_second_model_separates():
    rng = np.random.default_rng(0)
    n = 400
    y = np.array([0, 1] * (n // 2))
    groups = np.array(["benign_a" if i % 4 == 0 else "benign_b" if i % 4 == 2 else "attacks" for i in range(n)])
    # the shipped score is unsure (0.5-0.7) on a third of each label; the second model knows those
    shipped = np.where(y == 1, 0.95, 0.05)
    unsure = rng.random(n) < 0.33
    shipped = np.where(unsure, rng.uniform(0.5, 0.7, n), shipped)
    second = y.astype(float)
    best, grid = bench.choose_cascade(y, shipped, second, groups, lows=(0.4,), highs=(0.9,), weights=(1.0,))
    assert best["f1"] == 1.0 and len(grid) == 1
    assert bench.rule_f1(y, shipped, 0.9) < 0.9  # the shipped score alone cannot reach it


def test_choose_cascade_breaks_ties_with_the_narrower_band():
    y = np.array([0, 0, 1, 1])
    groups = np.array(["b", "b", "a", "a"])
    shipped = np.array([0.1, 0.2, 0.97, 0.99])  # already separated: every band scores F1 1
    best, _ = bench.choose_cascade(y, shipped, np.zeros(4), groups, lows=(0.05, 0.5), highs=(0.95,), weights=(1.0,))
    assert best["lo"] == 0.5 and best["band"] == 0.0


def test_unseen_pubmedqa_questions_are_those_training_leaves_out(tmp_path):
    items = {f"{i:03d}": {"QUESTION": f"q{i}?", "CONTEXTS": [f"c{i}"]} for i in range(700)}
    (tmp_path / "pubmedqa").mkdir()
    (tmp_path / "pubmedqa" / "ori_pqal.json").write_text(json.dumps(items))
    keys = sorted(items)
    random.Random(0).shuffle(keys)
    used = set(keys[:600])  # extra_data.pubmedqa_rows: 400 questions, then 200 abstracts
    unseen = bench.unseen_pubmedqa_questions(tmp_path)
    assert len(unseen) == 100
    assert not {f"q{int(k)}?" for k in used} & set(unseen)


def test_text_key_depends_on_texts_and_token_limit():
    assert bench.text_key(["a", "b"], 128) == bench.text_key(["a", "b"], 128)
    assert bench.text_key(["a", "b"], 128) != bench.text_key(["a", "b"], 256)
    assert bench.text_key(["ab"], 128) != bench.text_key(["a", "b"], 128)


def test_choose_cascade_takes_the_narrower_band_within_the_f1_tolerance():
    # an unsure pair at 0.8 that only the wide band hands to the (perfect) second model: F1 1.0 against 100/101
    y = np.array([0] * 50 + [1] * 50)
    groups = np.array(["b"] * 50 + ["a"] * 50)
    shipped = np.array([0.1] * 39 + [0.6] * 10 + [0.8] + [0.8] + [0.6] * 9 + [0.95] * 40)
    second = y.astype(float)
    kwargs = {"lows": (0.5,), "highs": (0.7, 0.99), "weights": (1.0,)}
    wide, _ = bench.choose_cascade(y, shipped, second, groups, f1_tolerance=0.0, **kwargs)
    narrow, _ = bench.choose_cascade(y, shipped, second, groups, f1_tolerance=0.05, **kwargs)
    assert wide["hi"] == 0.99 and wide["f1"] == 1.0
    assert narrow["hi"] == 0.7 and np.isclose(narrow["f1"], 100 / 101)
