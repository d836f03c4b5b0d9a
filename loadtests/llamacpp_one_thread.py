"""llama-cpp-python's OpenAI server with every model call on one thread (run by the peers' venv python).

llama.cpp's CPU backend in this build runs its thread pool on OpenMP (libgomp), and libgomp gives
each thread that starts a parallel region its own team of worker threads. The stock server
(``python -m llama_cpp.server``) calls the model from Starlette's thread pool, so more than one of
its threads can end up calling llama.cpp, each with its own OpenMP team; once libgomp manages more
threads than the machine has cores it spins only 100 times in each barrier before sleeping in the
kernel, and with 2 threads on 2 cores decoding falls from ~100 to ~55-80 tokens/s
(``loadtests/llamacpp_mode.py`` measures it). This launcher makes the server run each model call
(Starlette's ``run_in_threadpool`` / ``iterate_in_threadpool`` in ``llama_cpp.server.app``) on one
dedicated thread, so one OpenMP team does all the work, and then starts the stock server with the
same command-line options:

    /work/main/.venv-bench/bin/python loadtests/llamacpp_one_thread.py --model M.gguf --n_threads 2 ...

It imports only llama-cpp-python and the standard library (it runs in the peers' venv).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_ONE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-model")
_DONE = object()


async def run_in_one_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_ONE_THREAD, functools.partial(func, *args, **kwargs))


async def iterate_in_one_thread(iterable: Iterable[Any]) -> AsyncIterator[Any]:
    iterator = iter(iterable)
    while (item := await run_in_one_thread(next, iterator, _DONE)) is not _DONE:
        yield item


def main() -> None:
    from llama_cpp.server import app
    from llama_cpp.server.__main__ import main as server_main

    app.run_in_threadpool = run_in_one_thread  # the model calls of the routes and the stream publisher
    app.iterate_in_threadpool = iterate_in_one_thread
    server_main()


if __name__ == "__main__":
    main()
