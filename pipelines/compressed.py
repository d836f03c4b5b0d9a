"""A vLLM-servable quantized checkpoint: compressed-tensors W8A8 int8, written with the
compressed-tensors library's own compressors (the format vLLM's ``compressed-tensors``
quantization method reads; llmcompressor, the usual writer, is not installed: it would move
transformers 5.19 -> 5.17).

Every ``Linear`` of the decoder (not the LM head, which is tied to the embedding) gets int8
weights with one symmetric scale per output channel (round-to-nearest from the channel's
min/max, ``calculate_qparams``), and dynamic per-token int8 activations, computed by vLLM at
run time (its CPU backend: oneDNN int8 GEMM). The folder is an HF folder (``config.json`` with
``quantization_config``, ``model.safetensors``, tokenizer, chat template) that a models-file
entry with the default ``backend: vllm`` serves, and that transformers loads (decompressed to
float32) for ``llmops pipeline evaluate``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pipelines.config import ConfigError

SCHEME = "w8a8"
PRESET = "W8A8"  # compressed-tensors' preset: int8 channel-wise weights, dynamic per-token int8 activations
FORMAT = "compressed-tensors"


def check_library() -> str:
    """compressed-tensors' version; a clear error when it is missing."""
    try:
        import compressed_tensors
    except ImportError:
        raise ConfigError("scheme w8a8 needs compressed-tensors (installed with vllm)") from None
    return compressed_tensors.__version__


def build_w8a8(source: Path, output: Path, progress=print) -> tuple[int, float]:
    """Quantize the float32 HF folder ``source`` into ``output`` (replaced); returns (bytes, seconds)."""
    import torch
    from compressed_tensors.compressors import ModelCompressor
    from compressed_tensors.quantization import (
        QuantizationConfig,
        QuantizationStatus,
        apply_quantization_config,
        preset_name_to_scheme,
    )
    from compressed_tensors.quantization.utils import calculate_qparams
    from transformers import AutoModelForCausalLM, AutoTokenizer

    check_library()
    began = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(source)
    config = QuantizationConfig(
        config_groups={"group_0": preset_name_to_scheme(PRESET, ["Linear"])},
        ignore=["lm_head"],
        quantization_status=QuantizationStatus.INITIALIZED,
    )
    apply_quantization_config(model, config)
    quantized = 0
    with torch.no_grad():
        for module in model.modules():
            scheme = getattr(module, "quantization_scheme", None)
            if scheme is None:
                continue
            weight = module.weight
            scale, _ = calculate_qparams(weight.amin(-1, keepdim=True), weight.amax(-1, keepdim=True), scheme.weights)
            module.weight_scale.copy_(scale.reshape(module.weight_scale.shape))
            quantized += 1
    if not quantized:
        raise ConfigError(f"no Linear layer to quantize in {source}")
    compressor = ModelCompressor.from_pretrained_model(model)
    compressor.compress_model(model)
    if output.exists():
        shutil.rmtree(output)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    compressor.update_config(str(output))
    for extra in ("chat_template.jinja", "generation_config.json"):
        if (source / extra).is_file() and not (output / extra).is_file():
            shutil.copy2(source / extra, output / extra)
    progress(f"{SCHEME}: {quantized} Linear layers to int8 ({FORMAT})")
    size = sum(p.stat().st_size for p in output.glob("*.safetensors"))
    return size, time.perf_counter() - began
