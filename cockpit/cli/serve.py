"""The `cockpit serve` command: the cockpit in a browser tab (see cockpit.serve.server)."""

from __future__ import annotations

import sys
from typing import Any

import click

from cockpit.cli.exits import config_failure, failure
from cockpit.config.schema import THEME_NAMES, ConfigError, load_config, resolve_config_path

# cockpit.serve.server (aiohttp, textual-serve, jinja2) is imported only when `serve` runs:
# `cockpit`
# imports this module at start-up, and the dashboard's first frame must not pay for a web server.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8566
# Each session is a whole `cockpit` process (about 60 MiB resident, a share of a core while it
# redraws): 8 covers an incident's watchers on a small VM; the ceiling catches a typo.
DEFAULT_MAX_SESSIONS = 8
MAX_SESSIONS_CEILING = 256
# A demo session holds 50-70 MiB of data segment (58 MiB resident at 120 × 40, 62 MiB at the
# largest size, 500 × 200); a cluster with big lists needs more. 512 MiB leaves room for that
# and stops a runaway session long before it starves the machine; 128 MiB is the least a
# session is allowed, with some room above what one needs to start.
DEFAULT_SESSION_MEMORY_MIB = 512
MIN_SESSION_MEMORY_MIB = 128
MAX_SESSION_MEMORY_MIB = 65536
MIB = 1024 * 1024


def _port(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if not 0 <= value <= 65535:
        raise click.BadParameter("must be 0-65535 (0 picks a free port)")
    return value


def _public_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://")
    return value


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=int,
    default=DEFAULT_PORT,
    show_default=True,
    callback=_port,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--allow-actions",
    is_flag=True,
    help="Let browser sessions scale, restart and roll back (default: read-only).",
)
@click.option("--demo", is_flag=True, default=None, help="Serve the simulated incident.")
@click.option("--config", "config_path", metavar="FILE", default=None, help="Config file (TOML).")
@click.option("--theme", type=click.Choice(THEME_NAMES), default=None, help="Colour theme.")
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    callback=_public_url,
    help="Address browsers use, when it is not http://HOST:PORT (a reverse proxy, "
    "a tunnel on another port). Websockets from other origins are refused.",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(min=1, max=MAX_SESSIONS_CEILING),
    default=DEFAULT_MAX_SESSIONS,
    show_default=True,
    help="Browser sessions at once (each runs a cockpit); one more is answered 503.",
)
@click.option(
    "--session-memory",
    "session_memory_mib",
    type=click.IntRange(min=MIN_SESSION_MEMORY_MIB, max=MAX_SESSION_MEMORY_MIB),
    default=DEFAULT_SESSION_MEMORY_MIB,
    show_default=True,
    metavar="MIB",
    help="Memory each session may use (MiB of data); a session over it ends, alone.",
)
@click.pass_context
def serve_command(
    ctx: click.Context,
    host: str,
    port: int,
    allow_actions: bool,
    demo: bool | None,
    config_path: str | None,
    theme: str | None,
    public_url: str | None,
    max_sessions: int,
    session_memory_mib: int,
) -> None:
    """Serve the cockpit to web browsers; each browser tab runs its own `cockpit`.

    \b
    Prints one URL; it carries a random access token, and requests without it are refused.
    Sessions are read-only unless --allow-actions. Listens on 127.0.0.1 unless --host says
    otherwise; from another machine, use an SSH tunnel:
      ssh -L 8566:127.0.0.1:8566 HOST     then open the printed URL locally
    """
    from cockpit.serve import server as serving
    from cockpit.serve.sessions import MEMORY_LIMIT_SUPPORTED, SessionLimits

    # Options given on the group (`cockpit --demo serve`) count as well, as for `snapshot`.
    group: dict[str, Any] = dict(ctx.obj or {})
    demo = demo if demo is not None else group.get("demo")
    config_path = config_path or group.get("config_path")
    theme = theme or group.get("theme")
    if allow_actions and group.get("read_only"):
        raise click.UsageError("--read-only and --allow-actions contradict each other")
    if serving.is_wildcard(host) and public_url is None:
        raise click.UsageError(
            f"--host {host} listens on every interface, so the address browsers will use "
            "cannot be known; add --public-url http://NAME:PORT (websockets are only accepted "
            "from that origin)."
        )
    resolved_config: str | None = None
    if not demo:
        # Check the config once, here, rather than let every browser tab fail on its own.
        path = resolve_config_path(config_path)
        try:
            load_config(path)
        except ConfigError as error:
            config_failure(error)
        # An absolute path: sessions then read the file that was checked, whatever their cwd.
        resolved_config = str(path.resolve())
    argv = serving.cockpit_argv(
        allow_actions=allow_actions,
        demo=bool(demo),
        config_path=resolved_config,
        theme=theme,
        refresh=group.get("refresh"),
        context=group.get("context"),
        namespace=group.get("namespace"),
        db_path=group.get("db_path"),
        debug=bool(group.get("debug")),
    )
    for warning in serving.opt_in_warnings(host, allow_actions):
        click.echo(warning, err=True)
    if not MEMORY_LIMIT_SUPPORTED:
        click.echo(
            "warning: this system has no prlimit: --session-memory cannot be enforced.", err=True
        )
    limits = SessionLimits(max_sessions=max_sessions, memory_bytes=session_memory_mib * MIB)
    settings = serving.ServeSettings(
        argv=tuple(argv), host=host, port=port, limits=limits, public_url=public_url
    )
    mode = "actions ALLOWED" if allow_actions else "read-only"

    def ready(url: str) -> None:
        click.echo(f"cockpit serve: {mode}; open this URL (Ctrl+C stops):", err=True)
        # The only line on stdout, printed once: the URL with the access token.
        click.echo(url)
        sys.stdout.flush()

    try:
        sock = serving.bind(host, port)
    except OSError as error:
        raise failure(f"cannot listen on {host}:{port}: {error.strerror}") from None
    serving.run(settings, on_ready=ready, sock=sock, debug=bool(group.get("debug")))


def register(main: click.Group) -> None:
    """Add `serve` to the `cockpit` group."""
    main.add_command(serve_command)


if __name__ == "__main__":
    # `python -m cockpit.cli.serve`: the command alone, as scripts/serve_screenshot.py runs it.
    serve_command()
