"""Deterministic generator for the dashboard's sample helpdesk exports.

Why this exists: the SLA dashboard needs realistic input to demo, test and
benchmark against, but real helpdesk exports contain customer data and can
never be committed.  This script fabricates look-alike Zendesk and Freshdesk
CSV exports (plus a CSAT survey export and an outage log) covering
2025-10-01 00:00 UTC through 2026-11-20, with patterns worth charting:
office-hours arrivals, gently growing volume, priority-dependent log-normal
response times, one noticeably slower team per helpdesk, ticket spikes during
outages and a visible improvement in the last quarter.

Everything derives from ``numpy.random.default_rng(20251)`` and fixed dates
(never today's date) and uses only the standard library, numpy and pandas, so
``python sample_data/generate.py`` rewrites every file byte-identically.

``write_freshdesk_csv(path, n_rows, seed=...)`` streams arbitrarily large
Freshdesk exports in vectorised chunks with modest memory; the benchmark uses
it to build a 1,000,000-row file.  All names, companies and e-mail addresses
are fictional (e-mails live under the reserved example.com domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20251
HERE = Path(__file__).resolve().parent
STREAM_CHUNK_ROWS = 100_000

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"  # helpdesk exports: UTC, no offset
MINUTE = 60
HOUR = 3600
DAY = 86_400


def _epoch_seconds(iso: str) -> int:
    return int(np.datetime64(iso, "s").astype(np.int64))


RANGE_START = _epoch_seconds("2025-10-01T00:00:00")
EXPORT_TIME = _epoch_seconds("2026-11-21T00:00:00")  # data runs through 2026-11-20
IMPROVEMENT_START = _epoch_seconds("2026-08-01T00:00:00")
IMPROVEMENT_FULL = _epoch_seconds("2026-09-15T00:00:00")
MAX_RESOLUTION = 20 * DAY  # stale tickets get auto-solved, so opens are recent
BACKLOG_SHARE_NEWEST = 0.95  # chance a just-created ticket is still unsolved at export
BACKLOG_DECAY = 28 * DAY  # ...fading with age, so ~4 % of all tickets are open
BACKLOG_UNANSWERED_SHARE = 0.08  # of those, still waiting for a first reply
ZENDESK_AUTO_CLOSE = 4 * DAY

ZENDESK_ROWS = 6_000
FRESHDESK_ROWS = 4_000
CSAT_ROWS = 2_500
OUTAGE_ROWS = 40

# --------------------------------------------------------------------------
# Fictional people and companies
# --------------------------------------------------------------------------

FIRST_NAMES = (
    "Jamie Alex Sam Taylor Jordan Morgan Casey Riley Avery Quinn Harper Rowan "
    "Priya Arjun Mei Hiro Lena Jonas Sofia Mateo Amara Kofi Noor Omar Ingrid "
    "Lars Chloe Theo Maya Elias Nina Felix Aisha Ravi Elena Marco Hannah Lucas "
    "Grace Owen Leila Tariq Yuki Kenji Clara Emil Freya Diego"
).split()
LAST_NAMES = (
    "Park Smith Nguyen Garcia Muller Rossi Kowalski Jensen Okafor Haddad Tanaka "
    "Silva Novak Larsen Dubois Patel Kim Becker Moreau Fischer Ivanova Brennan "
    "Costa Weber Lindgren Sato Ahmed Walsh Fontaine Reyes Bauer Meyer Chen Ortiz "
    "Hughes Shah Nakamura Andersen Romero Keller Byrne Varga Holm Ibrahim Lopez "
    "Sorensen Mendes Ferreira"
).split()

ZENDESK_ORGANIZATIONS = (
    "Acme Corp", "Globex", "Initech", "Brightwater Analytics", "Copperleaf Studios",
    "Driftwood Media", "Evergreen Dental", "Foxglove Health", "Granite Peak Logistics",
    "Harborview Hotels", "Ironbark Manufacturing", "Juniper Legal", "Kestrel Aviation",
    "Lumen Labs", "Maple & Finch", "Nimbus Cloudworks", "Oakridge Schools",
    "Pinecrest Realty", "Quill Publishing", "Riverbend Foods", "Saltmarsh Energy",
    "Tidewater Marine", "Umberfield Farms", "Vantage Point Insurance", "Willowbrook Clinic",
)
ZENDESK_VIP_ORGANIZATIONS = ("Globex", "Kestrel Aviation", "Juniper Legal")

FRESHDESK_COMPANIES = (
    "Northwind Traders", "Contoso Retail", "Fabrikam Outdoor", "Tailspin Toys",
    "Alpine Ski House", "Coho Winery", "Adventure Works Cycles", "Wingtip Gifts",
    "Litware Inc", "Proseware", "Lucerne Publishing", "Margie's Travel",
    "Fourth Coffee", "Bluebell Bakery", "Humongous Insurance", "Trey Research",
    "Wide World Importers", "Woodgrove Bank", "Southridge Video", "Datum Corp",
)

# --------------------------------------------------------------------------
# Helpdesk profiles: teams, priorities and how fast each is served
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpdeskProfile:
    timezone: str
    teams: tuple[str, ...]
    team_weights: tuple[float, ...]
    slow_team: int  # index of the team that is noticeably worse
    priorities: tuple[str, ...]  # ordered low -> urgent
    priority_weights: tuple[float, ...]
    first_reply_minutes: tuple[float, ...]  # median active minutes per priority
    work_minutes: tuple[float, ...]  # median minutes from first reply to solve


ZENDESK = HelpdeskProfile(
    timezone="Europe/Berlin",
    teams=("Tier 1", "Tier 2", "Billing", "Onboarding"),
    team_weights=(0.50, 0.22, 0.16, 0.12),
    slow_team=1,
    priorities=("low", "normal", "high", "urgent"),
    priority_weights=(0.25, 0.50, 0.18, 0.07),
    first_reply_minutes=(340, 170, 55, 22),
    work_minutes=(3000, 1500, 280, 170),
)

FRESHDESK = HelpdeskProfile(
    timezone="America/New_York",
    teams=("Customer Care", "Technical Support", "Returns"),
    team_weights=(0.50, 0.32, 0.18),
    slow_team=2,
    priorities=("Low", "Medium", "High", "Urgent"),
    priority_weights=(0.25, 0.50, 0.18, 0.07),
    first_reply_minutes=(340, 170, 55, 22),
    work_minutes=(3000, 1500, 280, 170),
)

URGENT = 3
SLOW_TEAM_FACTOR = 1.9
IMPROVED_FACTOR_NORMAL_TEAMS = 0.8
IMPROVED_FACTOR_SLOW_TEAM = 0.5

# Local-time arrival shape: weekday hour 0..23 (weekend days use a fraction).
WEEKDAY_HOUR_SHAPE = np.array([
    0.05, 0.03, 0.03, 0.03, 0.04, 0.08, 0.20, 0.50, 0.90, 1.00, 1.00, 0.95,
    0.80, 0.90, 1.00, 0.95, 0.85, 0.60, 0.40, 0.30, 0.22, 0.15, 0.10, 0.07,
])
WEEKEND_FACTOR = 0.22
HOLIDAY_FACTOR = 0.35
VOLUME_GROWTH = 0.6  # last month has ~60% more tickets than the first
OFFICE_OPENS, OFFICE_CLOSES = 8 * HOUR, 18 * HOUR

# --------------------------------------------------------------------------
# Small generic helpers
# --------------------------------------------------------------------------


def pick_weighted(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """Draw n indices with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def pick_per_group(rng: np.random.Generator, group: np.ndarray, table) -> np.ndarray:
    """Draw one index per row from the probability row table[group]."""
    cumulative = np.cumsum(np.asarray(table, dtype=float), axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(group))
    return (u[:, None] > cumulative[group]).sum(axis=1)


