"""Versioned schema migrations, applied in order inside one transaction each.

``PRAGMA user_version`` holds the version reached. Append new steps; never edit
a released one.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: tickets, counters, per-day numbering and the event outbox.
    """
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO kv (key, value) VALUES ('event_seq', 0), ('rank', 0);

    CREATE TABLE day_numbers (
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (day, service)
    ) WITHOUT ROWID;

    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        number TEXT NOT NULL,
        seq INTEGER NOT NULL,
        origin_service TEXT NOT NULL,
        service TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN
            ('issued', 'waiting', 'called', 'done', 'missed', 'void', 'expired')),
        rank INTEGER NOT NULL,
        issued_at REAL NOT NULL,
        queued_at REAL NOT NULL,
        called_at REAL,
        finished_at REAL,
        counter INTEGER,
        recalls INTEGER NOT NULL DEFAULT 0,
        reentries INTEGER NOT NULL DEFAULT 0,
        service_seconds REAL,
        UNIQUE (day, number),
        UNIQUE (day, origin_service, seq)
    );
    CREATE INDEX tickets_queue ON tickets (status, service, rank);
    CREATE INDEX tickets_day ON tickets (day, service);
    CREATE INDEX tickets_served ON tickets (service, finished_at) WHERE status = 'done';

    CREATE TABLE counter_state (
        counter INTEGER PRIMARY KEY,
        ticket_id INTEGER REFERENCES tickets (id),
        paused INTEGER NOT NULL DEFAULT 0,
        pause_reason TEXT NOT NULL DEFAULT '',
        paused_at REAL,
        streak_priority INTEGER NOT NULL DEFAULT 0,
        streak_normal INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        ts TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
    # 2: who served a ticket, the ticket a counter just finished, satisfaction ratings.
    """
    ALTER TABLE tickets ADD COLUMN staff TEXT;
    ALTER TABLE counter_state ADD COLUMN last_done_id INTEGER REFERENCES tickets (id);
    ALTER TABLE counter_state ADD COLUMN last_done_at REAL;

    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
        day TEXT NOT NULL,
        counter INTEGER NOT NULL,
        service TEXT NOT NULL,
        staff TEXT,
        choice INTEGER NOT NULL,
        label TEXT NOT NULL,
        score INTEGER NOT NULL,
        rated_at REAL NOT NULL
    );
    CREATE INDEX ratings_day ON ratings (day, counter);
    """,
    # 3: call-next reads only the head of each queue, however many wait.
    """
    CREATE INDEX tickets_heads ON tickets (status, service, priority, rank);
    CREATE INDEX tickets_age ON tickets (status, service, queued_at);
    """,
    # 4: the calls the wall display shows and the voice says; daemons' health.
    """
    CREATE TABLE calls (
        -- AUTOINCREMENT: ids never come back after old calls are deleted, so a display
        -- that remembers the last call it said never mistakes a new one for an old one.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        day TEXT NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        number TEXT NOT NULL,
        service TEXT NOT NULL,
        counter INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('call', 'recall')),
        at REAL NOT NULL
    );
    CREATE INDEX calls_day ON calls (day, id);

    CREATE TABLE health (
        daemon TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        detail TEXT NOT NULL,
        pid INTEGER,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 5: the dossier cache for the look-up screen, and the scans shown on it.
    """
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY,
        procedure TEXT NOT NULL,
        applicant TEXT NOT NULL,
        status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
        received_at REAL,
        due_at REAL,
        returned_at REAL,
        steps TEXT NOT NULL,
        pickup TEXT NOT NULL,
        pickup_counter INTEGER,
        fee TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at REAL NOT NULL
    );
    -- Purging finds returned dossiers by when they were returned (or last updated).
    CREATE INDEX dossiers_returned ON dossiers (coalesce(returned_at, updated_at))
        WHERE status = 10;

    CREATE TABLE scans (
        -- AUTOINCREMENT: a screen remembering the last scan it showed never mistakes
        -- a new one for it after old scans are deleted.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scanner TEXT NOT NULL,
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        view TEXT NOT NULL,
        at REAL NOT NULL
    );
    """,
    # 6: sync: the outbox's identity and ack, and commands from central (each run once).
    """
    INSERT INTO kv (key, value) VALUES
        ('outbox_db', lower(hex(randomblob(16)))),
        ('outbox_acked', 0);

    CREATE TABLE commands (
        id TEXT PRIMARY KEY,
        cmd TEXT NOT NULL,
        args TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
        result TEXT,
        received_at REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX commands_open ON commands (cmd, state) WHERE state IN ('pending', 'running');
    CREATE INDEX commands_finished ON commands (finished_at);
    """,
    # 7: a command's answer is marked once published, so one finished while the link
    # (or the sync daemon) was down is answered when it is back.
    """
    ALTER TABLE commands ADD COLUMN answered_at REAL;
    UPDATE commands SET answered_at = finished_at WHERE result IS NOT NULL;
    CREATE INDEX commands_unanswered ON commands (finished_at)
        WHERE result IS NOT NULL AND answered_at IS NULL;
    """,
    # 8: how long each called citizen waited, so the device computes its daily statistics
    # from its own tables (its events leave once central has them).
    """
    ALTER TABLE calls ADD COLUMN waited REAL;
    """,
    # 9: the procedure catalogue: each procedure whole (its record in this project's
    # format), and its search index: words as written and without accents, and the
    # trigrams of every word for forgiving a slip of the finger.
    """
    CREATE TABLE procedures (
        code TEXT PRIMARY KEY,
        national TEXT NOT NULL,
        name TEXT NOT NULL,
        field_code TEXT NOT NULL,
        field_name TEXT NOT NULL,
        service TEXT NOT NULL,
        version INTEGER NOT NULL,
        record TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX procedures_national ON procedures (national);
    CREATE INDEX procedures_field ON procedures (field_name, name);
    CREATE VIRTUAL TABLE procedure_words USING fts5(
        name, folded, field, codes, tokenize = 'unicode61 remove_diacritics 0'
    );
    CREATE VIRTUAL TABLE procedure_vocab USING fts5vocab(procedure_words, 'row');
    CREATE VIRTUAL TABLE procedure_terms USING fts5(term, tokenize = 'trigram');
    """,
    # 10: lists of papers to bring asked for at the look-up screen, printed by the kiosk
    # daemon (which owns the printer) between tickets.
    """
    CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'printing', 'done', 'failed')),
        message TEXT NOT NULL DEFAULT '',
        requested_at REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX print_jobs_pending ON print_jobs (id) WHERE state = 'pending';
    """,
)

LATEST = len(MIGRATIONS)
