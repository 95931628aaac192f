"""Run every benchmark under bench/ and report each as a ratio to a baseline.

Two parts, each against baselines measured in the same run on the same machine (ratios
survive a slower or busier machine; absolute seconds do not):

1. whole `tfgen` processes (bench/processes.py): start-up against the import floor of
   tfgen's dependencies, 1 against 100 environments, fresh and no-op renders, the
   marginal cost per environment — printed as a Markdown table (README quotes it);
2. library calls in-process: each `bench_*.py` module exposes functions named `bench_*`
   that return seconds per operation, against parsing the example blueprint with plain
   PyYAML, libyaml when available as tfgen does (the least work any tfgen command does).

    python bench/run.py                 # or: make bench
    python bench/run.py --rounds 3      # fewer runs per process case (default 7)
    python bench/run.py --processes     # only part 1; --calls: only part 2
    python bench/run.py --json          # machine-readable
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "blueprints" / "shopping-mall.yaml"


def per_call(fn: Callable[[], object], *, min_time: float = 0.5, repeat: int = 5) -> float:
    """Median seconds per call over `repeat` rounds of at least `min_time` each."""
    fn()  # warm caches (templates, imports) as a user's second call would find them
    rounds = []
    for _ in range(repeat):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        rounds.append(elapsed / n)
    return statistics.median(rounds)


#: tfgen parses with libyaml when PyYAML has it (tfgen/blueprint/loader.py): so does the baseline.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def baseline() -> float:
    text = EXAMPLE.read_text(encoding="utf-8")
    return per_call(lambda: yaml.load(text, Loader=LOADER))  # a safe loader


def discover() -> list[tuple[str, Callable[[], float]]]:
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        for name in sorted(dir(module)):
            if name.startswith("bench_") and callable(getattr(module, name)):
                found.append((f"{path.stem}.{name}", getattr(module, name)))
    return found


def _option(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    processes = "--calls" not in sys.argv
    calls = "--processes" not in sys.argv
    rows: list[dict[str, object]] = []
    if processes:
        from processes import measure, table

        rounds = _option("--rounds", 7)
        rows = measure(rounds=rounds, count=_option("--envs", 100))
        if "--json" not in sys.argv:
            print(f"Whole processes, median of {rounds} interleaved runs "
                  f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}):\n")
            print(table(rows))
            print()
    if not calls:
        if "--json" in sys.argv:
            print(json.dumps({"processes": rows}, indent=2))
        return
    base = baseline()
    label = f"baseline: yaml.load(example, {LOADER.__name__})"
    results: list[tuple[str, float]] = [(label, base)]
    for name, fn in discover():
        results.append((name, fn()))
    if "--json" in sys.argv:
        print(json.dumps({"processes": rows, "results": [
            {"benchmark": name, "seconds": seconds, "ratio": seconds / base}
            for name, seconds in results]}, indent=2))
        return
    print("In-process calls, against parsing the example with PyYAML:\n")
    width = max(len(name) for name, _ in results)
    for name, seconds in results:
        print(f"{name:<{width}}  {seconds * 1000:9.3f} ms  x{seconds / base:8.1f}")

if __name__ == "__main__":
    main()
