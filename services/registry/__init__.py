"""Model registry: model versions, their artifacts and lineage, aliases (champion/challenger) over MLflow."""
