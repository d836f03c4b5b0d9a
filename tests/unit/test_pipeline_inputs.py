"""Pipeline inputs: bad settings and bad data fail with a clear message before any model loads;
the held-out split is deterministic and never overlaps the training side; the gate's rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.config import ConfigError, DataConfig, GateConfig, load_config
from pipelines.finetune.core import epoch_batches, steps_per_epoch
from pipelines.finetune.data import load_general_texts, load_items, split_items
from pipelines.gate import decide
from services.cli import app

PUBMEDQA = Path(__file__).resolve().parents[2] / "../shared/data/pubmedqa/ori_pqal.json"


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def _items(n: int) -> dict:
    return {
        str(1000 + i): {
            "QUESTION": f"q{i}?",
            "CONTEXTS": [f"context {i}", "more"],
            "LONG_ANSWER": f"answer {i}.",
            "final_decision": "yes",
        }
        for i in range(n)
    }


def test_rank_zero_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    config.write_text("finetune:\n  lora: {rank: 0}\n")
    with pytest.raises(ConfigError, match="rank must be at least 1"):
        load_config(config)


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    config.write_text("finetune:\n  learning_rat: 0.1\n")
    with pytest.raises(ConfigError, match="learning_rat"):
        load_config(config)


def test_environment_overrides_the_files_paths(tmp_path: Path, monkeypatch) -> None:
    """README: LLMOPS_PIPELINE_DATA_PATH and LLMOPS_PIPELINE_MODELS_DIR override data.path and
    finetune.models_dir."""
    config = tmp_path / "p.yaml"
    config.write_text(f"data: {{path: {tmp_path / 'file.json'}}}\nfinetune: {{models_dir: {tmp_path / 'models'}}}\n")
    assert load_config(config).data.path == tmp_path / "file.json"
    monkeypatch.setenv("LLMOPS_PIPELINE_DATA_PATH", str(tmp_path / "env.json"))
    monkeypatch.setenv("LLMOPS_PIPELINE_MODELS_DIR", str(tmp_path / "env-models"))
    loaded = load_config(config)
    assert loaded.data.path == tmp_path / "env.json" and loaded.finetune.models_dir == tmp_path / "env-models"


def test_missing_dataset_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere.json does not exist"):
        load_items(DataConfig(path=tmp_path / "nowhere.json"))


def test_wrong_column_names_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.json", _items(3))
    with pytest.raises(ConfigError, match="no field 'ANSWER'.*LONG_ANSWER"):
        load_items(DataConfig(path=path, answer_field="ANSWER"))


def test_general_text_file_is_checked_before_any_work(tmp_path: Path) -> None:
    """README: a missing data file fails with exit code 2 before Ray starts or a model loads; the
    general text file (data.general_text_path) was read only by the evaluation, after the training."""
    with pytest.raises(ConfigError, match="nowhere.jsonl does not exist"):
        load_general_texts(tmp_path / "nowhere.jsonl", 4)
    (tmp_path / "malicious.jsonl").write_text(json.dumps({"text": "x" * 50, "label": 1}) + "\n")
    with pytest.raises(ConfigError, match="no benign row"):
        load_general_texts(tmp_path / "malicious.jsonl", 4)
    (tmp_path / "broken.jsonl").write_text("{oops\n")
    with pytest.raises(ConfigError, match="broken.jsonl:1 is not JSON"):
        load_general_texts(tmp_path / "broken.jsonl", 4)
    models = tmp_path / "models"
    (models / "smollm2-135m-instruct").mkdir(parents=True)
    (models / "smollm2-135m-instruct/config.json").write_text("{}")
    config = tmp_path / "p.yaml"
    config.write_text(
        f"data: {{path: {_write(tmp_path / 'd.json', _items(20))}, general_text_path: {tmp_path / 'nowhere.jsonl'}}}\n"
        f"finetune: {{models_dir: {models}}}\n"
        f"registry: {{tracking_uri: 'sqlite:///{tmp_path}/mlflow.db', artifact_root: {tmp_path / 'art'}}}\n"
    )
    result = CliRunner().invoke(app, ["pipeline", "run", "--config", str(config)])
    assert result.exit_code == 2 and "nowhere.jsonl does not exist" in result.output, result.output
    assert not (tmp_path / "mlflow.db").exists(), "nothing registered before the check"


def test_split_is_deterministic_and_disjoint(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.json", _items(400))
    config = DataConfig(path=path, heldout_fraction=0.2, validation_fraction=0.1)
    first = split_items(load_items(config), config)
    again = split_items(load_items(config), DataConfig(path=path, max_train_examples=10))
    ids = {name: {item.id for item in items} for name, items in first.items()}
    assert not ids["heldout"] & (ids["train"] | ids["validation"])
    assert not ids["train"] & ids["validation"]
    assert 50 < len(ids["heldout"]) < 110 and len(ids["validation"]) > 10
    # capping the training items leaves the held-out split as it was
    assert [item.id for item in again["heldout"]] == [item.id for item in first["heldout"]]
    assert len(again["train"]) == 10


@pytest.mark.skipif(not PUBMEDQA.is_file(), reason="PubMedQA not in ../shared/data")
def test_real_pubmedqa_split_sizes() -> None:
    config = DataConfig(path=PUBMEDQA)
    splits = split_items(load_items(config), config)
    assert sum(len(v) for v in splits.values()) == 1000
    assert len(splits["heldout"]) == 183  # the README's figure; fixed by the id hash


def test_workers_get_equal_disjoint_batches() -> None:
    examples = list(range(23))
    assert steps_per_epoch(23, 3, 2) == 3
    per_rank = [epoch_batches(examples, 3, seed=1, epoch=0, rank=r, world_size=2) for r in (0, 1)]
    assert len(per_rank[0]) == len(per_rank[1]) == 3
    flat = [x for batches in per_rank for batch in batches for x in batch]
    assert len(flat) == len(set(flat)) == 18
    assert epoch_batches(examples, 3, 1, 1, 0, 2) != per_rank[0]  # reshuffled per epoch


def test_gate_rule() -> None:
    champion = {"medical_ppl": 10.0, "general_ppl": 20.0, "pubmedqa_accuracy": 0.5, "tokens_per_s": 20.0}
    better = {"medical_ppl": 8.0, "general_ppl": 21.0, "pubmedqa_accuracy": 0.5, "tokens_per_s": 19.0}
    assert decide(better, champion, GateConfig()) == []
    worse = {"medical_ppl": 11.0, "general_ppl": 30.0, "pubmedqa_accuracy": 0.3, "tokens_per_s": 5.0}
    reasons = decide(worse, champion, GateConfig())
    assert len(reasons) == 4 and "medical perplexity ratio 1.100 > 1.0" in reasons[0]


def test_cli_reports_bad_input_before_work(tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    config.write_text(f"data: {{path: {tmp_path / 'missing.json'}}}\nfinetune: {{models_dir: {tmp_path}}}\n")
    result = CliRunner().invoke(app, ["pipeline", "run", "--config", str(config)])
    assert result.exit_code == 2
    assert "smollm2-135m-instruct has no config.json" in result.output
    (tmp_path / "smollm2-135m-instruct").mkdir()
    (tmp_path / "smollm2-135m-instruct/config.json").write_text("{}")
    result = CliRunner().invoke(app, ["pipeline", "run", "--config", str(config)])
    assert result.exit_code == 2
    assert "missing.json does not exist" in result.output
    bad_rank = tmp_path / "r.yaml"
    bad_rank.write_text("finetune:\n  lora: {rank: 0}\n")
    result = CliRunner().invoke(app, ["pipeline", "finetune", "--config", str(bad_rank)])
    assert result.exit_code == 2 and "rank must be at least 1" in result.output


def test_without_c_config_pipeline_yaml_is_read_when_present(tmp_path: Path, monkeypatch) -> None:
    """README: without -c, config/pipeline.yaml (in the working directory) is read when present."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config/pipeline.yaml").write_text("finetune:\n  lora: {rank: 0}\n")
    result = CliRunner().invoke(app, ["pipeline", "finetune"])
    assert result.exit_code == 2 and "rank must be at least 1" in result.output