def pick_within_blocks(rng, group: np.ndarray, block_sizes) -> np.ndarray:
    """Uniform index into a flat list made of consecutive per-group blocks."""
    sizes = np.asarray(block_sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return starts[group] + (rng.random(len(group)) * sizes[group]).astype(np.int64)


def lognormal_around(rng, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * np.exp(rng.normal(0.0, sigma, size=len(median)))


def utc_timestamps(seconds, missing: np.ndarray | None = None) -> np.ndarray:
    """Epoch seconds -> datetime64 (NaT where missing); written with TIMESTAMP_FORMAT."""
    stamps = np.asarray(seconds).astype(np.int64).astype("datetime64[s]")
    return stamps if missing is None else np.where(missing, np.datetime64("NaT", "s"), stamps)


def from_pool(pool, codes) -> pd.Categorical:
    """A text column drawn from a small pool of unique values, stored as compact codes."""
    categories = pd.Index(list(pool), dtype=object)
    return pd.Categorical.from_codes(np.asarray(codes), categories=categories)


def format_iso_z(seconds: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s")
    return np.strings.add(text, "Z")


def nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing.copy())


def nullable_hours(seconds: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, np.nan, np.round(seconds / HOUR, 2))


def write_small_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8",
                 date_format=TIMESTAMP_FORMAT)


def email_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# --------------------------------------------------------------------------
# Time shape: local office hours, growth, holidays
# --------------------------------------------------------------------------


def local_day_and_second(utc_seconds: np.ndarray, timezone: str):
    """Local (days since epoch, weekday Mon=0, second of day) for UTC seconds."""
    utc = pd.to_datetime(np.asarray(utc_seconds), unit="s", utc=True)
    local = utc.tz_convert(timezone).tz_localize(None)
    naive = local.values.astype("datetime64[s]").astype(np.int64)
    days = naive // DAY
    return days, (days + 3) % 7, naive % DAY  # 1970-01-01 was a Thursday


def is_holiday_season(local_days: np.ndarray) -> np.ndarray:
    dates = pd.DatetimeIndex(local_days.astype("datetime64[D]"))
    month, day = dates.month.to_numpy(), dates.day.to_numpy()
    return ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1))


