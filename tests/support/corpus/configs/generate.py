"""Writes the corpus of malformed configs: one file per case in cases/, and expected.tsv with
each file's name and a piece of the error `cockpit config check` must print for it.

The files are checked in; tests/unit/test_config_corpus.py runs every one and also checks that this
script still writes exactly them, so a new case is added here and the script run again:

    python tests/support/corpus/configs/generate.py

Each case changes one thing in an otherwise valid config, so the expected message is the one
problem that thing causes.
"""

# ruff: noqa: E501  (a table of cases reads best one case per line)

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
EXPECTED = HERE / "expected.tsv"

PROM = '[prometheus]\nurl = "http://127.0.0.1:9090"\n'
LATENCY = '[panels.latency]\nsource = "demo"\n'
HEALTH = '[panels.health]\nchecks = [{ name = "api", url = "https://api.example.com/healthz" }]\n'
ROLLBACK = '[[actions.rollback_commands]]\nworkload = "deployment/checkout"\n'

Case = tuple[str, bytes | str, str]  # slug, file content, expected piece of the message


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


# ---- durations: every kind of duration field, every kind of bad value ---------------------

DURATION_FIELDS = [
    # (slug, TOML before the value, key path, the ceiling as the message states it)
    ("refresh", "[cockpit]\nrefresh = ", "cockpit.refresh", "24h"),
    ("status-every", "[timeline]\nstatus_every = ", "timeline.status_every", "24h"),
    ("prometheus-timeout", PROM + "timeout = ", "prometheus.timeout", "10m"),
    ("panel-interval", LATENCY + "interval = ", "panels.latency.interval", "24h"),
    ("panel-timeout", LATENCY + "timeout = ", "panels.latency.timeout", "10m"),
    ("latency-slo", LATENCY + "p95_slo = ", "panels.latency.p95_slo", "1h"),
    (
        "backup-warn-after",
        '[panels.backup]\nsource = "demo"\nwarn_after = ',
        "panels.backup.warn_after",
        "366d",
    ),
    (
        "health-check-timeout",
        '[panels.health]\nchecks = [{ name = "api", url = "https://a.example/", timeout = ',
        "panels.health.checks.0.timeout",
        "10m",
    ),
    (
        "rollback-timeout",
        ROLLBACK + 'argv = ["helm", "rollback", "checkout"]\ntimeout = ',
        "actions.rollback_commands.0.timeout",
        "1h",
    ),
    ("phase-box", "[runbooks.phases]\ntriage = ", "runbooks.phases.triage", "7d"),
]

DURATION_VALUES = [
    # (slug, TOML value, expected message after the key path; {low} and {max} are the
    # field's floor and ceiling as the message states them)
    ("400-digits", '"' + "9" * 400 + 's"', "must be {low} and at most {max}, found '999"),
    ("tiny", '"0.0000001ms"', "must be {low} and at most {max}, found '0.0000001ms'"),
    ("float-overflow", "1e400", "expected a finite duration, found inf"),
    ("toml-nan", "nan", "expected a finite duration, found nan"),
    ("toml-inf", "inf", "expected a finite duration, found inf"),
    ("toml-minus-inf", "-inf", "expected a finite duration"),
    ("string-nan", '"nan"', "expected a duration like"),
    ("zero", "0", "must be {low} and at most {max}, found 0"),
    ("zero-string", '"0s"', "must be {low} and at most {max}, found '0s'"),
    ("negative", "-5", "expected a duration of 0s or more, found -5"),
    ("negative-string", '"-5s"', "expected a duration like"),
    ("full-width-digits", '"\uff15s"', "expected a duration like"),
    ("arabic-indic-digits", '"\u0665m"', "expected a duration like"),
    ("bare-number-string", '"15"', "expected a duration like"),
    ("space-inside", '"5 s"', "expected a duration like"),
    ("boolean", "true", "expected a duration like"),
    ("above-ceiling", '"100000h"', "must be {low} and at most {max}, found '100000h'"),
    ("unknown-unit", '"10y"', "expected a duration like"),
    ("array", '["5s"]', "expected a duration like"),
]


