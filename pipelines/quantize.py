"""``llmops pipeline quantize VERSION``: ONNX Runtime int8 / int4 variants of a registry version.

The source is an ``hf`` version (the embedded base) or a ``lora`` version, whose adapter is first
merged into its base in float32. onnxruntime-genai's model builder exports the model to ONNX with
a fused attention (GroupQueryAttention) and a KV cache, and quantizes every MatMul weight-only
(``MatMulNBits``, round-to-nearest by default; ``algorithm: gptq`` quantizes a float32 export with
ONNX Runtime's GPTQ instead, ``pipelines/gptq.py``; ``algorithm: hqq_offset`` HQQ with a float
offset per block on the fast int4 kernel, ``pipelines/int4_offset.py``) to 8 or 4 bits. The LM head
of every build then reads the last prompt position only (``pipelines/last_logits.py``: a prefill
computes one position's logits, not the prompt's). Each build
is registered as a new
``quantized`` version with ``llmops.*`` tags: ``quantization`` (int8 | int4), ``source_version``
and ``parent_version``, ``data_hash`` (the source's, or ``none``), ``code_version``,
``config_sha256`` (of the quantize settings), ``engine`` (onnxruntime-genai) and the builder
options. The folder also holds the source's ``config.json`` (the registry's model-folder check)
and serves with ``backend: onnx`` in a models file (``services/engine/onnx_engine.py``).

Why onnxruntime-genai and not optimum: ``optimum-onnx`` (optimum's ONNX Runtime half) pins
transformers 4.57 and huggingface_hub 0.36 against the stack's 5.19 / 2.4 (``pip install
--dry-run``, 2026-11-29), while onnxruntime-genai 0.18 (+ onnx-ir) changes nothing installed and
brings its own generation loop with a KV cache, which the engine needs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.compressed import FORMAT, PRESET, build_w8a8, check_library
from pipelines.compressed import SCHEME as SCHEME_W8A8
from pipelines.config import ConfigError, DataConfig, PipelineConfig, QuantizeConfig, check_algorithm, check_algorithms
from pipelines.float_activations import make_float_activation_folder, source_layers
from pipelines.last_logits import make_last_position_folder
from pipelines.registry import code_version, open_registry, version_folder
from services.registry.service import ModelRegistry, VersionInfo, folder_digest

ENGINE = "onnxruntime-genai"
BUILDER = "onnxruntime_genai.models.builder"
LOG_FILE = "builder.log"
# quantize.int8_matmuls -> the builder's matmul_mixed_precision (selectors of MatMuls kept at 8 bits)
MIXED_PRECISION = {"lm_head": "last_matmul:int8", "sensitive": "last_matmul:int8,mixed_layers:int8"}


@dataclass(frozen=True)
class QuantizedVersion:
    scheme: str
    version: int
    folder: Path  # the build under quantize.output_dir
    artifact: str  # the registered copy (the version's source URI)
    size_bytes: int
    seconds: float


def quantize_digest(quantize: QuantizeConfig, scheme: str | None = None) -> str:
    """sha256 of the settings; with ``scheme``, of that scheme's (its one algorithm), so that a build
    gets the same digest whether its algorithm was given alone or in a per-scheme mapping."""
    if scheme is not None:
        quantize = quantize.for_scheme(scheme)
    algorithms = quantize.algorithm.values() if isinstance(quantize.algorithm, dict) else [quantize.algorithm]
    unused = set() if "gptq" in algorithms else {"calibration_items", "calibration_seq_len"}
    if not quantize.float_activation_layers:  # unset: the digest of the settings before the option existed
        unused.add("float_activation_layers")
    keyed = quantize.model_dump(mode="json", exclude={"output_dir", "in_run", "schemes", *unused})
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()


def calibration_tags(quantize: QuantizeConfig) -> dict[str, int]:
    return {"calibration_items": quantize.calibration_items, "calibration_seq_len": quantize.calibration_seq_len}


def check_tools() -> str:
    """onnxruntime-genai's version; a clear error when the builder cannot run here."""
    try:
        import onnx_ir  # noqa: F401  (the builder's own import)
        import onnxruntime_genai
    except ImportError as exc:
        raise ConfigError(
            f"quantization needs onnxruntime-genai and onnx-ir ({exc.name} is missing): pip install -e . installs them"
        ) from None
    return onnxruntime_genai.__version__


