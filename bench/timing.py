"""Timing and checking helpers shared by the benchmark scripts (bench/store.py, bench/atlas.py).

The scripts run as `python bench/<name>.py`, so this folder is on sys.path and they import it as `timing`.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time


class Checks:
    """Correctness checks: each one printed as [ok] / [FAIL]; the failures kept for the exit code."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            self.failures.append(what)
        return ok

    def exit_code(self) -> int:
        """Print the verdict; 1 if any check failed, else 0."""
        if self.failures:
            print(f"\nFAILED: {len(self.failures)} check(s): " + "; ".join(self.failures))
            return 1
        print("\nAll correctness checks passed.")
        return 0


def best_of(repeats: int, run, *, before=None, after=None):
    """Best wall time of `repeats` runs of run(state): (best, all times, last result).

    before(i) makes the state of run i (0-based) outside the timing; after(state, result) runs after each
    run, outside the timing too. Without before, state is None."""
    times, result = [], None
    for i in range(repeats):
        state = before(i) if before else None
        t0 = time.perf_counter()
        result = run(state)
        times.append(time.perf_counter() - t0)
        if after:
            after(state, result)
    return min(times), times, result


def timed(run):
    """(seconds, result) of one run()."""
    t0 = time.perf_counter()
    result = run()
    return time.perf_counter() - t0, result


def fmt_times(times: list[float]) -> str:
    return "runs " + ", ".join(f"{t:.2f}" for t in times) + " s"


def profile(label: str, run, top: int = 20) -> None:
    """cProfile one run(); print the `top` functions by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    print(f"\n--- cProfile: {label} (top {top} by cumulative time)")
    pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(top)
