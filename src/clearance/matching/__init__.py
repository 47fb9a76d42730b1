"""Screening: normalisation, candidate retrieval, weighted features, explained scores.

``DEFAULT_THRESHOLD`` is the score from which a hit is a match, chosen on the benchmarks in
``bench/`` (BENCHMARKS.md): on the tuning half of nomenklatura's name benchmark (checks.yml and
half of cases.csv) F1 stays within 0.01 of its best from 0.70 to 0.80 and falls beyond; 0.75 is
the middle of that range, leaning towards recall, and at 0.75 the UN positives are found (recall
target 0.98) and synthetic negatives stay under the 0.5% false-positive target.
``CLEARANCE_THRESHOLD`` overrides it.
"""

DEFAULT_THRESHOLD = 0.75
