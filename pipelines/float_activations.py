"""Float32 activations in chosen decoder layers of an int4 ONNX build (``quantize.float_activation_layers``).

With ``accuracy_level: 4`` every ``MatMulNBits`` quantizes its input to int8 per block (the fast CPU
path). On the embedded model that noise, summed over 30 layers, flips greedy answers whose float32
margin is small (the France prompt: 0.08 logits between "The" and "L"). Giving the first and the last
decoder layer float32 activations (``accuracy_level`` 1 on their MatMuls, a graph-only edit after
quantization) costs -3 % to +2 % of the one-stream speed (two measurements) and brings the greedy
answers closer to float32's (README, "float_activation_layers"). Layers are counted from 0; a negative index counts from
the last (-1). The LM head is not a decoder layer and keeps ``accuracy_level``: its 8-bit kernel with
float32 activations is ~13x slower here.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.config import ConfigError

FLOAT_ACCURACY = 1  # MatMulNBits' compute type: float32 activations


def resolve_layers(layers: list[int], num_layers: int) -> list[int]:
    """``layers`` as indices 0..num_layers-1 (negatives from the end), sorted; out of range: ConfigError."""
    bad = [i for i in layers if not -num_layers <= i < num_layers]
    if bad:
        raise ConfigError(
            f"float_activation_layers {bad} out of range: the model has {num_layers} decoder layers"
            f" (0..{num_layers - 1}, or -1..-{num_layers} from the last)"
        )
    resolved = sorted({i % num_layers for i in layers})
    if len(resolved) != len(layers):
        raise ConfigError(f"float_activation_layers {layers} names a layer twice")
    return resolved


def source_layers(source: Path, layers: list[int]) -> list[int]:
    """``resolve_layers`` against the source folder's ``config.json`` (before any export)."""
    config = json.loads((Path(source) / "config.json").read_text())
    if "num_hidden_layers" not in config:
        raise ConfigError(f"{source}/config.json has no num_hidden_layers: float_activation_layers cannot be checked")
    return resolve_layers(layers, int(config["num_hidden_layers"]))


def float_activation_graph(model, layers: list[int]) -> int:
    """Set ``accuracy_level`` 1 on the ``MatMulNBits`` of the builder's ``/model/layers.{i}/`` nodes (in
    place); returns how many. A chosen layer without one is an error (a graph this does not know)."""
    from onnx import helper

    changed: dict[int, int] = {i: 0 for i in layers}
    for node in model.graph.node:
        if node.op_type != "MatMulNBits":
            continue
        layer = next((i for i in layers if node.name.startswith(f"/model/layers.{i}/")), None)
        if layer is None:
            continue
        attrs = [a for a in node.attribute if a.name == "accuracy_level"]
        if attrs:
            attrs[0].i = FLOAT_ACCURACY
        else:
            node.attribute.append(helper.make_attribute("accuracy_level", FLOAT_ACCURACY))
        changed[layer] += 1
    missing = [i for i, n in changed.items() if n == 0]
    if missing:
        raise ValueError(f"no MatMulNBits named /model/layers.{{i}}/ for layers {missing}: not a graph of the builder")
    return sum(changed.values())


def make_float_activation_folder(folder: Path, layers: list[int], filename: str = "model.onnx") -> int:
    """``float_activation_graph`` on a build folder's graph; its weights (external data) are not rewritten."""
    import onnx

    path = Path(folder) / filename
    model = onnx.load(str(path), load_external_data=False)
    changed = float_activation_graph(model, layers)
    onnx.save(model, str(path))
    return changed
