"""The dashboard: server-rendered pages on the API's own origin, thin views onto the logic."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, current_app, g, redirect, render_template, request

from .. import (
    __version__,
    charts,
    coach,
    contract,
    export,
    goals,
    journal,
    logins,
    report,
    security,
    signals,
    time_zone,
)
from .. import settings as settings_logic
from ..agents import background
from ..api import clients as api_clients
from ..api import logins as api_logins
from ..api import pairing
from ..db import get_db
from ..first_run import ways_to_start
from ..labels import all_labels
from ..rules import list_rules
from ..words import duration, plural
from . import settings_form

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

LOW_COVERAGE = 0.6  # below this share of tagged time, a ratio is labelled as shaky
FEW_SESSIONS = 5  # a ratio from fewer tagged sessions is labelled an early reading
HALF = 440  # the width of a chart drawn in half the overview's column, in SVG units
RANGES = {"4w": ("Last 4 weeks", 27), "12w": ("Last 12 weeks", 83), "1y": ("Last year", 364)}


def _day(name, default):
    """A date from the query string, or `default` when absent or not a date."""
    try:
        return date.fromisoformat(request.args[name])
    except (KeyError, ValueError):
        return default


def _zone():
    """The time zone the page's days and times are in: its journal's (an imported one's too)."""
    if "time_zone" not in g:
        g.time_zone = time_zone.zone(get_db())
    return g.time_zone


def _chosen_range(today=None, since=None):
    """The dates the query string asks for; by default the last 12 weeks to `today`, or from
    `since` (the first day an imported journal covers) when that is within a year."""
    today = today or time_zone.today(_zone())
    preset = request.args.get("range", "12w")
    days = RANGES.get(preset, RANGES["12w"])[1]
    start = today - timedelta(days=days)
    if since and "range" not in request.args and today - timedelta(days=364) <= since <= today:
        start = since
    first = _day("from", start)
    last = _day("to", today)
    if first > last:
        first, last = last, first
    return first, last


@bp.route("/")
def index():
    """The overview, once this browser is logged in (see `login`)."""
    if not g.authenticated:
        return render_template("locked.html", expired=False), 401
    return _overview(get_db())


@bp.route("/login")
def login():
    """Trade a login link's single-use code (`candor open`) for a login cookie."""
    secret = logins.log_in(current_app.config["DATA_DIR"], request.args.get("code", ""),
                           browser=request.user_agent.string)
    if secret is None:
        return render_template("locked.html", expired=True), 401
    # Off the address bar at once; the code is used up anyway.
    response = redirect("/", code=303)
    response.set_cookie(security.cookie_name(current_app.config["PORT"]), secret,
                        httponly=True, samesite="Strict", path="/",
                        max_age=logins.LOGIN_LIFETIME_MS // 1000)
    return response


def _overview(db, imported=None):
    """The overview of the user's journal, or of an imported one (read-only).

    An imported journal's ranges end on the last day it covers, not the coach's today.
    """
    today = time_zone.today(_zone())
    covered = imported["covered"] if imported else {"from": None, "to": None}
    if covered["to"] and date.fromisoformat(covered["to"]) < today:
        today = date.fromisoformat(covered["to"])
    first, last = _chosen_range(today, covered["from"] and date.fromisoformat(covered["from"]))
    monday = today - timedelta(days=today.weekday())
    this_week = ("This week" if today == time_zone.today(_zone())
                 else f"Its last week exported (to {today:%d %b %Y})")
    weekly = report.stats(db, first, last, "week")
    # The value ratio and coverage of chats and of agent sessions, apart, beside the sites.
    by_site, range_by_kind = report.by_site_and_kind(db, first, last)
    by_hour = report.stats(db, first, last, "hour")["groups"]
    # By label only once there are labels: else it would be one bar, "(none)".
    by_label = (report.stats(db, first, last, "label")["groups"]
                if db.conn.execute("SELECT 1 FROM session_labels LIMIT 1").fetchone() else [])
    untagged = journal.list_sessions(db, tag="untagged", limit=1)[0]
    weeks = {g["key"] for g in weekly["groups"]}
    # A coach picks among the weeks the journal covers, whatever the range shown.
    week_keys = coach.covered_weeks(imported["covered"]) if imported else sorted(weeks,
                                                                                reverse=True)
    week = report.stats(db, monday, today)
    # Goals are the person's own: an imported journal's pages show none.
    goal = None if imported else goals.get_goals(db)
    return render_template(
        "overview.html", first=first, last=last, ranges=RANGES, imported=imported,
        week_notes=[n for n in coach.notes(db, "week") if n["key"] in weeks | set(week_keys)],
        week_keys=week_keys, this_week_label=this_week,
        this_week=week, chosen=weekly,
        kinds={"week": report.by_site_and_kind(db, monday, today)[1], "range": range_by_kind},
        first_run=None if imported else ways_to_start(db, current_app.config["AGENT_ROOTS"]),
        low_coverage=LOW_COVERAGE, few_sessions=FEW_SESSIONS,
        has_untagged=bool(untagged) and not imported,
        goals=goal, goals_met=goal and goals.met(goal, week),
        glance=report.at_a_glance(db, today), today=today, ratios_differ=report.ratios_differ,
        tag_chart=charts.time_by_tag(weekly),
        day_chart=charts.time_by_day(report.from_first_activity(
            report.stats(db, first, last, "day")["groups"])),
        ratio_chart=charts.ratio_over_time(report.from_first_activity(weekly["groups"])),
        site_chart=charts.time_by_site([{**g, "key": contract.site_name(g["key"])}
                                        for g in by_site[:10]], width=HALF),
        hour_chart=charts.time_by_hour(by_hour, width=HALF),
        label_chart=charts.time_by_site([{**g, "key": _short(g["key"])} for g in by_label[:12]],
                                        title="Active time by label") if by_label else None,
    )


def _short(label, at_most=22):
    """A label short enough for a chart's row name (labels run to 40 characters)."""
    return label if len(label) <= at_most else label[:at_most - 1] + "…"


def _page(db, **filters):
    """A page of 50 sessions from the one the query string's cursor names (or the newest)."""
    try:
        return journal.list_sessions(db, **filters, limit=50,
                                     cursor=request.args.get("cursor") or None)
    except journal.BadCursor:  # a mangled "Older sessions" link: start from the newest
        return journal.list_sessions(db, **filters, limit=50)


@bp.route("/review")
def review():
    """The review queue: untagged sessions, newest first, tagged from the keyboard."""
    db = get_db()
    signal = request.args.get("signal") if request.args.get("signal") in signals.NAMES else None
    site = request.args.get("site") or None
    most_signals = request.args.get("sort") == "signals"
    sessions, next_cursor = _page(db, tag="untagged", signal=signal, site=site,
                                  most_signals=most_signals)
    sites = journal.recent_sites(db)
    return render_template("review.html", sessions=sessions, next_cursor=next_cursor,
                           signal=signal, site=site, signal_names=signals.NAMES, sites=sites,
                           most_signals=most_signals, first_run=None if sessions else
                           ways_to_start(db, current_app.config["AGENT_ROOTS"]))


TAG_FILTERS = {"real": "Real output", "busywork": "Busywork", "unsure": "Unsure",
               "untagged": "Untagged"}
KIND_FILTERS = {"chat": "Chats", "agent": "Agent sessions"}


def _session_filters():
    """The Sessions page's filters from its query string; a value that makes no sense is left out.

    Kept in the address, so a filtered view can be bookmarked.
    """
    chosen = {
        "q": request.args.get("q", "").strip()[:200],
        "tag": request.args.get("tag") if request.args.get("tag") in TAG_FILTERS else None,
        "kind": request.args.get("kind") if request.args.get("kind") in KIND_FILTERS else None,
        "site": request.args.get("site", "")[:270],
        "label": request.args.get("label", "").strip()[:40],
        "signal": request.args.get("signal") if request.args.get("signal") in signals.NAMES
        else None,
        # Days the API would take too (2000 to 2999): a year 9999 has no day after it.
        **{name: day for name, day in (("from_day", _day("from", None)),
                                       ("to_day", _day("to", None)))
           if day and date(2000, 1, 1) <= day <= date(2999, 12, 31)},
    }
    if chosen.get("from_day") and chosen.get("to_day") and chosen["from_day"] > chosen["to_day"]:
        chosen["from_day"], chosen["to_day"] = chosen["to_day"], chosen["from_day"]
    return {name: value for name, value in chosen.items() if value}


def _filtered(db):
    """A page of sessions as the query string's filters and cursor ask, and what the filter
    form needs: the Sessions page's, and an imported journal's (its days in its zone)."""
    chosen = _session_filters()
    found, next_cursor = _page(db, **chosen)
    # The address of the next page: these filters, as the query string names them.
    named = {{"from_day": "from", "to_day": "to"}.get(k, k): str(v) for k, v in chosen.items()}
    sites = sorted(journal.sites(db), key=lambda site: contract.site_name(site).casefold())
    return {"sessions": found, "next_cursor": next_cursor, "chosen": named,
            "paged": bool(request.args.get("cursor")), "sites": sites,
            "signal_names": signals.NAMES, "labels": all_labels(db), "tags": TAG_FILTERS,
            "kinds": KIND_FILTERS}


@bp.route("/sessions")
def sessions():
    """Every session, chat and agent, newest first: filtered, searched, tagged in place."""
    return render_template("sessions.html", **_filtered(get_db()))


def _span_seconds(session):
    """Seconds from a session's start to its end: what its active time is a part of."""
    return (datetime.fromisoformat(session["ended_at"])
            - datetime.fromisoformat(session["started_at"])).total_seconds()


@bp.route("/sessions/<uuid:session_id>")
def session_page(session_id):
    """One session: its timeline, signals, tag history, note and outcome link."""
    try:
        session = journal.session_detail(get_db(), str(session_id))
    except journal.NotFound:
        abort(404, f"No session {session_id}.")
    return render_template("session.html", s=session, span_seconds=_span_seconds(session),
                           coach_notes=coach.notes(get_db(), "session", session["id"]))


@bp.route("/journals")
def journals():
    """Imported journals side by side, for a coach; sorted by any column (?sort=, ?order=)."""
    first, last = _chosen_range()
    sort = request.args.get("sort") if request.args.get("sort") in coach.SORTS else "owner"
    descending = request.args.get("order") == "desc"
    rows = coach.side_by_side(get_db(), current_app.config["DATA_DIR"], first, last, sort,
                              descending)
    return render_template("journals.html", rows=rows, first=first, last=last, ranges=RANGES,
                           low_coverage=LOW_COVERAGE, sort=sort, descending=descending)


@contextmanager
def _imported(name):
    """An imported journal's details and its database, or a 404."""
    try:
        details = coach.journal(get_db(), name)
        jdb = coach.open_journal(get_db(), current_app.config["DATA_DIR"], name)
    except coach.UnknownJournal:  # never imported, or its file is gone or damaged
        abort(404, f"No imported journal {name!r} to show.")
    g.time_zone = time_zone.zone(jdb)  # shown in its worker's zone
    try:
        yield {**details, "covered": coach.covered(jdb, details)}, jdb
    finally:
        jdb.close()


@bp.route("/journals/<string:name>")
def journal_overview(name):
    """An imported journal's overview, read-only."""
    with _imported(name) as (details, jdb):
        return _overview(jdb, imported=details)


def _left_out(redaction):
    """What an imported journal's search can't look in, in words ('' when the export kept
    titles and notes)."""
    gone = [what for what in ("titles", "notes") if what in redaction]
    kept = [what for what in ("titles", "notes") if what not in gone]
    if not gone:
        return ""
    return (f"Its owner left {' and '.join(gone)} out of the export: "
            + (f"the search looks in {kept[0]} only." if kept else "there is nothing to search."))


@bp.route("/journals/<string:name>/sessions")
def journal_sessions(name):
    """An imported journal's sessions, newest first, read-only: filtered and searched as the
    Sessions page is, its dates in its worker's zone."""
    with _imported(name) as (details, jdb):
        changes = details["changes"] or {"new": [], "retagged": []}
        return render_template("journal_sessions.html", imported=details, **_filtered(jdb),
                               search_hint=_left_out(details["redaction"]),
                               new_ids=set(changes["new"]),
                               retagged={c["id"]: c["from"] for c in changes["retagged"]})


@bp.route("/journals/<string:name>/sessions/<uuid:session_id>")
def journal_session(name, session_id):
    """One session of an imported journal, read-only."""
    with _imported(name) as (details, jdb):
        try:
            session = journal.session_detail(jdb, str(session_id))
        except journal.NotFound:
            abort(404, f"No session {session_id}.")
        return render_template("session.html", s=session, imported=details,
                               span_seconds=_span_seconds(session),
                               coach_notes=coach.notes(jdb, "session", session["id"]))


# What a rule can match, as the Settings page names it.
RULE_FIELDS = {"title": "title", "site": "site", "project": "project folder", "url": "address"}
TAG_NAMES = {"real": "Real output", "busywork": "Busywork", "unsure": "Unsure"}


@bp.route("/settings")
def settings():
    """Pairing, privacy and the data: what Candor keeps and how to take it out."""
    return render_template("settings.html", data_dir=current_app.config["DATA_DIR"],
                           version=__version__, logins=api_logins.current_logins(),
                           time_zone=time_zone.name(get_db()), time_zones=time_zone.names(),
                           owner=export.owner_name(get_db()),
                           **settings_form.context(get_db()),
                           rules=list_rules(get_db()), rule_fields=RULE_FIELDS,
                           tag_names=TAG_NAMES,
                           agent_sources=background.sources(
                               get_db(), current_app.config["AGENT_ROOTS"]))


@bp.route("/connect")
def connect():
    """The page the extension recognises to pair itself: it trades this page's code for the token."""
    return render_template("connect.html", pairing=pairing.new_code())


# The one duration format (45 s, 12 min, 3 h 05 min) and counts with their noun ("1 prompt").
bp.app_template_filter("minutes")(duration)
bp.app_template_filter("duration")(duration)
bp.app_template_filter("plural")(plural)


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


@bp.app_template_filter("browser_name")
def browser_name(user_agent):
    """A User-Agent as a person names it: 'Firefox on Linux' (or 'A browser')."""
    user_agent = user_agent or ""
    name = next((n for key, n in _BROWSERS if key in user_agent), "A browser")
    system = next((s for key, s in _SYSTEMS if key in user_agent), None)
    return f"{name} on {system}" if system else name


_COUNTED_WITH = {
    "o200k": "tokens counted with o200k",
    "chars/4": "estimated (characters ÷ 4)",
    "mixed": "mixed (o200k and characters ÷ 4)",
}


@bp.app_template_filter("counted_with")
def counted_with(tokenizer):
    """How a session's tokens were counted, in words ('' when it has none)."""
    return _COUNTED_WITH.get(tokenizer, "")


bp.app_template_filter("site_name")(contract.site_name)
bp.app_template_filter("changes")(coach.describe_changes)


@bp.app_template_filter("day_span")
def day_span(span):
    """{"from", "to"} ISO dates as '16 Nov – 5 Dec 2026' (a dash for an end not known)."""
    first, last = (date.fromisoformat(d) if d else None for d in (span["from"], span["to"]))
    pattern = _date_format()
    if (first and last and first.year == last.year
            and pattern == settings_logic.DEFAULT_DATE_FORMAT):
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    shown = [settings_logic.format_date(d, pattern) if d else "—" for d in (first, last)]
    return " – ".join(shown)


def _date_format():
    """How this person chose to see dates (their journal's setting, on an imported one's too)."""
    if "date_format" not in g:
        g.date_format = settings_logic.date_format(get_db())
    return g.date_format


@bp.app_template_filter("date")
def show_date(day):
    """A date (or an ISO date) as the person chose to see dates: 5 Dec 2026, 12/5/2026…"""
    return settings_logic.show_date(day, _date_format())


@bp.app_template_filter("percent")
def percent(value):
    """A ratio as a whole percentage, or a dash when there is none."""
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.app_template_filter("clock")
def clock(iso_text):
    """An ISO time from the API as local '14:05:09'."""
    return datetime.fromisoformat(iso_text).astimezone(_zone()).strftime("%H:%M:%S")


@bp.app_template_filter("when_ms")
def when_ms(ms):
    """Milliseconds since the epoch as local 'Mon 23 Nov 2026, 14:05'."""
    return when(journal.iso(ms))


@bp.app_template_filter("when")
def when(iso_text):
    """An ISO time from the API as local 'Mon 23 Nov 2026, 14:05' (in the chosen date format)."""
    moment = datetime.fromisoformat(iso_text).astimezone(_zone())
    return f"{moment:%a} {show_date(moment.date())}, {moment:%H:%M}"


@bp.app_context_processor
def shown_time_zone():
    """The zone the page's days and times are in, which every dashboard page names."""
    return {"shown_time_zone": _zone().key if g.get("authenticated") else None}


@bp.app_context_processor
def extension_status():
    """Whether an extension is paired (the menu offers Connect until one is), for every page."""
    if not g.get("authenticated"):
        return {"extension_status": None}
    return {"extension_status": api_clients.status()}


_BROWSER_LABELS = {"chrome": "Chrome", "firefox": "Firefox"}


@bp.app_template_filter("browser_label")
def browser_label(browser):
    """The browser an extension runs in, as people name it: 'Chrome', 'Firefox'."""
    return _BROWSER_LABELS.get(browser or "", browser or "A browser's")


def init_app(app):
    """Register the dashboard's pages."""
    app.register_blueprint(bp)
