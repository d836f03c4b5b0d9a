"""Wire models of the retrieval API (``POST /v1/retrieve``); pydantic only, no index code."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FilterScalar = str | int | float | bool


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="What to search for (natural language or keywords).")
    collection: str = Field(description="Collection to search.")
    top_k: int | None = Field(None, description="Passages to return (1 to the service's max_top_k).")
    filters: dict[str, FilterScalar | list[FilterScalar]] = Field(
        default_factory=dict, description="Metadata field -> value or list of accepted values (all must match)."
    )
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Ranking: BM25 + dense fused, or one.")
