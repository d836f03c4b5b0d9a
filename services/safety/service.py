"""The safety service as plain Python: texts and a resolved policy in, a verdict out.

``check(texts, direction, policy)`` runs the detectors the policy enables for that direction:

- injection (input by default): the ONNX classifier and the heuristics, combined by noisy-OR
  into one score over the joined texts;
- toxicity: the ONNX classifier's P(hate) + P(offensive) over the joined texts;
- pii: Presidio on each text, with redaction or reversible pseudonymisation.

Injection and toxicity compare their score with the rule's threshold for the direction and text
(``threshold_for``: ``output_threshold`` on output when set; a stricter one for a short text). Both
classifiers read the joined text's word n-grams from one ``TextNgrams`` (one split, not two).

The verdict is a plain dict (it crosses a Ray Serve hop)::

    {"blocked": "prompt injection" | "toxicity" | "pii" | None,
     "actions": {detector: "allow" | "flag" | "redact" | "block"},   # what applied, per detector run
     "scores": {"injection": float, "heuristics": float, "toxicity": float, "pii_entities": int},
     "entities": [[{"type", "start", "end", "score"}, ...] per text],
     "texts": [redacted or pseudonymised text per text],
     "vault": {"<PERSON_1>": "original", ...},                       # only when pseudonymising
     "timings": {detector: seconds},
     "explanations": {detector: [[n-gram, share of the log-odds], ...]}}  # rule explain: true, not allow

Cheap detectors run first; once one blocks, the rest are skipped. ``scan_passages`` scores
retrieved RAG passages for indirect injection, one verdict per passage.
"""

from __future__ import annotations

import time
from typing import Any

from services.safety import heuristics
from services.safety.classifiers import InjectionClassifier, ToxicityClassifier
from services.safety.config import SafetySettings
from services.safety.pii import PiiDetector, Pseudonymizer, redact
from services.safety.policy import Policy
from services.safety.sparse_tfidf import TextNgrams
from services.safety.tagger import MODEL_FILE
from services.safety.watermark import WatermarkDetector

CATEGORY = {"injection": "prompt injection", "toxicity": "toxicity", "pii": "pii"}


def passing_verdict(texts: list[str]) -> dict[str, Any]:
    """The verdict of a check that found nothing: ``texts`` pass unchanged, no detector reported."""
    return {
        "blocked": None,
        "actions": {},
        "scores": {},
        "entities": [[] for _ in texts],
        "texts": list(texts),
        "vault": {},
        "timings": {},
        "explanations": {},
    }


