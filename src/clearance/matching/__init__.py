"""Screening: normalisation, candidate retrieval, weighted features, explained scores.

``DEFAULT_THRESHOLD`` is the score from which a hit is a match. It was chosen on the benchmarks
in ``bench/`` (see BENCHMARKS.md): the threshold that maximises pair F1 on the tuning half of the
name benchmark while keeping screening recall of the UN positives at or above 0.98 and the
false-positive rate on synthetic negatives at or below 0.5%. ``CLEARANCE_THRESHOLD`` overrides it.
"""

DEFAULT_THRESHOLD = 0.75
