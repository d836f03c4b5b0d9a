"""Where an onnxruntime-genai build's time goes: one prefill of ``--prompt-tokens`` tokens and
``--decode`` single-token steps on the folder's ``model.onnx`` with onnxruntime's profiler, the
kernel time summed by op type (and the heaviest nodes) for the prefill and per decode step.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.profile_ort FOLDER [--prompt-tokens 128]

One JSON line (stdout and ``loadtests/records/profile_ort.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402


def feeds(decoder: dict, ids, past: list | None, total: int) -> dict:
    import numpy as np

    names = decoder["inputs"]
    feed = {names["input_ids"]: ids, names["attention_mask"]: np.ones((1, total), dtype=np.int64)}
    empty = np.zeros((1, decoder["num_key_value_heads"], 0, decoder["head_size"]), dtype=np.float32)
    for layer in range(decoder["num_hidden_layers"]):
        key, value = past[2 * layer : 2 * layer + 2] if past else (empty, empty)
        feed[names["past_key_names"] % layer], feed[names["past_value_names"] % layer] = key, value
    return feed


def summarize(events: list[dict], runs: int) -> dict:
    by_op: dict[str, float] = defaultdict(float)
    by_node: dict[str, float] = defaultdict(float)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            by_op[event["args"]["op_name"]] += event["dur"] / runs
            by_node[event["name"][: -len("_kernel_time")]] += event["dur"] / runs
    total = sum(by_op.values())
    ops = sorted(by_op.items(), key=lambda kv: -kv[1])
    top = sorted(by_node.items(), key=lambda kv: -kv[1])[:8]
    return {
        "kernel_ms": round(total / 1000, 2),
        "by_op_ms": {op: round(us / 1000, 2) for op, us in ops},
        "top_nodes_ms": {name: round(us / 1000, 2) for name, us in top},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path)
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--decode", type=int, default=16)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/profile_ort.jsonl")
    args = p.parse_args()
    import numpy as np
    import onnxruntime as ort

    decoder = json.loads((args.folder / "genai_config.json").read_text())["model"]["decoder"]
    stamp = RunStamp()
    ids = np.random.default_rng(0).integers(100, 40000, (1, args.prompt_tokens), dtype=np.int64)
    phases = {}
    with tempfile.TemporaryDirectory(prefix="ort-profile-") as tmp:
        for phase in ("prefill", "decode"):
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.enable_profiling = True
            options.profile_file_prefix = str(Path(tmp) / phase)
            session = ort.InferenceSession(str(args.folder / decoder["filename"]), options)
            outputs = [o.name for o in session.get_outputs()]
            session.run(None, feeds(decoder, ids, None, args.prompt_tokens))  # warm-up
            began = time.perf_counter()
            out = session.run(None, feeds(decoder, ids, None, args.prompt_tokens))
            wall = time.perf_counter() - began
            runs = 1
            if phase == "decode":
                present = [out[outputs.index(f"present.{i // 2}.{'key' if i % 2 == 0 else 'value'}")]
                           for i in range(2 * decoder["num_hidden_layers"])]  # fmt: skip
                began, total = time.perf_counter(), args.prompt_tokens
                for _ in range(args.decode):
                    total += 1
                    out = session.run(None, feeds(decoder, ids[:, :1], present, total))
                    present = [out[outputs.index(f"present.{i // 2}.{'key' if i % 2 == 0 else 'value'}")]
                               for i in range(2 * decoder["num_hidden_layers"])]  # fmt: skip
                wall = (time.perf_counter() - began) / args.decode
                runs = args.decode
            events = json.loads(Path(session.end_profiling()).read_text())
            skip = 2 if phase == "decode" else 1  # the warm-up (and, for decode, the prefill) runs
            starts = sorted(e["ts"] for e in events if e.get("name") == "model_run")
            events = [e for e in events if e.get("ts", 0) >= starts[skip]]
            phases[phase] = {"wall_ms": round(wall * 1000, 2), **summarize(events, runs)}
    record = {
        "bench": "profile_ort",
        "folder": str(args.folder),
        "prompt_tokens": args.prompt_tokens,
        "decode_steps": args.decode,
        "onnxruntime": ort.__version__,
        **phases,
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
