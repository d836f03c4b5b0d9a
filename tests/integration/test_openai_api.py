"""The real stack (Ray Serve + vLLM + SmolLM2 / MiniLM) driven with the official openai SDK."""

import json
import math
import time

import httpx
import openai
import pytest

from tests.integration.conftest import CHAT_MODEL, EMBED_MODEL

pytestmark = [pytest.mark.integration, pytest.mark.ray]

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


def test_models(stack):
    assert {m.id for m in stack.client().models.list()} == {CHAT_MODEL, EMBED_MODEL}


def test_greedy_chat_answers_paris(stack):
    r = stack.client().chat.completions.create(model=CHAT_MODEL, messages=FRANCE, temperature=0, max_tokens=32)
    assert "Paris" in r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens > 10 and 0 < r.usage.completion_tokens <= 32
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_stream_matches_non_stream_and_reports_usage(stack):
    client = stack.client()
    whole = client.chat.completions.create(model=CHAT_MODEL, messages=FRANCE, temperature=0, max_tokens=24)
    chunks = list(
        client.chat.completions.create(
            model=CHAT_MODEL,
            messages=FRANCE,
            temperature=0,
            max_tokens=24,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].usage.prompt_tokens == whole.usage.prompt_tokens
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    plain = list(
        client.chat.completions.create(model=CHAT_MODEL, messages=FRANCE, temperature=0, max_tokens=4, stream=True)
    )
    assert all(c.usage is None for c in plain), "usage only when the client asks for it"


def test_completions(stack):
    r = stack.client().completions.create(model=CHAT_MODEL, prompt="The sky is", max_tokens=5, temperature=0)
    assert r.choices[0].text and r.usage.completion_tokens <= 5


def test_what_the_gateway_assumes_of_vllm_completions(stack):
    """The quota reserves vLLM's default of 16 tokens for a completion without max_tokens
    (``protocol.COMPLETIONS_DEFAULT_MAX_TOKENS``); vLLM ignores best_of, so the gateway refuses
    best_of above n; a prompt of more token ids than the context is refused at the gateway."""
    client = stack.client()
    r = client.completions.create(model=CHAT_MODEL, prompt="Once upon a time", extra_body={"ignore_eos": True})
    assert r.usage.completion_tokens == 16
    for extra, code in [({"best_of": 2}, "unsupported_parameter"), ({"prompt": [1] * 2049}, "context_length_exceeded")]:
        with pytest.raises(openai.BadRequestError) as info:
            client.completions.create(**{"model": CHAT_MODEL, "prompt": "x", "max_tokens": 1, **extra})
        assert info.value.code == code, info.value.message


def test_completions_echo_and_suffix(stack):
    """README API: `echo` returns the prompt before the completion; `suffix` reaches vLLM, which
    takes it only for models with fill-in-the-middle rendering: the embedded model answers 400."""
    client = stack.client()
    r = client.completions.create(model=CHAT_MODEL, prompt="The sky is", max_tokens=3, temperature=0, echo=True)
    assert r.choices[0].text.startswith("The sky is") and len(r.choices[0].text) > len("The sky is")
    with pytest.raises(openai.BadRequestError) as info:
        client.completions.create(model=CHAT_MODEL, prompt="def add(a, b):", suffix="return c", max_tokens=3)
    assert "suffix" in info.value.message


def test_stop_sequences(stack):
    r = stack.client().chat.completions.create(
        model=CHAT_MODEL, messages=FRANCE, temperature=0, max_tokens=32, stop=["Paris"]
    )
    assert "Paris" not in r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop"


def test_n_choices(stack):
    r = stack.client().chat.completions.create(
        model=CHAT_MODEL, messages=FRANCE, temperature=1.0, max_tokens=8, n=3, seed=7
    )
    assert sorted(c.index for c in r.choices) == [0, 1, 2]


def test_seed_reproducibility(stack):
    client = stack.client()

    def ask(seed: int) -> str | None:
        messages = [{"role": "user", "content": "Write a short poem."}]
        answer = client.chat.completions.create(
            model=CHAT_MODEL, messages=messages, temperature=1.0, max_tokens=24, seed=seed
        )
        return answer.choices[0].message.content

    first, again = ask(1234), ask(1234)
    assert first == again
    assert any(ask(s) != first for s in (1, 2, 3)), "other seeds sample other text"


def test_logprobs(stack):
    r = stack.client().chat.completions.create(
        model=CHAT_MODEL, messages=FRANCE, temperature=0, max_tokens=4, logprobs=True, top_logprobs=2
    )
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens
    assert all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in content)


