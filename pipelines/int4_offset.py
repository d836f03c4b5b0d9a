"""int4 with a float offset per block on ONNX Runtime's fast int4 kernel (``quantize.algorithm: hqq_offset``).

HQQ (``HQQWeightOnlyQuantConfig``) keeps int4 quality within 1 % of float32 perplexity here, but its
zero points are floats, and onnxruntime 1.32's CPU ``MatMulNBits`` has no fast kernel for float zero
points. Per block ``b`` of ``block_size`` weights along K and output column ``n`` HQQ dequantises
``w = s (q - z)``, which is ``s (q - 8) + s (8 - z)``: the first term is what ``MatMulNBits`` computes
with its default zero point (8 for 4 bits, the fast path), the second is constant over the block. So

    X @ W = MatMulNBits(X, q, s) + BlockSum(X) @ C,   C[b, n] = s[b, n] (8 - z[b, n])

with ``BlockSum(X)[..., b]`` the sum of X over block b (X @ E, E the [K, K/bs] 0/1 block
indicator): llama.cpp's Q4_1 arithmetic (a scale and a float minimum per block)
out of stock ONNX ops. ``C`` is a float32 [K/bs, N] matrix (1/bs of the float32 weights). MatMuls
reading the same input share one BlockSum (gate and up; the builder fuses q, k, v). A float32 graph
is assumed (the builder's fp32 export). The graph's inputs and outputs are
unchanged, so the folder's ``genai_config.json`` still holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from pipelines.config import ConfigError, QuantizeConfig

DEFAULT_ZERO = 8.0  # MatMulNBits' zero point for 4 bits when none is given


def _attrs(node: onnx.NodeProto) -> dict[str, int]:
    return {a.name: a.i for a in node.attribute if a.type == onnx.AttributeProto.INT}


def offset_matrix(scales: np.ndarray, zero_points: np.ndarray, n: int, blocks: int) -> np.ndarray:
    """C [blocks, N] = s (8 - z) from MatMulNBits' scales and float zero points (both [N * blocks])."""
    s = scales.astype(np.float32).reshape(n, blocks)
    z = zero_points.astype(np.float32).reshape(n, blocks)
    return np.ascontiguousarray((s * (DEFAULT_ZERO - z)).T)


