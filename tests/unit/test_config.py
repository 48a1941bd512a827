"""Config errors name the file, the key path, what was expected and what was found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.config.schema import ConfigError, load_config, panel_specs

ROOT = Path(__file__).resolve().parents[2]


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
        ["panels.queue.slo: expected a number, found 'lots'"],
        id="wrong-type",
    ),
    pytest.param(
        '[cockpit]\nrefresh = "100ms"\n',
        ["cockpit.refresh: must be at least 500ms and at most 24h, found '100ms'"],
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
    from cockpit.config.schema import THEME_NAMES
    from cockpit.themes import THEMES

    assert set(THEME_NAMES) == set(THEMES)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, '[cockpit]\ntheme = "solarized"\n'))
    assert "cockpit.theme: expected one of cockpit-dark" in caught.value.render()


# ---- alerts and health panels -------------------------------------------------------------

ALERTS_AND_HEALTH_BAD = [
    pytest.param(
        "[panels.alerts]\n",
        ['panel alerts uses source = "alertmanager" but there is no [alertmanager] table'],
        id="alerts-without-alertmanager",
    ),
    pytest.param(
        '[alertmanager]\nurl = "alertmanager:9093"\n',
        ["alertmanager.url: expected an http:// or https:// URL, found 'alertmanager:9093'"],
        id="alertmanager-url-without-scheme",
    ),
    pytest.param(
        '[alertmanager]\nurl = "http://am:99999"\n',
        ["alertmanager.url: bad port in URL 'http://am:99999'"],
        id="alertmanager-bad-port",
    ),
    pytest.param(
        '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = [\'{team="x"}\']\n',
        ["panels.alerts.filter: expected one label matcher per string", "found '{team=\"x\"}'"],
        id="matcher-with-braces",
    ),
    pytest.param(
        '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = [\'a="1",b="2"\']\n',
        ["panels.alerts.filter: expected one label matcher per string"],
        id="two-matchers-in-one-string",
    ),
    pytest.param(
        '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = ["team"]\n',
        ["panels.alerts.filter: expected one label matcher per string"],
        id="matcher-without-operator",
    ),
    pytest.param(
        "[panels.health]\n",
        ["panels.health: needs at least one check"],
        id="health-without-checks",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "api", url = "http://a/", tcp = "a:80" }]\n',
        ["panels.health.checks.0: check 'api': give url or tcp, not both"],
        id="both-url-and-tcp",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "api" }]\n',
        ["panels.health.checks.0: check 'api': needs url = \"https://...\" or tcp = \"host:port\""],
        id="neither-url-nor-tcp",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "api", url = "api.internal/healthz" }]\n',
        [
            "panels.health.checks.0.url: expected an http:// or https:// URL, "
            "found 'api.internal/healthz'"
        ],
        id="check-url-without-scheme",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "api", url = "https:///healthz" }]\n',
        ["panels.health.checks.0.url: URL 'https:///healthz' has no host"],
        id="check-url-without-host",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "db", tcp = "db.internal" }]\n',
        ["check 'db': expected \"host:port\" with a port 1-65535", "found 'db.internal'"],
        id="tcp-without-port",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "db", tcp = "db:70000" }]\n',
        ["check 'db': expected \"host:port\" with a port 1-65535", "found 'db:70000'"],
        id="tcp-port-out-of-range",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "db", tcp = "::1:5432" }]\n',
        ["check 'db': write an IPv6 address in brackets, e.g. [::1]:5432"],
        id="tcp-ipv6-without-brackets",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "db", tcp = "db:5432", expect_status = 200 }]\n',
        ["check 'db': options for url checks on a tcp check: expect_status"],
        id="http-option-on-tcp",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "a", url = "https://a/", verify = false, '
        'ca_file = "ca.pem" }]\n',
        ["check 'a': ca_file has no effect with verify = false"],
        id="ca-file-and-no-verify",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "a", tcp = "a:1" }, { name = "a", tcp = "b:1" }]\n',
        ["panels.health: check names must be unique; repeated: a"],
        id="duplicate-check-names",
    ),
    pytest.param(
        '[panels.health]\ntimeout = "2s"\nchecks = [{ name = "a", tcp = "a:1", timeout = "5s" }]\n',
        ["panels.health: timeout (2s) must be longer than the slowest check's (5s)"],
        id="panel-timeout-below-a-check",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "a", url = "http://a/", expect_status = 999 }]\n',
        ["panels.health.checks.0.expect_status: must be at most 599"],
        id="impossible-status",
    ),
    pytest.param(
        '[panels.health]\nchecks = [{ name = "a", url = "http://a/", verfy = false }]\n',
        ['panels.health.checks.0.verfy: unknown key'],
        id="check-typo",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ALERTS_AND_HEALTH_BAD)
def test_bad_alerts_and_health_config(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    rendered = caught.value.render()
    for fragment in expected:
        assert fragment in rendered, rendered


def _optional_sections_enabled() -> str:
    """The example config with its commented optional panels switched on."""
    text = (ROOT / "examples" / "cockpit.toml").read_text()
    head, marker, tail = text.partition("# ---- Optional panels")
    assert marker, "the example config lost its optional-panels section"
    body = tail.split("\n", 1)[1]
    lines = [line[2:] if line.startswith("# ") else line for line in body.splitlines()]
    return head + "\n".join(lines) + "\n"


def test_example_optional_panels_are_valid_when_uncommented(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, _optional_sections_enabled()))
    assert config.alertmanager is not None
    assert config.panels.alerts is not None and config.panels.alerts.filter
    assert config.panels.health is not None
    assert {c.name for c in config.panels.health.checks} >= {"checkout", "orders-db"}
    specs = {s.panel: s for s in panel_specs(config)}
    assert specs["alerts"].source == "alertmanager"
    assert specs["health"].source == "health"
    # A panel's read outlasts the slowest of its checks (5s in the example).
    assert specs["health"].timeout > 5
    (command,) = config.actions.rollback_commands
    assert command.argv == ["helm", "rollback", "checkout"] and command.timeout == 120
    assert config.keys == {"incident.note": "N"}


def test_a_rollback_command_must_be_an_argv_list(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, (
            '[[actions.rollback_commands]]\nworkload = "deployment/checkout"\n'
            'argv = ["helm rollback checkout"]\n'
        )))
    message = caught.value.render()
    assert "actions.rollback_commands.0.argv" in message
    assert "not a shell string: write ['helm', 'rollback', 'checkout']" in message


def test_good_alerts_and_health_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        '[alertmanager]\nurl = "https://oncall:pw@am.example.com/alertmanager/"\n'
        '[panels.alerts]\nfilter = [\'team="checkout"\', \'env!~"dev|test"\', "quiet!=true"]\n'
        '[panels.health]\ninterval = "1s"\nchecks = [\n'
        '  { name = "api", url = "https://api.example.com:8443/healthz", timeout = "3s" },\n'
        '  { name = "db", tcp = "[fd00::5]:5432" },\n]\n'
    )))
    assert config.alertmanager is not None
    assert config.alertmanager.url == "https://oncall:pw@am.example.com/alertmanager"
    specs = {s.panel: s for s in panel_specs(config)}
    assert [m.key for m in specs["alerts"].measures] == ["firing", "critical"]
    assert [m.key for m in specs["health"].measures] == ["failing"]
    # The default read timeout follows the interval, but never cuts the slowest check short.
    assert specs["health"].timeout == 4.0
    from cockpit.config.schema import split_host_port

    assert split_host_port("[fd00::5]:5432") == ("fd00::5", 5432)
    assert split_host_port("db.internal:5432") == ("db.internal", 5432)


def test_a_flood_of_problems_shows_twenty_and_counts_the_rest() -> None:
    from cockpit.config.schema import parse_config

    with pytest.raises(ConfigError) as caught:
        parse_config({f"k{i}": i for i in range(100_000)}, Path("c.toml"))
    lines = caught.value.render().splitlines()
    assert lines[0] == "cockpit: invalid config c.toml"
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "  … and 99980 more"


def test_workload_references_are_stored_as_the_actions_look_them_up(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        '[[actions.rollback_commands]]\nworkload = "deploy/checkout"\nargv = ["helm"]\n'
        '[[actions.rollback_commands]]\nworkload = "sts/db"\nargv = ["db-restore"]\n'
    )))
    assert [c.workload for c in config.actions.rollback_commands] == [
        "deployment/checkout",
        "statefulset/db",
    ]


def test_secrets_in_urls_and_headers_stay_out_of_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, (
            '[prometheus]\nurl = "https://oncall:hunter2@prom:99999"\n'
            'headers = { Authorization = "Bearer tok3n\\r\\nX-Evil: 1" }\n'
        )))
    message = caught.value.render()
    assert "prometheus.url: bad port in URL 'https://oncall:***@prom:99999'" in message
    assert "found \\r at position 12 (the value is not shown" in message
    assert "hunter2" not in message and "tok3n" not in message


def test_text_is_trimmed_but_a_line_break_at_either_end_is_refused(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[incident]\ntitle = "  checkout down  "\n'))
    assert config.incident.title == "checkout down"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, '[cockpit]\nnamespace = "shop\\n"\n'))
    assert "cockpit.namespace: may not contain control characters or line breaks" in str(
        caught.value
    )
