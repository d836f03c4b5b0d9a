"""Operating a deployed stack through the Kubernetes API: RayService status, model rollouts
with rollback, API keys into the gateway's Secret (``llmops deploy ...``)."""
