"""``llmops serve``: the whole stack on this machine, in the foreground."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)

# Local runs: no Ray token files, no hub lookups, no tokenizer thread storms on small machines.
LOCAL_ENV = {
    "RAY_AUTH_MODE": "disabled",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "RAY_USAGE_STATS_ENABLED": "0",
}
# The Ray that ``llmops serve`` starts itself (a single node):
# - without RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, Ray replaces 127.0.0.1 by the machine's network
#   address and its daemons talk over that; with it, the node address (and Ray's traffic) stays on
#   loopback;
# - Ray starts its worker processes at nice 15 (``worker_niceness``), so that its own daemons win the
#   CPU from busy workers; every replica is such a worker, and vLLM's engine core and model worker,
#   which an engine replica spawns, inherit it. On a machine whose cores the engine shares, any
#   process at the default priority (Ray's daemons, the driver, a load generator, other work) then
#   takes the CPU from the engine and the gateway: the engine ran slower than the same engine in
#   vLLM's own server (README, Benchmarks). Workers at nice 0 compete as equals; an explicit
#   RAY_worker_niceness in the environment is kept;
# - Ray Serve's controller runs its control loop every 0.1 s, and every replica and every handle
#   exports its cached metrics every 100 ms, busy or idle: on a small machine these wake-ups take CPU
#   from the engine's core (README, "Where the serving path's time goes"). Every 0.5 s and 1 s are
#   enough for a single node (Prometheus scrapes every 15 s); explicit values in the environment
#   are kept;
# - Ray keeps up to num_cpus idle worker processes (8 here) and prestarts some for the first driver:
#   each idle one took ~8 ms of CPU a second doing nothing (README, "Where the serving path's time
#   goes, session 16"). Without prestart and with a soft limit of 0, a worker that no actor holds
#   is ended after a second idle; a new actor starts its own (about a second, at deploy time only);
# - Ray's log monitor lists the session's log folder every 0.1 s while it holds fewer than
#   RAY_LOG_MONITOR_MANY_FILES_THRESHOLD files, else every 0.5 s: with 0 it looks for new log files
#   every 0.5 s (new lines of the files it follows are still read every 0.1 s).
SINGLE_NODE_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_worker_niceness": "0",
    "RAY_SERVE_CONTROL_LOOP_INTERVAL_S": "0.5",
    "RAY_SERVE_METRICS_EXPORT_INTERVAL_MS": "1000",
    "RAY_num_workers_soft_limit": "0",
    "RAY_enable_worker_prestart": "0",
    "RAY_prestart_worker_first_driver": "0",
    "RAY_LOG_MONITOR_MANY_FILES_THRESHOLD": "0",
}


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is not "taken"
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


READY_WAIT_S = 120.0  # after Ray Serve reports the deployments healthy


def _wait_ready(base: str, timeout_s: float) -> bool:
    """Poll ``/ready`` until it answers 200 (True) or ``timeout_s`` passes (False)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/ready", timeout=5).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def serve(
    models_file: Annotated[
        Path | None, typer.Option("--models", help="Models YAML [default: $LLMOPS_MODELS_FILE or config/models.yaml].")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address [default: $LLMOPS_GATEWAY_HOST or 127.0.0.1].")] = None,
    port: Annotated[
        int | None, typer.Option(help="HTTP port of the API [default: $LLMOPS_GATEWAY_PORT or 8000].")
    ] = None,
    proxy_port: Annotated[
        int | None, typer.Option(help="Ray Serve proxy port [default: $LLMOPS_GATEWAY_PROXY_PORT or 8100].")
    ] = None,
    direct_ingress: Annotated[
        bool | None,
        typer.Option(
            "--direct-ingress/--via-proxy",
            help="Serve the API from the gateway replicas directly (engines bound inside the gateway's application), "
            "or through Ray Serve's proxy (every engine its own application; needed by the A/B router).",
        ),
    ] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Dev mode: accept requests without API keys.")] = False,
    ray_address: Annotated[str | None, typer.Option(help="Join a running Ray cluster instead of starting one.")] = None,
    num_cpus: Annotated[
        int | None, typer.Option(help="Logical CPUs for the local Ray node [default: max(cores, 8)].")
    ] = None,
    ready_file: Annotated[
        Path | None, typer.Option(help="Write the base URL here once the stack answers (for scripts).")
    ] = None,
    ab_router: Annotated[
        bool | None,
        typer.Option(
            "--ab-router/--no-ab-router",
            help="Route by registry versions and experiments [default: $LLMOPS_ROUTER_ENABLED or off].",
        ),
    ] = None,
    metrics_export_port: Annotated[
        int | None,
        typer.Option(
            envvar="LLMOPS_RAY_METRICS_PORT",
            help="Port where Ray exports engine (vLLM) and Serve metrics [default: random].",
        ),
    ] = None,
) -> None:
    for key, value in (LOCAL_ENV if ray_address else {**LOCAL_ENV, **SINGLE_NODE_ENV}).items():
        os.environ.setdefault(key, value)
    from services.gateway.config import GatewaySettings

    overrides = {
        k: v
        for k, v in {"host": host, "port": port, "proxy_port": proxy_port, "direct_ingress": direct_ingress}.items()
        if v is not None
    }
    if no_auth:
        overrides["auth_disabled"] = True
    gateway = GatewaySettings(**overrides)
    from services.router.config import RouterSettings

    router = RouterSettings(**({"enabled": ab_router} if ab_router is not None else {}))
    if router.enabled and gateway.direct_ingress:
        # Registry versions run as engine applications of their own (services/common/engine_apps.py):
        # Ray Serve's direct ingress would give each of them an HTTP port from the gateway's range.
        if direct_ingress:
            console.print("[red]error:[/] the A/B router needs the Serve proxy: drop --direct-ingress")
            raise typer.Exit(2)
        console.print(f"A/B router on: the API is served through Ray Serve's proxy on port {gateway.port}")
        gateway = gateway.model_copy(update={"direct_ingress": False})
    ports = [gateway.port + i for i in range(gateway.replicas)] if gateway.direct_ingress else []
    for busy in [p for p in [*ports, gateway.serve_proxy_port] if not _port_free(gateway.host, p)]:
        console.print(
            f"[red]error:[/] {gateway.host}:{busy} is already in use; choose other ports with --port / --proxy-port"
        )
        raise typer.Exit(1)
    os.environ.update(gateway.ray_serve_env())  # before Ray starts: Serve reads it once

    import ray
    from ray import serve as ray_serve

    from services.app import build_app
    from services.common.engine_apps import GATEWAY_APP
    from services.engine.config import EngineSettings

    engine = EngineSettings(**({"models_file": models_file} if models_file else {}))
    config = {
        "models_file": str(engine.models_file.resolve()),
        "model_store": str(engine.model_store.resolve()),
        "gateway": {
            **gateway.model_dump(mode="json"),
            **{
                k: str(getattr(gateway, k).resolve())
                for k in ("keys_db", "request_log_path", "ledger_db", "prices_file")
            },
        },
    }

    started = time.perf_counter()
    with console.status("starting Ray"):
        if ray_address:
            ray.init(address=ray_address, namespace="llmops")
        else:
            ray.init(
                _node_ip_address="127.0.0.1",
                num_cpus=num_cpus or max(os.cpu_count() or 1, 8),
                include_dashboard=False,
                namespace="llmops",
                _metrics_export_port=metrics_export_port,
            )
    from services.cli.engine_apps import EngineApps

    engine_apps = EngineApps(config, engine.served_models(), router.enabled)
    with console.status("starting engines and gateway (loading models; about a minute on a small CPU)"):
        ray_serve.start(http_options={"host": gateway.host, "port": gateway.serve_proxy_port})
        if gateway.direct_ingress:  # engines bound inside the gateway's application: only it takes ports
            ray_serve.run(build_app(config), name=GATEWAY_APP, route_prefix="/")
        else:
            engine_apps.start()  # one Serve application per engine (model version)
            ray_serve.run(build_app(engine_apps.gateway_config()), name=GATEWAY_APP, route_prefix="/")
    base = f"http://{gateway.host}:{gateway.port}"
    with console.status("waiting for /ready (engines' health checks, the quota actor)"):
        if not _wait_ready(base, READY_WAIT_S):
            console.print(f"[yellow]warning:[/] {base}/ready still answers 503 after {READY_WAIT_S:.0f}s")
    console.print(f"[green]llmops is up[/] at {base} after {time.perf_counter() - started:.0f}s")
    auth = "" if gateway.auth_disabled else ' -H "Authorization: Bearer $KEY"'
    console.print(
        ("" if gateway.auth_disabled else "Create a key:  KEY=$(llmops keys create me)\n")
        + f"Chat:          curl {base}/v1/chat/completions{auth} -H 'Content-Type: application/json' \\\n"
        + '                 -d \'{"model": "smollm2-135m-instruct",'
        + ' "messages": [{"role": "user", "content": "What is the capital of France?"}]}\'\n'
        + f"Models:        curl {base}/v1/models{auth}\nMetrics:       curl {base}/metrics\n"
        + (
            f"Ray Serve proxy (balances over gateway replicas): http://{gateway.host}:{gateway.proxy_port}\n"
            if gateway.direct_ingress
            else ""
        )
        + "Stop:          Ctrl-C",
        highlight=False,
    )
    if ready_file:
        ready_file.write_text(base)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(engine_apps.sync_interval_s):
        engine_apps.sync()  # registry or experiments changed: deploy new versions, delete retired ones
    asyncio.run(drain_and_stop(gateway.request_timeout_s))
    ray.shutdown()


