"""What one run of the cockpit is: the `Runtime` settled from config and flags, and the
`SourceSet` of live sources built for it (by `cockpit.runtime.wiring`, each source by its panel
kind's factory in `cockpit.runtime.panel_sources`, which needs both types)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config.schema import Config, PanelSpec, demo_config, panel_specs
from cockpit.core.mitigation import ClusterActions
from cockpit.sources.base import Clock, Source, utc_now

if TYPE_CHECKING:
    from cockpit.sources.demo.simulation import DemoClock, DemoWorld


@dataclass
class Runtime:
    """Everything the app and `snapshot` need, settled from config and command-line flags."""

    config: Config
    specs: list[PanelSpec]
    demo: bool = False
    read_only: bool = False
    theme: str = "cockpit-dark"
    context: str = ""
    namespace: str = "default"
    config_path: Path | None = None
    clock: Clock = utc_now
    debug: bool = False
    # The timeline file; None means the default under the user data dir. The demo, unless given
    # a file, keeps its incident in a throwaway file so it never mixes with real incidents.
    timeline_path: Path | None = None
    timeline_throwaway: bool = False
    # False when the namespace is only the built-in "default": then, as with kubectl, the
    # kubeconfig context's namespace is the one meant (see `effective_where`).
    namespace_chosen: bool = True

    @property
    def production(self) -> bool:
        """Actions here need the object's name typed, not just `y`."""
        return self.production_for(self.context)

    def production_for(self, context: str) -> bool:
        """Whether `context` (e.g. the kubeconfig's current one) is a production context."""
        patterns = self.config.cockpit.production_contexts
        return any(fnmatch.fnmatchcase(context, p) for p in patterns)

    @classmethod
    def build(
        cls,
        config: Config,
        *,
        demo: bool = False,
        config_path: Path | None = None,
        read_only: bool | None = None,
        theme: str | None = None,
        refresh: float | None = None,
        context: str | None = None,
        namespace: str | None = None,
        clock: Clock = utc_now,
        debug: bool = False,
        db: str | Path | None = None,
    ) -> Runtime:
        settings = config.cockpit
        db_text = str(db) if db else config.timeline.db
        return cls(
            config=config,
            specs=panel_specs(config, refresh),
            demo=demo,
            read_only=settings.read_only if read_only is None else read_only,
            theme=theme or settings.theme,
            context=context if context is not None else settings.context,
            namespace=namespace or settings.namespace,
            namespace_chosen=bool(namespace) or "namespace" in settings.model_fields_set,
            config_path=config_path,
            clock=clock,
            debug=debug,
            timeline_path=Path(db_text).expanduser() if db_text else None,
            timeline_throwaway=demo and not db_text,
        )

    @classmethod
    def for_demo(cls, clock: Clock = utc_now, **flags: object) -> Runtime:
        return cls.build(demo_config(), demo=True, clock=clock, **flags)  # type: ignore[arg-type]



@dataclass
class SourceSet:
    """The live sources of one run, each with its panel's spec, and what the app acts through."""

    sources: list[tuple[Source, PanelSpec]] = field(default_factory=list)
    # The simulated world and its clock, when any panel is a demo one.
    world: DemoWorld | None = None
    demo_clock: DemoClock | None = None
    # Scale / restart / rollback for the workloads on screen, if any panel shows them.
    actions: ClusterActions | None = None

    def incident_started(self) -> datetime | None:
        if self.world is None or self.demo_clock is None:
            return None
        from cockpit.sources.demo.simulation import demo_incident_start

        return demo_incident_start(self.world, self.demo_clock)

    async def aclose(self) -> None:
        for source, _ in self.sources:
            await source.aclose()
