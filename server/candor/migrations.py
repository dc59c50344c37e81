"""Numbered schema migrations. Never edit one that has shipped: add the next."""

import uuid

from sqlite_utils.migrations import Migrations

from . import time_zone

journal = Migrations("candor")

# Times are integer milliseconds since the epoch (UTC); buckets are seconds.
BUCKET_SECONDS = 15 * 60


@journal(name="m001_events_sessions_tags")
def m001(db):
    """Events as received, per-session totals, and the history of tag changes."""
    _run(
        db,
        """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL,
            type TEXT NOT NULL,
            ts INTEGER NOT NULL,
            site TEXT NOT NULL,
            active_ms INTEGER,
            prompt_chars INTEGER,
            response_chars INTEGER,
            est_tokens INTEGER,
            fingerprint TEXT,
            model TEXT,
            url TEXT,
            title TEXT,
            client_id TEXT,
            received_at INTEGER NOT NULL
        );
        CREATE INDEX events_by_session ON events (session_id, ts);

        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            site_key TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NOT NULL,
            active_ms INTEGER NOT NULL DEFAULT 0,
            prompts INTEGER NOT NULL DEFAULT 0,
            responses INTEGER NOT NULL DEFAULT 0,
            copies INTEGER NOT NULL DEFAULT 0,
            est_tokens_in INTEGER NOT NULL DEFAULT 0,
            est_tokens_out INTEGER NOT NULL DEFAULT 0,
            model TEXT, model_key TEXT,
            url TEXT, url_key TEXT,
            title TEXT, title_key TEXT,
            tag TEXT CHECK (tag IN ('real', 'busywork', 'unsure')),
            note TEXT,
            outcome_url TEXT
        );
        CREATE INDEX sessions_newest ON sessions (started_at DESC, id DESC);

        CREATE TABLE tag_changes (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            old_tag TEXT,
            new_tag TEXT,
            at INTEGER NOT NULL
        );
        CREATE INDEX tag_changes_by_session ON tag_changes (session_id, at);
        """
    )


@journal(name="m002_buckets_and_forgotten")
def m002(db):
    """Active time in 15-minute buckets for fast reports, and forgotten sessions.

    Buckets are 15 minutes of UTC, so any local day or hour (every time zone is
    a whole number of quarter hours off UTC) is a whole number of buckets, and a
    session that spans midnight is split by when its active time happened.
    Each bucket carries its session's tag so reports need no join.
    """
    _run(
        db,
        f"""
        CREATE TABLE session_buckets (
            session_id TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            tag TEXT,
            active_ms INTEGER NOT NULL DEFAULT 0,
            est_tokens INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (session_id, bucket)
        ) WITHOUT ROWID;
        CREATE INDEX session_buckets_by_time ON session_buckets (bucket, tag, active_ms);

        INSERT INTO session_buckets (session_id, bucket, tag, active_ms, est_tokens)
        SELECT e.session_id,
               (e.ts / 1000 / {BUCKET_SECONDS}) * {BUCKET_SECONDS},
               s.tag,
               SUM(COALESCE(e.active_ms, 0)),
               SUM(CASE WHEN e.type IN ('prompt', 'response') THEN COALESCE(e.est_tokens, 0)
                        ELSE 0 END)
        FROM events e JOIN sessions s ON s.id = e.session_id
        GROUP BY 1, 2;

        -- A forgotten session stays forgotten: late re-sends of its events are
        -- acknowledged but not stored again.
        CREATE TABLE forgotten_sessions (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """
    )


@journal(name="m003_covering_report_indexes")
def m003(db):
    """Indexes that answer a year of reports from the index alone (no table lookups)."""
    _run(
        db,
        """
        DROP INDEX session_buckets_by_time;
        CREATE INDEX session_buckets_by_time
            ON session_buckets (bucket, tag, active_ms, est_tokens);
        CREATE INDEX sessions_by_start ON sessions (started_at, tag, site)
        """,
    )


