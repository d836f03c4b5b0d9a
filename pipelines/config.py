"""Settings of the training pipelines (`llmops pipeline ...`), read from ``config/pipeline.yaml``.

One pydantic model per step; ``PipelineConfig`` holds them all. Every field is described and
validated here, so a bad value (rank 0, a missing data file, an unknown column) fails before Ray
or a model is loaded. Environment variables with the prefix ``LLMOPS_PIPELINE_`` override the
file for a few paths (``LLMOPS_PIPELINE_DATA_PATH``, ``LLMOPS_PIPELINE_MODELS_DIR``); the
registry URI follows ``services.registry`` (``LLMOPS_REGISTRY_TRACKING_URI``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Precision = Literal["auto", "fp32", "bf16", "fp16"]
Scheme = Literal["int8", "int4", "w8a8"]
Algorithm = Literal["default", "rtn", "k_quant", "gptq", "hqq_offset"]


class ConfigError(ValueError):
    """A pipeline setting or input is wrong; raised before any heavy work starts."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Strict):
    path: Path = Field(Path("../shared/data/pubmedqa/ori_pqal.json"), description="PubMedQA PQA-L JSON file.")
    question_field: str = Field("QUESTION", description="Field holding the question.")
    context_field: str = Field("CONTEXTS", description="Field holding the context passages (list of strings).")
    answer_field: str = Field("LONG_ANSWER", description="Field holding the long answer (the training target).")
    label_field: str = Field("final_decision", description="Field holding the yes/no/maybe label (evaluation).")
    heldout_fraction: float = Field(
        0.2, gt=0, lt=1, description="Share of items kept apart for evaluation (chosen by a hash of the id)."
    )
    validation_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of the training items used as the search's validation set (hpo)."
    )
    max_train_examples: int | None = Field(
        None, ge=1, description="Use at most this many training items (small runs); None = all."
    )
    max_seq_len: int = Field(384, ge=32, le=8192, description="Tokens per example; the context is cut to fit.")
    general_text_path: Path = Field(
        Path("../shared/data/prompt_injection/train.jsonl"),
        description="General-domain text for the domain-shift perplexity (benign rows, label 0).",
    )


class LoraConfig(_Strict):
    rank: int = Field(8, description="LoRA rank r (> 0).")
    alpha: float = Field(16.0, gt=0, description="LoRA alpha (scaling = alpha / rank).")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA input.")
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="Module names that get adapters.",
    )

    @field_validator("rank")
    @classmethod
    def _rank_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"LoRA rank must be at least 1 (got {value})")
        return value


class FinetuneConfig(_Strict):
    base_model: str = Field("smollm2-135m-instruct", description="Model store name of the base (HF folder).")
    models_dir: Path = Field(Path("var/models"), description="Model store root.")
    output_dir: Path = Field(Path("var/pipelines"), description="Runs, checkpoints and adapters go under here.")
    run_name: str = Field("finetune", pattern=r"^[A-Za-z0-9_.-]+$", description="Name of the run (its folder).")
    lora: LoraConfig = Field(default_factory=LoraConfig, description="Adapter shape.")
    learning_rate: float = Field(2e-4, gt=0, lt=1, description="Peak AdamW learning rate (linear decay).")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    epochs: int = Field(1, ge=1, description="Passes over the training items.")
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimiser steps (small runs).")
    batch_size: int = Field(4, ge=1, description="Examples per worker per optimiser step.")
    num_workers: int = Field(2, ge=1, description="Ray Train workers (DDP processes).")
    cpus_per_worker: float = Field(1.0, gt=0, description="CPUs Ray reserves for each worker.")
    use_gpu: bool = Field(False, description="One GPU per worker (fp16 with gradient scaling under 'auto').")
    precision: Precision = Field(
        "auto",
        description="auto: fp16+GradScaler on GPU; on CPU bf16 autocast only if a check against fp32 passes.",
    )
    checkpoint_every: int = Field(10, ge=1, description="Save a checkpoint every N optimiser steps.")
    seed: int = Field(0, description="Seed for shuffling, adapter init and dropout.")


class EvaluateConfig(_Strict):
    medical_items: int = Field(32, ge=1, description="Held-out PubMedQA items for the answer perplexity.")
    general_items: int = Field(64, ge=1, description="General-domain texts for the domain-shift perplexity.")
    qa_items: int = Field(40, ge=1, description="Held-out PubMedQA items for yes/no/maybe accuracy.")
    speed_tokens: int = Field(32, ge=1, description="Greedy tokens generated for the tokens/s figure.")
    max_seq_len: int = Field(384, ge=32, description="Cut evaluation texts to this many tokens.")


class GateConfig(_Strict):
    max_medical_ppl_ratio: float = Field(1.0, gt=0, description="Held-out medical perplexity / champion's, at most.")
    max_general_ppl_ratio: float = Field(1.15, gt=0, description="General-text perplexity / champion's, at most.")
    min_accuracy_delta: float = Field(-0.05, description="PubMedQA accuracy minus champion's, at least.")
    min_speed_ratio: float = Field(0.5, gt=0, description="Tokens/s / champion's, at least.")


