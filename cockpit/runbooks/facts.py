"""Facts in a runbook's prose: SLO statements ("p95 < 300ms", "RPO 12h"), health endpoints,
severity definitions, escalation contacts and phase time boxes ("triage 5 min"). Each finder
takes one line and returns what it recognised; none raises."""

from __future__ import annotations

import re
from typing import Any

from cockpit.incident.phases import Phase
from cockpit.runbooks.headings import TABLE_RULE
from cockpit.runbooks.model import Contact, HealthEndpoint, PhaseBox, SeverityDef, SloStatement
from cockpit.runbooks.text import clean_inline, to_seconds

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_TIME_WORDS = r"ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?"
_TIME_UNIT = rf"(?P<unit>{_TIME_WORDS})"
_FILLER = r"(?:[\s:()|\-–—=]|\b(?:should|must|stays?|be|is|are|remains?|kept|to|always|not)\b)*"
_LT = r"<=|≤|<|under|below|less than|lower than|at most|no more than|not exceed|within|max"
_GT = r">=|≥|>|above|over|exceeds?|greater than|more than|at least|min"
_CMP = rf"(?P<op>{_LT}|{_GT}|=|:|of|is|at)"
_LATENCY = re.compile(
    r"(?:latency\s+)?\b(?P<metric>p(?:50|90|95|99)|(?:50|90|95|99)(?:th)? percentile|median)"
    r"\b\)?(?:\s+[A-Za-z-]+){0,2}?"
    rf"{_FILLER}(?:{_CMP}\s*)?{_NUMBER}\s*{_TIME_UNIT}\b",
    re.IGNORECASE,
)
_ERROR_RATE = re.compile(
    r"\b(?P<metric>error[- ]rate|error ratio|5xx(?: rate| ratio| share)?|failure rate|"
    r"http 5xx|errors)\b"
    rf"{_FILLER}{_CMP}\s*{_NUMBER}\s*(?P<pct>%|percent)?",
    re.IGNORECASE,
)
_QUEUE = re.compile(
    r"\b(?P<metric>queue[- ](?:depth|length|size)|backlog|consumer lag|messages ready|"
    r"ready messages|unacked messages|queue)\b"
    rf"{_FILLER}{_CMP}\s*{_NUMBER}\s*(?P<mult>[kKmM]\b)?(?!\s*(?:{_TIME_WORDS})\b)",
    re.IGNORECASE,
)
_RECOVERY = re.compile(
    r"\b(?P<metric>RPO|RTO|backup age|last (?:successful )?backup|backups? older than)\b"
    # "RPO for this database is 5 min": a few words may name what the objective is for.
    r"(?:\s+(?:for|of)(?:\s+[A-Za-z][\w-]*){1,3}?)?"
    rf"{_FILLER}(?:{_CMP}\s*)?{_NUMBER}\s*{_TIME_UNIT}\b",
    re.IGNORECASE,
)
_AVAILABILITY = re.compile(
    r"\b(?P<metric>availability|uptime|success rate)\b"
    rf"{_FILLER}(?:{_CMP}\s*)?(?P<num>\d{{2,3}}(?:\.\d+)?)\s*%",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s`'\"<>)\]|]+")
# Path segments that name a health check. A URL may also end in "/status" or "/alive"; a bare
# path in prose has to say it more plainly.
_HEALTH_WORDS = (
    r"healthz?|health-?check|ready|readyz|livez?|liveness|readiness|ping|_health|heartbeat"
)
_HEALTH_PATH = re.compile(
    rf"/(?:{_HEALTH_WORDS}|status|_status|alive)(?:[/?#]|\b|$)", re.IGNORECASE
)
_BARE_PATH = re.compile(
    rf"(?<![\w/.:-])(/(?:[\w.-]+/)*(?:{_HEALTH_WORDS}))\b(?![/.\w])", re.IGNORECASE
)
_STATUS_WORDS = re.compile(r"return|respond|expect|status|code|http|\bok\b|→|->|=", re.I)
_STATUS = re.compile(r"(?<![:/.\w-])([1-5][0-9]{2})(?![\w.%-])")
_TCP = re.compile(r"\btcp\b\D{0,20}?(\[[0-9a-fA-F:]+\]:\d{2,5}|[A-Za-z0-9][\w.-]*:\d{2,5})\b", re.I)
_SEVERITY = re.compile(
    r"^[\s|>*_#-]*(?:\*\*|__)?(?P<lvl>sev(?:erity)?[\s-]?[0-5]|p[0-5]|s[0-5])(?:\*\*|__)?"
    r"\s*(?P<note>\([^)]*\))?\s*(?:[:\-–—|=)]|\s(?=[A-Z]))\s*(?P<text>\S.*)$",
    re.IGNORECASE,
)
_PHASE_WORD = (
    r"detect(?:ion|ed)?|ack(?:nowledge(?:ment)?)?|triage|diagnos(?:e|is|tics?)|"
    r"investigat(?:e|ion)|mitigat(?:e|ion|ing)|communicat(?:e|ion|ions)|comms|"
    r"status updates?|post-?mortem|post-incident review|retro(?:spective)?|pir"
)
# A time box's length: "5 min", "2 business days".
_BOX_LENGTH = (
    r"(?P<num>\d+(?:\.\d+)?)\s*(?:business |working )?"
    r"(?P<unit>ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\b"
)
_PHASE_BOX = re.compile(
    rf"\b(?P<phase>{_PHASE_WORD})\b(?P<between>[^\n\d.;]{{0,40}}?){_BOX_LENGTH}", re.IGNORECASE
)
_BOX_LINE = re.compile(
    r"(?:time[- ]?box(?:ed)?|budget|spend (?:at most|no more than)|max(?:imum)?|within|up to)"
    rf"\D{{0,15}}?{_BOX_LENGTH}",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@/#&])[@#][A-Za-z0-9][\w.-]*[\w]")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ().-]{7,}\d(?![\w])")
_PAGER = re.compile(r"\b(pagerduty|opsgenie|pd|victorops|squadcast)\b\s*[:=]?\s*([\w.-]+)", re.I)
_AFTER = re.compile(
    r"\b(?:after|if no (?:ack|answer|response)[\w ]{0,10}?(?:in|within|after))\s+"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b",
    re.I,
)
CONTACT_TITLE = re.compile(
    r"^\W*(?:\w+\s+){0,2}(?:contacts?|escalations?|on-?call|owners?|who to (?:page|call)|"
    r"paging|people|support)\b",
    re.I,
)
CONTACT_WORDS = re.compile(r"escalat|\bpage\b|contact|owner|on-?call|reach|\bping\b", re.I)
PROCEDURAL = re.compile(
    r"step|procedure|playbook|checklist|triage|mitigat|diagnos|investigat|respon|remediat|"
    r"recover|restor|roll ?back|\bfix|what to do|action|resolution|resolv|verif|how to|"
    r"immediate|first|workaround|failover|drain|restart|scale|check|re-?run",
    re.I,
)
REFERENCE = re.compile(
    r"contact|owner|escalat|severit|\bslos?\b|service level|objective|glossar|reference|"
    r"\blinks?\b|dashboards?|about|overview|background|architecture|dependenc|summary|"
    r"metadata|history|changelog|see also|time ?box|phases",
    re.I,
)


def _op(word: str | None) -> str:
    if word and re.fullmatch(_GT, word.strip(), re.IGNORECASE):
        return ">"
    return "<"


def find_slos(text: str, line: int, section: str) -> list[SloStatement]:
    found: list[SloStatement] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], metric: str, op: str, value: float, unit: str) -> None:
        span = match.span()
        if any(s < span[1] and span[0] < e for s, e in taken):
            return  # "p95 latency" and "latency" both matched the same words
        taken.append(span)
        found.append(SloStatement(metric, op, value, unit, match.group(0).strip(), line, section))

    for m in _LATENCY.finditer(text):
        word = m.group("metric").lower()
        number = re.search(r"\d+", word)
        metric = "p50" if word == "median" else f"p{number.group(0) if number else 50}"
        add(m, metric, _op(m.group("op")), to_seconds(m.group("num"), m.group("unit")), "seconds")
    for m in _RECOVERY.finditer(text):
        word = m.group("metric").lower()
        metric = word if word in ("rpo", "rto") else "backup_age"
        add(m, metric, "<", to_seconds(m.group("num"), m.group("unit")), "seconds")
    for m in _AVAILABILITY.finditer(text):
        add(m, "availability", ">", float(m.group("num")) / 100, "ratio")
    for m in _ERROR_RATE.finditer(text):
        value = float(m.group("num").replace(",", ""))
        if m.group("pct"):
            value /= 100
        elif value > 1:
            continue  # "errors: 500" is a count or a status code, not a rate
        add(m, "error_rate", _op(m.group("op")), value, "ratio")
    for m in _QUEUE.finditer(text):
        value = float(m.group("num").replace(",", ""))
        mult = (m.group("mult") or "").lower()
        value *= {"k": 1e3, "m": 1e6}.get(mult, 1)
        add(m, "queue_depth", _op(m.group("op")), value, "count")
    return sorted(found, key=lambda s: text.find(s.text))


def find_endpoints(text: str, line: int, section: str, prose: bool) -> list[HealthEndpoint]:
    # (position, target) of every endpoint on the line; the status code that belongs to one
    # is the first after it and before the next ("/healthz returns 200; /ready 204").
    spots: list[tuple[int, int, str]] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:")
        path = url.split("://", 1)[-1]
        if "/" in path and _HEALTH_PATH.search(path[path.find("/") :]):
            spots.append((match.start(), match.end(), url))
    blanked = _URL.sub(lambda m: " " * len(m.group(0)), text)
    if prose:
        spots += [(m.start(1), m.end(1), m.group(1)) for m in _BARE_PATH.finditer(blanked)]
    spots.sort()
    found = []
    for n, (_, end, target) in enumerate(spots):
        stop = spots[n + 1][0] if n + 1 < len(spots) else len(text)
        status = None
        if _STATUS_WORDS.search(text):
            match = _STATUS.search(blanked, end, stop)
            status = int(match.group(1)) if match else None
        found.append(HealthEndpoint("http", target, line, status, section))
    if prose:
        for match in _TCP.finditer(text):
            found.append(HealthEndpoint("tcp", match.group(1), line, None, section))
    return found


def parse_severity(text: str, line: int, section: str) -> SeverityDef | None:
    match = _SEVERITY.match(text)
    if not match:
        return None
    raw = re.sub(r"[\s-]", "", match.group("lvl")).upper().replace("SEVERITY", "SEV")
    body = clean_inline(match.group("text").strip(" |"))
    body = re.sub(r"\s*\|\s*", " — ", body)
    if match.group("note"):
        body = f"{match.group('note')} {body}"
    if len(body) < 3:
        return None
    return SeverityDef(raw, body, line, section)


def find_phase_boxes(
    text: str, line: int, section: str, title_phase: Phase | None
) -> list[PhaseBox]:
    found = []
    for match in _PHASE_BOX.finditer(text):
        phase = Phase.parse(match.group("phase"))
        if phase is None:
            continue
        repeat = "every" in match.group("between").lower()
        seconds = to_seconds(match.group("num"), match.group("unit"))
        found.append(PhaseBox(phase, seconds, match.group(0).strip(), line, repeat, section))
    if not found and title_phase is not None:
        # "## Triage" then "Time box: 10 minutes" in its body.
        box = _BOX_LINE.search(text)
        if box:
            seconds = to_seconds(box.group("num"), box.group("unit"))
            repeat = "every" in text.lower()
            found.append(
                PhaseBox(title_phase, seconds, box.group(0).strip(), line, repeat, section)
            )
    return found


def _channels(text: str, *, urls: bool) -> tuple[list[str], str]:
    """Ways to reach someone in `text`, and the text with them taken out."""
    found: list[str] = []

    def take(pattern: re.Pattern[str], render: Any = None) -> None:
        nonlocal text
        for match in pattern.finditer(text):
            found.append(render(match) if render else match.group(0).strip().rstrip(".,;"))
        text = pattern.sub(" ", text)

    take(_EMAIL)
    take(_PAGER, lambda m: f"{m.group(1).lower()}:{m.group(2)}")
    if urls:
        take(_URL)
    take(_HANDLE)
    phones = [p for p in _PHONE.findall(text) if sum(c.isdigit() for c in p) >= 8]
    for phone in phones:
        found.append(phone.strip())
        text = text.replace(phone, " ")
    return found, text


def parse_contact(text: str, line: int, section: str, *, in_contacts: bool) -> Contact | None:
    plain = clean_inline(text).strip()
    if not plain or TABLE_RULE.match(plain):
        return None
    channels, _ = _channels(plain, urls=in_contacts)
    if not in_contacts and not (channels and CONTACT_WORDS.search(plain)):
        return None
    if plain.startswith("|"):
        cells = [c.strip() for c in plain.strip("|").split("|")]
        if all(not c or c.lower() in ("role", "who", "name", "contact", "how") for c in cells):
            return None
        role, name = cells[0], " ".join(cells[1:])
    else:
        parts = re.split(r"\s*(?::|\s[-–—]\s)\s*", plain, maxsplit=1)
        role, name = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    _, name = _channels(name, urls=True)
    name = re.sub(r"\b(?:pagerduty|opsgenie|slack|email|phone|tel)\b\s*:?", " ", name, flags=re.I)
    name = re.sub(r"<\s*>|[()\[\],;|]+", " ", name)
    name = re.sub(r"\s+", " ", name).strip(" -–—:")
    if not (channels or name):
        return None
    after = _AFTER.search(plain)
    after_s = to_seconds(after.group("num"), after.group("unit")) if after else None
    return Contact(
        role.strip(" *:"), name, tuple(dict.fromkeys(channels)), line, plain, after_s, section
    )
