"""Config errors name the file, the key path, what was expected and what was found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.config import ConfigError, load_config, panel_specs

ROOT = Path(__file__).resolve().parents[1]


def cockpit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cockpit.toml"
    path.write_text(text)
    return path


BAD_CONFIGS = [
    pytest.param(
        '[cockpit]\nrefrsh = "5s"\n',
        ['cockpit.refrsh: unknown key; did you mean "refresh"?'],
        id="typo-suggests-the-key",
    ),
    pytest.param(
        '[panels.latency]\nsource = "demo"\np95_slo = "300 msec"\n',
        ['panels.latency.p95_slo: expected a duration like "300ms"', "found '300 msec'"],
        id="bad-duration",
    ),
    pytest.param(
        '[panels.queue]\nsource = "graphite"\nquery = "x"\n',
        ["panels.queue.source: expected one of 'demo' or 'prometheus', found 'graphite'"],
        id="unknown-source",
    ),
    pytest.param(
        '[panels.error_rate]\nsource = "prometheus"\nquery = "x"\n',
        ['there is no [prometheus] table with its url'],
        id="prometheus-without-url",
    ),
    pytest.param(
        '[panels.backup]\nsource = "demo"\nwarn_after = "36h"\ncrit_after = "12h"\n',
        ["panels.backup: crit_after (43200s) must be later than warn_after (129600s)"],
        id="backup-bounds-reversed",
    ),
    pytest.param(
        '[incident]\nseverity = "SEV9"\n',
        ["incident.severity: expected one of 'SEV1', 'SEV2', 'SEV3' or 'SEV4', found 'SEV9'"],
        id="bad-severity",
    ),
    pytest.param(
        '[panels.queue]\nsource = "demo"\nslo = "lots"\n',
        ["panels.queue.slo: Input should be a valid number", "found 'lots'"],
        id="wrong-type",
    ),
    pytest.param(
        '[cockpit]\nrefresh = "100ms"\n',
        ["cockpit.refresh: refresh must be at least 0.5s (found 0.1s)"],
        id="refresh-floor",
    ),
    pytest.param(
        '[prometheus]\nurl = "localhost:9090"\n',
        ["prometheus.url: expected an http:// or https:// URL, found 'localhost:9090'"],
        id="url-without-scheme",
    ),
    pytest.param(
        '[panels.latency\nsource = "demo"\n',
        ["TOML syntax error", "line 1"],
        id="toml-syntax",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_bad_config_message(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    rendered = caught.value.render()
    assert str(path) in rendered
    for fragment in expected:
        assert fragment in rendered


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, '[cockpit]\nrefrsh = 1\ntheme = 3\n[panels.queue]\nslo = -1\n'
                           'source = "demo"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(caught.value.problems) == 3


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "cockpit config example >" in caught.value.render()


def test_defaults_match_the_service_slos(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join(
        f'[panels.{p}]\nsource = "demo"' for p in ("latency", "error_rate", "queue", "backup")))
    specs = {s.panel: s for s in panel_specs(load_config(path))}
    (p50, p95) = specs["latency"].measures
    assert (p50.threshold.crit, p95.threshold.crit) == (0.150, 0.300)
    assert specs["error_rate"].measures[0].threshold.crit == 0.01
    assert specs["queue"].measures[0].threshold.crit == 100
    backup = specs["backup"].measures[0].threshold
    assert (backup.warn, backup.crit) == (12 * 3600, 36 * 3600)
    assert all(s.interval == 5.0 for s in specs.values())


def test_refresh_flag_overrides_every_interval() -> None:
    config = load_config(ROOT / "examples" / "cockpit.toml")
    assert {s.interval for s in panel_specs(config, refresh_override=2.0)} == {2.0}


def test_cli_rejects_a_bad_config_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '[panels.latency]\nsource = "demo"\np95_slo = "fast"\n')
    for args in (["config", "check", str(path)], ["--config", str(path)],
                 ["snapshot", "--config", str(path)]):
        result = cockpit(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
        assert f"cockpit: invalid config {path}" in result.stderr
        assert "panels.latency.p95_slo" in result.stderr


def test_config_env_var_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, "[cockpit]\nbogus = 1\n")
    import os

    result = cockpit("config", "check", env={**os.environ, "COCKPIT_CONFIG": str(path)})
    assert result.returncode == 2
    assert "cockpit.bogus: unknown key" in result.stderr


def test_example_config_is_the_shipped_one_and_passes_check() -> None:
    printed = cockpit("config", "example")
    assert printed.returncode == 0
    assert printed.stdout == (ROOT / "examples" / "cockpit.toml").read_text()
    checked = cockpit("config", "check", str(ROOT / "examples" / "cockpit.toml"))
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout
    assert "Latency" in checked.stdout and "p95 < 300 ms" in checked.stdout


def test_theme_names_in_config_are_the_shipped_themes(tmp_path: Path) -> None:
    from cockpit.config import THEME_NAMES
    from cockpit.themes import THEMES

    assert set(THEME_NAMES) == set(THEMES)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, '[cockpit]\ntheme = "solarized"\n'))
    assert "cockpit.theme: expected one of cockpit-dark" in caught.value.render()