class HpoConfig(_Strict):
    num_trials: int = Field(8, ge=1, description="Trials the TPE searcher proposes.")
    max_concurrent: int = Field(1, ge=1, description="Trials at once.")
    learning_rate: tuple[float, float] = Field((5e-5, 1e-3), description="Log-uniform learning-rate range.")
    ranks: list[int] = Field(default_factory=lambda: [4, 8, 16], description="LoRA ranks to choose from.")
    alpha_ratios: list[float] = Field(default_factory=lambda: [1.0, 2.0], description="alpha = ratio * rank.")
    epochs: tuple[int, int] = Field((1, 3), description="Epoch range (ASHA's max_t is the upper bound).")
    steps_per_epoch: int | None = Field(None, ge=1, description="Cap steps per epoch (small searches).")
    validation_items: int = Field(16, ge=1, description="Validation examples scored after each epoch.")
    grace_period: int = Field(1, ge=1, description="ASHA: epochs before a trial may be stopped.")

    @field_validator("ranks")
    @classmethod
    def _ranks_positive(cls, value: list[int]) -> list[int]:
        if not value or min(value) < 1:
            raise ValueError("every searched LoRA rank must be at least 1")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> HpoConfig:
        if not 0 < self.learning_rate[0] < self.learning_rate[1]:
            raise ValueError("learning_rate must be (low, high) with 0 < low < high")
        if not 1 <= self.epochs[0] <= self.epochs[1]:
            raise ValueError("epochs must be (low, high) with 1 <= low <= high")
        return self