def test_json_response_format(stack):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    r = stack.client().chat.completions.create(
        model=CHAT_MODEL,
        messages=FRANCE,
        temperature=0,
        max_tokens=40,
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}},
    )
    assert isinstance(json.loads(r.choices[0].message.content)["city"], str)


def test_embeddings(stack):
    r = stack.client().embeddings.create(
        model=EMBED_MODEL,
        input=["A cat sits on the mat.", "A kitten rests on a rug.", "Quarterly tax filing deadlines."],
    )
    vectors = [d.embedding for d in r.data]
    assert [len(v) for v in vectors] == [384] * 3
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1.0) < 1e-3 for v in vectors)
    cos = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]) + 0.2
    assert r.usage.prompt_tokens > 0


def test_embeddings_beyond_the_context_are_400(stack):
    """The embedding model's context is 256 tokens (config/models.yaml): vLLM refuses a longer input
    (it does not truncate), 400 context_length_exceeded like the gateway's own check of an input far
    beyond it (more than 256 x 8 characters, refused before the engine)."""
    client = stack.client()
    for words in (300, 500):  # 1,500 characters reach vLLM; 2,500 are refused at the gateway
        with pytest.raises(openai.BadRequestError) as info:
            client.embeddings.create(model=EMBED_MODEL, input=["A short one.", "word " * words])
        assert info.value.code == "context_length_exceeded", info.value.message
        assert "maximum context length is 256 tokens" in info.value.message


def test_auth_failures(stack):
    with pytest.raises(openai.AuthenticationError):
        stack.client(key="sk-llmops-not-a-key").models.list()
    r = httpx.post(stack.url + "/v1/chat/completions", json={"model": CHAT_MODEL, "messages": FRANCE})
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"
    only_embed = stack.new_key(models=[EMBED_MODEL])
    with pytest.raises(openai.PermissionDeniedError):
        stack.client(only_embed).chat.completions.create(model=CHAT_MODEL, messages=FRANCE)


def test_quota_429(stack):
    client = stack.client(stack.new_key(rpm=2))
    for _ in range(2):
        client.chat.completions.create(model=CHAT_MODEL, messages=FRANCE, max_tokens=1)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=CHAT_MODEL, messages=FRANCE, max_tokens=1)
    assert int(info.value.response.headers["retry-after"]) >= 1


def test_unknown_model(stack):
    with pytest.raises(openai.NotFoundError) as info:
        stack.client().chat.completions.create(model="gpt-17", messages=FRANCE)
    assert info.value.code == "model_not_found"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b'{"model": "smollm2-135m-instruct"}',
        b'{"model": "smollm2-135m-instruct", "messages": [{"role": "user"}], "max_tokens": -1}',
        b'{"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}',
        b'{"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100000}',
        b'{"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}],'
        b' "logit_bias": {"notatoken": 5}}',
    ],
)
def test_malformed_bodies_get_4xx_never_5xx(stack, body):
    r = httpx.post(
        stack.url + "/v1/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {stack.new_key()}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_request_id_echoed(stack):
    r = httpx.get(
        stack.url + "/v1/models", headers={"Authorization": f"Bearer {stack.new_key()}", "X-Request-Id": "trace-42"}
    )
    assert r.headers["x-request-id"] == "trace-42"


def test_health_ready_metrics(stack):
    assert httpx.get(stack.url + "/health").json() == {"status": "ok"}
    assert httpx.get(stack.url + "/ready", timeout=10).json() == {"status": "ready"}
    text = httpx.get(stack.url + "/metrics").text
    assert f'llmops_requests_total{{model="{CHAT_MODEL}",route="chat",status_class="2xx"}}' in text


def _wait_for(condition, timeout_s):
    deadline = time.time() + timeout_s
    while not condition() and time.time() < deadline:
        time.sleep(0.25)
    return condition()


def test_disconnect_aborts_the_engine_request(stack):
    """Ray exports vLLM's counters with a lag of about ten seconds, and an aborted request's
    tokens are counted when it ends. Left running, this request would take the engine over a
    minute to finish its 1500 tokens (so its tokens would either not be counted within 30 s, or
    be counted by the hundreds); aborted on disconnect, it ends at once with a few tokens."""
    generated = lambda: stack.engine_metric("ray_vllm_generation_tokens_total", CHAT_MODEL)  # noqa: E731
    before = generated()
    body = {
        "model": CHAT_MODEL,
        "messages": [{"role": "user", "content": "Tell me a very long story."}],
        "max_tokens": 1500,
        "stream": True,
        "temperature": 0,
        "ignore_eos": True,
    }
    with httpx.Client(timeout=60) as http:
        with http.stream(
            "POST",
            stack.url + "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {stack.new_key()}"},
        ) as r:
            for i, _ in enumerate(r.iter_lines()):
                if i >= 20:
                    break  # hang up mid-stream
    assert _wait_for(lambda: generated() > before, 30), "the aborted request was not counted as ended"
    assert generated() - before < 300, "the engine kept generating after the client left"


