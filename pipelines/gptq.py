"""GPTQ-calibrated int4 (``quantize.algorithm: gptq``) for the onnxruntime-genai model format.

onnxruntime-genai's model builder rounds weights to nearest (``default`` / ``rtn``) or uses
k-quants; it has no calibrated method. ONNX Runtime's own ``MatMulNBitsQuantizer`` has one:
``GPTQWeightOnlyQuantConfig`` (its port of Intel Neural Compressor's GPTQ), which needs a
calibration data reader and works on a plain float32 ONNX graph. So a GPTQ build is:

1. the builder exports the model in float32 (``-p fp32``: the same graph, inputs, KV cache
   and ``genai_config.json`` as the int4 build, only not quantized);
2. ``MatMulNBitsQuantizer`` with the GPTQ config quantizes every MatMul weight (the decoder's
   and the LM head's) to 4 bits, ``block_size`` weights per scale, with a Hessian gathered
   from ``calibration_items`` PubMedQA **training** items (question + context, chat format,
   cut to ``calibration_seq_len`` tokens; the held-out split is never read);
3. the input embedding table (a ``Gather``) is quantized to int4 round-to-nearest with the
   default quantizer (``GatherBlockQuantized``), as the builder does for its own int4;
4. the graph is written over the float32 one, so the folder loads in onnxruntime-genai and
   serves with ``backend: onnx`` like any other build.

ORT's GPTQ writes ``MatMulNBits`` only for 4 bits (8 bits would leave float32 weights that
were rounded, not smaller), so ``gptq`` is refused for int8 before any export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.config import ConfigError, DataConfig, QuantizeConfig

MODEL_FILE = "model.onnx"


def calibration_feeds(
    source: Path, data: DataConfig, items: int, seq_len: int, genai_config: dict[str, Any]
) -> list[dict[str, Any]]:
    """One feed per training item for the exported decoder: prompt ids, mask, empty KV cache."""
    import numpy as np
    from transformers import AutoTokenizer

    from pipelines.finetune.data import load_items, prompt_ids, split_items, user_prompt

    train = split_items(load_items(data), data)["train"]
    if len(train) < items:
        raise ConfigError(f"calibration needs {items} training items; the split has {len(train)}")
    tokenizer = AutoTokenizer.from_pretrained(source)
    decoder = genai_config["model"]["decoder"]
    names = decoder["inputs"]
    kv_heads, head_size = decoder["num_key_value_heads"], decoder["head_size"]
    feeds = []
    for item in train[:items]:
        ids = np.asarray([prompt_ids(tokenizer, user_prompt(item))[:seq_len]], dtype=np.int64)
        feed: dict[str, Any] = {names["input_ids"]: ids, names["attention_mask"]: np.ones_like(ids)}
        empty = np.zeros((1, kv_heads, 0, head_size), dtype=np.float32)
        for layer in range(decoder["num_hidden_layers"]):
            feed[names["past_key_names"] % layer] = empty
            feed[names["past_value_names"] % layer] = empty
        feeds.append(feed)
    return feeds


def gptq_quantize_folder(
    folder: Path,
    source: Path,
    quantize: QuantizeConfig,
    data: DataConfig,
    progress: Callable[[str], None] = print,
) -> int:
    """Quantize the float32 export in ``folder`` in place with GPTQ; returns the MatMuls quantized."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import GPTQWeightOnlyQuantConfig, MatMulNBitsQuantizer

    genai_config = json.loads((folder / "genai_config.json").read_text())
    feeds = calibration_feeds(source, data, quantize.calibration_items, quantize.calibration_seq_len, genai_config)
    progress(f"int4 gptq: calibrating on {len(feeds)} training items (up to {quantize.calibration_seq_len} tokens)")
    model = onnx.load(str(folder / MODEL_FILE))  # external data loaded: GPTQ reads every weight
    matmuls = sum(1 for node in model.graph.node if node.op_type == "MatMul")
    gptq = MatMulNBitsQuantizer(
        model,
        bits=4,
        block_size=quantize.block_size,
        accuracy_level=quantize.accuracy_level,
        algo_config=GPTQWeightOnlyQuantConfig(calibration_data_reader=feeds, block_size=128),
    )
    gptq.process()
    model = gptq.model.model
    left = sum(1 for node in model.graph.node if node.op_type == "MatMul")
    progress(f"int4 gptq: {matmuls - left} of {matmuls} MatMuls quantized; embedding table to int4 (RTN)")
    save_model(folder, quantize_embedding(model, quantize))
    return matmuls - left


def untie_embedding(model: Any) -> Any:
    """The export reads the embedding as ``Transpose(lm_head weight)``; once the LM head is
    quantized, give the ``Gather`` its own [vocab, hidden] table so that it can be quantized too."""
    from onnx import numpy_helper

    inits = {init.name: init for init in model.graph.initializer}
    for node in list(model.graph.node):
        if node.op_type != "Transpose" or node.input[0] not in inits:
            continue
        users = [n for n in model.graph.node if node.output[0] in n.input]
        if not users or any(n.op_type != "Gather" for n in users):
            continue
        table = numpy_helper.from_array(numpy_helper.to_array(inits[node.input[0]]).T.copy(), "embed_tokens.weight")
        model.graph.initializer.append(table)
        for user in users:
            user.input[0] = table.name
        model.graph.node.remove(node)
        if not any(node.input[0] in n.input for n in model.graph.node):
            model.graph.initializer.remove(inits[node.input[0]])
    return model


def quantize_embedding(model: Any, quantize: QuantizeConfig) -> Any:
    """The input embedding table (``Gather``) to int4 round-to-nearest (``GatherBlockQuantized``)."""
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    model = untie_embedding(model)

    embedding = MatMulNBitsQuantizer(
        model,
        algo_config=DefaultWeightOnlyQuantConfig(
            block_size=quantize.block_size,
            is_symmetric=True,
            accuracy_level=quantize.accuracy_level,
            op_types_to_quantize=("Gather",),
            quant_axes=(("Gather", 1),),
            bits=4,
        ),
    )
    embedding.process()
    return embedding.model.model


def save_model(folder: Path, model: Any) -> None:
    """Write ``model`` over the folder's ``model.onnx`` (+ one external data file)."""
    import onnx

    for old in folder.glob(f"{MODEL_FILE}*"):
        old.unlink()
    onnx.save_model(
        model, str(folder / MODEL_FILE), save_as_external_data=True, location=f"{MODEL_FILE}.data", size_threshold=1024
    )
