"""The trained text classifiers (``pipelines/classifiers``) served with onnxruntime.

Each ONNX graph takes raw strings (``text``: [N, 1]) and returns ``probabilities`` ([N, k]);
tokenisation and TF-IDF run inside the graph, so nothing here depends on scikit-learn or torch.
Short ASCII texts are scored from the same graph over their own n-grams instead of onnxruntime's
dense row (``services/safety/sparse_tfidf.py``: the same probabilities, several times cheaper).

``explain`` names the n-grams that pushed a text towards a class. The graphs are linear models on
the L2-normalised TF-IDF row, so each n-gram's share of the class's log-odds is exactly its
coefficient times its feature value: both are read from the graph itself (the vectorizer's n-gram
pool, the classifier's coefficients, the normalised row as an extra output of a second session).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from services.safety.sparse_tfidf import SparseTfidfLinear, TextNgrams, ngrams, text_of


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
        self.path = path
        self._explainer: _NgramExplainer | None = None
        # the same graph's arithmetic over a text's own n-grams (services/safety/sparse_tfidf.py)
        self.sparse = SparseTfidfLinear.from_graph(path, self.session)

    def probabilities(self, texts: list[str] | list[str | TextNgrams]) -> np.ndarray:
        """``[len(texts), classes]``: each text's class probabilities, from ``self.sparse`` where it
        serves the text, else from onnxruntime. A text given as ``TextNgrams`` lends its n-grams
        to (and takes them from) the other classifiers scoring it."""
        rows = [self.sparse.probabilities(t) for t in texts] if self.sparse is not None else [None] * len(texts)
        dense = [i for i, row in enumerate(rows) if row is None]
        if dense:
            batch = np.array([text_of(texts[i]) for i in dense], dtype=object).reshape(-1, 1)
            for i, row in zip(dense, self.session.run(["probabilities"], {"text": batch})[0], strict=True):
                rows[i] = row
        return np.array(rows, dtype=np.float32).reshape(len(texts), len(self.classes))

    def explain(self, text: str, towards: int, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` n-grams of ``text`` that added most to class ``towards``'s log-odds (against the
        other class of a binary model, against the last class, "neither"/"benign", of a multi-class
        one), with their shares, largest first; only n-grams that pushed towards it."""
        if self._explainer is None:
            self._explainer = _NgramExplainer(self.path)
        return self._explainer.top(text, towards, k)


class _NgramExplainer:
    """What ``OnnxTextClassifier.explain`` reads from a TF-IDF + linear classifier graph."""

    def __init__(self, path: Path):
        import onnx
        import onnxruntime as ort
        from onnx import helper

        model = onnx.load(str(path))
        nodes = {n.op_type: n for n in model.graph.node}
        vectorizer, classifier = nodes["TfIdfVectorizer"], nodes["LinearClassifier"]
        attrs = {a.name: helper.get_attribute_value(a) for a in vectorizer.attribute}
        self.names = [""] * (max(attrs["ngram_indexes"]) + 1)
        for gram, column in zip(ngrams(attrs), attrs["ngram_indexes"], strict=True):
            self.names[column] = " ".join(gram)
        weights = {a.name: helper.get_attribute_value(a) for a in classifier.attribute}
        self.coefficients = np.array(weights["coefficients"], dtype=np.float64).reshape(-1, len(self.names))
        self.binary = weights["post_transform"] == b"LOGISTIC"  # rows [-w, w]: class 1's log-odds is w . x
        row = classifier.input[0]  # the normalised TF-IDF row the classifier reads
        model.graph.output.append(helper.make_tensor_value_info(row, onnx.TensorProto.FLOAT, None))
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self.row = row

    def top(self, text: str, towards: int, k: int) -> list[tuple[str, float]]:
        x = self.session.run([self.row], {"text": np.array([[text]], dtype=object)})[0][0].astype(np.float64)
        w = self.coefficients[towards] if self.binary else self.coefficients[towards] - self.coefficients[-1]
        share = w * x
        order = [j for j in np.argsort(-share)[:k] if share[j] > 0]
        return [(self.names[j], round(float(share[j]), 4)) for j in order]


class InjectionClassifier(OnnxTextClassifier):
    def __init__(self, models_dir: Path):
        super().__init__(models_dir / "injection.onnx", ("benign", "injection"))

    def scores(self, texts: list[str] | list[str | TextNgrams]) -> list[float]:
        """Probability that each text is a prompt injection."""
        return [float(p) for p in self.probabilities(texts)[:, 1]]


class ToxicityClassifier(OnnxTextClassifier):
    def __init__(self, models_dir: Path):
        super().__init__(models_dir / "toxicity.onnx", ("hate", "offensive", "neither"))

    def score(self, text: str | TextNgrams) -> tuple[float, str]:
        """Probability that the text is hateful or offensive, and the likelier of the two."""
        hate, offensive, _neither = (float(p) for p in self.probabilities([text])[0])
        return hate + offensive, ("hate" if hate >= offensive else "offensive")