def hourly_arrival_weights(rng, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC hour starts over the range and the relative ticket volume of each."""
    hour_starts = np.arange(RANGE_START, EXPORT_TIME, HOUR, dtype=np.int64)
    days, weekday, second = local_day_and_second(hour_starts, timezone)
    weights = WEEKDAY_HOUR_SHAPE[second // HOUR]
    weights = np.where(weekday >= 5, weights * WEEKEND_FACTOR, weights)
    weights = np.where(is_holiday_season(days), weights * HOLIDAY_FACTOR, weights)
    progress = (hour_starts - RANGE_START) / (EXPORT_TIME - RANGE_START)
    weights = weights * (1.0 + VOLUME_GROWTH * progress)
    day_noise = np.exp(rng.normal(0.0, 0.15, size=days.max() - days.min() + 1))
    return hour_starts, weights * day_noise[days - days.min()]


@dataclass(frozen=True)
class ArrivalPlan:
    """How many tickets arrive in each UTC hour; rows are numbered in time order."""

    hour_starts: np.ndarray
    first_row_of_hour: np.ndarray
    rows_in_hour: np.ndarray


def plan_arrivals(rng, n_rows: int, hour_starts, weights) -> ArrivalPlan:
    counts = rng.multinomial(n_rows, weights / weights.sum())
    return ArrivalPlan(hour_starts, np.cumsum(counts) - counts, counts)


def created_seconds(rng, plan: ArrivalPlan, rows: np.ndarray) -> np.ndarray:
    """Spread each hour's rows evenly-with-jitter so time increases with row."""
    hour = np.searchsorted(plan.first_row_of_hour + plan.rows_in_hour, rows, side="right")
    rank = rows - plan.first_row_of_hour[hour]
    fraction = (rank + rng.random(len(rows))) / plan.rows_in_hour[hour]
    return plan.hour_starts[hour] + (fraction * HOUR).astype(np.int64)


def seconds_until_office_opens(created: np.ndarray, timezone: str) -> np.ndarray:
    """Wait from creation to the next local weekday 08:00 (0 if office is open)."""
    _, weekday, second = local_day_and_second(created, timezone)
    next_morning = DAY - second + OFFICE_OPENS
    return np.select(
        [
            (weekday < 5) & (second >= OFFICE_OPENS) & (second < OFFICE_CLOSES),
            (weekday < 5) & (second < OFFICE_OPENS),
            (weekday < 4),
            (weekday == 4),
            (weekday == 5),
        ],
        [0, OFFICE_OPENS - second, next_morning, next_morning + 2 * DAY, next_morning + DAY],
        default=next_morning,  # Sunday evening -> Monday morning
    )


def improvement_multiplier(created: np.ndarray, team: np.ndarray, slow_team: int) -> np.ndarray:
    """1.0 before August 2026, easing to the improved speed by mid-September."""
    ramp = np.clip((created - IMPROVEMENT_START) / (IMPROVEMENT_FULL - IMPROVEMENT_START), 0, 1)
    target = np.where(team == slow_team, IMPROVED_FACTOR_SLOW_TEAM, IMPROVED_FACTOR_NORMAL_TEAMS)
    return 1.0 - ramp * (1.0 - target)


@dataclass(frozen=True)
class Durations:
    office_wait: np.ndarray  # seconds spent waiting for the office to open
    first_reply: np.ndarray  # seconds from creation to first agent reply
    resolution: np.ndarray  # seconds from creation to solve


def simulate_durations(rng, profile: HelpdeskProfile, created, priority, team) -> Durations:
    """Log-normal reply/solve times: priority sets the median, team and date scale it."""
    speed = np.where(team == profile.slow_team, SLOW_TEAM_FACTOR, 1.0)
    speed = speed * improvement_multiplier(created, team, profile.slow_team)
    wait = np.where(priority == URGENT, 0, seconds_until_office_opens(created, profile.timezone))
    reply_median = np.asarray(profile.first_reply_minutes)[priority] * MINUTE * speed
    active_reply = np.clip(lognormal_around(rng, reply_median, 0.9), 2 * MINUTE, 3 * DAY)
    first_reply = (wait + active_reply).astype(np.int64)
    work_median = np.asarray(profile.work_minutes)[priority] * MINUTE * speed
    work = np.maximum(lognormal_around(rng, work_median, 1.0), 5 * MINUTE)
    resolution = np.minimum(first_reply + work, MAX_RESOLUTION).astype(np.int64)
    return Durations(wait, first_reply, np.maximum(resolution, first_reply + 5 * MINUTE))


def keep_recent_tickets_open(rng, created, first_reply, resolution):
    """Push many recent tickets past the export unsolved (a few even unanswered).

    Returns (first_reply, resolution) seconds; only the time order versus the
    export matters for tickets that end up past it.
    """
    n = len(created)
    age = EXPORT_TIME - created
    chance = np.where(age < MAX_RESOLUTION, BACKLOG_SHARE_NEWEST * np.exp(-age / BACKLOG_DECAY), 0)
    lingering = rng.random(n) < chance
    unanswered = lingering & (rng.random(n) < BACKLOG_UNANSWERED_SHARE)
    first_reply = np.where(unanswered, np.maximum(first_reply, age + HOUR), first_reply)
    past_export = np.maximum(age, first_reply) + HOUR + rng.integers(0, 5 * DAY, n)
    return first_reply, np.where(lingering, np.maximum(resolution, past_export), resolution)


# --------------------------------------------------------------------------
# Contacts and agents
# --------------------------------------------------------------------------


def build_contacts(rng, n: int, companies, share_without_company: float) -> pd.DataFrame:
    """Unique fictional people; most belong to a company with its own mail domain."""
    combo = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=n, replace=False)
    first = np.array(FIRST_NAMES)[combo // len(LAST_NAMES)]
    last = np.array(LAST_NAMES)[combo % len(LAST_NAMES)]
    company_idx = pick_weighted(rng, n, 1.0 / np.arange(1, len(companies) + 1) ** 0.6)
    has_company = rng.random(n) >= share_without_company
    company = np.where(has_company, np.array(companies, dtype=object)[company_idx], "")
    domains = np.array([f"{email_slug(c)}.example.com" for c in companies], dtype=object)
    domain = np.where(has_company, domains[company_idx], "example.com")
    local_part = np.char.lower(np.strings.add(np.strings.add(first, "."), last)).astype(object)
    return pd.DataFrame({
        "name": np.strings.add(np.strings.add(first, " "), last).astype(object),
        "email": local_part + "@" + domain,
        "company": company,
        "company_code": np.where(has_company, company_idx, len(companies)),  # last = none
    })


def pick_contacts(rng, n_rows: int, n_contacts: int) -> np.ndarray:
    """A few contacts file many tickets, most file a handful (Zipf-like)."""
    return pick_weighted(rng, n_rows, 1.0 / (np.arange(n_contacts) + 5.0) ** 0.8)


# --------------------------------------------------------------------------
# Outages
# --------------------------------------------------------------------------

OUTAGE_SERVICES = ("Web app", "API", "Email gateway", "VPN")
OUTAGE_SERVICE_WEIGHTS = (0.35, 0.30, 0.20, 0.15)
OUTAGE_SEVERITIES = ("critical", "major", "minor")
OUTAGE_SEVERITY_WEIGHTS = (0.15, 0.35, 0.50)
OUTAGE_DESCRIPTIONS = {
    "Web app": ("Login page returning 502 errors", "Dashboard pages timing out",
                "Static assets failing to load after deploy", "Session cookies invalidated"),
    "API": ("Elevated 5xx error rate on REST API", "API latency above 10s on /orders",
            "Rate limiter rejecting valid requests", "Webhook dispatcher stalled"),
    "Email gateway": ("Outbound notification e-mails delayed", "Inbound mail parser backlog",
                      "SMTP relay rejecting messages"),
    "VPN": ("Remote agents unable to connect to VPN", "VPN tunnel flapping in EU region",
            "Certificate expiry broke VPN authentication"),
}


def build_outages(rng) -> pd.DataFrame:
    service = pick_weighted(rng, OUTAGE_ROWS, OUTAGE_SERVICE_WEIGHTS)
    severity = pick_weighted(rng, OUTAGE_ROWS, OUTAGE_SEVERITY_WEIGHTS)
    minutes = np.exp(rng.uniform(np.log(2), np.log(300), OUTAGE_ROWS)).round().astype(np.int64)
    latest_start = (EXPORT_TIME - RANGE_START - 6 * HOUR) // MINUTE
    start = RANGE_START + np.sort(rng.choice(latest_start, OUTAGE_ROWS, replace=False)) * MINUTE
    description_pick = rng.random(OUTAGE_ROWS)
    names = np.array(OUTAGE_SERVICES)[service]
    descriptions = [OUTAGE_DESCRIPTIONS[s][int(u * len(OUTAGE_DESCRIPTIONS[s]))]
                    for s, u in zip(names, description_pick)]
    return pd.DataFrame({
        "service": names, "start": start, "end": start + minutes * MINUTE,
        "severity": np.array(OUTAGE_SEVERITIES)[severity], "description": descriptions,
    })


def outage_export(outages: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Service": outages["service"],
        "Start": format_iso_z(outages["start"].to_numpy()),
        "End": format_iso_z(outages["end"].to_numpy()),
        "Severity": outages["severity"],
        "Description": outages["description"],
    })


