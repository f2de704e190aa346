"""English and German (Flask-Babel): which language a request, a page or a mail is in, the catalogue
compiled at start, and dates and numbers formatted by Babel for that language.

The language of a request: the signed-in user's saved choice (`users.locale`), else the visitor's choice
(the `locale` cookie the selector on the public pages sets), else the best match of `Accept-Language`,
else English. The console and the JSON API stay English (their words are not in the catalogue). Mails
are rendered inside `in_locale(<the recipient's locale>)`, jobs included (no request there).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request
from flask_babel import force_locale, format_date, format_datetime, format_decimal, get_locale, gettext
from flask_babel.speaklater import LazyString

LOCALES = ("en", "de")
DEFAULT = "en"
COOKIE = "locale"
NAMES = {"en": "English", "de": "Deutsch"}  # each language in its own words, for the selector
SOURCE = Path(__file__).resolve().parents[2] / "translations"
ENGLISH_ONLY = ("/admin", "/api/", "/rq")  # surfaces whose words are not translated


def normalize(value) -> str | None:
    """"de", "DE", "de-DE", "de_AT" → "de"; None for anything not offered."""
    if not isinstance(value, str) or not value.strip() or len(value) > 35:
        return None
    lang = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return lang if lang in LOCALES else None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring)."""
    if not has_request_context():
        return DEFAULT
    if request.path.startswith(ENGLISH_ONLY):
        return DEFAULT
    return visitor_locale()


def visitor_locale() -> str:
    """The visitor's language by the chain above, whatever the surface (a subscription asked through the
    JSON API from the status page is stored in the page's language)."""
    if not has_request_context():
        return DEFAULT
    return (_saved_locale() or normalize(request.cookies.get(COOKIE))
            or request.accept_languages.best_match(LOCALES) or DEFAULT)


def _saved_locale() -> str | None:
    """The signed-in user's saved language. A visitor with neither a session nor a remember cookie is
    signed out, and is known to be without asking Flask-Login (which would open a session and build an
    anonymous user for every visitor of a traffic spike on the cached status page)."""
    config = current_app.config
    if not any(name in request.cookies for name in (config["SESSION_COOKIE_NAME"],
                                                     config.get("REMEMBER_COOKIE_NAME", "remember_token"))):
        return None
    from flask_login import current_user

    try:  # loading the user may need the database; an outage must not fail the page that says so
        user = current_user._get_current_object()
        return normalize(getattr(user, "locale", None)) if user.is_authenticated else None
    except Exception:  # noqa: BLE001
        return None


def current() -> str:
    """The language in force ("en" or "de"): the request's, or the one a mail is rendered in."""
    found = get_locale()
    return found.language if found is not None and found.language in LOCALES else DEFAULT


@contextmanager
def in_locale(value):
    """Render (a mail, its subject) in this language; unknown or None → English."""
    with force_locale(normalize(value) or DEFAULT):
        yield


def babel_locale() -> str:
    """The locale Babel formats with: en → en_US ("$49.00", "Dec 2, 2026"), de → de_DE ("4,90 €")."""
    return {"en": "en_US", "de": "de_DE"}[current()]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Babel patterns per language; English keeps the forms the pages always had ("2026-12-02 03:15 UTC").
PATTERNS = {
    "en": {"minute": "yyyy-MM-dd HH:mm", "day": "dd MMMM yyyy", "ymd": "yyyy-MM-dd", "month": "LLLL yyyy",
           "short": "MMM d, yyyy", "weekday": "EEE d MMM yyyy", "long": "dd MMMM yyyy, HH:mm"},
    "de": {"minute": "dd.MM.yyyy, HH:mm", "day": "d. MMMM yyyy", "ymd": "dd.MM.yyyy", "month": "LLLL yyyy",
           "short": "d. MMM yyyy", "weekday": "EEE, d. MMM yyyy", "long": "d. MMMM yyyy, HH:mm"},
}


def fmt_datetime(value: datetime | None, kind: str = "minute", zone: bool = True) -> str:
    """A stored time, in UTC, in the language's words and order: "2026-12-02 03:15 UTC" /
    "02.12.2026, 03:15 UTC"."""
    if value is None:
        return ""
    shown = format_datetime(_utc(value), PATTERNS[current()][kind], rebase=False)
    return f"{shown} UTC" if zone else shown


