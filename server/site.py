"""The site: its config file format, validation, and the in-memory view the use cases read."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from .engine.model import Counter, NumberFormat, Policy, Service, WeeklyHours

DEMO_SITE = Path(__file__).resolve().parent.parent / "config" / "site.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SERVICE_KINDS = ("submit", "results", "fees", "postal", "help")


class SiteConfigError(ValueError):
    """The site file is wrong; the message says where."""


def _period(text: str, where: str) -> list[str]:
    try:
        start, end = text.split("-")
        a, b = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError as exc:
        raise SiteConfigError(f"{where}: '{text}' is not a period like 07:30-11:30") from exc
    if not a < b:
        raise SiteConfigError(f"{where}: '{text}' ends before it starts")
    return [a.strftime("%H:%M"), b.strftime("%H:%M")]


def _check_range(s: dict[str, Any], code: str) -> None:
    first, last, width = s.get("first_number", 1), s.get("last_number"), s.get("width", 3)
    for key, value in (("first_number", first), ("width", width), ("last_number", last)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise SiteConfigError(f"service {code}: {key} must be a whole number")
    if last is not None and last < first:
        raise SiteConfigError(f"service {code}: last_number {last} is before first_number {first}")


def _number_range(s: dict[str, Any]) -> tuple[str, int, int]:
    fmt = NumberFormat(s.get("prefix", ""), s.get("first_number", 1), s.get("width", 3),
                       s.get("last_number"))
    return fmt.prefix.strip().upper(), fmt.first, fmt.end


def number_clash(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """How two services' number ranges could print the same number: "overlap", "prefix" or None."""
    prefix_a, first_a, end_a = _number_range(a)
    prefix_b, first_b, end_b = _number_range(b)
    if prefix_a == prefix_b and first_a <= end_b and first_b <= end_a:
        return "overlap"
    if prefix_a != prefix_b and (prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a)):
        return "prefix"
    return None


def _check_unique_numbers(services: list[dict[str, Any]]) -> None:
    """Refuse number ranges that overlap anywhere in the building: a number names one ticket.

    Two boards once showed "5001 → Quầy 17" and "5001 → Quầy 10" together; so a range (prefix,
    first_number..last_number) must not meet any other service's, in any zone (a retired service
    keeps its range: its numbers may be in today's history).
    """
    ranges = [(s["code"], *_number_range(s)) for s in services]
    for i, (code_a, prefix_a, first_a, end_a) in enumerate(ranges):
        for code_b, prefix_b, first_b, end_b in ranges[i + 1:]:
            if prefix_a == prefix_b and first_a <= end_b and first_b <= end_a:
                raise SiteConfigError(
                    f"services {code_a} and {code_b}: number ranges overlap "
                    f"({prefix_a}{first_a}–{prefix_a}{end_a} and {prefix_b}{first_b}–{prefix_b}{end_b}); "
                    "every number must be unique in the building: give each service its own "
                    "first_number..last_number")
            if prefix_a != prefix_b and (prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a)):
                raise SiteConfigError(
                    f"services {code_a} and {code_b}: prefix {prefix_a!r} and {prefix_b!r} could "
                    "print the same number; use prefixes where neither starts the other")


def profile_names(p: dict[str, Any]) -> dict[str, str]:
    """An hours profile's names (vi, en) as given; a profile may have none (its code is shown)."""
    return {k: str(p[k]).strip() for k in ("name", "name_en") if str(p.get(k) or "").strip()}


