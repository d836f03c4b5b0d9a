"""The injection / toxicity rules' ``output_threshold``: model answers (the output direction) are judged
at it, prompts at ``threshold``. The shipped toxicity rule judges answers at 0.97 (chosen on dev data,
``loadtests/output_threshold_dev.py``), so the benign dev answer that 0.8618 blocked streams through
the real output guard, while the same words as a prompt are still blocked."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli.local_stack import REPO
from services.gateway.clients import LocalSafetyClient
from services.gateway.guard import OutputGuard, SafetyGuard
from services.safety.policy import Policy, PolicyError, PolicySet
from tests.unit.test_safety_short_text import ANSWERS, SHIPPED, streamed

DATA = Path(os.environ.get("LLMOPS_DATA_DIR", REPO.parent / "shared" / "data"))
LONG_TEXT = "This study compares mortality between groups at the census tract, zip code and county levels."


def test_answers_are_judged_at_the_output_threshold_and_prompts_at_the_threshold():
    rule = Policy.model_validate({"toxicity": {"threshold": 0.5, "output_threshold": 0.9}}).toxicity
    assert rule.threshold_for(LONG_TEXT, "input") == 0.5
    assert rule.threshold_for(LONG_TEXT, "output") == 0.9
    # a short text's stricter threshold applies on top of the direction's, never below it
    assert rule.threshold_for("Here", "output") == rule.threshold_for("Here", "input") == 0.99
    strict = Policy.model_validate({"toxicity": {"threshold": 0.5, "output_threshold": 0.995}}).toxicity
    assert strict.threshold_for("Here", "output") == 0.995
    same = Policy.model_validate({"toxicity": {"threshold": 0.5, "output_threshold": None}}).toxicity
    assert same.threshold_for(LONG_TEXT, "output") == same.threshold_for(LONG_TEXT, "input") == 0.5
    # injection has none by default: one threshold for both directions
    injection = Policy().injection
    assert injection.output_threshold is None
    assert injection.threshold_for(LONG_TEXT, "output") == injection.threshold


def test_model_and_key_overrides_inherit_or_replace_the_output_threshold():
    policies = PolicySet(
        {"toxicity": {"threshold": 0.6, "output_threshold": 0.95}},
        models={"m": {"toxicity": {"threshold": 0.7}}},
        keys={
            "same-both-ways": {"toxicity": {"output_threshold": None}},
            "flagging": {"toxicity": {"action": "flag"}},
            "strict-answers": {"toxicity": {"output_threshold": 0.99}},
        },
    )

    def thresholds(model: str | None, key: str | None) -> tuple[float, float]:
        rule = policies.resolve(model, key).toxicity
        return rule.threshold_for(LONG_TEXT, "input"), rule.threshold_for(LONG_TEXT, "output")

    assert thresholds(None, None) == (0.6, 0.95)
    assert thresholds("m", None) == (0.7, 0.95)  # the model sets threshold only: the output one is inherited
    assert thresholds(None, "flagging") == (0.6, 0.95)
    assert thresholds(None, "same-both-ways") == (0.6, 0.6)  # null: threshold judges answers too
    assert thresholds("m", "same-both-ways") == (0.7, 0.7)
    assert thresholds("m", "strict-answers") == (0.7, 0.99)


@pytest.mark.parametrize("value", [1.5, -0.1, "high"])
def test_a_bad_output_threshold_is_refused_when_the_policy_loads(value):
    with pytest.raises(PolicyError, match="output_threshold"):
        PolicySet({"toxicity": {"output_threshold": value}})
    with pytest.raises(PolicyError, match="key 'k'.*output_threshold"):
        PolicySet(keys={"k": {"injection": {"output_threshold": value}}})


def old_threshold_for(rule: Any, text: str, direction: str) -> float:
    """``threshold_for`` as it counted words before: the whole text split."""
    base = rule.output_threshold if direction == "output" and rule.output_threshold is not None else rule.threshold
    if rule.short_text.words and len(text.split()) < rule.short_text.words:
        return max(rule.short_text.threshold, base)
    return base


def test_the_bounded_word_count_gives_the_whole_splits_thresholds():
    rows = [json.loads(line) for line in ANSWERS.read_text().splitlines()]
    texts = [r["answer"] for r in rows if "answer" in r]
    texts += ["", " ", "\n\n", "Here", " Here ", "Here is", "Here\tis\nthe", "  Here  is  the  ", "a b c d e f"]
    texts += ["Here\u00a0is\u3000the", "Here is\u2028the end", " x" * 200, "one\n\ntwo\n\n"]
    for words in range(7):
        for output_threshold in (None, 0.97):
            rule = Policy.model_validate(
                {"toxicity": {"output_threshold": output_threshold, "short_text": {"words": words, "threshold": 0.99}}}
            ).toxicity
            for text in texts:
                for direction in ("input", "output"):
                    expected = old_threshold_for(rule, text, direction)
                    assert rule.threshold_for(text, direction) == expected, (text, words)


def test_the_shipped_output_threshold_is_the_dev_records_pick():
    record = REPO / "loadtests" / "records" / "output_threshold_dev.jsonl"
    last = json.loads(record.read_text().splitlines()[-1])
    shipped = PolicySet.from_file(SHIPPED).resolve(None, None).toxicity
    assert shipped.output_threshold == last["pick"]
    assert shipped.threshold == last["input_threshold"]


class BlockRecordingClient(LocalSafetyClient):
    """The real safety service in this process, keeping the scanned text of every blocking verdict."""

    def __init__(self, service: Any):
        super().__init__(service)
        self.blocked: list[str] = []

    async def check(self, texts: list[str], direction: str, policy: Any, timeout_s: float | None = None) -> dict:
        verdict = await super().check(texts, direction, policy, timeout_s)
        if verdict["blocked"]:
            self.blocked.append("\n\n".join(texts))
        return verdict


def census_answer() -> str:
    """PubMedQA long answer 134: the benign dev answer the output guard blocked at 0.8618 on a scan of
    several words (``loadtests/records/output_threshold_dev.jsonl``, ``blocking_scans``)."""
    path = DATA / "pubmedqa" / "ori_pqal.json"
    if not path.exists():
        pytest.skip(f"PubMedQA not found at {path}")
    answer = list(json.loads(path.read_text()).values())[134]["LONG_ANSWER"]
    assert "African-American/Hispanic women at the census" in answer
    return answer


async def test_a_benign_answer_blocked_at_the_input_threshold_passes_the_output_guard(safety_service):
    answer = census_answer()
    shipped = PolicySet.from_file(SHIPPED)
    guard = OutputGuard(SafetyGuard(LocalSafetyClient(safety_service), shipped, timeout_s=5), max_delay_s=0.0)
    assert await streamed(guard, answer) == "stop"

    # one threshold for both directions (the policy before output_threshold) blocks it as it streams
    data = yaml.safe_load(SHIPPED.read_text())
    data["default"]["toxicity"]["output_threshold"] = None
    client = BlockRecordingClient(safety_service)
    one = OutputGuard(SafetyGuard(client, PolicySet(**data), timeout_s=5), max_delay_s=0.0)
    assert await streamed(one, answer) == "content_filter"
    scan = client.blocked[0]
    assert len(scan.split()) >= 3  # a scan the short-text rule does not cover

    # the words that blocked it, sent as a prompt, are still judged at the input threshold
    policy = shipped.resolve(None, None)
    assert policy.toxicity.threshold < safety_service.check([scan], "output", policy)["scores"]["toxicity"]
    assert safety_service.check([scan], "input", policy)["blocked"] == "toxicity"
    assert safety_service.check([scan], "output", policy)["blocked"] is None
