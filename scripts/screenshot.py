"""Save an SVG screenshot of the demo dashboard for the README (time frozen, so it is stable).

    .venv/bin/python scripts/screenshot.py [docs/dashboard.svg] [--size 100x30]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

from cockpit.app.cockpit_app import CockpitApp, ReadingArrived
from cockpit.runtime.wiring import Runtime, build_sources

FROZEN = datetime(2026, 11, 24, 14, 2, 0, tzinfo=UTC)


async def shoot(path: Path, size: tuple[int, int]) -> None:
    app = CockpitApp(Runtime.for_demo(clock=lambda: FROZEN), start_sources=False)
    async with app.run_test(size=size) as pilot:
        app.source_set = build_sources(app.runtime)
        for source, _ in app.source_set.sources:
            backfill = getattr(source, "backfill", None)
            if backfill is not None:
                app.states[source.panel].backfill(await backfill())
            app.post_message(ReadingArrived(await source.read()))
        await pilot.pause()
        app._tick()
        await pilot.pause()
        path.parent.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(filename=path.name, path=str(path.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="docs/dashboard.svg")
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    asyncio.run(shoot(Path(args.path), (width, height)))
    print(args.path)


if __name__ == "__main__":
    main()
