"""The chain behind an exception, for code that words a failure for a person.

Client libraries wrap the error that says what happened: httpx wraps the OS error in a
`ConnectError` (and anyio adds "All connection attempts failed" on top), the Kubernetes client
wraps urllib3's, which wraps the socket's. The useful words ("connection refused", the
certificate verifier's reason) are on an inner exception, so every adapter walks the chain the
same way, here.
"""

from __future__ import annotations

from collections.abc import Iterator

# Far deeper than any real wrapping (three or four levels); a bound all the same, because the
# chain is made of objects a library built and nothing forbids a very long one.
CHAIN_LIMIT = 32


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it was raised from (`__cause__`) or while handling (`__context__`),
    and so on inward; each exception once, so a chain that loops back ends."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < CHAIN_LIMIT:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


__all__ = ["CHAIN_LIMIT", "causes"]