class _TwoPrecisionLM:
    """A stand-in causal LM whose loss, greedy answer and forward time under bf16 autocast are set
    by the test (the real model's check runs in tests/integration/test_pipelines.py)."""

    SLOW_S = 0.2

    def __init__(self, loss_bf16: float, same_answer: bool = True, bf16_faster: bool = True):
        self.loss_bf16, self.same_answer, self.bf16_faster = loss_bf16, same_answer, bf16_faster

    def eval(self) -> None:
        pass

    @staticmethod
    def _bf16() -> bool:
        import torch

        return torch.is_autocast_enabled("cpu")

    def __call__(self, input_ids, labels=None, attention_mask=None):
        import time
        from types import SimpleNamespace

        import torch

        bf16 = self._bf16()
        if labels is not None and bf16 != self.bf16_faster:  # the slower precision's forward
            time.sleep(self.SLOW_S)
        return SimpleNamespace(loss=torch.tensor(self.loss_bf16 if bf16 else 1.0))

    def generate(self, ids, **_):
        import torch

        answer = 2 if self._bf16() and not self.same_answer else 1
        return torch.cat([ids, torch.tensor([[answer]])], dim=1)


class _Tokenizer:
    pad_token_id = 0

    def apply_chat_template(self, messages, **_):
        return [5, 6, 7]

    def decode(self, ids, skip_special_tokens=True):
        return {1: "Paris", 2: "L'Étoile"}[int(ids[0])]