@journal(name="m004_session_signals")
def m004(db):
    """A cache of each session's signals (JSON; NULL until computed, and when stale)."""
    _run(db, "ALTER TABLE sessions ADD COLUMN signals TEXT")


@journal(name="m005_imported_journals")
def m005(db):
    """Journals a coach imported (each one's sessions live in a file of its own)."""
    _run(
        db,
        """
        CREATE TABLE journals (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            verified INTEGER NOT NULL,
            file_sha256 TEXT NOT NULL UNIQUE,
            exported_at TEXT,
            range_from TEXT,
            range_to TEXT,
            redaction TEXT NOT NULL DEFAULT '',
            imported_at INTEGER NOT NULL
        )
        """,
    )


@journal(name="m006_coach_notes")
def m006(db):
    """A coach's notes on sessions and weeks ('' is the coach writing in this journal)."""
    _run(
        db,
        """
        CREATE TABLE coach_notes (
            coach TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('session', 'week')),
            key TEXT NOT NULL,
            note TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (coach, kind, key)
        ) WITHOUT ROWID;
        ALTER TABLE journals ADD COLUMN head TEXT
        """,
    )


@journal(name="m007_day_totals")
def m007(db):
    """Per local day and tag: active time, tokens and sessions started, kept by triggers.

    A year of reports then reads 365 rows per tag instead of every bucket and
    session. Time and tokens follow the 15-minute buckets; a session counts on
    the day it started. Days are the machine's local days ('localtime');
    `db.connect` rebuilds the table when the machine's time zone changes.
    Untagged is the tag ''.
    """
    db.execute(
        "CREATE TABLE day_totals (day TEXT NOT NULL, tag TEXT NOT NULL, "
        "active_ms INTEGER NOT NULL DEFAULT 0, est_tokens INTEGER NOT NULL DEFAULT 0, "
        "sessions INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, tag)) WITHOUT ROWID"
    )
    bucket_day = "date({}.bucket, 'unixepoch', 'localtime')"
    add_time = _day_change(bucket_day.format("NEW"), "coalesce(NEW.tag, '')",
                           active_ms="NEW.active_ms", est_tokens="NEW.est_tokens")
    take_time = _day_change(bucket_day.format("OLD"), "coalesce(OLD.tag, '')",
                            active_ms="-OLD.active_ms", est_tokens="-OLD.est_tokens")
    db.execute(f"CREATE TRIGGER day_time_add AFTER INSERT ON session_buckets "
               f"BEGIN {add_time} END")
    db.execute(f"CREATE TRIGGER day_time_take AFTER DELETE ON session_buckets "
               f"BEGIN {take_time} END")
    db.execute(f"CREATE TRIGGER day_time_change AFTER UPDATE ON session_buckets "
               f"BEGIN {take_time} {add_time} END")
    start_day = "date({}.started_at / 1000, 'unixepoch', 'localtime')"
    add_session = _day_change(start_day.format("NEW"), "coalesce(NEW.tag, '')", sessions="1")
    take_session = _day_change(start_day.format("OLD"), "coalesce(OLD.tag, '')",
                               sessions="-1")
    db.execute(f"CREATE TRIGGER day_sessions_add AFTER INSERT ON sessions "
               f"BEGIN {add_session} END")
    db.execute(f"CREATE TRIGGER day_sessions_take AFTER DELETE ON sessions "
               f"BEGIN {take_session} END")
    db.execute(
        "CREATE TRIGGER day_sessions_change AFTER UPDATE OF started_at, tag ON sessions "
        f"WHEN {start_day.format('OLD')} IS NOT {start_day.format('NEW')} "
        f"OR OLD.tag IS NOT NEW.tag BEGIN {take_session} {add_session} END"
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
    rebuild_day_totals(db)


def _day_change(day, tag, active_ms="0", est_tokens="0", sessions="0"):
    """SQL adding the given amounts to one day_totals row (made if missing)."""
    return (
        "INSERT INTO day_totals (day, tag, active_ms, est_tokens, sessions) "
        f"VALUES ({day}, {tag}, {active_ms}, {est_tokens}, {sessions}) "
        "ON CONFLICT (day, tag) DO UPDATE SET active_ms = active_ms + excluded.active_ms, "
        "est_tokens = est_tokens + excluded.est_tokens, "
        "sessions = sessions + excluded.sessions;"
    )


def rebuild_day_totals(db):
    """Recompute day_totals from the buckets and sessions, in the connection's local_day()."""
    db.execute("DELETE FROM day_totals")
    db.execute(
        "INSERT INTO day_totals (day, tag, active_ms, est_tokens) "
        "SELECT local_day(bucket), coalesce(tag, ''), SUM(active_ms), "
        "SUM(est_tokens) FROM session_buckets GROUP BY 1, 2"
    )
    db.execute(
        "INSERT INTO day_totals (day, tag, sessions) "
        "SELECT local_day(started_at / 1000), coalesce(tag, ''), count(*) "
        "FROM sessions WHERE true GROUP BY 1, 2 "
        "ON CONFLICT (day, tag) DO UPDATE SET sessions = excluded.sessions"
    )


def _run(db, script):
    """Run each statement of `script` inside the migration's transaction.

    (sqlite3's executescript() would commit first, breaking the all-or-nothing.)
    """
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def apply(db, stop_before=None):
    """Bring `db` up to the newest schema (or stop before the named migration)."""
    if not hasattr(db, "time_zone"):  # the day triggers and rebuilds use local_day()
        time_zone.install(db)
    journal.apply(db, stop_before=stop_before)


@journal(name="m008_forgotten_through")
def m008(db):
    """How far each forgetting reaches: re-sent events up to `through_ts` stay ignored.

    `through_ts` is the later of when the session was forgotten and its last event
    (so a browser whose clock runs ahead can't bring the forgotten part back); events
    after it start a new session (ingest). Forgettings made before reach to their `at`.
    """
    _run(
        db,
        """
        ALTER TABLE forgotten_sessions ADD COLUMN through_ts INTEGER NOT NULL DEFAULT 0;
        UPDATE forgotten_sessions SET through_ts = at
        """,
    )


@journal(name="m009_journal_time_zone")
def m009(db):
    """One time zone for the journal, kept in meta: days no longer follow each process's TZ.

    Days were SQLite's 'localtime', the zone of whichever process wrote: a CLI run
    under another TZ rebuilt day_totals while a running server kept adding in its
    own. Now the triggers use local_day(), which every connection defines from the
    stored zone (time_zone.py); the zone is the machine's at this migration, found
    once, changed only on purpose (Settings, `candor time-zone`), and day_totals are
    rebuilt in it here.
    """
    for name in ("day_time_add", "day_time_take", "day_time_change", "day_sessions_add",
                 "day_sessions_take", "day_sessions_change"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    bucket_day = "local_day({}.bucket)"
    add_time = _day_change(bucket_day.format("NEW"), "coalesce(NEW.tag, '')",
                           active_ms="NEW.active_ms", est_tokens="NEW.est_tokens")
    take_time = _day_change(bucket_day.format("OLD"), "coalesce(OLD.tag, '')",
                            active_ms="-OLD.active_ms", est_tokens="-OLD.est_tokens")
    db.execute(f"CREATE TRIGGER day_time_add AFTER INSERT ON session_buckets "
               f"BEGIN {add_time} END")
    db.execute(f"CREATE TRIGGER day_time_take AFTER DELETE ON session_buckets "
               f"BEGIN {take_time} END")
    db.execute(f"CREATE TRIGGER day_time_change AFTER UPDATE ON session_buckets "
               f"BEGIN {take_time} {add_time} END")
    start_day = "local_day({}.started_at / 1000)"
    add_session = _day_change(start_day.format("NEW"), "coalesce(NEW.tag, '')", sessions="1")
    take_session = _day_change(start_day.format("OLD"), "coalesce(OLD.tag, '')",
                               sessions="-1")
    db.execute(f"CREATE TRIGGER day_sessions_add AFTER INSERT ON sessions "
               f"BEGIN {add_session} END")
    db.execute(f"CREATE TRIGGER day_sessions_take AFTER DELETE ON sessions "
               f"BEGIN {take_session} END")
    # Most updates of a session move its end, not its start: local_day() isn't asked then.
    db.execute(
        "CREATE TRIGGER day_sessions_change AFTER UPDATE OF started_at, tag ON sessions "
        f"WHEN (OLD.started_at IS NOT NEW.started_at AND {start_day.format('OLD')} IS NOT "
        f"{start_day.format('NEW')}) OR OLD.tag IS NOT NEW.tag "
        f"BEGIN {take_session} {add_session} END"
    )
    zone = time_zone.stored(db) or time_zone.machine()
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
               [time_zone.META_KEY, zone])
    db.execute("DELETE FROM meta WHERE key = 'day_totals_zone'")
    time_zone.use(db, zone)
    rebuild_day_totals(db)


@journal(name="m010_tokenizer")
def m010(db):
    """Which tokenizer counted each event's tokens, and what that makes of each session.

    `events.tokenizer` is as sent: o200k, chars/4, or NULL (sent before the field existed).
    `sessions.tokenizers` is a set kept as bits (1 o200k, 2 chars/4: ORed, so any order or
    repeat of the same events gives the same set), and `sessions.tokenizer` its name: o200k,
    chars/4, mixed, or NULL for a session without tokens. Tokens sent before the field
    existed were all counted as characters / 4, so those sessions say chars/4.
    """
    _run(
        db,
        """
        ALTER TABLE events ADD COLUMN tokenizer TEXT;
        ALTER TABLE sessions ADD COLUMN tokenizers INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN tokenizer TEXT;
        UPDATE sessions SET tokenizers = 2, tokenizer = 'chars/4'
        WHERE id IN (SELECT session_id FROM events
                     WHERE type IN ('prompt', 'response') AND est_tokens IS NOT NULL)
        """,
    )


@journal(name="m011_agent_sessions")
def m011(db):
    """Agent sessions beside chat ones: a `kind`, exact token counts, and what their scans keep.

    A chat session keeps NULL in the agent columns. `agent_requests` holds one row per
    model request (keyed as its source names it, so a request seen twice is stored once)
    and `agent_times` the times of a session's records: an agent session's totals are
    rebuilt from them, so reading a file again never counts anything twice.
    `agent_files` remembers how far each log file was read. Only numbers, ids, model
    names and times are kept, never a message.
    """
    _run(
        db,
        """
        ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat';
        ALTER TABLE sessions ADD COLUMN tokens_in INTEGER;
        ALTER TABLE sessions ADD COLUMN tokens_out INTEGER;
        ALTER TABLE sessions ADD COLUMN tokens_cache_read INTEGER;
        ALTER TABLE sessions ADD COLUMN tokens_cache_write INTEGER;
        ALTER TABLE sessions ADD COLUMN tokens_reasoning INTEGER;
        ALTER TABLE sessions ADD COLUMN requests INTEGER;
        ALTER TABLE sessions ADD COLUMN tool_calls INTEGER;
        ALTER TABLE sessions ADD COLUMN models TEXT;
        ALTER TABLE sessions ADD COLUMN project TEXT;
        CREATE INDEX sessions_by_kind ON sessions (kind, started_at);

        CREATE TABLE agent_requests (
            site TEXT NOT NULL,
            key TEXT NOT NULL,
            session_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            model TEXT,
            tokens_in INTEGER,
            tokens_out INTEGER,
            tokens_cache_read INTEGER,
            tokens_cache_write INTEGER,
            tokens_reasoning INTEGER,
            rank INTEGER NOT NULL,
            PRIMARY KEY (site, key)
        ) WITHOUT ROWID;
        CREATE INDEX agent_requests_by_session ON agent_requests (session_id, ts);

        CREATE TABLE agent_times (
            session_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (session_id, ts)
        ) WITHOUT ROWID;

        CREATE TABLE agent_tool_calls (
            session_id TEXT NOT NULL,
            call_id TEXT NOT NULL,
            PRIMARY KEY (session_id, call_id)
        ) WITHOUT ROWID;

        CREATE TABLE agent_files (
            path TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            lines INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            state TEXT
        )
        """,
    )


@journal(name="m012_agent_projects")
def m012(db):
    """The projects an agent session's records name, with when: the latest one is the session's.

    Kept per record time (like agent_times), so scans in any order agree on the project.
    """
    db.execute(
        "CREATE TABLE agent_projects (session_id TEXT NOT NULL, ts INTEGER NOT NULL, "
        "project TEXT NOT NULL, PRIMARY KEY (session_id, ts, project)) WITHOUT ROWID"
    )


@journal(name="m013_agent_outcomes")
def m013(db):
    """What an agent session did and how it went: tool names, the person's prompts, failed
    requests, OTLP metric points, and the outcome counts rebuilt from them.

    `agent_metrics` keeps each point once, by its series (the metric and its attributes)
    and time, so an exporter re-sending a batch counts nothing twice; a cumulative series
    counts its latest point, a delta series the sum of its points.
    """
    _run(
        db,
        """
        ALTER TABLE agent_tool_calls ADD COLUMN tool TEXT;
        ALTER TABLE agent_tool_calls ADD COLUMN ts INTEGER;

        CREATE TABLE agent_prompts (
            session_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (session_id, ts)
        ) WITHOUT ROWID;

        CREATE TABLE agent_errors (
            session_id TEXT NOT NULL,
            key TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (session_id, key)
        ) WITHOUT ROWID;

        CREATE TABLE agent_metrics (
            series TEXT NOT NULL,
            ts INTEGER NOT NULL,
            session_id TEXT NOT NULL,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            cumulative INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (series, ts)
        ) WITHOUT ROWID;
        CREATE INDEX agent_metrics_by_session ON agent_metrics (session_id, name);

        ALTER TABLE sessions ADD COLUMN edits INTEGER;
        ALTER TABLE sessions ADD COLUMN lines_changed INTEGER;
        ALTER TABLE sessions ADD COLUMN commits INTEGER;
        ALTER TABLE sessions ADD COLUMN pull_requests INTEGER;
        """,
    )


@journal(name="m014_clients")
def m014(db):
    """The extensions that pair with and sync to this journal: which browser, when, what waits.

    One row per extension install (its own random id). `paired_at` is set when it trades
    a pairing code for the token, `last_sync` by each batch of events it sends, in the
    same transaction as the events, with `waiting`: the events it still held to send.
    """
    db.execute(
        "CREATE TABLE clients (id TEXT PRIMARY KEY, browser TEXT, extension_version TEXT, "
        "paired_at INTEGER, last_sync INTEGER, waiting INTEGER)"
    )


@journal(name="m015_journal_updates")
def m015(db):
    """The journal's id, and an imported journal's id (a newer export of it updates it in
    place) and what changed.

    The journal's own id is made here, once, and kept in meta: exports carry it, and an
    export is a read that never waits for a write. `journals.journal_id` is the worker's
    journal's (version 2 exports carry it); NULL for journals imported from version 1
    files. `changes` is JSON: what the last newer export changed (new sessions, changed
    tags, removed ones), for its pages to say.
    """
    _run(
        db,
        """
        ALTER TABLE journals ADD COLUMN journal_id TEXT;
        ALTER TABLE journals ADD COLUMN changes TEXT;
        CREATE UNIQUE INDEX journals_by_id ON journals (journal_id) WHERE journal_id IS NOT NULL
        """,
    )
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('journal_id', ?)",
               [str(uuid.uuid4())])


