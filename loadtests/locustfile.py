"""Locust load test: OpenAI-streaming users against llmops (or any OpenAI-compatible server).

Runs in Locust's own process (gevent monkey-patches the interpreter), e.g.::

    locust -f loadtests/locustfile.py --headless --host http://127.0.0.1:8000 -u 8 -r 2 -t 60s \
        --api-keys "$KEY" ShortChatUser

``llmops loadtest`` (and ``make loadtest``) run it this way, then judge the CSV against SLOs.

User classes (pick on the command line; all of them when none is named):

- ``ShortChatUser``: a short question, a short streamed answer.
- ``LongPromptChatUser``: a long prompt (three PubMedQA abstracts, ~1,000 tokens) and a short answer.
- ``ContextChatUser``: RAG-shaped chat without retrieval: the question's own PubMedQA abstract is
  put into the prompt by the client, as a retrieval step would (``GroundedChatUser`` retrieves).
- ``GroundedChatUser``: grounded chat through the RAG service: a PubMedQA question with
  ``"rag": {"collection", "top_k"}`` (``--rag-collection``, default ``pubmed``, the collection
  ``make serve`` ingests; ``--rag-top-k``, default 4). A stream without its citations event
  (``chat.completion.citations`` with at least one citation) counts as a failure.
- ``EmbeddingsUser``: batches of sentences to the embedding model.
- ``MixedUser``: all of the above in one user, weighted 6 short : 2 context : 1 long : 1 embeddings.

Each streamed request is reported as its own Locust request (``chat:<scenario>``, full stream
time) plus two Locust metrics of its own: ``TTFT`` (request start to the first content chunk;
name ``all`` and, again, the scenario's name) and ``ITL`` (each gap between content chunks; name
``all``), so Locust's CSV and HTML report carry their percentiles. A stream that answers non-200,
sends an error event, ends without ``[DONE]``, or carries no content without finishing normally
(``stop`` or ``length``: a sampling model may end before its first visible token) counts as a failure.

Options (each also from an environment variable): ``--api-keys`` / ``LLMOPS_LOADTEST_API_KEYS``
(comma-separated; users take them in turn), ``--chat-model``, ``--embed-model``,
``--max-tokens``, ``--think-min`` / ``--think-max`` (seconds between a user's requests),
``--pubmedqa`` (the PubMedQA JSON; default: the first ``shared/data/pubmedqa/ori_pqal.json``
found above the repository), ``--rag-collection``, ``--rag-top-k``.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import requests
from locust import HttpUser, events, task

REPO = Path(__file__).resolve().parent.parent
SHORT_PROMPTS = [
    "What is the capital of France?",
    "Name three primary colours.",
    "Give me a synonym for 'quick'.",
    "What is 12 times 7?",
    "Write a haiku about the sea.",
    "Which planet is known as the red planet?",
    "Explain what a CPU does in one sentence.",
    "Translate 'good morning' into Spanish.",
]
_key_cycle: itertools.cycle | None = None


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    group = parser.add_argument_group("llmops")
    group.add_argument(
        "--api-keys",
        env_var="LLMOPS_LOADTEST_API_KEYS",
        default="",
        help="Comma-separated API keys; users take them in turn.",
    )
    group.add_argument(
        "--chat-model",
        env_var="LLMOPS_LOADTEST_CHAT_MODEL",
        default="smollm2-135m-instruct",
        help="Model for chat scenarios.",
    )
    group.add_argument(
        "--embed-model", env_var="LLMOPS_LOADTEST_EMBED_MODEL", default="all-minilm-l6-v2", help="Model for embeddings."
    )
    group.add_argument(
        "--max-tokens", env_var="LLMOPS_LOADTEST_MAX_TOKENS", type=int, default=32, help="max_tokens of chat requests."
    )
    group.add_argument(
        "--think-min",
        env_var="LLMOPS_LOADTEST_THINK_MIN",
        type=float,
        default=0.5,
        help="Shortest think time between requests (s).",
    )
    group.add_argument(
        "--think-max",
        env_var="LLMOPS_LOADTEST_THINK_MAX",
        type=float,
        default=2.0,
        help="Longest think time between requests (s).",
    )
    group.add_argument(
        "--pubmedqa",
        env_var="LLMOPS_LOADTEST_PUBMEDQA",
        default="",
        help="PubMedQA ori_pqal.json (long and context scenarios).",
    )
    group.add_argument(
        "--rag-collection",
        env_var="LLMOPS_LOADTEST_RAG_COLLECTION",
        default="pubmed",
        help="Collection of the grounded-chat scenario.",
    )
    group.add_argument(
        "--rag-top-k",
        env_var="LLMOPS_LOADTEST_RAG_TOP_K",
        type=int,
        default=4,
        help="Passages per grounded chat.",
    )


def pubmedqa_path(explicit: str) -> Path:
    if explicit:
        return Path(explicit)
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("PubMedQA not found above the repository; pass --pubmedqa /path/to/ori_pqal.json")


@cache
def pubmedqa(explicit: str) -> list[dict]:
    data = json.loads(pubmedqa_path(explicit).read_text())
    return [data[k] for k in sorted(data)]


@dataclass
class Stream:
    """What a client saw of one OpenAI SSE stream."""

    first: float | None = None  # seconds from the request to the first content chunk
    gaps: list[float] = field(default_factory=list)  # seconds between content chunks
    done: bool = False  # saw [DONE]
    error: str | None = None  # an error event's message
    finish_reason: str | None = None  # the last one a choice carried

    def problem(self) -> str | None:
        """Why the stream counts as failed, or None. A stream that finished normally with no
        content is an answer (a sampling model may end before its first visible token)."""
        if self.error is not None:
            return self.error
        if not self.done:
            return "stream ended without [DONE]"
        if self.first is None and self.finish_reason not in ("stop", "length"):
            return f"stream carried no content (finish_reason {self.finish_reason})"
        return None


def parse_sse(lines, started: float, events: list[dict] | None = None) -> Stream:
    """Read an OpenAI SSE stream; events that are not chunks (the gateway's
    ``chat.completion.citations``) are appended to ``events``."""
    stream, last = Stream(), None
    for raw in lines:
        if not raw or not raw.startswith(b"data: "):
            continue
        payload = raw[6:].strip()
        if payload == b"[DONE]":
            stream.done = True
            break
        chunk = json.loads(payload)
        if "error" in chunk:
            stream.error = chunk["error"].get("message", "stream error")
            continue
        if events is not None and chunk.get("object") not in (None, "chat.completion.chunk", "text_completion"):
            events.append(chunk)
        choices = chunk.get("choices") or []
        for choice in choices:
            stream.finish_reason = choice.get("finish_reason") or stream.finish_reason
        if not any((c.get("delta") or {}).get("content") for c in choices):
            continue  # role-only, finish and usage chunks carry no token
        now = time.perf_counter()
        if stream.first is None:
            stream.first = now - started
        else:
            stream.gaps.append(now - last)
        last = now
    return stream


def citations_error(events: list[dict]) -> str | None:
    """Why a grounded stream's citations are missing, or None when it had some."""
    cited = [e for e in events if e.get("object") == "chat.completion.citations"]
    if not cited:
        return "stream carried no citations event"
    if not cited[-1].get("citations"):
        return "citations event with no citation (empty collection?)"
    return None