class QuantizeConfig(_Strict):
    schemes: list[Scheme] = Field(
        default_factory=lambda: ["int8", "int4"],
        description="int8, int4: weight-only (MatMulNBits) ONNX variants built with onnxruntime-genai's model builder;"
        " w8a8: a compressed-tensors int8 checkpoint (int8 weights per channel, dynamic int8 activations) that vLLM"
        " serves (pipelines/compressed.py; always round-to-nearest, the other settings apply to the ONNX variants).",
    )
    block_size: Literal[16, 32, 64, 128, 256] = Field(32, description="Weights per quantization scale.")
    accuracy_level: int = Field(
        4, ge=1, le=4, description="MatMulNBits compute type: 4 = int8 activations (fastest on CPU), 1 = fp32."
    )
    algorithm: Algorithm | dict[Scheme, Algorithm] = Field(
        "default",
        description="Weight rounding, one for every scheme or a mapping per scheme (e.g. {int8: default, int4:"
        " hqq_offset}; a scheme it does not name: default): default/rtn = round-to-nearest; k_quant = llama.cpp-style"
        " k-quants; gptq = GPTQ calibrated on PubMedQA training items (int4 only; pipelines/gptq.py); hqq_offset ="
        " HQQ (a scale and a float zero point per block) served as the fast int4 kernel plus a float offset per"
        " block (int4 only; int8_matmuls none or lm_head; the embedding a float32 Gather; pipelines/int4_offset.py).",
    )
    calibration_items: int = Field(
        4, ge=1, le=512, description="gptq: PubMedQA training items (question + context) the Hessians are built from."
    )
    calibration_seq_len: int = Field(
        128, ge=16, le=4096, description="gptq: each calibration item is cut to this many prompt tokens."
    )
    shared_embeddings: bool = Field(
        True,
        description="One quantized table for the input embedding and the LM head (tied models only); false:"
        " the LM head is its own MatMulNBits and the embedding stays a float32 Gather.",
    )
    symmetric: bool = Field(
        True,
        description="int8/int4 (not gptq, hqq_offset): signed weights with one scale per block; false: unsigned"
        " weights with a scale and a zero point per block (asymmetric; in int4 it unshares the embedding, a"
        " float32 Gather).",
    )
    int8_matmuls: Literal["none", "lm_head", "sensitive"] = Field(
        "none",
        description="int4 (not gptq; hqq_offset: none or lm_head): MatMuls kept at 8 bits. lm_head: the LM head;"
        " sensitive: the LM head plus llama.cpp's sensitive layers (qkv, v and down projections of the first and"
        " last eighth of the layers and of every third layer between). Either one unshares the embedding (a"
        " float32 Gather): the builder cannot share an 8-bit table.",
    )
    float_activation_layers: list[int] = Field(
        default_factory=list,
        description="int4 only: decoder layers (from 0; -1 = the last) whose MatMuls compute with"
        " float32 activations (accuracy_level 1) whatever accuracy_level says; [0, -1] (the first and the last)"
        " keeps greedy answers closer to float32's at about the same speed (pipelines/float_activations.py).",
    )
    output_dir: Path = Field(
        Path("var/pipelines/quantized"), description="Builds go under here (then copied into the registry)."
    )
    in_run: bool = Field(False, description="`pipeline run` quantizes a version that passed the gate.")

    @field_validator("schemes")
    @classmethod
    def _schemes(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("schemes must name int8, int4 and/or w8a8, each once")
        return value

    @field_validator("float_activation_layers")
    @classmethod
    def _float_activation_layers(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("float_activation_layers names a layer twice")
        return value

    @model_validator(mode="after")
    def _algorithms(self) -> QuantizeConfig:
        if isinstance(self.algorithm, dict):
            if not self.algorithm:
                raise ConfigError("algorithm: an empty mapping (name a scheme, e.g. {int4: hqq_offset}, or one value)")
            for scheme, algorithm in self.algorithm.items():  # each entry checked, whatever schemes says
                check_algorithm(algorithm, [scheme])
        check_algorithms(self, self.schemes)
        int4 = self.algorithm_for("int4")  # int8_matmuls is an int4 setting; symmetric as before
        if int4 == "gptq" and (self.int8_matmuls != "none" or not self.symmetric):
            raise ConfigError(
                "algorithm gptq takes neither int8_matmuls nor symmetric: false (its MatMuls are all int4, symmetric)"
            )
        if int4 == "hqq_offset" and (self.int8_matmuls == "sensitive" or not self.symmetric):
            raise ConfigError(
                "algorithm hqq_offset takes int8_matmuls none or lm_head, and not symmetric: false (its float"
                " offset per block already makes it asymmetric)"
            )
        return self

    def algorithm_for(self, scheme: str) -> str:
        """The algorithm that builds ``scheme``: the one value, or the mapping's entry (default when absent)."""
        if isinstance(self.algorithm, str):
            return self.algorithm
        return self.algorithm.get(scheme, "default")

    def for_scheme(self, scheme: str) -> QuantizeConfig:
        """A copy whose ``algorithm`` is the one value that builds ``scheme``."""
        return self.model_copy(update={"algorithm": self.algorithm_for(scheme)})


def check_algorithms(quantize: QuantizeConfig, schemes: list[str]) -> None:
    """Each scheme about to be built against the algorithm that builds it (before any export)."""
    for scheme in schemes:
        check_algorithm(quantize.algorithm_for(scheme), [scheme])


def check_algorithm(algorithm: str, schemes: list[str]) -> None:
    """ORT's GPTQ writes MatMulNBits for 4 bits only, and hqq_offset is an int4 format: either with int8
    or w8a8 is refused before any export."""
    if algorithm == "hqq_offset" and ("int8" in schemes or "w8a8" in schemes):
        raise ConfigError(
            "algorithm hqq_offset quantizes int4 only: build int8 and w8a8 with default (or rtn), e.g."
            " algorithm: {int8: default, int4: hqq_offset}"
        )
    if algorithm == "gptq" and "int8" in schemes:
        raise ConfigError(
            "algorithm gptq quantizes int4 only: build int8 with default, rtn or k_quant, e.g."
            " algorithm: {int8: default, int4: gptq}"
        )
    if algorithm == "gptq" and "w8a8" in schemes:
        raise ConfigError("algorithm gptq quantizes int4 only: w8a8 is round-to-nearest (build it with default)")


class RegistryConfig(_Strict):
    tracking_uri: str | None = Field(
        None, description="MLflow registry URI; unset: LLMOPS_REGISTRY_TRACKING_URI or sqlite var/mlflow/mlflow.db."
    )
    artifact_root: Path | None = Field(
        None, description="Local registry only: where artifacts are copied; unset: services.registry's default."
    )
    experiment: str = Field("llmops-pipelines", description="MLflow experiment of the pipeline runs.")


class PipelineConfig(_Strict):
    data: DataConfig = Field(default_factory=DataConfig, description="Instruction data and splits.")
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig, description="LoRA fine-tuning.")
    evaluate: EvaluateConfig = Field(default_factory=EvaluateConfig, description="Evaluation sizes.")
    gate: GateConfig = Field(default_factory=GateConfig, description="Registration thresholds.")
    hpo: HpoConfig = Field(default_factory=HpoConfig, description="Hyperparameter search.")
    quantize: QuantizeConfig = Field(default_factory=QuantizeConfig, description="ONNX Runtime int8/int4 variants.")
    registry: RegistryConfig = Field(default_factory=RegistryConfig, description="Where versions go.")

    @property
    def model_name(self) -> str:
        """The registered model that versions go into: the base model's name (its public name)."""
        return self.finetune.base_model

    def digest(self) -> str:
        """sha256 of the settings (lineage: the config that made a version)."""
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


class PipelineEnv(BaseSettings):
    """Environment overrides for a pipeline config file."""

    model_config = SettingsConfigDict(env_prefix="LLMOPS_PIPELINE_")
    data_path: Path | None = Field(None, description="Overrides data.path.")
    models_dir: Path | None = Field(None, description="Overrides finetune.models_dir.")


def load_config(path: Path | None) -> PipelineConfig:
    """Read a pipeline YAML (None: defaults), apply environment overrides, validate."""
    raw: dict = {}
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"pipeline config {path} does not exist")
        raw = yaml.safe_load(path.read_text()) or {}
    try:
        config = PipelineConfig.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"invalid pipeline config: {exc}") from None
    env = PipelineEnv()
    if env.data_path:
        config.data.path = env.data_path
    if env.models_dir:
        config.finetune.models_dir = env.models_dir
    return config
