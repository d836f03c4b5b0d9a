"""``quantize.algorithm`` per scheme: one value for every scheme (old configs) or a mapping such as the
shipped ``{int8: default, int4: hqq_offset}``; each build gets its own scheme's algorithm (builder
command, shared table, version tags, settings digest), and a mapping that cannot be honoured is refused
before any export, also through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, QuantizeConfig, load_config
from pipelines.quantize import builder_command, onnx_build_tags, quantize_digest, shares_embeddings
from tests.unit.quantize_helpers import quantize_cli

ROOT = Path(__file__).resolve().parents[2]
PER_SCHEME = {"int8": "default", "int4": "hqq_offset"}


def test_a_mapping_gives_each_scheme_its_algorithm_and_one_value_still_applies_to_all() -> None:
    mapped = QuantizeConfig(algorithm=PER_SCHEME, int8_matmuls="lm_head")  # schemes: [int8, int4]
    assert [mapped.algorithm_for(s) for s in ("int8", "int4", "w8a8")] == ["default", "hqq_offset", "default"]
    assert mapped.for_scheme("int4").algorithm == "hqq_offset" and mapped.algorithm == PER_SCHEME  # a copy
    old = QuantizeConfig(algorithm="k_quant")
    assert [old.algorithm_for(s) for s in ("int8", "int4")] == ["k_quant", "k_quant"]
    assert QuantizeConfig(schemes=["int4"], algorithm={"int4": "gptq"}).algorithm_for("int8") == "default"


def test_the_shipped_config_builds_int8_round_to_nearest_and_int4_hqq_offset() -> None:
    quantize = load_config(ROOT / "config/pipeline.yaml").quantize
    assert quantize.schemes == ["int8", "int4"] and quantize.algorithm == PER_SCHEME
    # the 8-bit LM head (float32's perplexity) and float32 activations in the first and last decoder layers
    assert quantize.int8_matmuls == "lm_head" and quantize.float_activation_layers == [0, -1]


def test_each_scheme_is_built_and_tagged_with_its_own_algorithm(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"tie_word_embeddings": true}')
    mapped = QuantizeConfig(algorithm=PER_SCHEME, int8_matmuls="lm_head")
    int8 = builder_command(tmp_path, tmp_path / "o", tmp_path / "c", "int8", mapped)
    assert int8[int8.index("-p") + 1] == "int8" and "algo_config=default" in int8 and "shared_embeddings=true" in int8
    int4 = builder_command(tmp_path, tmp_path / "o", tmp_path / "c", "int4", mapped)
    assert int4[int4.index("-p") + 1] == "fp32" and "--extra_options" not in int4  # int4_offset.py quantizes it
    assert shares_embeddings(mapped, "int8") and not shares_embeddings(mapped, "int4")
    tags8, tags4 = (onnx_build_tags(mapped, scheme, "0.18") for scheme in ("int8", "int4"))
    assert (tags8["algorithm"], tags8["symmetric"], tags8["int8_matmuls"]) == ("default", True, "none")
    assert (tags4["algorithm"], tags4["symmetric"], tags4["int8_matmuls"]) == ("hqq_offset", False, "lm_head")
    # a build's digest is that of its own settings, whether its algorithm came alone or in a mapping
    alone = QuantizeConfig(schemes=["int4"], algorithm="hqq_offset", int8_matmuls="lm_head")
    assert tags4["config_sha256"] == quantize_digest(alone, "int4") == quantize_digest(alone)
    assert tags8["config_sha256"] == quantize_digest(QuantizeConfig(int8_matmuls="lm_head"))
    assert tags8["config_sha256"] != tags4["config_sha256"]
    gptq = QuantizeConfig(schemes=["int4"], algorithm={"int4": "gptq"}, calibration_items=8)
    assert onnx_build_tags(gptq, "int4", "0.18")["calibration_items"] == 8
    assert quantize_digest(gptq) != quantize_digest(gptq.model_copy(update={"calibration_items": 16}))


@pytest.mark.parametrize(
    ("algorithm", "settings", "message"),
    [
        ({}, {}, "an empty mapping"),
        ({"int8": "gptq", "int4": "gptq"}, {}, "gptq quantizes int4 only"),
        ({"int8": "hqq_offset"}, {"schemes": ["int4"]}, "hqq_offset quantizes int4 only"),  # whatever schemes says
        ({"w8a8": "hqq_offset"}, {}, "hqq_offset quantizes int4 only"),
        ({"int4": "hqq_offset"}, {"int8_matmuls": "sensitive"}, "hqq_offset takes int8_matmuls none or lm_head"),
        ({"int4": "hqq_offset"}, {"symmetric": False}, "hqq_offset takes int8_matmuls none or lm_head"),
        ({"int4": "gptq"}, {"int8_matmuls": "lm_head"}, "gptq takes neither"),
        ({"int4": "awq"}, {}, "algorithm"),
        ({"int5": "default"}, {}, "algorithm"),
        ("hqq_offset", {}, "hqq_offset quantizes int4 only"),  # one value for [int8, int4], as before
    ],
)
def test_a_mapping_that_cannot_be_honoured_is_refused(algorithm, settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QuantizeConfig(algorithm=algorithm, **settings)


def test_refusals_reach_the_cli_before_any_work(tmp_path: Path) -> None:
    result = quantize_cli(tmp_path, "{algorithm: {int8: gptq, int4: gptq}}")
    assert result.exit_code == 2 and "algorithm gptq quantizes int4 only" in result.output
    assert "{int8: default, int4: gptq}" in result.output  # the error says how to write it
    path = tmp_path / "bad.yaml"
    path.write_text("quantize: {algorithm: {int4: hqq_offset, int3: default}}\n")
    with pytest.raises(ConfigError, match="algorithm"):
        load_config(path)
    # -s picks a scheme the config does not list: its algorithm is checked too (gptq for int8 refused)
    result = quantize_cli(tmp_path, "{algorithm: gptq, schemes: [int4]}", "-s", "int8")
    assert result.exit_code == 2 and "gptq quantizes int4 only" in result.output
    assert not (tmp_path / "m.db").exists()  # refused before the registry was opened
