"""Preparing for the appraisal (LUS)."""
