"""The peer for idle output: what `watch -n1 kubectl get pods` costs when done naively.

    python bench/full_redraw.py [--rows 20] [--interval 1]

Every interval it clears the screen and prints a 20-row pods table in kubectl's plain format,
whether or not anything changed. That is the simplest way to keep a terminal current, so the
cockpit, which only has to send what changed, should write no more than this.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from datetime import UTC, datetime

STATUSES = ("Running", "Running", "Running", "CrashLoopBackOff", "Running", "Pending")
HASH = "7c9f5d8b4d"


def human_age(seconds: int) -> str:
    # kubectl's short form: seconds under two minutes, minutes and seconds under ten.
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 600:
        return f"{seconds // 60}m{seconds % 60}s"
    if seconds < 3 * 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def pod_table(rows: int, elapsed: int) -> str:
    lines = [f"{'NAME':<31}{'READY':<8}{'STATUS':<19}{'RESTARTS':<11}AGE"]
    for n in range(rows):
        status = STATUSES[n % len(STATUSES)]
        ready = "0/1" if status != "Running" else "1/1"
        restarts = (n * 3 + elapsed // 30) % 7 if status == "CrashLoopBackOff" else 0
        age = 90 + n * 37 + elapsed
        name = f"checkout-{HASH}-{n:05x}"
        lines.append(f"{name:<31}{ready:<8}{status:<19}{restarts:<11}{human_age(age)}")
    return "\n".join(lines)


def frame(rows: int, interval: float, elapsed: int) -> str:
    now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S %Y")
    title = f"Every {interval:.1f}s: kubectl get pods"
    header = f"{title}{now:>{79 - len(title)}}"
    # Home the cursor and erase the screen, as a shell loop with `clear` would.
    return "\x1b[H\x1b[2J" + header + "\n\n" + pod_table(rows, elapsed) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    start = time.monotonic()
    tick = 0
    while True:
        sys.stdout.write(frame(args.rows, args.interval, int(tick * args.interval)))
        sys.stdout.flush()
        tick += 1
        # Sleep to the next tick on a fixed schedule, so slow writes do not make it drift.
        time.sleep(max(0.0, start + tick * args.interval - time.monotonic()))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