@journal(name="m016_sessions_filtered_newest_first")
def m016(db):
    """Indexes for the session list filtered by site, tag or kind, newest first, a page at a time.

    Each answers one filter in list order, and a page's cursor, (started_at, id), seeks
    into it: a page costs the same on the first day and ten years later, and a rare site
    or tag is not found by walking every session. Sites are listed along the first.
    """
    _run(
        db,
        """
        CREATE INDEX sessions_by_site_newest ON sessions (site, started_at DESC, id DESC);
        CREATE INDEX sessions_by_tag_newest ON sessions (tag, started_at DESC, id DESC);
        CREATE INDEX sessions_by_kind_newest ON sessions (kind, started_at DESC, id DESC)
        """,
    )


@journal(name="m017_labels_and_rules")
def m017(db):
    """Labels on sessions, the rules that add labels or suggest tags, and what each matched.

    A label is the person's own word for a project or client, several per session. A rule
    adds a label or suggests a tag (`sessions.suggested_tag`, never the tag itself) to the
    sessions whose site, title, project or URL its pattern matches. `rules_checked` says
    the rules have seen a session: they look at each once as it ends (rules.py), and at
    every session again when asked to. Sessions already here are left for that request.
    """
    _run(
        db,
        """
        CREATE TABLE session_labels (
            session_id TEXT NOT NULL,
            label TEXT NOT NULL,
            PRIMARY KEY (session_id, label)
        ) WITHOUT ROWID;
        CREATE INDEX session_labels_by_label ON session_labels (label, session_id);

        CREATE TABLE rules (
            id INTEGER PRIMARY KEY,
            field TEXT NOT NULL CHECK (field IN ('site', 'title', 'project', 'url')),
            match TEXT NOT NULL CHECK (match IN ('glob', 'regex')),
            pattern TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('label', 'suggest')),
            value TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE rule_matches (
            rule_id INTEGER NOT NULL,
            session_id TEXT NOT NULL,
            PRIMARY KEY (rule_id, session_id)
        ) WITHOUT ROWID;
        CREATE INDEX rule_matches_by_session ON rule_matches (session_id);

        ALTER TABLE sessions ADD COLUMN suggested_tag TEXT
            CHECK (suggested_tag IN ('real', 'busywork', 'unsure'));
        ALTER TABLE sessions ADD COLUMN rules_checked INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET rules_checked = 1;
        CREATE INDEX sessions_rules_unchecked ON sessions (ended_at) WHERE rules_checked = 0
        """,
    )