def customer_facing_outages(outages: pd.DataFrame) -> pd.DataFrame:
    noticeable = outages["severity"].isin(["critical", "major"]) & (outages["service"] != "VPN")
    return outages[noticeable]


def boost_hours_during_outages(hour_starts, weights, outages: pd.DataFrame) -> np.ndarray:
    """Customers write in while things are broken and for an hour afterwards."""
    boosted = weights.copy()
    for start, end, severity in outages[["start", "end", "severity"]].itertuples(index=False):
        during = (hour_starts + HOUR > start) & (hour_starts < end + HOUR)
        boosted[during] *= 6.0 if severity == "critical" else 3.0
    return boosted


def created_during_outage(created: np.ndarray, outages: pd.DataFrame) -> np.ndarray:
    hit = np.zeros(len(created), dtype=bool)
    for start, end in outages[["start", "end"]].itertuples(index=False):
        hit |= (created >= start) & (created < end + HOUR)
    return hit


# --------------------------------------------------------------------------
# Zendesk
# --------------------------------------------------------------------------

ZENDESK_HEADERS = [
    "Id", "Requester", "Requester email", "Assignee", "Group", "Subject", "Tags", "Status",
    "Priority", "Via", "Ticket type", "Created at", "Updated at", "Solved at", "Organization",
    "Reopens", "Replies", "First reply time in minutes",
    "First reply time in minutes within business hours", "Full resolution time in minutes",
    "Full resolution time in minutes within business hours", "Agent wait time in minutes",
    "Requester wait time in minutes", "Requester wait time in minutes within business hours",
    "On hold time in minutes", "On hold time in minutes within business hours",
]
ZENDESK_FIRST_ID = 50001
ZENDESK_AGENTS = (
    ("Maya Lindqvist", "Owen Brennan", "Priya Raman", "Lucas Meyer", "Zoë Castillo"),
    ("Tomás Herrera", "Ingrid Solberg", "Kenji Watanabe"),
    ("Hannah Vogel", "Samir Haddad"),
    ("Clara Jensen", "Elias Moreau"),
)
ZENDESK_TEAM_TAGS = ("tier1", "tier2", "billing", "onboarding")
ZENDESK_SUBJECTS = (
    ("Cannot log in to my account", "login"), ("Password reset email not arriving", "password"),
    ("How do I export my data?", "export"), ("Dashboard loads very slowly", "performance"),
    ("Notification settings not saving", "notifications"),
    ("Question about user permissions", "permissions"), ("Mobile app keeps crashing", "mobile"),
    ("Two-factor code not accepted", "2fa"),
    ("API returns 500 error on /orders", "api"), ("Webhook deliveries failing", "webhooks"),
    ("SSO login loop after IdP change", "sso"), ("Data sync stuck since yesterday", "sync"),
    ("Report totals don't match export", "reporting"),
    ("Integration token expired unexpectedly", "integrations"),
    ("Bulk import fails at 10k rows", "import"),
    ("Search results missing recent records", "search"),
    ("Invoice shows wrong VAT number", "invoice"), ("Charged twice this month", "double_charge"),
    ("Request to downgrade plan", "downgrade"), ("Update credit card on file", "payment_method"),
    ("Refund for unused seats", "refund"), ("Need a copy of last invoice", "invoice_copy"),
    ("Payment failed - card declined", "payment_failed"),
    ("Question about annual pricing", "pricing"),
    ("Help setting up our workspace", "setup"), ("Importing users from CSV", "user_import"),
    ("Training session request", "training"), ("Configuring email forwarding", "email_forwarding"),
    ("Connecting our shared calendar", "calendar"), ("Best practice for team roles", "roles"),
    ("Migrating from spreadsheets", "migration"), ("Custom domain setup", "custom_domain"),
)
ZENDESK_OUTAGE_SUBJECT = "Service unavailable - getting errors"
ZENDESK_VIA = ("email", "web", "chat", "api", "voice")
ZENDESK_VIA_WEIGHTS = (0.40, 0.30, 0.15, 0.05, 0.10)
ZENDESK_TYPES = ("question", "incident", "problem", "task", "")
ZENDESK_TYPE_WEIGHTS = (0.45, 0.30, 0.10, 0.08, 0.07)


def approx_business_minutes(calendar_minutes: np.ndarray, off_hours_minutes) -> np.ndarray:
    """Approximate business-hours minutes: first 4 h count fully, then ~40 %."""
    active = np.maximum(calendar_minutes - off_hours_minutes, 0)
    business = np.where(active <= 240, active, 240 + (active - 240) * 0.4)
    return np.minimum(np.round(business), calendar_minutes).astype(np.int64)


