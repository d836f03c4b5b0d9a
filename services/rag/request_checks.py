"""The checks of a retrieve request that need no index: query, top_k and the collection's name.

The retrieval service runs them on every request; the gateway runs them before the quota is
charged, so that a bad body costs the key nothing (what only the index knows, an unknown
collection or filter field, is found by the service after admission).
"""

from __future__ import annotations

import re

from services.common.errors import InvalidRequestError
from services.common.protocol import RetrieveRequest

COLLECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def valid_collection(name: str) -> bool:
    return bool(COLLECTION_NAME.match(name))


def check_collection_name(collection: str) -> None:
    if not valid_collection(collection):
        raise InvalidRequestError(
            "collection names are 1-63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
            param="collection",
        )


def checked_retrieve(
    request: RetrieveRequest, *, max_query_chars: int, default_top_k: int, max_top_k: int
) -> RetrieveRequest:
    """``request`` with its ``top_k`` filled in; InvalidRequestError (400) naming the field else."""
    if not request.query.strip():
        raise InvalidRequestError("query must not be empty", param="query")
    if len(request.query) > max_query_chars:
        raise InvalidRequestError(f"query is over {max_query_chars} characters", param="query")
    top_k = default_top_k if request.top_k is None else request.top_k
    if not 1 <= top_k <= max_top_k:
        raise InvalidRequestError(f"top_k must be between 1 and {max_top_k}", param="top_k")
    check_collection_name(request.collection)
    return request.model_copy(update={"top_k": top_k})
