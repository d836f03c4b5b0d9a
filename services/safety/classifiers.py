"""The trained text classifiers (``pipelines/classifiers``) served with onnxruntime.

Each ONNX graph takes raw strings (``text``: [N, 1]) and returns ``probabilities`` ([N, k]);
tokenisation and TF-IDF run inside the graph, so nothing here depends on scikit-learn or torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class ModelMissingError(RuntimeError):
    """A classifier artefact is not built yet (run ``llmops classifiers train``)."""


class OnnxTextClassifier:
    def __init__(self, path: Path, classes: tuple[str, ...]):
        import onnxruntime as ort

        if not path.exists():
            raise ModelMissingError(f"{path} not found: build it with `llmops classifiers train` (make classifiers)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # ~1 ms per text: threads cost more than they save
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
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
