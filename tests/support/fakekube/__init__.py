"""A fake Kubernetes API server for tests (see `server.py`) and object builders."""

from tests.support.fakekube.objects import pod, rfc3339
from tests.support.fakekube.server import (
    RESOURCES,
    ApiError,
    FakeKube,
    ResourceType,
    Store,
    kubeconfig,
    parse_selector,
    status_object,
)

__all__ = [
    "RESOURCES",
    "ApiError",
    "FakeKube",
    "ResourceType",
    "Store",
    "kubeconfig",
    "parse_selector",
    "pod",
    "rfc3339",
    "status_object",
]
