"""Benchmarks: each bench_*.py module has main(argv=None) -> int and writes its section of BENCHMARKS.md."""