def simulate_zendesk_tickets(rng, outages: pd.DataFrame) -> pd.DataFrame:
    """Core per-ticket facts (epoch seconds, indices) before export formatting."""
    spikes = customer_facing_outages(outages)
    hour_starts, weights = hourly_arrival_weights(rng, ZENDESK.timezone)
    weights = boost_hours_during_outages(hour_starts, weights, spikes)
    plan = plan_arrivals(rng, ZENDESK_ROWS, hour_starts, weights)
    created = created_seconds(rng, plan, np.arange(ZENDESK_ROWS))
    team = pick_weighted(rng, ZENDESK_ROWS, ZENDESK.team_weights)
    priority = pick_weighted(rng, ZENDESK_ROWS, ZENDESK.priority_weights)
    durations = simulate_durations(rng, ZENDESK, created, priority, team)
    reopens = pick_per_group(rng, (team == ZENDESK.slow_team).astype(int),
                             [[0.88, 0.09, 0.03], [0.78, 0.16, 0.06]])
    reopen_delay = reopens * rng.lognormal(np.log(DAY), 0.7, ZENDESK_ROWS)
    resolution = np.minimum(durations.resolution + reopen_delay, MAX_RESOLUTION).astype(np.int64)
    resolution = np.maximum(resolution, durations.first_reply + 5 * MINUTE)
    first_reply, resolution = keep_recent_tickets_open(
        rng, created, durations.first_reply, resolution)
    return pd.DataFrame({
        "created": created, "team": team, "priority": priority,
        "office_wait": durations.office_wait, "first_reply": first_reply,
        "resolution": resolution,
        "reopens": reopens, "during_outage": created_during_outage(created, spikes),
    })


def zendesk_status(rng, answered, solved, solved_at) -> np.ndarray:
    open_status = np.array(["open", "pending", "hold"])[
        pick_weighted(rng, len(answered), (0.45, 0.40, 0.15))]
    closable = solved_at + ZENDESK_AUTO_CLOSE + HOUR <= EXPORT_TIME
    return np.select([~answered, ~solved, closable], ["new", open_status, "closed"], "solved")


def zendesk_wait_minutes(rng, resolution_minutes: np.ndarray):
    """Split a solved ticket's life into agent-wait (pending) and on-hold time."""
    n = len(resolution_minutes)
    agent_wait = np.where(rng.random(n) < 0.6, resolution_minutes * rng.uniform(0, 0.4, n), 0)
    on_hold = np.where(rng.random(n) < 0.1, resolution_minutes * rng.uniform(0.1, 0.5, n), 0)
    agent_wait = np.round(agent_wait).astype(np.int64)
    on_hold = np.minimum(np.round(on_hold), resolution_minutes - agent_wait).astype(np.int64)
    return agent_wait, resolution_minutes - agent_wait, on_hold


def zendesk_updated_at(rng, t: pd.DataFrame, status, solved_at, rated_at) -> np.ndarray:
    last_touch = t["created"] + np.where(status == "new", 0, t["first_reply"])
    open_updated = last_touch + rng.random(len(t)) * 0.5 * (EXPORT_TIME - last_touch)
    closed_updated = solved_at + ZENDESK_AUTO_CLOSE + rng.integers(0, HOUR, len(t))
    solved_updated = np.fmax(solved_at, rated_at)
    updated = np.select([status == "closed", status == "solved"], [closed_updated, solved_updated],
                        open_updated)
    return updated.astype(np.int64)


def zendesk_people_and_text(rng, t: pd.DataFrame, status: np.ndarray) -> dict:
    """Requester, assignee, subject, tags and channel columns."""
    n, team = len(t), t["team"].to_numpy()
    contacts = build_contacts(rng, 1200, ZENDESK_ORGANIZATIONS, share_without_company=0.12)
    contact = contacts.iloc[pick_contacts(rng, n, len(contacts))].reset_index(drop=True)
    agent = np.array([a for team_agents in ZENDESK_AGENTS for a in team_agents], dtype=object)[
        pick_within_blocks(rng, team, [len(a) for a in ZENDESK_AGENTS])]
    subject_idx = pick_within_blocks(rng, team, [8, 8, 8, 8])
    during_outage = t["during_outage"].to_numpy()
    subjects = np.array([s for s, _ in ZENDESK_SUBJECTS], dtype=object)[subject_idx]
    subjects = np.where(during_outage & (rng.random(n) < 0.6), ZENDESK_OUTAGE_SUBJECT, subjects)
    topic_tags = np.array([tag for _, tag in ZENDESK_SUBJECTS], dtype=object)[subject_idx]
    vip = contact["company"].isin(ZENDESK_VIP_ORGANIZATIONS).to_numpy()
    return {
        "Requester": contact["name"], "Requester email": contact["email"],
        "Organization": contact["company"],
        "Assignee": np.where(status == "new", "", agent),
        "Group": np.array(ZENDESK.teams)[team],
        "Subject": subjects,
        "Tags": (np.array(ZENDESK_TEAM_TAGS, dtype=object)[team] + " " + topic_tags
                 + np.where(vip, " vip", "") + np.where(during_outage, " outage", "")),
        "Priority": np.array(ZENDESK.priorities)[t["priority"]],
        "Via": np.array(ZENDESK_VIA)[pick_weighted(rng, n, ZENDESK_VIA_WEIGHTS)],
        "Ticket type": np.array(ZENDESK_TYPES)[pick_weighted(rng, n, ZENDESK_TYPE_WEIGHTS)],
    }


def zendesk_minute_columns(rng, t: pd.DataFrame, answered, solved) -> dict:
    """Integer-minute metrics; empty while the ticket is unanswered/unsolved."""
    first_reply = np.round(t["first_reply"].to_numpy() / MINUTE).astype(np.int64)
    resolution = np.round(t["resolution"].to_numpy() / MINUTE).astype(np.int64)
    off_hours = t["office_wait"].to_numpy() / MINUTE
    agent_wait, requester_wait, on_hold = zendesk_wait_minutes(rng, resolution)
    replies = np.clip(1 + rng.poisson(0.4 + np.log1p(resolution / 600)), 1, 8)
    return {
        "Reopens": np.where(solved, t["reopens"], 0),
        "Replies": np.where(answered, replies + t["reopens"].to_numpy(), 0).clip(0, 8),
        "First reply time in minutes": nullable_int(first_reply, ~answered),
        "First reply time in minutes within business hours": nullable_int(
            approx_business_minutes(first_reply, off_hours), ~answered),
        "Full resolution time in minutes": nullable_int(resolution, ~solved),
        "Full resolution time in minutes within business hours": nullable_int(
            approx_business_minutes(resolution, off_hours), ~solved),
        "Agent wait time in minutes": nullable_int(agent_wait, ~solved),
        "Requester wait time in minutes": nullable_int(requester_wait, ~solved),
        "Requester wait time in minutes within business hours": nullable_int(
            approx_business_minutes(requester_wait, off_hours), ~solved),
        "On hold time in minutes": nullable_int(on_hold, ~solved),
        "On hold time in minutes within business hours": nullable_int(
            np.round(on_hold * 0.45).astype(np.int64), ~solved),
    }


