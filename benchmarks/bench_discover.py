"""Root discovery as each hook process pays it: processor time of one process that imports discovery
and finds the roots of a repository, with no cache (every run lists and reads everything), with an
empty cache (the first hook of a commit) and with the previous run's entry (the next hooks, and later
commits that change no candidate file); optionally the code of another checkout (``--against``).

Each mode runs in its own process, alternated round by round (the machine may be shared: compare
processor times, self and git's), and every mode must find the same roots.

    python benchmarks/bench_discover.py REPOSITORY... [--rounds 5] [--against /path/to/checkout]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = """
import dataclasses, json, resource, sys, time
started = time.process_time()
from snapshot_guard.discover import discover_roots
imported = time.process_time()
roots = discover_roots(sys.argv[1])
done = time.process_time()
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"import": imported - started, "discover": done - imported,
                  "git": children.ru_utime + children.ru_stime,
                  "roots": [dataclasses.astuple(item) for item in roots]}))
"""


def run(top: str, cache_home: str, path: str | None) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": cache_home}
    if path is not None:
        env["PYTHONPATH"] = path
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PROBE, top], env=env, capture_output=True,
                            text=True, check=True)
    answer: dict[str, object] = json.loads(result.stdout)
    answer["wall"] = time.perf_counter() - started
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repositories", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", metavar="CHECKOUT",
                        help="also time the snapshot_guard package of this checkout (no cache)")
    args = parser.parse_args()
    print(f"{'repository':34} {'mode':10} {'cpu s':>6} {'self':>6} {'git':>6} {'import':>6} "
          f"{'wall s':>6} roots")
    for top in args.repositories:
        with tempfile.TemporaryDirectory() as base:
            warm_home = os.path.join(base, "warm")
            modes: dict[str, tuple[str, str | None]] = {
                "no cache": (os.devnull, None), "warm": (warm_home, None)}
            if args.against:
                modes["against"] = (os.devnull, os.path.abspath(args.against))
            run(top, warm_home, None)
            results: dict[str, list[dict[str, object]]] = {mode: [] for mode in [*modes, "cold"]}
            for index in range(args.rounds):
                results["cold"].append(run(top, os.path.join(base, f"cold{index}"), None))
                for mode, (home, path) in modes.items():
                    results[mode].append(run(top, home, path))
            expected = results["no cache"][0]["roots"]
            for mode, answers in results.items():
                same = all(answer["roots"] == expected for answer in answers)

                def median(key: str, answers: list[dict[str, object]] = answers) -> float:
                    return statistics.median(float(str(answer[key])) for answer in answers)

                cpu = statistics.median(float(str(a["import"])) + float(str(a["discover"])) +
                                        float(str(a["git"])) for a in answers)
                count = len(expected) if isinstance(expected, list) else 0
                print(f"{os.path.basename(top)[:34]:34} {mode:10} {cpu:6.3f} "
                      f"{median('discover'):6.3f} {median('git'):6.3f} {median('import'):6.3f} "
                      f"{median('wall'):6.3f} {count}{'' if same else '  DIFFERENT ROOTS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
