"""Properties of config parsing, over generated input: durations read back what they write and
never accept infinity, NaN, zero or a negative; any TOML document, however odd, ends in a
config or in a clean error — never a traceback — and a config that passes has only finite,
positive timings and thresholds that warn before they page."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from cockpit.cli.main import main
from cockpit.config.schema import Config, ConfigError, load_config, panel_specs
from cockpit.config.values import duration_within, format_duration, parse_duration

# ---- durations --------------------------------------------------------------------------------


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False))
@example(0.3)
@example(1.5)
@example(86400 * 366)
def test_a_formatted_duration_reads_back_exactly(seconds: float) -> None:
    text = format_duration(seconds)
    assert "e" not in text.lower().replace("ms", "")  # never an exponent
    assert parse_duration(text) == seconds


@given(st.integers(min_value=1, max_value=10**12))
def test_whole_milliseconds_are_written_with_units(millis: int) -> None:
    seconds = millis / 1000
    text = format_duration(seconds)
    assert "." not in text
    assert parse_duration(text) == seconds


_DURATION_ALPHABET = "0123456789.msdhw \uff11\u0665-+eE_ninfa"
ANY_VALUE = st.one_of(
    st.text(),
    st.text(alphabet=_DURATION_ALPHABET, max_size=80),
    st.builds(lambda d, u: d + u, st.text(alphabet="0123456789", min_size=1, max_size=500),
              st.sampled_from(["ms", "s", "m", "h", "d", "w", ""])),
    st.floats(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@given(ANY_VALUE)
@example("9" * 400 + "s")
@example(float("inf"))
@example("\uff15s")
def test_a_duration_is_finite_and_not_negative_or_refused(value: Any) -> None:
    try:
        seconds = parse_duration(value)
    except ValueError:
        return
    assert math.isfinite(seconds) and seconds >= 0


@given(ANY_VALUE, st.sampled_from([1.0, 600.0, 86400.0]), st.sampled_from([0.0, 0.5]))
def test_a_bounded_duration_is_within_its_bounds_or_refused(
    value: Any, maximum: float, minimum: float
) -> None:
    try:
        seconds = duration_within(value, maximum=maximum, minimum=minimum)
    except ValueError as exc:
        assert "\x1b" not in str(exc) and "\n" not in str(exc)
        return
    assert 0 < seconds <= maximum and seconds >= minimum


# ---- whole documents ------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A value as TOML: inline tables and arrays, every key quoted, every control escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(type(value))


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in data.items())


# Strings a config uses, so that generated documents get past the first check often enough to
# exercise the later ones.
KNOWN_STRINGS = [
    "5s", "0s", "300ms", "1h30m", "400000h", "1e400", "nan", "inf", "\uff15s", "15",
    "demo", "prometheus", "kubernetes", "alertmanager", "health", "file",
    "histogram", "native_histogram", "http_5xx", "rabbitmq", "cronjob", "velero",
    "http://127.0.0.1:9090", "https://a.example/healthz", "http://a b", "http://x\n",
    "deployment/web", "deploy/.", "statefulset/db", "web", "app=web", "((((", 'job="a"',
    "q", "?", "escape", "ctrl+c", "n", "p", "app.quit", "incident.note", "refresh.now",
    "SEV1", "cockpit-dark", "shop", "Shop", "prod-*", "", " ", "db:5432", "triage", "count",
    "seconds", "ratio", "up", "X-Scope-OrgID", "a\r\nb", "\x1b]0;x\x07", "yes", "0.8",
]  # fmt: skip

scalars = st.one_of(
    st.sampled_from(KNOWN_STRINGS),
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.booleans(),
)
loose = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=8,
)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        for inner in getattr(candidate, "__args__", ()):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def for_model(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Tables shaped like `model`: its own keys (and now and then a stray one), each with a
    value of the right kind or of any kind."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in model.model_fields.items():
        nested = _nested_model(field.annotation)
        if nested is not None and depth < 3:
            table = for_model(nested, depth + 1)
            is_list = "list" in str(field.annotation)
            fields[name] = st.one_of(st.lists(table, max_size=2), loose) if is_list else (
                st.one_of(table, loose)
            )
        else:
            fields[name] = loose
    keys = st.sampled_from([*fields, "unknown_key"])
    return st.lists(keys, unique=True, max_size=6).flatmap(
        lambda chosen: st.fixed_dictionaries(
            {k: fields.get(k, loose) for k in chosen}  # type: ignore[misc]
        )
    )


DOCUMENTS = for_model(Config)


def _check_accepted(config: Config) -> None:
    for spec in panel_specs(config):
        assert math.isfinite(spec.interval) and spec.interval > 0
        assert math.isfinite(spec.timeout) and spec.timeout > 0
        for measure in spec.measures:
            crit, warn = measure.threshold.crit, measure.threshold.warn
            for bound in (crit, warn):
                assert bound is None or math.isfinite(bound)
            if crit is not None and warn is not None:
                assert warn < crit


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(DOCUMENTS)
def test_any_document_gives_a_config_or_a_clean_error(tmp_path: Path, data: dict[str, Any]) -> None:
    text = toml_document(data)
    path = tmp_path / "c.toml"
    path.write_text(text, "utf-8")
    try:
        config = load_config(path)
    except ConfigError as error:
        rendered = error.render()
        assert rendered.startswith(f"cockpit: invalid config {path}\n")
        assert "\x1b" not in rendered and "\r" not in rendered
        assert len(rendered.splitlines()) <= 1 + 20 + 1
        return
    _check_accepted(config)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(DOCUMENTS)
def test_config_check_exits_0_or_2_without_a_traceback(
    tmp_path: Path, data: dict[str, Any]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml_document(data), "utf-8")
    result = CliRunner().invoke(main, ["config", "check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output


@given(st.binary(max_size=300))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_bytes_give_a_config_or_a_clean_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(raw)
    try:
        _check_accepted(load_config(path))
    except ConfigError as error:
        assert "\x1b" not in error.render()


@pytest.mark.parametrize("depth", [16, 17, 200, 5000])
def test_nesting_is_bounded_at_any_depth(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "c.toml"
    path.write_text("a = " + "[" * (depth - 1) + "]" * (depth - 1) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = caught.value.render()
    if depth <= 16:
        assert "unknown key" in message  # deep enough, but not too deep: judged as a config
    else:
        assert "more than 16 levels deep" in message