def zendesk_export(rng, t: pd.DataFrame, rated_at: np.ndarray) -> pd.DataFrame:
    """Turn simulated tickets into Zendesk's full CSV export layout."""
    created = t["created"].to_numpy()
    answered = created + t["first_reply"].to_numpy() <= EXPORT_TIME
    solved_at = created + t["resolution"].to_numpy()
    solved = solved_at <= EXPORT_TIME
    status = zendesk_status(rng, answered, solved, solved_at)
    columns = {
        "Id": ZENDESK_FIRST_ID + np.arange(len(t)),
        "Status": status,
        "Created at": utc_timestamps(created),
        "Updated at": utc_timestamps(zendesk_updated_at(rng, t, status, solved_at, rated_at)),
        "Solved at": utc_timestamps(solved_at, missing=~solved),
        **zendesk_people_and_text(rng, t, status),
        **zendesk_minute_columns(rng, t, answered, solved),
    }
    return pd.DataFrame(columns, columns=ZENDESK_HEADERS)


# --------------------------------------------------------------------------
# CSAT survey (rates solved Zendesk tickets)
# --------------------------------------------------------------------------

GOOD_COMMENTS = (
    "Thanks, quick fix!", "Very helpful, thank you.", "Great support as always",
    "Solved on the first reply", "Clear explanation, appreciated.", "Friendly and fast",
)
BAD_COMMENTS = (
    "Took far too long to get an answer", "Had to explain the problem three times",
    "Issue is not really fixed", "Nobody replied over the weekend",
    "Closed without asking me", "Still waiting for a proper solution",
)


def simulate_csat_ratings(rng, t: pd.DataFrame) -> pd.DataFrame:
    """Pick CSAT_ROWS solved tickets that got rated before the export and rate them."""
    solved_at = (t["created"] + t["resolution"]).to_numpy()
    delay = HOUR + rng.lognormal(np.log(20 * HOUR), 1.0, len(t))
    rated_at = solved_at + np.minimum(delay, ZENDESK_AUTO_CLOSE - HOUR).astype(np.int64)
    eligible = np.flatnonzero(rated_at <= EXPORT_TIME)
    chosen = np.sort(rng.choice(eligible, CSAT_ROWS, replace=False))
    slow = t["team"].to_numpy()[chosen] == ZENDESK.slow_team
    days_open = t["resolution"].to_numpy()[chosen] / DAY
    reopens = t["reopens"].to_numpy()[chosen]
    p_good = 0.93 - 0.15 * slow - 0.02 * np.minimum(days_open, 5) - 0.06 * reopens
    good = rng.random(CSAT_ROWS) < p_good
    return pd.DataFrame({"row": chosen, "rated_at": rated_at[chosen], "good": good})


def csat_export(rng, ratings: pd.DataFrame, zendesk: pd.DataFrame) -> pd.DataFrame:
    n = len(ratings)
    good = ratings["good"].to_numpy()
    has_comment = rng.random(n) < np.where(good, 0.15, 0.55)
    praise = np.array(GOOD_COMMENTS, dtype=object)[rng.integers(0, len(GOOD_COMMENTS), n)]
    complaint = np.array(BAD_COMMENTS, dtype=object)[rng.integers(0, len(BAD_COMMENTS), n)]
    comment = np.where(good, praise, complaint)
    tickets = zendesk.iloc[ratings["row"].to_numpy()]
    return pd.DataFrame({
        "Ticket ID": tickets["Id"].to_numpy(),
        "Rating": np.where(good, "good", "bad"),
        "Comment": np.where(has_comment, comment, ""),
        "Rated at": utc_timestamps(ratings["rated_at"].to_numpy()),
        "Group": tickets["Group"].to_numpy(),
        "Assignee": tickets["Assignee"].to_numpy(),
    })


def rated_at_per_ticket(n_tickets: int, ratings: pd.DataFrame) -> np.ndarray:
    rated_at = np.full(n_tickets, np.nan)
    rated_at[ratings["row"].to_numpy()] = ratings["rated_at"].to_numpy()
    return rated_at


# --------------------------------------------------------------------------
# Freshdesk (streamable)
# --------------------------------------------------------------------------

FRESHDESK_HEADERS = [
    "Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group",
    "Created time", "Due by Time", "Resolved time", "Closed time", "Last update time",
    "Initial response time", "First response time (in hrs)", "Resolution time (in hrs)",
    "Agent interactions", "Customer interactions", "Tags", "Company Name", "Full name", "Email",
]
FRESHDESK_FIRST_ID = 1001
FRESHDESK_AGENTS = (
    ("Rachel Owens", "Daniel Brooks", "Fatima Qureshi", "Marcus Hill"),
    ("Wei Zhang", "Olivia Grant", "Sergio Alvarez", "Nadia Petrova"),
    ("Ben Carter", "Lucia Romano"),
)
FRESHDESK_AGENT_POOL = (*(a for team_agents in FRESHDESK_AGENTS for a in team_agents), "")
FRESHDESK_SUBJECTS = (
    ("Where is my order?", "order_status"), ("Change delivery address", "address_change"),
    ("Order arrived damaged", "damaged"), ("Cancel my subscription", "cancellation"),
    ("Discount code not working", "discount"), ("Update account email", "account"),
    ("Missing item in package", "missing_item"), ("Question about warranty", "warranty"),
    ("Delivery delayed", "delivery"), ("Gift card balance", "gift_card"),
    ("Device won't pair with app", "pairing"), ("Firmware update failed", "firmware"),
    ("App crashes on startup", "app_crash"), ("Cannot connect to Wi-Fi", "wifi"),
    ("Battery drains quickly", "battery"), ("Sync error with cloud account", "cloud_sync"),
    ("Error code E42 on display", "error_code"), ("Login problem on tablet", "login"),
    ("Bluetooth keeps disconnecting", "bluetooth"), ("Screen flickering after update", "display"),
    ("Return label request", "return_label"), ("Refund not received", "refund_status"),
    ("Exchange for different size", "exchange"), ("Return window question", "return_policy"),
    ("Wrong item received", "wrong_item"), ("Refund amount incorrect", "refund_amount"),
    ("Return pickup missed", "pickup"), ("Defective item return", "defective"),
    ("Store credit instead of refund", "store_credit"), ("Return status update", "return_status"),
)
FRESHDESK_EXTRA_TAGS = ("repeat_customer", "social_media", "escalated")
FRESHDESK_SOURCES = ("Email", "Portal", "Phone", "Chat", "Feedback Widget")
FRESHDESK_SOURCE_WEIGHTS = (0.42, 0.25, 0.13, 0.15, 0.05)
FRESHDESK_TYPES = ("Question", "Incident", "Problem", "Feature Request", "Refund")
FRESHDESK_TYPE_BY_TEAM = (
    (0.60, 0.25, 0.00, 0.15, 0.00),
    (0.15, 0.50, 0.35, 0.00, 0.00),
    (0.30, 0.00, 0.00, 0.00, 0.70),
)
FRESHDESK_DUE_HOURS = (120, 72, 24, 8)  # resolution SLA per priority, low -> urgent
FRESHDESK_STATUSES = ("Open", "Pending", "Resolved", "Closed")
FRESHDESK_TAG_POOL = tuple(
    combo for _, tag in FRESHDESK_SUBJECTS
    for combo in (tag, *(f"{tag},{extra}" for extra in FRESHDESK_EXTRA_TAGS)))


