"""Async adapters to the outside world. Nothing here imports Textual or the UI layers."""

from cockpit.sources.base import Backfilling, Clock, Source, utc_now

__all__ = ["Backfilling", "Clock", "Source", "utc_now"]