@journal(name="m018_machines")
def m018(db):
    """Which machine each session came from, and when its note, outcome link and labels
    last changed: what merging the journals of one person's several machines needs.

    `sessions.machine` is NULL for a session this journal's own machine saw, else the id
    of the machine a merge brought it from (`machines` names each one). This journal's
    own machine id is made here, once, and kept in meta. A merge keeps the latest of
    two notes (outcome links, label sets) by `note_at` (`outcome_at`, `labels_at`),
    in milliseconds; NULL where it never changed since this migration.
    """
    _run(
        db,
        """
        ALTER TABLE sessions ADD COLUMN machine TEXT;
        ALTER TABLE sessions ADD COLUMN note_at INTEGER;
        ALTER TABLE sessions ADD COLUMN outcome_at INTEGER;
        ALTER TABLE sessions ADD COLUMN labels_at INTEGER;
        CREATE TABLE machines (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            merged_at INTEGER
        ) WITHOUT ROWID
        """,
    )
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('machine_id', ?)",
               [str(uuid.uuid4())])


@journal(name="m019_client_titles")
def m019(db):
    """Whether each extension keeps conversation titles, and a change asked of it.

    `clients.titles` is what the extension last said (1 keeps them, 0 leaves them out,
    NULL: it never said). `titles_wish` is what the Settings page asked of it, carried in
    the answer to its batches until it says it did (then NULL again): the choice stays the
    extension's, and its options page can change it back.
    """
    _run(
        db,
        """
        ALTER TABLE clients ADD COLUMN titles INTEGER;
        ALTER TABLE clients ADD COLUMN titles_wish INTEGER
        """,
    )