@dataclass(frozen=True)
class FreshdeskWorld:
    """Everything shared by all chunks of one Freshdesk export."""

    plan: ArrivalPlan
    contacts: pd.DataFrame


def build_freshdesk_world(rng, n_rows: int) -> FreshdeskWorld:
    hour_starts, weights = hourly_arrival_weights(rng, FRESHDESK.timezone)
    plan = plan_arrivals(rng, n_rows, hour_starts, weights)
    n_contacts = int(np.clip(n_rows // 4, 50, 2000))
    return FreshdeskWorld(plan, build_contacts(rng, n_contacts, FRESHDESK_COMPANIES, 0.25))


def freshdesk_closing(rng, resolved_at: np.ndarray, solved: np.ndarray):
    """Most tickets are closed right away, some auto-close 48 h later, some stay Resolved."""
    n = len(resolved_at)
    route = pick_weighted(rng, n, (0.60, 0.25, 0.15))
    closed_at = resolved_at + np.where(route == 1, 48 * HOUR + rng.integers(0, HOUR, n), 0)
    closed = solved & (route < 2) & (closed_at <= EXPORT_TIME)
    return closed_at, closed


def freshdesk_tag_codes(rng, subject_idx: np.ndarray) -> np.ndarray:
    """Topic tag of the subject, sometimes plus one extra tag (index into FRESHDESK_TAG_POOL)."""
    n = len(subject_idx)
    extra = 1 + rng.integers(0, len(FRESHDESK_EXTRA_TAGS), n)
    with_extra = rng.random(n) < 0.12
    return subject_idx * (1 + len(FRESHDESK_EXTRA_TAGS)) + np.where(with_extra, extra, 0)


@dataclass(frozen=True)
class FreshdeskTimeline:
    """Per-ticket times (epoch seconds) and states for one chunk."""

    created: np.ndarray
    team: np.ndarray
    priority: np.ndarray
    first_reply: np.ndarray
    resolution: np.ndarray
    answered: np.ndarray
    solved: np.ndarray
    closed_at: np.ndarray
    closed: np.ndarray
    last_update: np.ndarray


def simulate_freshdesk_timeline(rng, plan: ArrivalPlan, rows: np.ndarray) -> FreshdeskTimeline:
    n = len(rows)
    created = created_seconds(rng, plan, rows)
    team = pick_weighted(rng, n, FRESHDESK.team_weights)
    priority = pick_weighted(rng, n, FRESHDESK.priority_weights)
    durations = simulate_durations(rng, FRESHDESK, created, priority, team)
    first_reply, resolution = keep_recent_tickets_open(
        rng, created, durations.first_reply, durations.resolution)
    answered = created + first_reply <= EXPORT_TIME
    solved = created + resolution <= EXPORT_TIME
    closed_at, closed = freshdesk_closing(rng, created + resolution, solved)
    last_touch = created + np.where(answered, first_reply, 0)
    open_update = last_touch + (rng.random(n) * 0.5 * (EXPORT_TIME - last_touch)).astype(np.int64)
    last_update = np.select([closed, solved], [closed_at, created + resolution], open_update)
    return FreshdeskTimeline(created, team, priority, first_reply, resolution, answered, solved,
                             closed_at, closed, last_update)


def freshdesk_time_columns(rng, tl: FreshdeskTimeline) -> dict:
    pending = rng.random(len(tl.created)) < 0.45
    status = np.select([tl.closed, tl.solved, tl.answered & pending], [3, 2, 1], 0)
    due = tl.created + np.array(FRESHDESK_DUE_HOURS)[tl.priority] * HOUR
    return {
        "Status": from_pool(FRESHDESK_STATUSES, status),
        "Created time": utc_timestamps(tl.created),
        "Due by Time": utc_timestamps(due),
        "Resolved time": utc_timestamps(tl.created + tl.resolution, missing=~tl.solved),
        "Closed time": utc_timestamps(tl.closed_at, missing=~tl.closed),
        "Last update time": utc_timestamps(tl.last_update),
        "Initial response time": utc_timestamps(tl.created + tl.first_reply, missing=~tl.answered),
        "First response time (in hrs)": nullable_hours(tl.first_reply, ~tl.answered),
        "Resolution time (in hrs)": nullable_hours(tl.resolution, ~tl.solved),
    }


def freshdesk_people_and_text(rng, world: FreshdeskWorld, tl: FreshdeskTimeline) -> dict:
    n, team = len(tl.created), tl.team
    agent = pick_within_blocks(rng, team, [len(a) for a in FRESHDESK_AGENTS])
    unassigned = ~tl.answered & (rng.random(n) < 0.7)
    subject_idx = pick_within_blocks(rng, team, [10, 10, 10])
    work_days = np.minimum(tl.resolution, MAX_RESOLUTION) / DAY
    agent_touches = np.where(tl.answered, np.clip(1 + rng.poisson(0.5 + work_days), 1, 8), 0)
    contact = pick_contacts(rng, n, len(world.contacts))
    company = world.contacts["company_code"].to_numpy()[contact]
    return {
        "Subject": from_pool([s for s, _ in FRESHDESK_SUBJECTS], subject_idx),
        "Priority": from_pool(FRESHDESK.priorities, tl.priority),
        "Source": from_pool(FRESHDESK_SOURCES, pick_weighted(rng, n, FRESHDESK_SOURCE_WEIGHTS)),
        "Type": from_pool(FRESHDESK_TYPES, pick_per_group(rng, team, FRESHDESK_TYPE_BY_TEAM)),
        "Agent": from_pool(FRESHDESK_AGENT_POOL,
                           np.where(unassigned, len(FRESHDESK_AGENT_POOL) - 1, agent)),
        "Group": from_pool(FRESHDESK.teams, team),
        "Agent interactions": agent_touches,
        "Customer interactions": np.clip(1 + rng.poisson(0.3 + 0.7 * work_days), 1, 6),
        "Tags": from_pool(FRESHDESK_TAG_POOL, freshdesk_tag_codes(rng, subject_idx)),
        "Company Name": from_pool((*FRESHDESK_COMPANIES, ""), company),
        "Full name": from_pool(world.contacts["name"], contact),
        "Email": from_pool(world.contacts["email"], contact),
    }


def freshdesk_chunk(rng, world: FreshdeskWorld, rows: np.ndarray) -> pd.DataFrame:
    """One vectorised slice of the Freshdesk export (rows are 0-based positions)."""
    timeline = simulate_freshdesk_timeline(rng, world.plan, rows)
    columns = {
        "Ticket ID": FRESHDESK_FIRST_ID + rows,
        **freshdesk_time_columns(rng, timeline),
        **freshdesk_people_and_text(rng, world, timeline),
    }
    return pd.DataFrame(columns, columns=FRESHDESK_HEADERS)


def write_freshdesk_csv(path, n_rows: int, seed: int = SEED,
                        chunk_rows: int = STREAM_CHUNK_ROWS) -> Path:
    """Stream a Freshdesk-style export of n_rows tickets to path, chunk by chunk.

    Memory stays bounded by chunk_rows (each chunk is generated with vectorised
    numpy and written straight away; the header is written once), so millions
    of rows are fine.  Same (n_rows, seed, chunk_rows) -> byte-identical file.
    """
    path = Path(path)
    rng = np.random.default_rng(seed)
    world = build_freshdesk_world(rng, n_rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for start in range(0, max(n_rows, 1), chunk_rows):
            rows = np.arange(start, min(start + chunk_rows, n_rows), dtype=np.int64)
            freshdesk_chunk(rng, world, rows).to_csv(
                handle, header=start == 0, index=False, lineterminator="\n",
                float_format="%.2f", date_format=TIMESTAMP_FORMAT)
    return path


# --------------------------------------------------------------------------
# README and entry point
# --------------------------------------------------------------------------

README_TEMPLATE = """# Sample data

Synthetic, fictional helpdesk exports for demos, tests and benchmarks. They cover
2025-10-01 00:00 UTC through 2026-11-20 (export time 2026-11-21 00:00 UTC) and are
produced by `generate.py` (seed {seed}, fixed dates, no network).

| File | What it is | Rows |
|---|---|---:|
| `zendesk_tickets.csv` | Zendesk-style full ticket export (Berlin office hours, Ids from {zendesk_first_id}; reply/resolution only as minutes columns) | {zendesk_rows:,} |
| `freshdesk_tickets.csv` | Freshdesk-style ticket export (New York office hours, Ticket IDs from {freshdesk_first_id}; response timestamps + hours columns) | {freshdesk_rows:,} |
| `csat_survey.csv` | Zendesk satisfaction export (good/bad) for solved tickets in `zendesk_tickets.csv` | {csat_rows:,} |
| `outages.csv` | Incident/outage log (Web app, API, Email gateway, VPN; ISO timestamps with `Z`) | {outage_rows:,} |

Patterns baked in: office-hours arrivals with quiet nights/weekends/holidays, volume
growing ~60 % over the range, log-normal reply/resolution times by priority,
one slower team per helpdesk (Zendesk "Tier 2", Freshdesk "Returns"), Zendesk
ticket spikes during major outages, and faster service from August 2026 onwards.
About 4 % of tickets are still open at export time (all created in the final weeks).

Regenerate (byte-identical output):

```sh
python sample_data/generate.py
```

For a large benchmark file, stream it in 100k-row chunks (1,000,000 rows is
~290 MB on disk and takes ~15 s, with ~50 MB of working memory):

```sh
python -c "import sys; sys.path.insert(0, 'sample_data'); \\
from generate import write_freshdesk_csv; write_freshdesk_csv('/tmp/fd_1m.csv', 1_000_000)"
```

`write_freshdesk_csv(path, n_rows, seed=20251)` is deterministic for a given
`n_rows`/`seed`. This README is written by `generate.py` too.
"""


def write_readme(path: Path) -> None:
    text = README_TEMPLATE.format(
        seed=SEED, zendesk_first_id=ZENDESK_FIRST_ID, freshdesk_first_id=FRESHDESK_FIRST_ID,
        zendesk_rows=ZENDESK_ROWS, freshdesk_rows=FRESHDESK_ROWS, csat_rows=CSAT_ROWS,
        outage_rows=OUTAGE_ROWS)
    path.write_text(text, encoding="utf-8", newline="\n")


def main(out_dir: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    outages = build_outages(rng)
    tickets = simulate_zendesk_tickets(rng, outages)
    ratings = simulate_csat_ratings(rng, tickets)
    zendesk = zendesk_export(rng, tickets, rated_at_per_ticket(len(tickets), ratings))
    write_small_csv(outage_export(outages), out_dir / "outages.csv")
    write_small_csv(zendesk, out_dir / "zendesk_tickets.csv")
    write_small_csv(csat_export(rng, ratings, zendesk), out_dir / "csat_survey.csv")
    write_freshdesk_csv(out_dir / "freshdesk_tickets.csv", FRESHDESK_ROWS)
    write_readme(out_dir / "README.md")


if __name__ == "__main__":
    main()