def _stack_processes(keys_db: str) -> dict[int, tuple[str, int]]:
    """pid -> (process title, nice value) of every process started for the stack whose keys file is
    ``keys_db`` (Ray passes the driver's environment to its workers, and they to vLLM's processes)."""
    from pathlib import Path

    marker = f"LLMOPS_GATEWAY_KEYS_DB={keys_db}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = (title, int(stat[stat.rindex(")") + 2 :].split()[16]))
    return found


def test_engine_and_replicas_run_at_normal_priority(stack):
    """Ray starts its workers at nice 15; the engine (vLLM's engine core and model worker, spawned
    by the engine replica) and the gateway replica then lose the CPU to every ordinary process on
    the machine. ``llmops serve`` starts its Ray with workers at nice 0 (services/cli/serve.py)."""
    import os

    if os.environ.get("LLMOPS_TEST_STACK_URL") and os.environ.get("RAY_worker_niceness", "0") != "0":
        pytest.skip("a reused stack started with another worker niceness")
    processes = _stack_processes(str(stack.keys.path))
    engines = {pid: p for pid, p in processes.items() if p[0].startswith("VLLM::")}
    replicas = {pid: p for pid, p in processes.items() if p[0].startswith("ray::ServeReplica")}
    assert any(t == "VLLM::EngineCore" for t, _ in engines.values()), processes
    assert any(t.startswith("VLLM::Worker") for t, _ in engines.values()), processes
    assert any("gateway" in t for t, _ in replicas.values()), processes
    assert {pid: p for pid, p in {**engines, **replicas}.items() if p[1] != 0} == {}


def test_ray_serve_wakes_up_less_often_on_a_single_node(stack):
    """``llmops serve`` starts its Ray with Serve's control loop every 0.5 s and metrics exported
    every second (Serve's defaults: 0.1 s and 100 ms), in every replica and the controller."""
    import os
    from pathlib import Path

    if os.environ.get("LLMOPS_TEST_STACK_URL"):
        pytest.skip("a reused stack was started elsewhere")
    processes = _stack_processes(str(stack.keys.path))
    serve = {pid: t for pid, (t, _) in processes.items() if t.startswith(("ray::ServeReplica", "ray::ServeController"))}
    assert any("gateway" in t for t in serve.values()) and any("Controller" in t for t in serve.values()), processes
    for pid in serve:
        env = dict(
            item.split(b"=", 1) for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in item
        )
        assert env.get(b"RAY_SERVE_CONTROL_LOOP_INTERVAL_S") == b"0.5", serve[pid]
        assert env.get(b"RAY_SERVE_METRICS_EXPORT_INTERVAL_MS") == b"1000", serve[pid]


def test_a_single_node_stack_keeps_no_idle_ray_processes(stack):
    """``llmops serve`` on its own single node (services/cli/serve.py): no idle Ray worker processes
    kept or prestarted, no Ray Serve LLM telemetry actor (usage stats are off), and the log monitor
    looks for new files every 0.5 s. Each of these took CPU while doing nothing (README, "Where the
    serving path's time goes, session 16"). Serve's proxy stays: with direct ingress Serve's
    controller starts it on the head node whatever ``proxy_location`` says."""
    import os
    from pathlib import Path

    if os.environ.get("LLMOPS_TEST_STACK_URL"):
        pytest.skip("a reused stack was started elsewhere")

    def titles() -> list[str]:
        return [title for title, _ in _stack_processes(str(stack.keys.path)).values()]

    # a worker that just finished a task is ended after a second idle
    assert _wait_for(lambda: not any(t.startswith("ray::IDLE") for t in titles()), 10), titles()
    found = titles()
    assert any("gateway" in t for t in found) and any(t.startswith("VLLM::") for t in found), found
    assert [t for t in found if t.startswith("ray::TelemetryAgent")] == [], found
    monitors = [
        pid
        for pid in _stack_processes(str(stack.keys.path))
        if b"log_monitor.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert monitors, found
    for pid in monitors:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"RAY_LOG_MONITOR_MANY_FILES_THRESHOLD=0" in env
