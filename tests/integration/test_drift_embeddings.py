"""The drift monitor's offline embedder gives the stack's own embeddings (same model)."""

import numpy as np
import pytest

from monitoring.drift.embeddings import LocalEmbedder, OpenAIEmbedder, bundled_model_dir
from tests.integration.conftest import EMBED_MODEL

pytestmark = [pytest.mark.integration, pytest.mark.ray]


def test_local_embeddings_match_the_stack(stack):
    texts = [
        "What is the capital of France?",
        "Do mitochondria play a role in cell death?",
        "that game last night was wild",
    ]
    served = OpenAIEmbedder(stack.url + "/v1", stack.new_key(), model=EMBED_MODEL).embed(texts)
    local = LocalEmbedder(bundled_model_dir()).embed(texts)
    assert served.shape == local.shape == (3, 384)
    assert np.abs(served - local).max() < 1e-4
