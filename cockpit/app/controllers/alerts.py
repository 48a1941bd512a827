"""Firing and resolved alerts, written to the incident record one entry per change.

The first read after a start, a restart or a newly attached incident is compared with what the
record last saw rather than with nothing, so a restart records no alert twice and one that fired
or resolved meanwhile is caught up. Only successful reads count.
"""

from __future__ import annotations

from datetime import datetime

from cockpit.app.controllers.host import KeepsRecord
from cockpit.core.model import FiringAlert, Reading, alert_changes
from cockpit.incident.recorder import Recorder


class AlertRecords:
    """Turns the alerts panel's readings into timeline entries; needs only the record."""

    def __init__(self, host: KeepsRecord) -> None:
        self._host = host
        # What the last successful read saw firing; None before the first one.
        self.seen: tuple[FiringAlert, ...] | None = None
        # The incident whose record the alerts were last reconciled with.
        self._reconciled_for: str | None = None

    def reading_arrived(self, reading: Reading) -> None:
        # Only successful reads count: a failed one has no alerts and would "resolve" them all.
        if reading.error is not None or not isinstance(reading.detail, tuple):
            return
        current = tuple(a for a in reading.detail if isinstance(a, FiringAlert))
        previous, self.seen = self.seen, current
        recorder = self._host.recorder
        if recorder is None or recorder.incident is None:
            return
        if self._reconciled_for != recorder.incident.id:
            # First read for this incident (a start, a restart, a newly declared incident):
            # compare with what the record last saw rather than with nothing, so a restart
            # records no alert again and one that fired or resolved meanwhile is caught up.
            self._reconciled_for = recorder.incident.id
            self._host.write_in_background(
                self._reconcile_alerts(recorder, previous or (), current, reading.observed_at),
                "alerts",
            )
            return
        if previous is None:
            return
        new, resolved = alert_changes(previous, current)
        for alert in new:
            self._host.write_in_background(
                self._record_alert(recorder, alert, "firing", alert.starts_at), "an alert"
            )
        for alert in resolved:
            self._host.write_in_background(
                self._record_alert(recorder, alert, "resolved", reading.observed_at), "an alert"
            )

    async def _reconcile_alerts(
        self,
        recorder: Recorder,
        seen_before: tuple[FiringAlert, ...],
        current: tuple[FiringAlert, ...],
        at: datetime,
    ) -> None:
        # Firing, as far as anyone knows: what the record last saw firing, plus what this
        # cockpit saw before the incident was open to it. Whatever of that is not firing now
        # resolved meanwhile; whatever fires now and is not in the record is new to it.
        firing = await recorder.firing_alerts()
        known = {a.fingerprint: a for a in (*seen_before, *current)}
        for alert in (*seen_before, *current):
            if alert.fingerprint not in firing:
                await self._record_alert(recorder, alert, "firing", alert.starts_at)
                firing.add(alert.fingerprint)
        now_firing = {a.fingerprint for a in current}
        for fingerprint in sorted(firing - now_firing):
            alert = known.get(fingerprint)
            if alert is not None:
                await self._record_alert(recorder, alert, "resolved", at)
            else:
                await recorder.record_alert(
                    "resolved",
                    f"Alert resolved: {fingerprint} (not firing when the cockpit looked again)",
                    {"state": "resolved", "fingerprint": fingerprint},
                    at,
                )

    @staticmethod
    async def _record_alert(
        recorder: Recorder, alert: FiringAlert, word: str, at: datetime
    ) -> None:
        text = f"Alert {word}: {alert.name} ({alert.severity})"
        if alert.summary:
            text += f" — {alert.summary}"
        data = {
            "state": word,
            "alertname": alert.name,
            "severity": alert.severity,
            "fingerprint": alert.fingerprint,
            "labels": dict(alert.labels),
            "starts_at": alert.starts_at.isoformat(),
        }
        await recorder.record_alert(word, text, data, at)
