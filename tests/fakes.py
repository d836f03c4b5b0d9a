"""The fake engine lives in ``loadtests/fake_openai_backend.py`` (one fake, in process and over
HTTP); this name stays only until every test imports it from there."""

from loadtests.fake_openai_backend import FakeEngine

__all__ = ["FakeEngine"]