def duration_cases() -> list[Case]:
    cases: list[Case] = []
    for field, before, key, ceiling in DURATION_FIELDS:
        # The health check's timeout sits inside an inline table in a list.
        closing = " }]\n" if "checks = [" in before else "\n"
        floors = {
            "refresh": "at least 500ms",
            "panel-interval": "at least 500ms",
            "status-every": "at least 1m",
        }
        low = floors.get(field, "at least 1ms")
        for slug, value, message in DURATION_VALUES:
            expected = f"{key}: {message.format(max=ceiling, low=low)}"
            cases.append((f"duration-{field}-{slug}", before + value + closing, expected))
    return cases


# ---- numbers and booleans ---------------------------------------------------------------------

NUMBER_CASES: list[tuple[str, str, str]] = [
    ("warn-at-quoted", LATENCY + 'warn_at = "0.8"', "panels.latency.warn_at: expected a number (without quotes), found '0.8'"),
    ("warn-at-above-one", LATENCY + "warn_at = 1.5", "panels.latency.warn_at: the fraction of the SLO that warns must be more than 0 and less than 1"),
    ("warn-at-one", LATENCY + "warn_at = 1", "panels.latency.warn_at: the fraction of the SLO that warns"),
    ("warn-at-zero", LATENCY + "warn_at = 0", "panels.latency.warn_at: the fraction of the SLO that warns"),
    ("warn-at-negative", LATENCY + "warn_at = -0.2", "panels.latency.warn_at: the fraction"),
    ("warn-at-nan", LATENCY + "warn_at = nan", "panels.latency.warn_at: expected a finite number, found nan"),
    ("warn-at-inf", LATENCY + "warn_at = inf", "panels.latency.warn_at: expected a finite number, found inf"),
    ("warn-at-boolean", LATENCY + "warn_at = true", "panels.latency.warn_at: expected a number, found true"),
    ("slo-percent-quoted", '[panels.error_rate]\nsource = "demo"\nslo_percent = "1"', "panels.error_rate.slo_percent: expected a number (without quotes), found '1'"),
    ("slo-percent-nan", '[panels.error_rate]\nsource = "demo"\nslo_percent = nan', "panels.error_rate.slo_percent: expected a finite number"),
    ("slo-percent-zero", '[panels.error_rate]\nsource = "demo"\nslo_percent = 0', "panels.error_rate.slo_percent: must be greater than 0"),
    ("slo-percent-over-100", '[panels.error_rate]\nsource = "demo"\nslo_percent = 101', "panels.error_rate.slo_percent: must be at most 100"),
    ("error-warn-at-inf", '[panels.error_rate]\nsource = "demo"\nwarn_at = -inf', "panels.error_rate.warn_at: expected a finite number"),
    ("queue-slo-nan", '[panels.queue]\nsource = "demo"\nslo = nan', "panels.queue.slo: expected a finite number, found nan"),
    ("queue-slo-inf", '[panels.queue]\nsource = "demo"\nslo = inf', "panels.queue.slo: expected a finite number, found inf"),
    ("queue-slo-negative", '[panels.queue]\nsource = "demo"\nslo = -1', "panels.queue.slo: must be greater than 0"),
    ("queue-slo-quoted", '[panels.queue]\nsource = "demo"\nslo = "100"', "panels.queue.slo: expected a number (without quotes)"),
    ("queue-slo-full-width", '[panels.queue]\nsource = "demo"\nslo = "\uff11\uff10\uff10"', "panels.queue.slo: expected a number, found '\uff11\uff10\uff10'"),
    ("queue-warn-at-quoted", '[panels.queue]\nsource = "demo"\nwarn_at = "0.8"', "panels.queue.warn_at: expected a number (without quotes)"),
    ("max-not-ready-float", "[panels.pods]\nmax_not_ready = 1.5", "panels.pods.max_not_ready: expected a whole number, found 1.5"),
    ("max-not-ready-negative", "[panels.pods]\nmax_not_ready = -1", "panels.pods.max_not_ready: must be at least 0"),
    ("max-not-ready-quoted", '[panels.pods]\nmax_not_ready = "0"', "panels.pods.max_not_ready: expected a whole number (without quotes)"),
    ("max-not-ready-huge", "[panels.pods]\nmax_not_ready = 9223372036854775807", "panels.pods.max_not_ready: must be at most 1000000"),
    ("max-not-ready-boolean", "[panels.pods]\nmax_not_ready = true", "panels.pods.max_not_ready: expected a whole number, found true"),
    ("expect-status-low", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", expect_status = 99 }]', "panels.health.checks.0.expect_status: must be at least 100"),
    ("expect-status-high", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", expect_status = 600 }]', "panels.health.checks.0.expect_status: must be at most 599"),
    ("expect-status-quoted", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", expect_status = "200" }]', "panels.health.checks.0.expect_status: expected a whole number (without quotes)"),
    ("expect-status-float", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", expect_status = 200.0 }]', "panels.health.checks.0.expect_status: expected a whole number, found 200.0"),
    ("custom-crit-nan", PROM + '[[panels.custom]]\nname = "db"\nquery = "up"\ncrit = nan', "panels.custom.0.crit: expected a finite number, found nan"),
    ("custom-warn-inf", PROM + '[[panels.custom]]\nname = "db"\nquery = "up"\nwarn = inf', "panels.custom.0.warn: expected a finite number, found inf"),
    ("custom-crit-quoted", PROM + '[[panels.custom]]\nname = "db"\nquery = "up"\ncrit = "80"', "panels.custom.0.crit: expected a number (without quotes)"),
    ("custom-warn-equals-crit", PROM + '[[panels.custom]]\nname = "db"\nquery = "up"\ncrit = 80\nwarn = 80', "panels.custom.0: warn (80) must be below crit (80)"),
    ("custom-warn-above-crit", PROM + '[[panels.custom]]\nname = "db"\nquery = "up"\ncrit = 80\nwarn = 90', "panels.custom.0: warn (90) must be below crit (80)"),
    ("backup-crit-before-warn", '[panels.backup]\nsource = "demo"\nwarn_after = "36h"\ncrit_after = "12h"', "panels.backup: crit_after (43200s) must be later than warn_after (129600s)"),
    ("backup-crit-equals-warn", '[panels.backup]\nsource = "demo"\nwarn_after = "12h"\ncrit_after = "12h"', "panels.backup: crit_after (43200s) must be later than warn_after"),
]

BOOLEAN_CASES: list[tuple[str, str, str]] = [
    ("read-only-yes", '[cockpit]\nread_only = "yes"', "cockpit.read_only: expected true or false, found 'yes'"),
    ("read-only-one", "[cockpit]\nread_only = 1", "cockpit.read_only: expected true or false, found 1"),
    ("read-only-quoted-true", '[cockpit]\nread_only = "true"', "cockpit.read_only: expected true or false (write true without quotes)"),
    ("read-only-zero", "[cockpit]\nread_only = 0", "cockpit.read_only: expected true or false, found 0"),
    ("enabled-no", LATENCY + 'enabled = "no"', "panels.latency.enabled: expected true or false, found 'no'"),
    ("insecure-skip-verify-one", PROM + "insecure_skip_verify = 1", "prometheus.insecure_skip_verify: expected true or false, found 1"),
    ("burn-rate-yes", '[panels.error_rate]\nsource = "demo"\nburn_rate = "yes"', "panels.error_rate.burn_rate: expected true or false"),
    ("follow-redirects-one", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", follow_redirects = 1 }]', "panels.health.checks.0.follow_redirects: expected true or false, found 1"),
    ("verify-quoted-false", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/", verify = "false" }]', "panels.health.checks.0.verify: expected true or false (write false without quotes)"),
]

# ---- text, names and references -------------------------------------------------------------

TEXT_CASES: list[tuple[str, str, str]] = [
    ("title-escape-sequence", '[incident]\ntitle = "\\u001b]0;pwned\\u0007\\u001b[2J"', "incident.title: may not contain control characters or line breaks, found '\\x1b]0;pwned"),
    ("title-newline", '[incident]\ntitle = "line one\\nline two"', "incident.title: may not contain control characters or line breaks"),
    ("title-bidi-override", '[incident]\ntitle = "abc\\u202edef"', "incident.title: may not contain control characters"),
    ("title-number", "[incident]\ntitle = 5", "incident.title: expected text in quotes, found 5"),
    ("severity-number", "[incident]\nseverity = 3", "incident.severity: expected one of 'SEV1', 'SEV2', 'SEV3' or 'SEV4', found 3"),
    ("theme-number", "[cockpit]\ntheme = 1", "cockpit.theme: expected text in quotes, found 1"),
    ("theme-unknown", '[cockpit]\ntheme = "solarized"', "cockpit.theme: expected one of cockpit-dark"),
    ("actor-newline", '[timeline]\nactor = "me\\nyou"', "timeline.actor: may not contain control characters"),
    ("db-path-nul", '[timeline]\ndb = "/tmp/t\\u0000.db"', "timeline.db: may not contain control characters"),
    ("namespace-upper-case", '[cockpit]\nnamespace = "Shop"', "cockpit.namespace: invalid namespace name \"Shop\""),
    ("namespace-semicolon", '[cockpit]\nnamespace = "shop;rm"', "cockpit.namespace: invalid namespace name"),
    ("namespace-too-long", '[cockpit]\nnamespace = "' + "a" * 64 + '"', "cockpit.namespace: invalid namespace name"),
    ("namespace-dot", '[cockpit]\nnamespace = "."', "cockpit.namespace: invalid namespace name \".\": a name may not be '.' or '..'"),
    ("namespace-slash", '[cockpit]\nnamespace = "a/b"', "cockpit.namespace: invalid namespace name \"a/b\": a name may not contain '/'"),
    ("pods-namespace-leading-dash", '[panels.pods]\nnamespace = "-shop"', "panels.pods.namespace: invalid namespace name"),
    ("preset-namespace-underscore", PROM + '[panels.backup]\npreset = "cronjob"\nname = "db-backup"\npreset_namespace = "my_ns"', "panels.backup: preset_namespace: invalid namespace name"),
    ("context-control-character", '[cockpit]\ncontext = "prod\\u0007"', "cockpit.context: may not contain control characters or line breaks, found 'prod\\x07'"),
    ("context-too-long", '[cockpit]\ncontext = "' + "c" * 1025 + '"', 'cockpit.context: invalid context name "' + "c" * 77 + '…": at most 1024 characters'),
    ("production-context-empty", '[cockpit]\nproduction_contexts = ["prod-*", ""]', "cockpit.production_contexts: pattern 1: invalid context name: may not be empty"),
    ("production-context-newline", '[cockpit]\nproduction_contexts = ["prod\\n*"]', "cockpit.production_contexts.0: may not contain control characters or line breaks"),
    ("production-contexts-string", '[cockpit]\nproduction_contexts = "prod-*"', "cockpit.production_contexts: expected a list, found 'prod-*'"),
    ("selector-parentheses", '[panels.pods]\nselector = "(((("', "panels.pods.selector: invalid label selector \"((((\""),
    ("selector-space-in-value", '[panels.pods]\nselector = "app=my app"', "panels.pods.selector: invalid label selector"),
    ("selector-newline", '[panels.pods]\nselector = "app=web\\nenv=prod"', "panels.pods.selector: may not contain control characters or line breaks"),
    ("selector-trailing-comma", '[panels.pods]\nselector = "app=web,"', "panels.pods.selector: invalid label selector"),
    ("selector-bad-key", '[panels.pods]\nselector = "-app=web"', "panels.pods.selector: invalid label selector"),
    ("promql-selector-parentheses", PROM + '[panels.latency]\npreset = "histogram"\nmetric = "http_seconds"\nselector = "(((("', "panels.latency: selector: expected PromQL label matchers"),
    ("promql-selector-newline", PROM + '[panels.latency]\npreset = "histogram"\nmetric = "http_seconds"\nselector = "job=\\"a\\"\\n"', "panels.latency: selector: may not contain control characters"),
    ("promql-selector-unquoted", PROM + '[panels.error_rate]\npreset = "http_5xx"\nmetric = "http_requests_total"\nselector = "job=checkout"', "panels.error_rate: selector: expected PromQL label matchers"),
    ("promql-selector-brace", PROM + '[panels.error_rate]\npreset = "http_5xx"\nmetric = "http_requests_total"\nselector = "job=\\"a\\"}"', "panels.error_rate: selector: expected PromQL label matchers"),
    ("promql-metric-newline", PROM + '[panels.latency]\npreset = "histogram"\nmetric = "http_seconds\\n"', "panels.latency: metric: may not contain control characters"),
    ("promql-preset-number", PROM + '[panels.latency]\npreset = 1\nmetric = "m"', "panels.latency: preset: expected text in quotes, found 1"),
    ("promql-window-bad", PROM + '[panels.latency]\npreset = "histogram"\nmetric = "m"\nwindow = "5 minutes"', "panels.latency: preset 'histogram': expected a PromQL range such as \"5m\""),
    ("query-escape", PROM + '[panels.queue]\nquery = "up\\u001b[2J"', "panels.queue.query: may not contain control characters"),
    ("alerts-filter-newline", '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = ["team=\\"a\\"\\n"]', "panels.alerts.filter.0: may not contain control characters or line breaks"),
    ("alerts-filter-braces", '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = ["{team=\\"a\\"}"]', "panels.alerts.filter: expected one label matcher per string"),
    ("alerts-filter-no-operator", '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\nfilter = ["team"]', "panels.alerts.filter: expected one label matcher per string"),
    ("alerts-severity-escape", '[alertmanager]\nurl = "http://am:9093"\n[panels.alerts]\ncritical_severities = ["crit\\u001b"]', "panels.alerts.critical_severities.0: may not contain control characters"),
    ("custom-name-space", PROM + '[[panels.custom]]\nname = "db conns"\nquery = "up"', "panels.custom.0.name: expected a short id: a lower-case letter"),
    ("custom-name-newline", PROM + '[[panels.custom]]\nname = "db\\n"\nquery = "up"', "panels.custom.0.name: may not contain control characters or line breaks"),
    ("custom-query-empty", PROM + '[[panels.custom]]\nname = "db"\nquery = ""', "panels.custom.0.query: must have at least 1 character"),
    ("runbook-ref-newline", LATENCY + 'runbook = "api.md#x\\ny"', "panels.latency.runbook: may not contain control characters"),
    ("runbook-dir-escape", '[runbooks]\ndirs = ["/srv/\\u001b[2Jrunbooks"]', "runbooks.dirs.0: may not contain control characters"),
    ("phase-unknown", '[runbooks.phases]\ntriaj = "5m"', "runbooks.phases: unknown phase 'triaj' (did you mean \"triage\"?)"),
]

WORKLOAD_CASES: list[tuple[str, str, str]] = [
    ("semicolon", "deployment/a;b", 'invalid deployment name "a;b": '),
    ("slash-in-name", "deployment/a/b", "invalid deployment name \"a/b\": a name may not contain '/'"),
    ("dot", "deployment/.", "invalid deployment name \".\": a name may not be '.' or '..'"),
    ("dot-dot", "deployment/..", "invalid deployment name \"..\": a name may not be '.' or '..'"),
    ("percent", "deployment/a%2fb", "invalid deployment name \"a%2fb\": a name may not contain '%'"),
    ("upper-case", "deployment/Web", 'invalid deployment name "Web": '),
    ("empty-name", "deployment/", "invalid deployment name: a name may not be empty"),
    ("no-kind", "checkout", "expected KIND/NAME like deployment/web"),
    ("pod-kind", "pod/checkout", 'unknown kind "pod"'),
    ("too-long", "deployment/" + "a" * 300, "invalid deployment name"),
    ("newline", "deployment/web\\nx", "may not contain control characters or line breaks"),
]

ARGV_CASES: list[tuple[str, str, str]] = [
    ("empty", "[]", "argv needs at least the program"),
    ("empty-word", '["helm", "", "rollback"]', "argv word 1 is empty"),
    ("blank-word", '["helm", "   "]', "argv word 1 is empty"),
    ("newline-joined", '["helm\\nrollback", "checkout"]', "actions.rollback_commands.0.argv.0: may not contain control characters or line breaks"),
    ("nul", '["helm", "roll\\u0000back"]', "actions.rollback_commands.0.argv.1: may not contain control characters or line breaks"),
    ("escape", '["helm", "\\u001b[2J"]', "actions.rollback_commands.0.argv.1: may not contain control characters or line breaks, found '\\x1b[2J'"),
    ("shell-string", '["helm rollback checkout"]', "argv is a list of words, not a shell string"),
    ("string", '"helm rollback checkout"', "expected a list, found 'helm rollback checkout'"),
    ("number-word", '["helm", 1]', "actions.rollback_commands.0.argv.1: expected text in quotes, found 1"),
]

URL_CASES: list[tuple[str, str, str]] = [
    ("no-host", "http://", "URL 'http://' has no host"),
    ("no-host-path", "http:///metrics", "URL 'http:///metrics' has no host"),
    ("ftp", "ftp://prom.example", "expected an http:// or https:// URL"),
    ("javascript", "javascript:alert(1)", "expected an http:// or https:// URL"),
    ("no-scheme", "prom.example:9090", "expected an http:// or https:// URL"),
    ("space", "http://prom example:9090", "a URL may not contain spaces, line breaks or control characters"),
    ("newline", "http://prom:9090\\n/evil", "a URL may not contain spaces, line breaks or control characters"),
    ("crlf", "http://prom:9090/\\r\\nHost: x", "a URL may not contain spaces, line breaks or control characters"),
    ("nul", "http://prom\\u0000:9090", "a URL may not contain spaces, line breaks or control characters"),
    ("port-too-big", "http://prom:99999", "bad port in URL"),
    ("port-not-a-number", "http://prom:abc", "bad port in URL"),
    ("broken-ipv6", "http://[::1", "bad host in URL"),
    ("password-masked", "http://user:s3cret@prom:99999", "bad port in URL 'http://user:***@prom:99999'"),
]

HEADER_CASES: list[tuple[str, str, str]] = [
    ("name-space", '{ "X Scope" = "a" }', "header 'X Scope': expected an HTTP header name"),
    ("name-colon", '{ "X-A:B" = "a" }', "expected an HTTP header name"),
    ("name-empty", '{ "" = "a" }', "expected an HTTP header name"),
    ("name-newline", '{ "X-A\\n" = "a" }', "expected an HTTP header name"),
    ("value-crlf", '{ "X-Scope-OrgID" = "team\\r\\nX-Evil: 1" }', "header 'X-Scope-OrgID': an HTTP header value is printable ASCII"),
    ("value-nul", '{ "X-A" = "a\\u0000b" }', "found \\x00 at position 1 (the value is not shown"),
    ("value-non-ascii", '{ "X-A" = "caf\u00e9" }', "an HTTP header value is printable ASCII"),
    ("value-number", '{ "X-A" = 1 }', "prometheus.headers.X-A: expected text in quotes, found 1"),
    ("same-name-twice", '{ "x-scope-orgid" = "a", "X-Scope-OrgID" = "b" }', "are one header (names ignore case)"),
    ("headers-list", '["X-A: b"]', "prometheus.headers: expected a table"),
]

ENV_CASES: list[tuple[str, str, str]] = [
    ("bearer-env-space", 'bearer_token_env = "MY TOKEN"', "prometheus.bearer_token_env: expected the name of an environment variable"),
    ("bearer-env-digit", 'bearer_token_env = "1TOKEN"', "prometheus.bearer_token_env: expected the name of an environment variable"),
    ("password-env-dash", 'basic_auth_user = "u"\nbasic_auth_password_env = "PROM-PW"', "prometheus.basic_auth_password_env: expected the name"),
    ("authorization-and-token", 'bearer_token_env = "TOKEN"\nheaders = { Authorization = "Bearer x" }', "prometheus: an Authorization header and a bearer token"),
    ("token-env-and-file", 'bearer_token_env = "T"\nbearer_token_file = "/t"', "prometheus: give bearer_token_env or bearer_token_file, not both"),
]

KEY_CASES: list[tuple[str, str, str]] = [
    ("note-onto-quit", '"incident.note" = "q"', "keys.incident.note: 'q' is reserved for quit / back"),
    ("note-onto-help", '"incident.note" = "?"', "keys.incident.note: 'question_mark' is reserved for help"),
    ("note-onto-help-by-name", '"incident.note" = "question_mark"', "'question_mark' is reserved for help"),
    ("note-onto-escape", '"incident.note" = "escape"', "'escape' is reserved for back / cancel"),
    ("scale-onto-ctrl-c", '"action.scale" = "ctrl+c"', "keys.action.scale: 'ctrl+c' is reserved"),
    ("scale-onto-ctrl-q", '"action.scale" = "s,ctrl+q"', "keys.action.scale: 'ctrl+q' is reserved"),
    ("quit-moved", '"app.quit" = "x"', "keys.app.quit: 'q' must stay bound here"),
    ("help-moved", '"app.help" = "h"', "keys.app.help: 'question_mark' must stay bound here"),
    ("cancel-moved", '"form.cancel" = "x"', "keys.form.cancel: 'escape' must stay bound here"),
    ("chart-back-loses-escape", '"chart.back" = "q"', "keys.chart.back: 'escape' must stay bound here"),
    ("clash-with-pause", '"incident.note" = "p"', "keys.incident.note: 'p' is also bound to refresh.pause"),
    ("clash-with-pods-filter", '"incident.pick" = "/"', "keys.incident.pick: 'slash' is also bound to pods.filter"),
    ("clash-in-chart", '"chart.15m" = "2"', "keys.chart.15m: '2' is also bound to chart.1h"),
    ("clash-in-timeline", '"timeline.pin" = "f"', "keys.timeline.pin: 'f' is also bound to timeline.filter"),
    ("two-rebound-onto-one", '"action.scale" = "k"\n"action.restart" = "k"', "'k' is also bound to"),
    ("empty", '"refresh.now" = ""', "keys.refresh.now: expected key names"),
    ("modifier-only", '"refresh.now" = "ctrl+"', "keys.refresh.now: expected key names"),
    ("unknown-modifier", '"refresh.now" = "hyperctrl+r"', "keys.refresh.now: expected key names"),
    ("space-inside", '"refresh.now" = "r r"', "keys.refresh.now: expected key names"),
    ("escape-character", '"refresh.now" = "\\u001b"', "keys.refresh.now: may not contain control characters or line breaks"),
    ("listed-twice", '"refresh.now" = "r,r"', "keys.refresh.now: a key is listed twice"),
    ("number", '"refresh.now" = 1', "keys.refresh.now: expected text in quotes, found 1"),
    ("unknown-id", '"incident.nte" = "n"', "keys.incident.nte: unknown binding id 'incident.nte' (did you mean 'incident.note'?)"),
    ("id-with-escape", '"\\u001b]0;x" = "n"', "keys: the key '\\x1b]0;x' may not contain control characters"),
]

STRUCTURE_CASES: list[Case] = [
    ("toml-syntax", "[panels.latency\nsource = \"demo\"\n", "TOML syntax error"),
    ("toml-duplicate-table", "[cockpit]\n[cockpit]\n", "TOML syntax error"),
    ("toml-nul-byte", b"[cockpit]\nrefresh = \"5s\"\x00\n", "TOML syntax error"),
    ("toml-byte-order-mark", "\ufeff[cockpit]\n", "starts with a byte order mark (BOM), which TOML does not allow"),
    ("nan-as-a-quoted-number", '[panels.queue]\nsource = "demo"\nslo = "nan"', "panels.queue.slo: expected a number, found 'nan'"),
    ("not-utf8-latin1", b"[incident]\ntitle = \"caf\xe9\"\n", "is not UTF-8 text (byte 23)"),
    ("not-utf8-utf16", "[cockpit]\n".encode("utf-16"), "is not UTF-8 text (byte 0)"),
    ("deep-arrays", "a = " + "[" * 3000 + "]" * 3000 + "\n", "nests tables and lists more than 16 levels deep"),
    ("deep-inline-tables", "a = " + "{ b = " * 3000 + "1" + " }" * 3000 + "\n", "nests tables and lists more than 16 levels deep"),
    ("deep-tables-17", "[" + ".".join(f"t{i}" for i in range(17)) + "]\n", "nests tables and lists more than 16 levels deep"),
    ("deep-but-parsable-arrays", "a = " + "[" * 40 + "]" * 40 + "\n", "nests tables and lists more than 16 levels deep"),
    ("unknown-top-level-key", "[cokpit]\nrefresh = \"5s\"\n", "cokpit: unknown key; did you mean \"cockpit\"?"),
    ("unknown-key-typo", "[cockpit]\nrefrsh = \"5s\"\n", "cockpit.refrsh: unknown key; did you mean \"refresh\"?"),
    ("unknown-key-escape", "[cockpit]\n\"\\u001b]0;pwned\\u0007\" = 1\n", "cockpit.'\\x1b]0;pwned\\x07': unknown key"),
    ("many-unknown-keys", "\n".join(f"unknown_{i} = {i}" for i in range(45)) + "\n", "… and 25 more"),
    ("cockpit-not-a-table", "cockpit = 1\n", "cockpit: expected a table, found 1"),
    ("panels-a-list", "panels = []\n", "panels: expected a table, found a list"),
    ("custom-a-table", PROM + "[panels.custom]\nname = \"x\"\n", "panels.custom: expected a list, found a table"),
    ("keys-a-list", "keys = [\"q\"]\n", "keys: expected a table, found a list"),
    ("phases-zero", "[runbooks.phases]\ntriage = \"0s\"\n", "runbooks.phases.triage: must be at least 1ms and at most 7d"),
    ("two-rollback-commands", ROLLBACK + 'argv = ["a"]\n' + '[[actions.rollback_commands]]\nworkload = "deploy/checkout"\nargv = ["b"]\n', "more than one rollback command for deployment/checkout"),
    ("health-duplicate-names", '[panels.health]\nchecks = [{ name = "a", tcp = "db:5432" }, { name = "a", tcp = "db:5433" }]\n', "check names must be unique; repeated: a"),
    ("health-tcp-port-zero", '[panels.health]\nchecks = [{ name = "db", tcp = "db:0" }]\n', "expected \"host:port\" with a port 1-65535"),
    ("health-tcp-full-width-port", '[panels.health]\nchecks = [{ name = "db", tcp = "db:\uff15\uff14\uff13\uff12" }]\n', "expected \"host:port\" with a port 1-65535"),
    ("health-tcp-host-with-slash", '[panels.health]\nchecks = [{ name = "db", tcp = "db/x:5432" }]\n', "expected \"host:port\" with a port 1-65535"),
    ("health-url-crlf", '[panels.health]\nchecks = [{ name = "a", url = "https://a.example/\\r\\nX: y" }]\n', "panels.health.checks.0.url: a URL may not contain spaces, line breaks or control characters"),
    ("health-timeout-shorter-than-check", '[panels.health]\ntimeout = "1s"\nchecks = [{ name = "a", url = "https://a.example/", timeout = "2s" }]\n', "must be longer than the slowest check's"),
    ("prometheus-missing", "[panels.queue]\nquery = \"q\"\n", "there is no [prometheus] table with its url"),
]


def cases() -> list[Case]:
    out: list[Case] = duration_cases()
    out += [(f"number-{s}", t + "\n", e) for s, t, e in NUMBER_CASES]
    out += [(f"boolean-{s}", t + "\n", e) for s, t, e in BOOLEAN_CASES]
    out += [(f"text-{s}", t + "\n", e) for s, t, e in TEXT_CASES]
    out += [
        (
            f"workload-{s}",
            f'[[actions.rollback_commands]]\nworkload = "{w}"\nargv = ["helm", "rollback"]\n',
            f"actions.rollback_commands.0.workload: {e}",
        )
        for s, w, e in WORKLOAD_CASES
    ]
    out += [
        (
            f"argv-{s}",
            ROLLBACK + f"argv = {a}\n",
            e if e.startswith("actions.") else f"actions.rollback_commands.0.argv: {e}",
        )
        for s, a, e in ARGV_CASES
    ]
    out += [
        (f"url-prometheus-{s}", f'[prometheus]\nurl = "{u}"\n', f"prometheus.url: {e}")
        for s, u, e in URL_CASES
    ]
    out += [
        (f"url-alertmanager-{s}", f'[alertmanager]\nurl = "{u}"\n', f"alertmanager.url: {e}")
        for s, u, e in URL_CASES[:6]
    ]
    out += [
        (
            f"url-health-{s}",
            f'[panels.health]\nchecks = [{{ name = "api", url = "{u}" }}]\n',
            f"panels.health.checks.0.url: {e}",
        )
        for s, u, e in URL_CASES
    ]
    out += [(f"header-{s}", PROM + f"headers = {h}\n", e) for s, h, e in HEADER_CASES]
    out += [(f"env-{s}", PROM + t + "\n", e) for s, t, e in ENV_CASES]
    out += [(f"keys-{s}", f"[keys]\n{t}\n", e) for s, t, e in KEY_CASES]
    out += STRUCTURE_CASES
    return out


def render() -> dict[str, tuple[bytes, str]]:
    """File name → (content, expected message), numbered in a stable order."""
    files: dict[str, tuple[bytes, str]] = {}
    for index, (slug, content, expected) in enumerate(cases(), start=1):
        name = f"{index:03d}-{_slug(slug)}.toml"
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        files[name] = (data, expected)
    return files


def write(directory: Path = CASES_DIR, expected_file: Path = EXPECTED) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in directory.glob("*.toml"):
        if stale.name not in files:
            stale.unlink()
    lines = []
    for name, (data, expected) in files.items():
        (directory / name).write_bytes(data)
        if "\t" in expected or "\n" in expected:
            raise ValueError(f"{name}: an expected message must be one line without tabs")
        lines.append(f"{name}\t{expected}\n")
    expected_file.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"{len(render())} cases in {CASES_DIR}", file=sys.stderr)
