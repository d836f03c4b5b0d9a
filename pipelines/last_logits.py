"""The LM head on the last prompt position only (every ONNX build of ``pipeline quantize``).

A prompt's prefill needs the logits of its last position only (the next token), but the builder's
export computes the LM head (a [hidden, vocab] MatMul; 49152 columns for SmolLM2) at every prompt
position and writes them all out. ``last_position_graph`` puts a ``Slice`` of the last position in
front of the LM head, so the graph's ``logits`` are ``[batch, 1, vocab]``; onnxruntime-genai (0.18)
reads a fixed 1 there as the last position's logits (its ``Model::IsPruned``, the same contract as the
builder's ``prune_lm_head`` option). It is done after quantization, as a graph-only edit, so GPTQ
still calibrates the LM head on every position. Decoding (one position) is unchanged. One generator
holds one sequence here (``OnnxGenAIEngine``): a batch of unequal prompts padded on the right would
need the last real position, not the last one.

Scoring (``pipelines/ort_model.py``: perplexity, PubMedQA) needs every position: ``all_positions_view``
gives it a folder whose graph has the ``Slice`` removed, beside the build's weights (hard-linked, or
copied across file systems: onnxruntime refuses external data reached through a symbolic link out of
the graph's folder) and links to its other files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

LOGITS = "logits"
SLICE = "/lm_head/last_position/Slice"
# ops that work on each position alone (what may lie between the final norm and the logits)
POSITION_WISE = ("MatMul", "MatMulNBits", "Add", "Mul", "Cast")


def logits_output(model):
    """The graph output named ``logits``."""
    for output in model.graph.output:
        if output.name == LOGITS:
            return output
    raise ValueError(f"the graph has no output named {LOGITS!r}")


def is_last_position_only(model) -> bool:
    """Whether the graph's logits are the last position's only (their sequence dimension is a fixed 1)."""
    dims = logits_output(model).type.tensor_type.shape.dim
    return len(dims) == 3 and dims[1].HasField("dim_value") and dims[1].dim_value == 1


def _set_sequence_dim(model, value: int | str) -> None:
    dim = logits_output(model).type.tensor_type.shape.dim[1]
    dim.Clear()
    if isinstance(value, int):
        dim.dim_value = value
    else:
        dim.dim_param = value


def last_position_graph(model):
    """The graph (edited in place) with the LM head reading the last position only: ``Slice(hidden, [-1],
    [big], axes=[1])`` of the final norm's output, which every consumer of it then reads (the LM head's
    ``MatMulNBits``, and in an ``hqq_offset`` build its block sums too). Already so: unchanged."""
    from onnx import helper, numpy_helper

    if is_last_position_only(model):
        return model
    hidden = final_norm_output(model)
    last = f"{SLICE}/output_0"
    constants = {"starts": -1, "ends": 2**62, "axes": 1}
    for name, value in constants.items():
        model.graph.initializer.append(numpy_helper.from_array(_int64([value]), f"{SLICE}/{name}"))
    for node in model.graph.node:
        for i, name in enumerate(node.input):
            if name == hidden:
                node.input[i] = last
    position = next(i for i, node in enumerate(model.graph.node) if hidden in node.output) + 1
    cut = helper.make_node("Slice", [hidden, *(f"{SLICE}/{name}" for name in constants)], [last], name=SLICE)
    model.graph.node.insert(position, cut)
    _set_sequence_dim(model, 1)
    return model


def final_norm_output(model) -> str:
    """The tensor the LM head reads: the output of the normalisation before ``logits``, checked to reach
    ``logits`` through position-wise ops only (MatMuls by a constant, Adds, Muls, Casts) and to be read
    by nothing else."""
    producers = {out: node for node in model.graph.node for out in node.output}
    constants = {i.name for i in model.graph.initializer}
    constants |= {out for node in model.graph.node if node.op_type == "Constant" for out in node.output}
    logits_output(model)
    between: set[str] = set()  # the nodes from the norm to the logits, by their first output
    norms: set[str] = set()  # the normalisations' outputs they read
    frontier = [LOGITS]
    while frontier:
        tensor = frontier.pop()
        node = producers.get(tensor)
        if node is None:
            raise ValueError(f"{tensor} reaches {LOGITS} without a normalisation: not a known LM head")
        if node.op_type.endswith("LayerNormalization"):
            norms.add(tensor)
            continue
        if node.output[0] in between:
            continue
        if node.op_type not in POSITION_WISE or (node.op_type.startswith("MatMul") and node.input[1] not in constants):
            raise ValueError(
                f"{node.name} ({node.op_type}) lies between the final norm and {LOGITS}: not a known LM head"
            )
        between.add(node.output[0])
        frontier += [name for name in node.input if name and name not in constants]
    if len(norms) != 1:
        raise ValueError(f"{LOGITS} reads {len(norms)} normalisations' outputs: not a known LM head")
    [hidden] = norms
    readers = {node.output[0] for node in model.graph.node if hidden in node.input}
    if not readers <= between or hidden in {out.name for out in model.graph.output}:
        raise ValueError(f"{hidden} is read by more than the LM head: its positions cannot be cut")
    return hidden


def all_positions_graph(model):
    """``last_position_graph`` undone (in place): the LM head reads every position again and ``logits`` is
    ``[batch, sequence_length, vocab]``."""
    nodes = [node for node in model.graph.node if node.name == SLICE]
    if not nodes:
        raise ValueError(f"last-position logits without {SLICE}: not a graph of last_position_graph")
    [cut] = nodes
    for node in model.graph.node:
        for i, name in enumerate(node.input):
            if name == cut.output[0]:
                node.input[i] = cut.input[0]
    model.graph.node.remove(cut)
    for init in [i for i in model.graph.initializer if i.name in cut.input[1:]]:
        model.graph.initializer.remove(init)
    _set_sequence_dim(model, "sequence_length")
    return model


def _int64(values: list[int]):
    import numpy as np

    return np.asarray(values, dtype=np.int64)


def make_last_position_folder(folder: Path, filename: str = "model.onnx") -> None:
    """``last_position_graph`` on a build folder's graph; its weights (external data) are not rewritten."""
    import onnx

    path = Path(folder) / filename
    model = onnx.load(str(path), load_external_data=False)
    onnx.save(last_position_graph(model), str(path))


def all_positions_view(folder: Path, workdir: Path, filename: str = "model.onnx") -> Path:
    """``folder`` as scoring needs it: the folder itself when its logits cover every position, else
    ``workdir`` holding ``all_positions_graph`` of its graph beside its weights and links to its other
    files (genai_config.json, tokenizer)."""
    import onnx

    folder = Path(folder).resolve()
    model = onnx.load(str(folder / filename), load_external_data=False)  # the weights stay where they are
    if not is_last_position_only(model):
        return folder
    workdir.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        if item.name.startswith(f"{filename}."):  # the external data file(s)
            try:
                os.link(item, workdir / item.name)
            except OSError:
                shutil.copy2(item, workdir / item.name)
        elif item.name != filename:
            os.symlink(item, workdir / item.name)
    onnx.save(all_positions_graph(model), str(workdir / filename))
    return workdir
