"""How long `import kerazoo; kerazoo.list_datasets()` takes, with `import tensorflow` for scale.

Each measurement runs in a fresh interpreter (the only honest way to time imports) and the
median of several runs is printed. Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

REPEATS = 5

SNIPPETS = {
    "python -c pass (interpreter start)": "pass",
    "import kerazoo": "import kerazoo",
    "import kerazoo; kerazoo.list_datasets()": "import kerazoo; kerazoo.list_datasets()",
    "kerazoo list (whole CLI, both groups)": "from kerazoo._cli import main; main(['list'])",
    "import tensorflow": "import tensorflow",
}

TIMER = (
    "import time, sys, io, contextlib; t = time.perf_counter();\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    exec(sys.argv[1])\n"
    "print(time.perf_counter() - t)"
)


def measure(snippet: str) -> float:
    """Median seconds of ``snippet`` in fresh interpreters (start-up excluded)."""
    times = []
    for _ in range(REPEATS):
        out = subprocess.run(
            [sys.executable, "-c", TIMER, snippet], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    results = {label: measure(code) for label, code in SNIPPETS.items()}
    width = max(map(len, results))
    for label, seconds in results.items():
        print(f"{label:<{width}}  {seconds * 1000:8.1f} ms")
    tf = results["import tensorflow"]
    listing = results["import kerazoo; kerazoo.list_datasets()"]
    print(
        f"listing datasets costs {listing / tf:.1%} of importing TensorFlow "
        f"({tf / listing:.0f}x faster)"
    )


if __name__ == "__main__":
    main()