async def drain_and_stop(limit_s: float) -> None:
    """Drain the gateway (new requests get 503, those in flight finish, at most ``limit_s``), then stop
    Ray Serve. One event loop for both: with direct ingress a handle's router lives in the loop that
    made it, so the handles the drain used are shut down by ``serve.shutdown_async`` in that loop."""
    from ray import serve as ray_serve

    from services.common.engine_apps import GATEWAY_APP
    from services.gateway.deployment import drain_gateway_async

    loop = asyncio.get_running_loop()
    drain = asyncio.ensure_future(drain_gateway_async(GATEWAY_APP, timeout_s=limit_s))
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal stops without waiting for the drain
        loop.add_signal_handler(sig, drain.cancel)
    try:
        with console.status(f"draining: new requests get 503, those in flight finish (at most {limit_s:.0f}s)"):
            left = sum((await drain).values())
        if left:
            console.print(f"[yellow]warning:[/] {left} request(s) still in flight after {limit_s:.0f}s")
    except asyncio.CancelledError:
        console.print("[yellow]warning:[/] drain cut short by a second signal")
    except Exception as exc:  # a gateway that cannot drain must not keep the stack from stopping
        console.print(f"[yellow]warning:[/] could not drain the gateway: {exc!r}")
    console.print("stopping")
    await ray_serve.shutdown_async()
