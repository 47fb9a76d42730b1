"""Screening: normalisation, candidate retrieval, weighted features, explained scores."""
