"""A Kubernetes API client from a kubeconfig (or the pod's service account)."""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config


def api_client(kubeconfig: Path | None = None, context: str | None = None) -> client.ApiClient:
    """From ``kubeconfig`` (default: $KUBECONFIG or ~/.kube/config) and ``context``; inside a pod
    without a kubeconfig, from its service account."""
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=str(kubeconfig) if kubeconfig else None, context=context, client_configuration=configuration
        )
    except config.ConfigException:
        if kubeconfig or context:
            raise
        config.load_incluster_config(client_configuration=configuration)
    return client.ApiClient(configuration)
