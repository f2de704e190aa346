"""The redactor's cost on exported JSON lines: this tree's app/common/redact.py against another
revision's (default wip/domains), on the same synthetic block of run_logs lines.

    .venv/bin/python bench/redact_lines.py [--rev wip/domains] [--lines 200000] [--repeat 5]

Prints the best of --repeat (interleaved) for redact_json_lines() over the whole block, per version (1% of lines
hold a secret, as in bench/dsar_export.py's seed).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load(rev: str | None) -> types.ModuleType:
    if rev is None:
        from app.common import redact
        return redact
    source = subprocess.run(["git", "show", f"{rev}:app/common/redact.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"redact_{rev}")
    exec(compile(source, f"{rev}:app/common/redact.py", "exec"), module.__dict__)  # noqa: S102
    return module


def _chunks(lines: int) -> list[bytes]:
    """Blocks of about 1 MiB, cut at line ends (as pgcopy hands them over)."""
    rows = []
    for i in range(lines):
        message = (f"calling CRM with api_key=k{i} failed" if i % 100 == 0
                   else f"run {i // 10} step {i % 10} finished: 200 OK, {i % 37} records synced through the queue")
        rows.append(json.dumps({"id": i, "run_id": i // 10, "level": "info", "message": message,
                                "created_at": "2026-11-30T12:00:00+00:00"}, separators=(",", ":")))
    chunks, current, size = [], [], 0
    for row in rows:
        current.append(row)
        size += len(row) + 1
        if size >= 1 << 20:
            chunks.append("\n".join(current).encode() + b"\n")
            current, size = [], 0
    chunks.append("\n".join(current).encode())
    return chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", default="wip/domains")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chunks = _chunks(args.lines)
    mib = sum(map(len, chunks)) / 2**20
    versions = (("this tree", _load(None)), (args.rev, _load(args.rev)))
    best = {label: float("inf") for label, _ in versions}
    for _ in range(args.repeat):  # interleaved: the machine is shared, its load drifts
        for label, module in versions:
            start = time.perf_counter()
            for chunk in chunks:
                module.redact_json_lines(chunk, ("message",))
            best[label] = min(best[label], time.perf_counter() - start)
    for label, seconds in best.items():
        print(f"{label:>12}: {args.lines:,} lines ({mib:.1f} MiB) in {seconds:.3f} s, best of {args.repeat}")

if __name__ == "__main__":
    main()
