"""``python -m tests.feedback_server URL PORT``: the feedback route alone over uvicorn, for the
crash test (the test kills this process with SIGKILL right after a 200)."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

from services.router.feedback import FeedbackService
from services.router.routes import add_feedback_route
from services.router.store import ExperimentStore


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    service = FeedbackService(ExperimentStore(url))
    app = FastAPI()
    add_feedback_route(app, lambda: service, lambda key: key)

    @app.get("/health")
    async def health() -> dict:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
