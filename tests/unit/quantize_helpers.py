"""Shared pieces of the quantization tests: a tiny random Llama to build from, and the
``pipeline quantize`` CLI run against a config that must be refused before any work."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli import app

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var/models/smollm2-135m-instruct"  # its tokenizer goes with the tiny model


def save_tiny_llama(folder: Path) -> None:
    """A 2-layer random Llama (seeded) with the embedded model's tokenizer, saved to ``folder``."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=49152, hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(MODEL).save_pretrained(folder)


def quantize_cli(tmp_path: Path, quantize_yaml: str, *args: str):
    """``llmops pipeline quantize 1 ARGS`` with a config of a registry at ``tmp_path/m.db`` and
    ``quantize: QUANTIZE_YAML``; returns the CliRunner result."""
    config = tmp_path / "p.yaml"
    registry = f"registry: {{tracking_uri: 'sqlite:///{tmp_path}/m.db'}}\n"
    config.write_text(registry + (f"quantize: {quantize_yaml}\n" if quantize_yaml else ""))
    return CliRunner().invoke(app, ["pipeline", "quantize", "1", *args, "--config", str(config)])
