"""Diagnostics go to a file, secrets never do, and a crash leaves a readable report."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cockpit.app.base import CrashNotice
from cockpit.app.cockpit_app import CockpitApp
from cockpit.runtime.logs import redact, setup_logging
from cockpit.runtime.wiring import Runtime, SourceSet
from tests.conftest import FakeClock


def test_tokens_are_masked_in_log_lines(tmp_path: Path) -> None:
    path = setup_logging(directory=tmp_path)
    logging.getLogger("cockpit.test").warning(
        "request failed: Authorization: Bearer eyJhbGciOi.secret.part token=abc123 ok")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "request failed" in text
    assert "eyJhbGciOi" not in text and "abc123" not in text
    assert redact('{"token": "s3cr3t"}') == '{"token": "***"}'


def test_debug_raises_the_level(tmp_path: Path) -> None:
    setup_logging(debug=True, directory=tmp_path)
    assert logging.getLogger().level == logging.DEBUG
    setup_logging(debug=False, directory=tmp_path)
    assert logging.getLogger().level == logging.INFO


async def test_a_crash_leaves_a_report_and_a_one_line_notice(clock: FakeClock,
                                                            tmp_path: Path) -> None:
    def broken(_: Runtime) -> SourceSet:
        raise RuntimeError("wiring exploded")

    app = CockpitApp(Runtime.for_demo(clock=clock), sources_factory=broken)
    with pytest.raises(CrashNotice) as caught:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
    notice = caught.value
    assert isinstance(notice.error, RuntimeError)
    # The app has exited: reading the report file here blocks nothing.
    text = Path(notice.report).read_text()  # noqa: ASYNC240
    assert "RuntimeError: wiring exploded" in text and "Traceback" in text
    assert "cockpit crashed: RuntimeError: wiring exploded" in notice.__rich__().plain
    assert app.return_code == 1