def check_source(info: VersionInfo) -> None:
    if info.kind not in ("hf", "lora"):
        raise ConfigError(
            f"version {info.version} of {info.model} is kind {info.kind!r}: quantize takes an hf or lora version"
        )


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def source_model_folder(
    registry: ModelRegistry, info: VersionInfo, models_dir: Path, workdir: Path, progress=print
) -> Path:
    """A float32 HF folder of the version: the hf folder itself, or base + adapter merged into ``workdir``."""
    if info.kind == "hf":
        folder = version_folder(registry, info, workdir)
    else:
        from peft import PeftModel

        from pipelines.finetune import core

        base = models_dir / info.tags.get("base_model", "")
        if not (base / "config.json").is_file():
            raise ConfigError(
                f"base model folder {base} of the adapter has no config.json (run `llmops models import`)"
            )
        progress(f"merging the LoRA adapter of v{info.version} into {base.name} (float32)")
        model, tokenizer = core.load_base(base)
        adapter = version_folder(registry, info, workdir / "adapter")
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
        folder = workdir / "merged"
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        for extra in ("chat_template.jinja", "generation_config.json"):
            if (base / extra).is_file() and not (folder / extra).is_file():
                shutil.copy2(base / extra, folder / extra)
    config = folder / "config.json"
    if not config.is_file():
        raise ConfigError(f"model folder {folder} has no config.json")
    architectures = json.loads(config.read_text()).get("architectures") or []
    if not architectures:
        raise ConfigError(f"{config} names no architecture: the model builder cannot export it")
    return folder


def shares_embeddings(quantize: QuantizeConfig, scheme: str) -> bool:
    """Whether the build shares one table between the embedding and the LM head.

    Not in an int4 build with an 8-bit LM head or asymmetric weights: the builder (onnxruntime-genai
    0.18) then writes a graph onnxruntime refuses to load (the shared GatherBlockQuantized reads an
    initializer that is never created, or a uint8 table where float is expected; both seen with
    ``loadtests/quant_sweep.py``), so the embedding stays a float32 Gather.
    """
    broken = scheme == "int4" and (quantize.int8_matmuls != "none" or not quantize.symmetric)
    # pipelines/gptq.py gives the embedding its own int4 table, pipelines/int4_offset.py a float32 one
    untied = quantize.algorithm_for(scheme) in ("gptq", "hqq_offset")
    return quantize.shared_embeddings and not broken and not untied


def builder_command(source: Path, output: Path, cache: Path, scheme: str, quantize: QuantizeConfig) -> list[str]:
    algorithm = quantize.algorithm_for(scheme)
    if algorithm in ("gptq", "hqq_offset"):  # a float32 export; gptq.py / int4_offset.py quantize it
        return [sys.executable, "-m", BUILDER, "-i", str(source), "-o", str(output), "-p", "fp32", "-e", "cpu",
                "-c", str(cache)]  # fmt: skip
    options = {
        "block_size": quantize.block_size,
        "accuracy_level": quantize.accuracy_level,
        "algo_config": algorithm,
    }
    tied = json.loads((source / "config.json").read_text()).get("tie_word_embeddings", False)
    # explicit both ways: without the option the builder shares the table of any tied model
    options["shared_embeddings"] = "true" if shares_embeddings(quantize, scheme) and tied else "false"
    options["is_symmetric"] = "true" if quantize.symmetric else "false"
    if scheme == "int4" and quantize.int8_matmuls != "none":
        options["matmul_mixed_precision"] = MIXED_PRECISION[quantize.int8_matmuls]
    extra = [f"{key}={value}" for key, value in options.items()]
    return [
        sys.executable, "-m", BUILDER, "-i", str(source), "-o", str(output), "-p", scheme, "-e", "cpu",
        "-c", str(cache), "--extra_options", *extra,
    ]  # fmt: skip


def onnx_build_tags(quantize: QuantizeConfig, scheme: str, tool_version: str | None) -> dict:
    """The builder options an int8 / int4 version is tagged with: the ones that built ``scheme``."""
    algorithm = quantize.algorithm_for(scheme)  # quantize.algorithm may be a mapping per scheme
    return {
        "config_sha256": quantize_digest(quantize, scheme),
        "engine": ENGINE,
        "engine_version": tool_version,
        "format": "onnx",
        "block_size": quantize.block_size,
        "accuracy_level": quantize.accuracy_level,
        "algorithm": algorithm,
        "symmetric": quantize.symmetric and algorithm != "hqq_offset",
        "int8_matmuls": quantize.int8_matmuls if scheme == "int4" else "none",
        "shared_embeddings": shares_embeddings(quantize, scheme),
        "float_activation_layers": (scheme == "int4" and ",".join(map(str, quantize.float_activation_layers)))
        or "none",
        "prefill_logits": "last_position",  # pipelines/last_logits.py
        **(calibration_tags(quantize) if algorithm == "gptq" else {}),
    }


