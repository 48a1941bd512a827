"""Commands in a runbook: which text is a command (fenced, indented, inline code, after a `$ `
prompt, or a bare line starting with a known program) and its argv when it splits cleanly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from cockpit.runbooks.model import Command
from cockpit.runbooks.text import indent_of, split_argv, wordset

KNOWN_PROGRAMS = wordset(
    "kubectl helm oc k9s stern istioctl linkerd argocd flux velero curl wget http httpie psql "
    "pg_dump pg_dumpall pg_restore pg_basebackup pg_isready pgbackrest wal-g barman mysql "
    "mysqldump mysqladmin redis-cli mongo mongosh rabbitmqctl rabbitmq-diagnostics "
    "rabbitmqadmin kafka-consumer-groups kafka-consumer-groups.sh kafka-topics "
    "kafka-topics.sh nats aws gcloud gsutil az s3cmd mc rclone restic borg systemctl "
    "journalctl service supervisorctl docker podman crictl ssh scp rsync tar gzip zcat ls cat "
    "tail head less grep jq yq dig nslookup host ping nc telnet openssl df du free top ps "
    "kill pkill sudo watch date echo find xargs sed awk sort uniq wc vault consul nomad "
    "terraform make python python3 promtool amtool celery cockpit git ip ss netstat "
    "traceroute mtr"
)
SHELL_LANGUAGES = wordset(
    "sh bash shell zsh console shell-session shellsession terminal cmd powershell ps1 fish ksh"
)
_INLINE_CODE = re.compile(r"(`+)([^`\n]+?)\1")
SHELL_OPERATOR = re.compile(r"\|\||&&|[|;&<>`]|\$\(")
# Program names that are also everyday words: only a command when written as code.
_ENGLISH_PROGRAMS = wordset(
    "find watch date echo sort kill host free top make service cat head less tail ping http "
    "mc ip ss nc git tar ls du df ps wc sed awk cockpit python python3 borg flux mongo"
)
_ENGLISH_SECOND = wordset(
    "is are was were will can should must may might and or to the a an command commands "
    "output tool shows prints"
)


def looks_like_command(text: str, *, prose: bool) -> bool:
    """In code (`prose=False`) any known program starts a command. In running text only the
    unmistakable ones do, and not in a sentence: "find it: …" and "kubectl is the tool we
    use" are English, "kubectl -n shop get pods" is not."""
    words = text.split()
    if not words:
        return False
    first = PurePosixPath(words[0]).name
    if words[0].startswith("./"):
        return True
    if not prose:
        return first in KNOWN_PROGRAMS
    if first not in KNOWN_PROGRAMS or first in _ENGLISH_PROGRAMS or len(words) < 2:
        return False
    return "`" not in text and words[1].lower().rstrip(":,") not in _ENGLISH_SECOND


def make_command(
    text: str, line: int, section: str, *, inline: bool = False, lang: str = ""
) -> Command:
    text = text.strip()
    if text.startswith("$ "):
        text = text[2:].strip()
    return Command(text, split_argv(text), line, inline, lang, section)


def inline_commands(text: str, line: int, section: str) -> list[Command]:
    found = []
    for match in _INLINE_CODE.finditer(text):
        span = match.group(2).strip()
        if span.startswith("$ ") or looks_like_command(span, prose=False):
            found.append(make_command(span, line, section, inline=True))
    return found


def block_commands(body: Sequence[tuple[int, str]], lang: str, section: str) -> list[Command]:
    """Commands in a code block. A shell block gives one command per line (a trailing `\\`
    joins lines; with `$ ` prompts only prompt lines count, the rest is output). Any other
    block (SQL, YAML, PromQL) is one copyable text."""
    lines = [(no, text.rstrip()) for no, text in body]
    content = [(no, t) for no, t in lines if t.strip()]
    if not content:
        return []
    lang = lang.lower()
    first = content[0][1].strip()
    shell = lang in SHELL_LANGUAGES or (
        not lang and (first.startswith(("$ ", "# ")) or looks_like_command(first, prose=False))
    )
    if not shell or any("<<" in t for _, t in content):
        # A heredoc or a script in another language: one piece, copied as a whole.
        text = "\n".join(t for _, t in lines).strip("\n")
        return [Command(dedent(text), (), content[0][0], False, lang, section)]
    prompts = any(t.lstrip().startswith("$ ") for _, t in content)
    commands: list[Command] = []
    pending: list[str] = []
    pending_line = 0
    for no, raw in content:
        text = raw.strip()
        if not pending:
            if prompts and not text.startswith("$ "):
                continue  # output shown in the runbook, not a command
            if text.startswith("#") and not text.startswith("#!"):
                continue  # a comment
            pending_line = no
        if text.startswith("$ "):
            text = text[2:]
        if text.endswith("\\"):
            pending.append(text[:-1].rstrip())
            continue
        pending.append(text)
        commands.append(make_command(" ".join(pending), pending_line, section, lang=lang))
        pending = []
    if pending:
        commands.append(make_command(" ".join(pending), pending_line, section, lang=lang))
    return commands


def dedent(text: str) -> str:
    lines = text.split("\n")
    margin = min((indent_of(line) for line in lines if line.strip()), default=0)
    return "\n".join(line[margin:] for line in lines)
