"""The trained text classifiers (``pipelines/classifiers``) served with onnxruntime.

Each ONNX graph takes raw strings (``text``: [N, 1]) and returns ``probabilities`` ([N, k]);
tokenisation and TF-IDF run inside the graph, so nothing here depends on scikit-learn or torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class ModelMissingError(RuntimeError):
    """A classifier artefact is not built yet (run ``llmops classifiers train``)."""


class ModelInvalidError(RuntimeError):
    """A classifier artefact is there but is not the graph this class serves (corrupt, truncated,
    another model's file, or built for other classes)."""


class OnnxTextClassifier:
    def __init__(self, path: Path, classes: tuple[str, ...]):
        import onnxruntime as ort

        if not path.exists():
            raise ModelMissingError(f"{path} not found: build it with `llmops classifiers train` (make classifiers)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # ~1 ms per text: threads cost more than they save
        options.inter_op_num_threads = 1
        retrain = "rebuild it with `llmops classifiers train --force`"
        try:
            self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
            raise ModelInvalidError(f"{path} is not a loadable ONNX model ({type(exc).__name__}): {retrain}") from exc
        inputs = {i.name: i.type for i in self.session.get_inputs()}
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        if inputs.get("text") != "tensor(string)" or "probabilities" not in outputs:
            raise ModelInvalidError(
                f"{path} is not a text classifier (inputs {sorted(inputs)}, outputs {sorted(outputs)}): {retrain}"
            )
        width = outputs["probabilities"][-1]
        if isinstance(width, int) and width != len(classes):
            raise ModelInvalidError(f"{path} scores {width} classes, expected {len(classes)} {classes}: {retrain}")
        self.classes = classes

    def probabilities(self, texts: list[str]) -> np.ndarray:
        batch = np.array(texts, dtype=object).reshape(-1, 1)
        return self.session.run(["probabilities"], {"text": batch})[0]


class InjectionClassifier(OnnxTextClassifier):
    def __init__(self, models_dir: Path):
        super().__init__(models_dir / "injection.onnx", ("benign", "injection"))

    def scores(self, texts: list[str]) -> list[float]:
        """Probability that each text is a prompt injection."""
        return [float(p) for p in self.probabilities(texts)[:, 1]]


class ToxicityClassifier(OnnxTextClassifier):
    def __init__(self, models_dir: Path):
        super().__init__(models_dir / "toxicity.onnx", ("hate", "offensive", "neither"))

    def score(self, text: str) -> tuple[float, str]:
        """Probability that the text is hateful or offensive, and the likelier of the two."""
        hate, offensive, _neither = (float(p) for p in self.probabilities([text])[0])
        return hate + offensive, ("hate" if hate >= offensive else "offensive")
