"""``llmops`` command line: serve, models, keys."""

from __future__ import annotations

import typer

from services.cli.ab import ab_app
from services.cli.audit import audit_app
from services.cli.classifiers import classifiers_app
from services.cli.cost import cost_app
from services.cli.deploy import deploy_app
from services.cli.keys import keys_app
from services.cli.loadtest import loadtest
from services.cli.models import models_app
from services.cli.monitor import monitor_app
from services.cli.pipeline import pipeline_app
from services.cli.rag import rag_app
from services.cli.registry import registry_app
from services.cli.serve import serve

app = typer.Typer(
    help="llmops: OpenAI-compatible LLM serving on Ray Serve + vLLM, and its operations.",
    no_args_is_help=True,
    add_completion=False,
)
app.command(help="Start Ray, the engines and the gateway on this machine (foreground; Ctrl-C stops).")(serve)
app.add_typer(models_app, name="models", help="Import, list and verify models in the local model store.")
app.add_typer(keys_app, name="keys", help="Create, list and revoke API keys (stored hashed).")
app.add_typer(audit_app, name="audit", help="Export the audit log; erase one user's records.")
app.add_typer(
    classifiers_app, name="classifiers", help="Train the safety classifiers (prompt injection, toxicity) into ONNX."
)
app.add_typer(cost_app, name="cost", help="Budgets, spending reports, TCO per token and the spot report.")
app.add_typer(monitor_app, name="monitor", help="Metrics catalogue, Grafana dashboards and drift reports.")
app.add_typer(
    deploy_app,
    name="deploy",
    help="The stack on Kubernetes (KubeRay): status, model rollouts with rollback, API keys to the Secret.",
)
app.add_typer(
    registry_app, name="registry", help="Model versions, aliases (champion/challenger), promotion and rollback."
)
app.add_typer(ab_app, name="ab", help="A/B experiments: reports with anytime-valid verdicts, promotion, canary checks.")
app.add_typer(rag_app, name="rag", help="RAG collections: ingest documents, list, stats, erase, query.")
app.add_typer(
    pipeline_app, name="pipeline", help="Fine-tune (Ray Train), search (Ray Tune), evaluate and gate model versions."
)
app.command(help="Load test with Locust (OpenAI streaming users) and judge the run against SLOs.")(loadtest)


def main() -> None:
    app()