def parse_site(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a site config (as read from TOML) and resolve references; raise SiteConfigError."""
    for key in ("site", "zones", "units", "services", "counters"):
        if key not in data:
            raise SiteConfigError(f"missing [{key}]")
    profiles: dict[str, dict[str, list[list[str]]]] = {}
    hours_profiles: dict[str, dict[str, Any]] = {}
    for pname, days in data.get("hours", {}).items():
        unknown = set(days) - set(WEEKDAYS) - {"retired", "name", "name_en"}
        if unknown:
            raise SiteConfigError(f"hours.{pname}: unknown day(s) {sorted(unknown)}")
        profiles[pname] = {d: [_period(p, f"hours.{pname}.{d}") for p in days.get(d, [])]
                           for d in WEEKDAYS}
        hours_profiles[pname] = {"days": profiles[pname], "retired": bool(days.get("retired")),
                                 **profile_names(days)}
    zones = {z["code"] for z in data["zones"]}
    units = {u["code"] for u in data["units"]}
    services: list[dict[str, Any]] = []
    seen: set[str] = set()
    for s in data["services"]:
        code = s.get("code", "?")
        if code in seen:
            raise SiteConfigError(f"service {code}: defined twice")
        seen.add(code)
        if s.get("unit") not in units:
            raise SiteConfigError(f"service {code}: unknown unit {s.get('unit')!r}")
        if s.get("zone") not in zones:
            raise SiteConfigError(f"service {code}: unknown zone {s.get('zone')!r}")
        if s.get("kind", "submit") not in SERVICE_KINDS:
            raise SiteConfigError(f"service {code}: kind must be one of {SERVICE_KINDS}")
        hours, profile = s.get("hours"), None
        if isinstance(hours, str):
            if hours not in profiles:
                raise SiteConfigError(f"service {code}: unknown hours profile {hours!r}")
            hours, profile = profiles[hours], hours
        elif isinstance(hours, dict):
            hours = {d: [_period(p, f"service {code} hours.{d}") for p in hours.get(d, [])]
                     for d in WEEKDAYS}
        _check_range(s, code)
        services.append({**s, "hours": hours, "hours_profile": profile})
    _check_unique_numbers(services)
    counters = []
    for c in data["counters"]:
        bad = [x for x in c.get("services", []) if x not in seen]
        if bad:
            raise SiteConfigError(f"counter {c.get('number')}: unknown service(s) {bad}")
        if c.get("zone") not in zones:
            raise SiteConfigError(f"counter {c.get('number')}: unknown zone {c.get('zone')!r}")
        counters.append(c)
    policy = data.get("policy", {})
    Policy(policy.get("priority_ratio", 2), policy.get("aging_minutes", 30),
           policy.get("order", "longest_wait"))  # raises ValueError on a bad policy
    requeue = policy.get("requeue_minutes", 30)
    if not isinstance(requeue, (int, float)) or isinstance(requeue, bool) or requeue < 0:
        raise SiteConfigError("policy.requeue_minutes must be a number of minutes (0 or more)")
    _check_citizen_policy(policy, services)
    site = data["site"]
    return {
        "zones": data["zones"], "units": data["units"], "services": services, "counters": counters,
        "priority_categories": data.get("priority_categories", []),
        "settings": {"site": site, "policy": policy, "ratings": data.get("ratings", {}),
                     "open_all_hours": bool(site.get("open_all_hours", False)),
                     "hours_profiles": hours_profiles},
    }


# Issue 10: the citizen side's [policy] numbers (services/citizens.py, services/bookings.py).
CITIZEN_POLICY = ("otp_minutes", "otp_attempts", "otp_per_phone_hour", "verify_per_address_hour",
                  "public_per_address_hour", "citizen_token_minutes", "daily_per_phone",
                  "no_show_limit", "no_show_block_days", "phone_retention_days", "slot_minutes",
                  "booking_days_ahead")


def _check_citizen_policy(policy: dict[str, Any], services: list[dict[str, Any]]) -> None:
    """Refuse citizen-side policy numbers that are not positive, and shares outside 0..1."""
    for key in CITIZEN_POLICY:
        value = policy.get(key, 1)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise SiteConfigError(f"policy.{key} must be a number greater than 0")
    for where, share in [("policy", policy.get("appointment_share", 0.25))] + [
            (f"service {s.get('code')}", s["appointment_share"]) for s in services
            if "appointment_share" in s]:
        if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 1:
            raise SiteConfigError(f"{where}: appointment_share must be between 0 and 1")
    for s in services:
        for flag in ("remote", "appointments"):
            if not isinstance(s.get(flag, False), bool):
                raise SiteConfigError(f"service {s.get('code')}: {flag} must be true or false")


def read_site_file(path: str | Path) -> dict[str, Any]:
    """Read and validate a site TOML file."""
    try:
        with open(path, "rb") as fh:
            return parse_site(tomllib.load(fh))
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: {exc}") from exc


def _weekly(hours: dict[str, list[list[str]]] | None) -> WeeklyHours | None:
    if not hours:
        return None
    return WeeklyHours(tuple(tuple((time.fromisoformat(a), time.fromisoformat(b))
                                   for a, b in hours.get(d, [])) for d in WEEKDAYS))


class Active(dict):  # type: ignore[type-arg]
    """Active entries (listed, `in`, offered); retired ones still answer `[key]` and `.get(key)`,
    so today's tickets and history keep their names after a service, counter or unit is retired."""

    def __init__(self, active: dict[Any, Any], retired: dict[Any, Any]) -> None:
        super().__init__(active)
        self.retired = retired

    def __missing__(self, key: Any) -> Any:
        return self.retired[key]

    def get(self, key: Any, default: Any = None) -> Any:
        """The entry, active or retired."""
        return self[key] if key in self or key in self.retired else default


def _split(rows: list[dict[str, Any]], key: str, make: Any = None) -> Active:
    """Rows by key, the retired ones kept apart (see Active)."""
    made = [(r[key], make(r) if make else r, bool(r.get("retired"))) for r in rows]
    return Active({k: v for k, v, old in made if not old}, {k: v for k, v, old in made if old})


@dataclass
class Site:
    """The loaded site: engine objects plus the names the pages and tickets show."""

    zones: dict[str, dict[str, Any]]
    units: dict[str, dict[str, Any]]
    services: dict[str, Service]
    service_rows: dict[str, dict[str, Any]]
    counters: dict[int, Counter]
    counter_rows: dict[int, dict[str, Any]]
    priority_categories: dict[str, dict[str, Any]]
    settings: dict[str, Any]
    policy: Policy = field(default_factory=Policy)

    @classmethod
    def from_rows(cls, rows: dict[str, Any]) -> "Site":
        """Build from the store's configuration rows (refused if two services share numbers)."""
        try:
            _check_unique_numbers(rows["services"])
        except SiteConfigError as exc:  # a database loaded before numbers were checked
            raise SiteConfigError(f"{exc}. Fix the site file and reload it: "
                                  "xephang init --site FILE --reload") from None
        services = _split(rows["services"], "code", lambda s: Service(
                code=s["code"], name=s["name"], name_en=s["name_en"], unit=s["unit"], zone=s["zone"],
                kind=s["kind"], number=NumberFormat(s["prefix"], s["first_number"], s["width"],
                                    s.get("last_number")),
                hours=_weekly(s["hours"]), daily_cap=s["daily_cap"],
                wait_target_min=s["wait_target_min"], service_minutes=s["service_minutes"]))
        # A retired service is no longer called at any counter (its waiting tickets are refused
        # at retirement: server/services/admin/site_config.py).
        counters = _split(rows["counters"], "number", lambda c: Counter(
            c["number"], c["zone"], tuple(x for x in c["services"] if x in services),
            c["priority"], c["name"]))
        settings = rows["settings"]
        p = settings.get("policy", {})
        return cls(
            zones=_split(rows["zones"], "code"), units=_split(rows["units"], "code"),
            services=services, service_rows={s["code"]: s for s in rows["services"]},
            counters=counters, counter_rows={c["number"]: c for c in rows["counters"]},
            priority_categories=_split(rows["priority_categories"], "code"),
            settings=settings,
            policy=Policy(p.get("priority_ratio", 2), p.get("aging_minutes", 30),
                          p.get("order", "longest_wait")))

    @property
    def info(self) -> dict[str, Any]:
        """The [site] table: names, address, notice, public_url."""
        return dict(self.settings.get("site", {}))

    @property
    def open_all_hours(self) -> bool:
        """Whether every service ignores its hours (the demo default)."""
        return bool(self.settings.get("open_all_hours", False))

    def accepts_priority(self, code: str) -> bool:
        """Whether a service takes priority tickets (a service may be configured not to)."""
        return bool(self.service_rows.get(code, {}).get("accepts_priority", True))

    def counters_of_service(self, code: str) -> list[int]:
        """Counters that call this service's tickets (the zone's priority counter included)."""
        if not hasattr(self, "_by_service"):
            by: dict[str, list[int]] = {}
            for n, c in self.counters.items():
                for s in c.services:
                    by.setdefault(s, []).append(n)
            self._by_service = by
        return list(self._by_service.get(code, []))

    def zone_services(self, zone: str) -> list[str]:
        """Codes of the services in a zone."""
        return [s.code for s in self.services.values() if s.zone == zone]