def fmt_date(value: date | datetime | None, kind: str = "day") -> str:
    """A date: "02 December 2026" / "2. Dezember 2026" (kind "day"), "2026-12-02" / "02.12.2026" ("ymd"),
    "December 2026" / "Dezember 2026" ("month")."""
    if value is None:
        return ""
    day = _utc(value).date() if isinstance(value, datetime) else value
    return format_date(day, PATTERNS[current()][kind])


def fmt_number(value, digits: int | None = None) -> str:
    """1234.5 → "1,234.5" / "1.234,5"; with digits, exactly that many decimals."""
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


def compile_catalogues(target: Path) -> Path:
    """translations/<lang>/LC_MESSAGES/messages.po → target/<lang>/LC_MESSAGES/messages.mo, whenever the .po
    is newer than the .mo (at every app start: no stale .mo can be served, none is committed). Written to a
    temporary file and renamed, so workers starting together never read half a file."""
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(SOURCE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        with partial.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(partial, mo)
    return target


def translate(value):
    """The `t` template filter: a word the code computes (a status, a component's name, an error message)
    in the language in force; unknown text stays as it is. Never %-formats, never marks anything safe."""
    return gettext(str(value)) if value else value


def lazy(value):
    """A computed word translated when it is shown (in a mail's language), not when it is computed."""
    return LazyString(translate, value)


def later(function, *args, **kwargs) -> LazyString:
    """A value formatted when the message holding it is shown, in that message's language: a domain message
    is `lazy_gettext` (English in the JSON API, the visitor's language on a page), so a date in it is
    `later(fmt_date, day)`."""
    return LazyString(function, *args, **kwargs)


def in_visitor_language(value):
    """`value` (a lazy message or a word in the catalogue) in the visitor's language, even on an English-only
    surface: what a page script shows beside the JSON API's English `message`."""
    with force_locale(visitor_locale()):
        return translate(value)


def N_(text: str) -> str:  # noqa: N802  (pybabel's marker: extracted, not translated here)
    return text


# What the code computes and the pages show through `|t`: listed here so that pybabel extracts them.
VOCABULARY = (
    N_("API"), N_("Frontend"), N_("Database"), N_("Stripe (payments)"), N_("Workflows"),
    N_("Operational"), N_("Degraded performance"), N_("Partial outage"), N_("Major outage"),
    N_("Under maintenance"), N_("No data"), N_("Not monitored"),
    N_("All Systems Operational"), N_("Minor Service Outage"), N_("Partial System Outage"),
    N_("Major Service Outage"), N_("Service Under Maintenance"), N_("Status unknown"),
    N_("Investigating"), N_("Identified"), N_("Monitoring"), N_("Resolved"),
    N_("Minor"), N_("Major"), N_("Critical"),
    N_("New incident"), N_("Incident update"), N_("Postmortem"), N_("Scheduled maintenance"),
    N_("Maintenance updated"), N_("Maintenance started"), N_("Maintenance completed"), N_("Maintenance canceled"),
    N_("Maintenance reminder"), N_("Maintenance update"), N_("Maintenance extended"),
    N_("Status update"), N_("All components"), N_("In progress"), N_("Completed"),
    N_("Canceled"), N_("approved"), N_("rejected"), N_("upheld"), N_("revised"), N_("Approved"), N_("Rejected"),
    N_("Upheld"), N_("Revised"),
    N_("pending"), N_("running"), N_("ready"), N_("failed"), N_("expired"), N_("retrying"),
    N_("withdrawn by support"), N_("open"),
    N_("The requested URL was not found on the server. If you entered the URL manually please check your "
       "spelling and try again."),
    N_("You don't have the permission to access the requested resource. It is either read-protected or not "
       "readable by the server."),
    N_("This user has exceeded an allotted request count. Try again later."),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("Your form expired. Go back, reload and try again."),
    N_("Something went wrong on our side."),
    N_("Our database is not reachable right now. Nothing was changed; try again in a minute."),
    N_("Our job queue is not reachable right now. Nothing was changed; try again in a minute."),
    N_("Our file storage is not reachable right now. Nothing was changed; try again in a minute."),
)
