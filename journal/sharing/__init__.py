"""Sharing chosen goals with one's own manager — and nothing else."""