def rewrite_float_zero_points(model: onnx.ModelProto, accuracy_level: int = 4) -> tuple[onnx.ModelProto, int]:
    """Every 4-bit MatMulNBits with float zero points becomes the fast integer-zero-point kernel plus
    BlockSum(X) @ C; returns (the model, edited in place, and the number of MatMuls rewritten)."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes: list[onnx.NodeProto] = []
    block_sums: dict[tuple[str, int, int], str] = {}  # (input, K, block) -> its BlockSum output
    dropped: set[str] = set()
    rewritten = 0
    for node in graph.node:
        zp = node.input[3] if node.op_type == "MatMulNBits" and len(node.input) > 3 else ""
        attrs = _attrs(node)
        if not zp or zp not in inits or attrs.get("bits", 4) != 4:
            nodes.append(node)
            continue
        zero_points = numpy_helper.to_array(inits[zp])
        if zero_points.dtype == np.uint8:  # integer zero points: already the fast kernel
            nodes.append(node)
            continue
        if len(node.input) > 4 and any(node.input[4:]):
            raise ValueError(f"{node.name}: MatMulNBits with g_idx or bias is not rewritten")
        k, n, bs = attrs["K"], attrs["N"], attrs["block_size"]
        blocks = -(-k // bs)
        scales = numpy_helper.to_array(inits[node.input[2]])
        x = node.input[0]
        key = (x, k, bs)
        if key not in block_sums:
            block_sums[key] = _block_sum(nodes, graph, x, k, bs, blocks)
        c_name = f"{node.input[1]}_offset"
        graph.initializer.append(numpy_helper.from_array(offset_matrix(scales, zero_points, n, blocks), c_name))
        out = node.output[0]
        int_out, off_out = f"{out}_int", f"{out}_offset"
        del node.input[3:]
        node.output[0] = int_out
        for a in node.attribute:
            if a.name == "accuracy_level":
                a.i = accuracy_level
        if "accuracy_level" not in attrs:
            node.attribute.append(helper.make_attribute("accuracy_level", accuracy_level))
        nodes.append(node)
        nodes.append(helper.make_node("MatMul", [block_sums[key], c_name], [off_out], name=f"{node.name}_offset"))
        nodes.append(helper.make_node("Add", [int_out, off_out], [out], name=f"{node.name}_add_offset"))
        dropped.add(zp)
        rewritten += 1
    del graph.node[:]
    graph.node.extend(nodes)
    keep = [i for i in graph.initializer if i.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    return model, rewritten


def _block_sum(nodes: list[onnx.NodeProto], graph: onnx.GraphProto, x: str, k: int, bs: int, blocks: int) -> str:
    """Append the MatMul computing the sums of ``x`` ([..., K]) over each block: ``x @ E`` with E [K, blocks]
    the 0/1 block indicator (one op for any rank of x; K not a multiple of bs needs no padding, since
    MatMulNBits pads with zero weights). One E per (K, block size) for the whole graph: a decoded token
    reads it from cache instead of a copy per layer (30 x 0.4 MB here)."""
    stem = f"{x}_blocksum"
    indicator_name = f"blocksum_indicator_k{k}_b{bs}"
    if not any(init.name == indicator_name for init in graph.initializer):
        indicator = np.zeros((k, blocks), np.float32)
        indicator[np.arange(k), np.arange(k) // bs] = 1.0
        graph.initializer.append(numpy_helper.from_array(indicator, indicator_name))
    nodes.append(helper.make_node("MatMul", [x, indicator_name], [stem], name=f"{stem}_matmul"))
    return stem


def hqq_quantize(model: onnx.ModelProto, quantize: QuantizeConfig) -> onnx.ModelProto:
    """HQQ at 4 bits (``block_size``, float zero points) on every MatMul with a constant weight, the LM head
    first at 8 bits (round-to-nearest) with ``int8_matmuls: lm_head``; the embedding a float32 Gather of its own."""
    import logging

    from onnxruntime.quantization.matmul_nbits_quantizer import HQQWeightOnlyQuantConfig, MatMulNBitsQuantizer

    from pipelines.gptq import untie_embedding

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)
    weights = {i.name for i in model.graph.initializer}
    matmuls = [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    head = [n for n in matmuls if "/lm_head/" in n] if quantize.int8_matmuls == "lm_head" else []
    if quantize.int8_matmuls == "lm_head" and not head:
        raise ConfigError("int8_matmuls: lm_head, but the export has no /lm_head/ MatMul")
    if head:  # nodes_to_include would add to op_types_to_quantize: exclude the others instead
        int8 = MatMulNBitsQuantizer(model, bits=8, block_size=quantize.block_size, is_symmetric=True,
                                    accuracy_level=quantize.accuracy_level,
                                    nodes_to_exclude=[n for n in matmuls if n not in head])  # fmt: skip
        int8.process()
        model = int8.model.model
    hqq = MatMulNBitsQuantizer(model, algo_config=HQQWeightOnlyQuantConfig(block_size=quantize.block_size, bits=4))
    hqq.process()
    return untie_embedding(hqq.model.model)


def hqq_offset_quantize_folder(folder: Path, quantize: QuantizeConfig, progress: Callable[[str], None] = print) -> int:
    """Quantize the builder's float32 export in ``folder`` in place (``hqq_quantize``, then rewritten as
    above with ``accuracy_level``). Returns the MatMuls rewritten."""
    from pipelines.gptq import MODEL_FILE, save_model

    progress(f"int4 hqq_offset: HQQ on the MatMuls (8-bit LM head: {quantize.int8_matmuls == 'lm_head'})")
    model = hqq_quantize(onnx.load(str(folder / MODEL_FILE)), quantize)
    model, rewritten = rewrite_float_zero_points(model, quantize.accuracy_level)
    progress(f"int4 hqq_offset: {rewritten} MatMuls as the integer kernel + a float offset per block")
    save_model(folder, model)
    return rewritten
