"""Which runbook section each panel and alert opens, worked out from the config: the
configured link if it resolves, else the best match. A link that resolves to nothing is
reported (at start-up in the cockpit, and by `cockpit runbook check`) instead of silently
falling back to a guess."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.config.schema import Config, CustomMetric
from cockpit.runbooks.match import SectionMatch, find_section, match_section
from cockpit.runbooks.model import Runbook


def runbook_dirs(dirs: Sequence[str], config_path: Path | None) -> list[Path]:
    """Relative directories are read from the config file's directory, like `--config`
    users expect, not from wherever the cockpit was started."""
    base = config_path.parent if config_path is not None else Path.cwd()
    out = []
    for text in dirs:
        path = Path(text).expanduser()
        out.append(path if path.is_absolute() else base / path)
    return out


@dataclass(frozen=True, slots=True)
class LinkTarget:
    key: str  # the config key: "panels.latency.runbook", "runbooks.alerts.HighLatency"
    link: str  # as configured; "" when the section is matched
    match: SectionMatch | None

    @property
    def broken(self) -> bool:
        return bool(self.link) and self.match is None


def panel_keywords(config: Config, panel: str) -> list[str]:
    """Words that say what a panel measures beyond its id: a custom metric's name and title."""
    settings = dict(config.panels.configured()).get(panel)
    if isinstance(settings, CustomMetric):
        return [settings.name.replace("_", " "), settings.title]
    return []


def panel_link(config: Config, panel: str) -> str:
    settings = dict(config.panels.configured()).get(panel)
    return settings.runbook if settings is not None else ""


def link_targets(config: Config, runbooks: Sequence[Runbook]) -> list[LinkTarget]:
    """Every enabled panel and every configured alert link, with what it opens."""
    targets = []
    for panel, settings in config.panels.configured():
        if not settings.enabled:
            continue
        key = (
            f"panels.custom.{settings.name}.runbook"
            if isinstance(settings, CustomMetric)
            else f"panels.{panel}.runbook"
        )
        if settings.runbook:
            targets.append(
                LinkTarget(key, settings.runbook, find_section(runbooks, settings.runbook))
            )
        else:
            found = match_section(runbooks, panel, panel_keywords(config, panel))
            targets.append(LinkTarget(key, "", found))
    for alertname, link in config.runbooks.alerts.items():
        targets.append(
            LinkTarget(f"runbooks.alerts.{alertname}", link, find_section(runbooks, link))
        )
    return targets


def broken_links(config: Config, runbooks: Sequence[Runbook]) -> list[str]:
    """One line per configured link that opens nothing, worded for the person fixing it."""
    lines = []
    for target in link_targets(config, runbooks):
        if target.broken:
            lines.append(
                f"{target.key} = {target.link!r} matches no runbook section "
                "(`cockpit runbook show FILE` lists the anchors)"
            )
    return lines