def run_builder(command: list[str], log: Path, scheme: str, progress=print) -> None:
    """Run the model builder; progress every few quantized MatMuls; its output goes to ``log``."""
    done = 0
    with (
        log.open("w") as sink,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            sink.write(line)
            if "complete quantization of" in line:
                done += 1
                if done % 25 == 0:
                    progress(f"{scheme}: {done} MatMuls quantized")
        process.wait()
    if process.returncode != 0:
        tail = log.read_text().strip().splitlines()[-5:]
        raise ConfigError(
            f"the model builder failed for {scheme} (exit {process.returncode}; log {log}):\n" + "\n".join(tail)
        )
    progress(f"{scheme}: {done} MatMuls quantized, export done" if done else f"{scheme}: float32 export done")


def build_variant(
    source: Path, output: Path, scheme: str, quantize: QuantizeConfig, progress=print, data: DataConfig | None = None
) -> tuple[int, float]:
    """Export + quantize one scheme into ``output`` (replaced); returns (bytes, seconds).

    ``data``: where gptq's calibration items come from (its training split).
    """
    import time

    algorithm = quantize.algorithm_for(scheme)
    check_algorithm(algorithm, [scheme])
    if algorithm == "gptq" and data is None:
        raise ConfigError("algorithm gptq needs the data config (its calibration items)")
    # an int4 setting (MatMulNBits' 8-bit kernel with float32 activations is ~13x slower); checked before the export
    float_layers = source_layers(source, quantize.float_activation_layers) if scheme == "int4" else []
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="llmops-ortgenai-cache-") as cache:
        log = output.parent / f"{output.name}.{LOG_FILE}"
        run_builder(builder_command(source, output, Path(cache), scheme, quantize), log, scheme, progress)
    if not (output / "genai_config.json").is_file():
        raise ConfigError(f"the model builder wrote no genai_config.json into {output}")
    if algorithm == "gptq":
        from pipelines.gptq import gptq_quantize_folder

        gptq_quantize_folder(output, source, quantize, data, progress)
    elif algorithm == "hqq_offset":
        from pipelines.int4_offset import hqq_offset_quantize_folder

        hqq_offset_quantize_folder(output, quantize, progress)
    if float_layers:
        changed = make_float_activation_folder(output, float_layers)
        progress(f"{scheme}: float32 activations in decoder layers {float_layers} ({changed} MatMuls)")
    make_last_position_folder(output)  # prefill: the LM head on the last position only
    shutil.copy2(source / "config.json", output / "config.json")  # what the model is (the registry checks it)
    return folder_size(output), time.perf_counter() - began


def run_quantize(
    config: PipelineConfig,
    version: int,
    progress=print,
    registry: ModelRegistry | None = None,
    schemes: list[str] | None = None,
) -> list[QuantizedVersion]:
    """Quantize a version into each scheme and register every result; return the new versions."""
    quantize = config.quantize
    schemes = list(schemes or quantize.schemes)
    unknown = sorted(set(schemes) - {"int8", "int4", SCHEME_W8A8})
    if unknown:
        raise ConfigError(
            f"unknown quantization scheme(s) {unknown}: the ONNX Runtime engine serves int8 and int4, vLLM serves w8a8"
        )
    check_algorithms(quantize, schemes)
    onnx_schemes = [s for s in schemes if s != SCHEME_W8A8]
    tool_version = check_tools() if onnx_schemes else None
    ct_version = check_library() if SCHEME_W8A8 in schemes else None
    registry = registry or open_registry(config.registry)
    name = config.model_name
    info = registry.get_version(name, version)  # an unknown version fails here, before any export
    check_source(info)
    results = []
    with tempfile.TemporaryDirectory(prefix="llmops-quantize-") as workdir:
        source = source_model_folder(registry, info, config.finetune.models_dir, Path(workdir), progress)
        for scheme in schemes:
            output = config.quantize.output_dir / f"{name}-v{info.version}-{scheme}"
            if scheme == SCHEME_W8A8:
                progress(f"{scheme}: writing a compressed-tensors checkpoint of v{info.version} ({ct_version})")
                size, seconds = build_w8a8(source, output, progress)
                build_tags = {
                    "config_sha256": hashlib.sha256(f"{FORMAT}:{PRESET}".encode()).hexdigest(),
                    "engine": "vllm",
                    "format": FORMAT,
                    "compressed_tensors_version": ct_version,
                    "algorithm": "rtn",
                }
                description = f"{scheme} compressed-tensors (vLLM) of v{info.version}"
            else:
                algorithm = quantize.algorithm_for(scheme)
                progress(
                    f"{scheme}: exporting v{info.version} to ONNX and quantizing ({algorithm}; {ENGINE} {tool_version})"
                )
                size, seconds = build_variant(source, output, scheme, quantize, progress, data=config.data)
                build_tags = onnx_build_tags(quantize, scheme, tool_version)
                description = f"{scheme} weight-only ONNX ({ENGINE}) of v{info.version}"
            tags = {
                "base_model": info.tags.get("base_model", name),
                "quantization": scheme,
                "source_version": info.version,
                "parent_version": info.version,
                "source_kind": info.kind,
                "data_hash": info.tags.get("data_hash", "none"),
                "code_version": code_version(),
                **build_tags,
                "size_bytes": size,
                "artifact_sha256": folder_digest(output),
            }
            new = registry.register(name, output, kind="quantized", tags=tags, copy=True, description=description)
            progress(f"{scheme}: registered {name} v{new.version} ({size / 1e6:.1f} MB, {seconds:.0f} s)")
            results.append(QuantizedVersion(scheme, new.version, output, new.source, size, seconds))
    return results