class OpenAIUser(HttpUser):
    """Base class: an API key, think time, streamed chat and embeddings requests."""

    abstract = True

    def wait_time(self) -> float:
        opts = self.environment.parsed_options
        return random.uniform(opts.think_min, opts.think_max) if opts else 1.0

    def on_start(self) -> None:
        global _key_cycle
        opts = self.environment.parsed_options
        keys = [k.strip() for k in (opts.api_keys if opts else "").split(",") if k.strip()]
        if _key_cycle is None:
            _key_cycle = itertools.cycle(keys or [""])
        key = next(_key_cycle)
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.stream_session = requests.Session()
        self.rng = random.Random()

    @property
    def opts(self):
        return self.environment.parsed_options

    def items(self) -> list[dict]:
        return pubmedqa(self.opts.pubmedqa)

    def stream_chat(self, scenario: str, messages: list[dict], extra: dict | None = None) -> None:
        body = {
            "model": self.opts.chat_model,
            "messages": messages,
            "max_tokens": self.opts.max_tokens,
            "stream": True,
            "temperature": 0.7,
            **(extra or {}),
        }
        events: list[dict] | None = [] if extra and "rag" in extra else None
        name, started, length = f"chat:{scenario}", time.perf_counter(), 0
        error: str | None = None
        stream = Stream()
        try:
            with self.stream_session.post(
                self.host.rstrip("/") + "/v1/chat/completions",
                json=body,
                headers=self.headers,
                stream=True,
                timeout=300,
            ) as response:
                if response.status_code != 200:
                    error = f"HTTP {response.status_code}: {response.text[:200]}"
                else:
                    stream = parse_sse(response.iter_lines(), started, events)
                    length = len(stream.gaps) + (stream.first is not None)
                    error = stream.problem()
                    if error is None and events is not None:
                        error = citations_error(events)
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        fire = self.environment.events.request.fire
        fire(
            request_type="POST",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=RuntimeError(error) if error else None,
            context={},
        )
        if error is None and stream.first is not None:  # an empty answer has no first token
            for ttft_name in ("all", scenario):  # overall (judged) and per scenario (reported)
                fire(
                    request_type="TTFT",
                    name=ttft_name,
                    response_time=stream.first * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )
            for gap in stream.gaps:
                fire(
                    request_type="ITL",
                    name="all",
                    response_time=gap * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )

    def short_chat(self) -> None:
        self.stream_chat("short", [{"role": "user", "content": self.rng.choice(SHORT_PROMPTS)}])

    def long_prompt_chat(self) -> None:
        picked = self.rng.sample(self.items(), 3)
        text = "\n\n".join(" ".join(item["CONTEXTS"]) for item in picked)
        self.stream_chat(
            "long", [{"role": "user", "content": f"{text}\n\nSummarise the studies above in one sentence."}]
        )

    def context_chat(self) -> None:
        item = self.rng.choice(self.items())
        context = "\n".join(f"[{label}] {text}" for label, text in zip(item["LABELS"], item["CONTEXTS"], strict=True))
        messages = [
            {"role": "system", "content": f"Answer from this context only.\n\n{context}"},
            {"role": "user", "content": item["QUESTION"] + " Answer yes, no or maybe, then explain briefly."},
        ]
        self.stream_chat("context", messages)

    def grounded_chat(self) -> None:
        item = self.rng.choice(self.items())
        rag = {"collection": self.opts.rag_collection, "top_k": self.opts.rag_top_k}
        question = item["QUESTION"] + " Answer yes, no or maybe, citing the sources."
        self.stream_chat("grounded", [{"role": "user", "content": question}], extra={"rag": rag})

    def embeddings(self) -> None:
        # first sentences of abstracts: whole abstracts can pass the embedding model's 256 tokens
        sentences = [
            passage.split(". ")[0][:500]
            for item in self.rng.sample(self.items(), 4)
            for passage in item["CONTEXTS"][:2]
        ]
        body = {"model": self.opts.embed_model, "input": sentences}
        with self.client.post(
            "/v1/embeddings", json=body, headers=self.headers, name="embeddings", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            elif len(response.json().get("data", [])) != len(sentences):
                response.failure("wrong number of embeddings")


class ShortChatUser(OpenAIUser):
    @task
    def one_request(self) -> None:
        self.short_chat()


class LongPromptChatUser(OpenAIUser):
    @task
    def one_request(self) -> None:
        self.long_prompt_chat()


class ContextChatUser(OpenAIUser):
    @task
    def one_request(self) -> None:
        self.context_chat()


class GroundedChatUser(OpenAIUser):
    @task
    def one_request(self) -> None:
        self.grounded_chat()


class EmbeddingsUser(OpenAIUser):
    @task
    def one_request(self) -> None:
        self.embeddings()


class MixedUser(OpenAIUser):
    # task names must not shadow User attributes (User.context() is Locust's)
    @task(6)
    def short_task(self) -> None:
        self.short_chat()

    @task(2)
    def context_task(self) -> None:
        self.context_chat()

    @task(1)
    def long_task(self) -> None:
        self.long_prompt_chat()

    @task(1)
    def embeddings_task(self) -> None:
        self.embeddings()