class SafetyService:
    def __init__(
        self,
        pii: PiiDetector,
        injection: InjectionClassifier,
        toxicity: ToxicityClassifier,
        watermark: WatermarkDetector | None = None,
    ):
        self.pii = pii
        self.injection = injection
        self.toxicity = toxicity
        self.watermark = watermark or WatermarkDetector({})

    @classmethod
    def from_settings(cls, settings: SafetySettings) -> SafetyService:
        return cls(
            PiiDetector(
                settings.spacy_model,
                tuple(settings.phone_regions),
                prefilter=settings.pii_prefilter,
                tagger_path=settings.models_dir / MODEL_FILE if settings.pii_tagger else None,
            ),
            InjectionClassifier(settings.models_dir),
            ToxicityClassifier(settings.models_dir),
            WatermarkDetector(settings.tokenizer_dirs),
        )

    def check(
        self, texts: list[str], direction: str, policy: Policy | dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        """The verdict on ``texts``. ``timeout_s``: how long the caller waits; a PII scan still
        running then is abandoned (``ScanDeadlineExceeded``) instead of holding the detector."""
        deadline = time.monotonic() + timeout_s if timeout_s is not None else None
        if not isinstance(policy, Policy):
            policy = Policy.model_validate(policy)
        joined = "\n\n".join(texts)
        shared = TextNgrams(joined)  # the injection and toxicity classifiers read its n-grams once
        verdict = passing_verdict(texts)

        def decide(detector: str, score: float, towards: int = 1) -> None:
            rule = getattr(policy, detector)
            action = rule.action if score >= rule.threshold_for(joined, direction) else "allow"
            verdict["actions"][detector] = action
            if action == "block":
                verdict["blocked"] = CATEGORY[detector]
            if action != "allow" and rule.explain:
                classifier = self.injection if detector == "injection" else self.toxicity
                verdict["explanations"][detector] = [list(pair) for pair in classifier.explain(joined, towards)]

        if policy.active("injection", direction):
            started = time.perf_counter()
            found = heuristics.scan(joined)
            verdict["timings"]["heuristics"] = time.perf_counter() - started
            started = time.perf_counter()
            classifier = self.injection.scores([shared])[0]
            verdict["timings"]["injection"] = time.perf_counter() - started
            verdict["scores"]["heuristics"] = found.score
            verdict["scores"]["injection"] = heuristics.combine(classifier, found.score)
            decide("injection", verdict["scores"]["injection"])
        if policy.active("toxicity", direction) and not verdict["blocked"]:
            started = time.perf_counter()
            verdict["scores"]["toxicity"], kind = self.toxicity.score(shared)
            verdict["timings"]["toxicity"] = time.perf_counter() - started
            decide("toxicity", verdict["scores"]["toxicity"], self.toxicity.classes.index(kind))
        if policy.active("pii", direction) and not verdict["blocked"] and policy.pii.action != "allow":
            self._pii(texts, direction, policy, verdict, deadline)
        return verdict

    def _pii(
        self, texts: list[str], direction: str, policy: Policy, verdict: dict[str, Any], deadline: float | None
    ) -> None:
        rule = policy.pii
        started = time.perf_counter()
        found = [
            self.pii.detect(
                t,
                rule.entities,
                threshold=rule.threshold,
                entity_thresholds=rule.entity_thresholds,
                allow_list=rule.allow_list,
                deadline=deadline,
            )
            for t in texts
        ]
        verdict["entities"] = [[e.as_dict() for e in entities] for entities in found]
        count = sum(len(entities) for entities in found)
        verdict["scores"]["pii_entities"] = count
        action = rule.action if count else "allow"
        verdict["actions"]["pii"] = action
        if action == "block":
            verdict["blocked"] = CATEGORY["pii"]
        elif action == "redact":
            # pseudonymise prompts only: the output goes to the client, who has no vault to read
            pseudonyms = Pseudonymizer() if rule.pseudonymize and direction == "input" else None
            verdict["texts"] = [redact(t, entities, pseudonyms) for t, entities in zip(texts, found, strict=True)]
            verdict["vault"] = pseudonyms.vault if pseudonyms else {}
        verdict["timings"]["pii"] = time.perf_counter() - started

    def scan_passages(self, passages: list[str], policy: Policy | dict[str, Any]) -> list[dict[str, Any]]:
        """Indirect injection in retrieved passages: one ``{"score", "blocked", "reasons"}`` each.
        A blocked passage should be dropped from the context rather than fail the request."""
        if not isinstance(policy, Policy):
            policy = Policy.model_validate(policy)
        if not passages:
            return []
        classifier = self.injection.scores(passages)
        out = []
        rule = policy.injection
        for passage, p in zip(passages, classifier, strict=True):
            found = heuristics.scan(passage)
            score = heuristics.combine(p, found.score)
            out.append(
                {
                    "score": score,
                    # a passage goes into the prompt: judged as input
                    "blocked": rule.action == "block" and score >= rule.threshold_for(passage, "input"),
                    "reasons": list(found.reasons),
                }
            )
        return out

    def detect_watermark(
        self, model: str, text: str, gamma: float, key: int, threshold: float, tokenizer_dir: str | None = None
    ) -> dict[str, Any]:
        """Whether ``text`` carries the green-list watermark of ``model``'s tokenizer (z-score, verdict);
        ``tokenizer_dir``: the folder its engine reported, instead of the configured one."""
        return self.watermark.detect(
            model, text, gamma=gamma, key=key, threshold=threshold, tokenizer_dir=tokenizer_dir
        )
