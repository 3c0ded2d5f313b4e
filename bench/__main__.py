"""Run every benchmark of the project, one process each (each sets up its own database).

    .venv/bin/python -m bench                 # all
    .venv/bin/python -m bench availability    # only the named ones

A benchmark is a module of this folder that runs as a script (`if __name__ == "__main__":`); the
results and what they mean are in docs/benchmarks.md.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    return sorted(
        path.stem
        for path in HERE.glob("*.py")
        if not path.stem.startswith("_") and 'if __name__ == "__main__":' in path.read_text()
    )


def main(names: list[str]) -> int:
    chosen = names or benchmarks()
    unknown = sorted(set(chosen) - set(benchmarks()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(benchmarks())}")
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== bench.{name}", flush=True)
        if subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