@pytest.mark.parametrize(
    ("model", "correct", "ok"),
    [
        (_TwoPrecisionLM(1.009), True, True),  # loss within 1 %, same answer, faster: bf16
        (_TwoPrecisionLM(1.02), False, False),  # loss 2 % off
        (_TwoPrecisionLM(0.98), False, False),  # 2 % off the other way
        (_TwoPrecisionLM(1.0, same_answer=False), False, False),  # another greedy answer
        (_TwoPrecisionLM(1.0, bf16_faster=False), True, False),  # right, but not faster
    ],
)
def test_auto_precision_takes_bf16_only_within_1_percent_same_answer_and_faster(model, correct, ok):
    """README Precision: on a CPU `precision: auto` uses bf16 "only if the loss is within 1%, the
    answer is identical and bf16 is faster" than float32."""
    from pipelines.finetune.precision import bf16_autocast_check

    example = {"input_ids": [5, 6, 7, 8], "labels": [-100, -100, 7, 8]}
    check = bf16_autocast_check(model, _Tokenizer(), [example, example])
    assert (check["bf16_correct"], check["bf16_ok"]) == (correct, ok), check


TOKENIZER_DIR = Path(__file__).resolve().parents[2] / "var/models/smollm2-135m-instruct"


@pytest.mark.skipif(not (TOKENIZER_DIR / "tokenizer.json").is_file(), reason="needs llmops models import")
def test_training_labels_are_the_answer_only_and_the_context_is_cut_to_fit() -> None:
    """README Data: "Training labels are the answer tokens only; the context is cut to fit
    `data.max_seq_len`" (the question and the whole answer stay)."""
    from transformers import AutoTokenizer

    from pipelines.finetune.data import IGNORE_INDEX, QAItem, encode_example

    tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_DIR)
    context = " ".join(f"Finding {i} was measured in the cohort." for i in range(200))
    item = QAItem("1", "Does aspirin help?", context, "Yes, it lowers the risk.", "yes")
    for max_seq_len in (96, 4096):
        example = encode_example(tokenizer, item, max_seq_len)
        ids, labels = example["input_ids"], example["labels"]
        assert len(ids) == len(labels) and len(ids) <= max_seq_len
        answer_at = next(i for i, label in enumerate(labels) if label != IGNORE_INDEX)
        assert set(labels[:answer_at]) == {IGNORE_INDEX} and labels[answer_at:] == ids[answer_at:]
        assert tokenizer.decode(labels[answer_at:]) == "Yes, it lowers the risk." + tokenizer.eos_token
        prompt = tokenizer.decode(ids[:answer_at])
        assert "Question: Does aspirin help?" in prompt
        assert ("Finding 199 was measured" in prompt) is (max_seq_len == 4096)  # cut only when too long
