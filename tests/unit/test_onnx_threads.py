"""The ONNX engine's context (the models file's max_model_len bounds the build's) and its intra-op
threads: ``LLMOPS_ONNX_THREADS`` (0: the CPUs the process may use, since
onnxruntime-genai ran a decoder whose genai_config.json does not set it on one thread) reaches the
bound deployment, and the engine lays ``intra_op_num_threads`` (and any other session option) over
the decoder's session options of genai_config.json. onnxruntime-genai is replaced by a recorder here;
tests/unit/test_quantize.py serves a real build."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

import pytest

from services.common.models import ModelSpec
from services.engine import onnx_engine
from services.engine.config import EngineSettings


class FakeGenai:
    """The parts of onnxruntime_genai the engine's constructor uses; records each overlay."""

    def __init__(self) -> None:
        self.overlays: list[dict] = []
        fake = self

        class Config:
            def __init__(self, folder: str) -> None:
                self.folder = folder

            def overlay(self, text: str) -> None:
                fake.overlays.append(json.loads(text))

        self.Config = Config
        self.Model = lambda config: SimpleNamespace(config=config)
        self.Tokenizer = lambda model: SimpleNamespace()


@pytest.fixture
def genai(monkeypatch, tmp_path):
    fake = FakeGenai()
    monkeypatch.setitem(sys.modules, "onnxruntime_genai", fake)
    (tmp_path / "genai_config.json").write_text(json.dumps({"model": {"context_length": 64, "eos_token_id": 2}}))
    return fake, tmp_path


def session_options(fake: FakeGenai) -> dict:
    [overlay] = fake.overlays
    return overlay["model"]["decoder"]["session_options"]


def test_engine_defaults_to_the_cpus_the_process_may_use(genai) -> None:
    fake, folder = genai
    onnx_engine.OnnxGenAIEngine("m", folder)
    assert session_options(fake) == {"intra_op_num_threads": len(os.sched_getaffinity(0))}


def test_engine_takes_given_threads_and_session_options(genai) -> None:
    fake, folder = genai
    engine = onnx_engine.OnnxGenAIEngine(
        "m", folder, threads=3, session_options={"session.intra_op.allow_spinning": "0"}
    )
    assert session_options(fake) == {"intra_op_num_threads": 3, "session.intra_op.allow_spinning": "0"}
    assert engine.session_options == session_options(fake)


def test_available_cpus_is_the_affinity_mask(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 5})
    assert onnx_engine.available_cpus() == 3


def test_onnx_threads_setting_reaches_the_bound_deployment(monkeypatch, tmp_path) -> None:
    from services.engine.llm_configs import onnx_deployment

    assert EngineSettings().onnx_threads == 0
    monkeypatch.setenv("LLMOPS_ONNX_THREADS", "2")
    settings = EngineSettings()
    (tmp_path / "genai_config.json").write_text("{}")
    bound = onnx_deployment(ModelSpec(name="q", backend="onnx", source=str(tmp_path)), settings)._bound_deployment
    assert bound.init_kwargs == {"threads": 2, "max_model_len": 2048} and bound.init_args == ("q", str(tmp_path))
    monkeypatch.setenv("LLMOPS_ONNX_THREADS", "-1")
    with pytest.raises(ValueError):
        EngineSettings()


def test_the_models_files_context_bounds_the_engines(genai, tmp_path) -> None:
    """The build says 64 tokens; a models file's shorter max_model_len (what the gateway's context
    check and token reservations use) is the engine's context too; a longer one is not."""
    from services.engine.llm_configs import onnx_deployment

    _, folder = genai
    assert onnx_engine.OnnxGenAIEngine("m", folder).context_length == 64
    assert onnx_engine.OnnxGenAIEngine("m", folder, max_model_len=32).context_length == 32
    assert onnx_engine.OnnxGenAIEngine("m", folder, max_model_len=128).context_length == 64
    spec = ModelSpec(name="q", backend="onnx", source=str(folder), max_model_len=32)
    assert onnx_deployment(spec, EngineSettings())._bound_deployment.init_kwargs == {"threads": 0, "max_model_len": 32}
