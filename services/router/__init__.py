"""A/B routing: routing tables from registry aliases and config/experiments.yaml, feedback, statistics."""
