"""The one walk along an exception's causes, shared by every adapter that words a failure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.causes import CHAIN_LIMIT, causes


def _chain(links: list[tuple[str, bool]]) -> list[BaseException]:
    """Exceptions linked outermost first, each to the next by `__cause__` (raise … from) or
    by `__context__` (raised while handling)."""
    errors: list[BaseException] = [ValueError(name) for name, _ in links]
    for (_, explicit), outer, inner in zip(links, errors, errors[1:], strict=False):
        if explicit:
            outer.__cause__ = inner
        else:
            outer.__context__ = inner
    return errors


@given(st.lists(st.tuples(st.text(max_size=3), st.booleans()), min_size=1, max_size=40))
def test_the_walk_goes_inward_through_both_links(links: list[tuple[str, bool]]) -> None:
    errors = _chain(links)
    assert list(causes(errors[0])) == errors[:CHAIN_LIMIT]


def test_an_explicit_cause_wins_over_the_context() -> None:
    outer, cause, context = OSError("outer"), ConnectionRefusedError(), TimeoutError()
    outer.__cause__ = cause
    outer.__context__ = context
    assert list(causes(outer)) == [outer, cause]


def test_a_chain_that_loops_back_ends() -> None:
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__cause__ = second
    second.__context__ = first
    assert list(causes(first)) == [first, second]
