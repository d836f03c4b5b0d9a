"""loadtests/install_peers.sh builds llama.cpp for the CPU it runs on: AVX-512 flags only where
the CPU has AVX-512 (an AVX-512 build dies with SIGILL on an AVX2-only CPU), never AMX."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "loadtests/install_peers.sh"


def cmake_args(tmp_path: Path, flags: str, **env: str) -> str:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n")
    run_env = {**os.environ, "CPUINFO": str(cpuinfo), "PRINT_LLAMA_CMAKE_ARGS": "1", **env}
    out = subprocess.run(["bash", str(SCRIPT)], env=run_env, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.strip()


@pytest.mark.parametrize(
    "flags, on, off",
    [
        ("avx avx2 fma f16c", ["-DGGML_AVX2=ON", "-DGGML_AVX512=OFF"], ["-DGGML_AVX512=ON"]),
        ("avx avx2 fma f16c avx512f avx512_vnni avx512_bf16", ["-DGGML_AVX512=ON"], ["-DGGML_AVX512=OFF"]),
    ],
)
def test_avx512_only_where_the_cpu_has_it(tmp_path, flags, on, off):
    args = cmake_args(tmp_path, flags).split()
    assert all(flag in args for flag in on) and not any(flag in args for flag in off)
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AMX_TILE=OFF" in args


def test_explicit_cmake_args_win(tmp_path):
    assert cmake_args(tmp_path, "avx2", LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON") == "-DGGML_NATIVE=ON"
