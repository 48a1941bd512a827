"""Names, namespaces, selectors and contexts are checked as the API server checks them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.names import (
    InvalidName,
    context_name,
    label_selector,
    namespace,
    object_name,
    workload_ref,
)
from cockpit.core.safe_text import is_terminal_safe

SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (".", "'.' or '..'"),
        ("..", "'.' or '..'"),
        ("a/b", "'/'"),
        ("a%2e", "'%'"),
        ("Web", "DNS-1123 subdomain"),
        ("-web", "DNS-1123 subdomain"),
        ("web-", "DNS-1123 subdomain"),
        (" web", "DNS-1123 subdomain"),
        ("web\n", "DNS-1123 subdomain"),
        ("we;b", "DNS-1123 subdomain"),
        ("a" * 254, "DNS-1123 subdomain"),
        ("ｗｅｂ", "DNS-1123 subdomain"),
        ("", "empty"),
    ],
)
def test_bad_deployment_names_are_refused_naming_the_rule(name: str, rule: str) -> None:
    with pytest.raises(InvalidName, match=re.escape(rule)):
        object_name("deployment", name)


@pytest.mark.parametrize("name", ["web", "web-1", "web.v1", "1", "a" * 253])
def test_good_deployment_names_pass_unchanged(name: str) -> None:
    assert object_name("deployment", name) == name


def test_namespaces_are_labels_not_subdomains() -> None:
    assert namespace("shop") == "shop"
    with pytest.raises(InvalidName, match="DNS-1123 label"):
        namespace("shop.eu")
    with pytest.raises(InvalidName, match="DNS-1123 label"):
        namespace("a" * 64)


def test_services_must_start_with_a_letter() -> None:
    with pytest.raises(InvalidName, match="DNS-1035"):
        object_name("service", "1web")


@given(st.text(max_size=300))
def test_any_text_is_accepted_exactly_when_the_api_server_rule_holds(name: str) -> None:
    expected = (
        0 < len(name) <= 253
        and name not in (".", "..")
        and SUBDOMAIN.fullmatch(name) is not None
        and name.isascii()
    )
    try:
        assert object_name("deployment", name) == name
        accepted = True
    except InvalidName as error:
        accepted = False
        assert is_terminal_safe(str(error)), "an error message must never carry raw controls"
    assert accepted == expected


def test_workload_references() -> None:
    assert workload_ref("deploy/web") == ("deployment", "web")
    assert workload_ref("Deployments.apps/web") == ("deployment", "web")
    assert workload_ref("sts/db-0") == ("statefulset", "db-0")
    for bad in ("web", "deploy/", "deploy/.", "deploy/a/b", "pod/web", "deploy/Web"):
        with pytest.raises(InvalidName):
            workload_ref(bad)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("app=web", "app=web"),
        ("app==web", "app=web"),
        (" app = web , tier != db ", "app=web,tier!=db"),
        ("env in (prod, qa)", "env in (prod,qa)"),
        ("env notin (qa)", "env notin (qa)"),
        ("canary", "canary"),
        ("!canary", "!canary"),
        ("generation>3", "generation>3"),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
        ("app=", "app="),
    ],
)
def test_selectors_kubectl_accepts(text: str, canonical: str) -> None:
    assert str(label_selector(text)) == canonical


@pytest.mark.parametrize(
    "text",
    ["((((", "a=b=c", "env in ()", "env in (a", "a,", ",a", "a b", "!", "=a", "k>x",
     "-app=web", "app=-web", "Example.com/app=web", "a" * 64 + "=b", "app=web\n", "a in b"],
)
def test_selectors_kubectl_refuses(text: str) -> None:
    with pytest.raises(InvalidName, match="invalid label selector"):
        label_selector(text)


@given(st.text(max_size=80))
def test_a_selector_either_parses_to_a_fixed_point_or_is_refused(text: str) -> None:
    try:
        parsed = label_selector(text)
    except InvalidName as error:
        assert is_terminal_safe(str(error))
        return
    assert label_selector(str(parsed)) == parsed


def test_context_names_allow_provider_spellings_but_no_controls() -> None:
    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    assert context_name(arn) == arn
    for bad in ("", "prod\x1b]0;x\x07", "a\nb", "x" * 1025):
        with pytest.raises(InvalidName):
            context_name(bad)
