"""Benchmarks: each ``bench_*.py`` module exposes ``main(argv=None) -> int`` and runs as
``python -m bench.bench_NAME``; results go into BENCHMARKS.md with the command and the machine."""
