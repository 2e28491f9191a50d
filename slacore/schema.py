"""Ordered schema migrations. Append, never edit a released one: databases in the field replay from their version.

Tickets keep no primary-key index on purpose: an import replaces tickets by (source, ticket_id) with a
delete + insert inside one transaction, which DuckDB does with a hash join far faster than index maintenance.
Timestamps are TIMESTAMPTZ and the connection runs in UTC.
"""

TICKET_COLUMNS = """
    source                      TEXT NOT NULL,
    ticket_id                   TEXT NOT NULL,
    created_at                  TIMESTAMPTZ NOT NULL,
    first_response_at           TIMESTAMPTZ,
    resolved_at                 TIMESTAMPTZ,
    status                      TEXT,
    priority                    TEXT,
    priority_raw                TEXT,
    team                        TEXT,
    assignee                    TEXT,
    channel                     TEXT,
    customer                    TEXT,
    customer_tier               TEXT,
    category                    TEXT,
    subject                     TEXT,
    reopens                     INTEGER,
    agent_replies               INTEGER,
    vendor_first_response_business_min DOUBLE,
    vendor_resolution_business_min     DOUBLE,
    on_hold_min                 DOUBLE,
    on_hold_business_min        DOUBLE,
    pending_min                 DOUBLE,
    pending_business_min        DOUBLE,
    updated_at                  TIMESTAMPTZ,
    extra                       JSON,
    import_id                   INTEGER
"""

# A survey response (CSAT). `rating` is on the file's own scale [scale_min, scale_max] (good/bad: 1/0 of 0..1; text
# labels: their place on a 1..5 scale); `answered` false = offered but not answered (counts in the response rate,
# never in CSAT). The response links to its ticket by ticket_id (and ticket_source when known: an import that
# embeds CSAT in a ticket export sets it); its own team/assignee/channel/customer serve responses without a ticket.
SURVEY_COLUMNS = """
    source                      TEXT NOT NULL,
    response_id                 TEXT NOT NULL,
    ticket_id                   TEXT,
    ticket_source               TEXT,
    rated_at                    TIMESTAMPTZ,
    offered_at                  TIMESTAMPTZ,
    answered                    BOOLEAN NOT NULL,
    rating                      DOUBLE,
    scale_min                   DOUBLE,
    scale_max                   DOUBLE,
    scale                       TEXT,
    label                       TEXT,
    comment                     TEXT,
    reason                      TEXT,
    team                        TEXT,
    assignee                    TEXT,
    channel                     TEXT,
    customer                    TEXT,
    extra                       JSON,
    import_id                   INTEGER
"""

# An outage or incident of one service: [started_at, ended_at) (ended_at NULL: still open, runs to the as-of time).
# `down` false: listed but not downtime (Statuspage impact 'none', an informational notice); `planned`: planned
# maintenance (excluded from uptime by default).
INCIDENT_COLUMNS = """
    source                      TEXT NOT NULL,
    incident_id                 TEXT NOT NULL,
    service                     TEXT NOT NULL,
    started_at                  TIMESTAMPTZ NOT NULL,
    ended_at                    TIMESTAMPTZ,
    acknowledged_at             TIMESTAMPTZ,
    planned                     BOOLEAN NOT NULL,
    down                        BOOLEAN NOT NULL,
    severity                    TEXT,
    status                      TEXT,
    title                       TEXT,
    extra                       JSON,
    import_id                   INTEGER
"""

# One monitor check: the service (monitor name or URL) was up or not at checked_at.
CHECK_COLUMNS = """
    source                      TEXT NOT NULL,
    service                     TEXT NOT NULL,
    checked_at                  TIMESTAMPTZ NOT NULL,
    up                          BOOLEAN NOT NULL,
    response_ms                 DOUBLE,
    status_text                 TEXT,
    import_id                   INTEGER
"""

MIGRATIONS: list[list[str]] = [
    # 1: the store and the import log
    [
        "CREATE SEQUENCE import_id_seq START 1",
        """CREATE TABLE imports (
            import_id    INTEGER PRIMARY KEY,
            kind         TEXT NOT NULL,
            file_name    TEXT NOT NULL,
            sha256       TEXT NOT NULL,
            format       TEXT NOT NULL,
            source       TEXT NOT NULL,
            timezone     TEXT NOT NULL,
            rows_read    BIGINT NOT NULL,
            loaded       BIGINT NOT NULL,
            updated      BIGINT NOT NULL,
            rejected     BIGINT NOT NULL,
            duplicates   BIGINT NOT NULL,
            mapping      JSON,
            notes        JSON,
            started_at   TIMESTAMPTZ NOT NULL,
            finished_at  TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE rejected_rows (
            import_id    INTEGER NOT NULL,
            row_number   BIGINT,
            reason       TEXT NOT NULL,
            raw          JSON
        )""",
        f"CREATE TABLE tickets ({TICKET_COLUMNS})",
        """CREATE TABLE header_mappings (
            signature    TEXT PRIMARY KEY,
            headers      JSON NOT NULL,
            format       TEXT NOT NULL,
            mapping      JSON NOT NULL,
            saved_at     TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE priority_map (
            raw          TEXT PRIMARY KEY,
            canonical    TEXT NOT NULL CHECK (canonical IN ('urgent', 'high', 'normal', 'low'))
        )""",
    ],
    # 2: calendars, versioned targets, workspace settings
    [
        """CREATE TABLE calendars (
            name         TEXT PRIMARY KEY,
            definition   JSON NOT NULL,
            updated_at   TIMESTAMPTZ NOT NULL
        )""",
        "CREATE SEQUENCE target_id_seq START 1",
        """CREATE TABLE targets (
            target_id    INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            created_at   TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE target_versions (
            target_id      INTEGER NOT NULL,
            version        INTEGER NOT NULL,
            effective_from TIMESTAMPTZ NOT NULL,
            definition     JSON NOT NULL,
            retired        BOOLEAN NOT NULL,
            author         TEXT,
            reason         TEXT,
            recorded_at    TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (target_id, version)
        )""",
        """CREATE TABLE settings (
            key          TEXT PRIMARY KEY,
            value        JSON NOT NULL
        )""",
    ],
    # 3: benchmark figures the user adds (contract or peer figures) beside the published ones shipped in slacore/data
    [
        "CREATE SEQUENCE user_benchmark_id_seq START 1",
        """CREATE TABLE user_benchmarks (
            benchmark_id INTEGER PRIMARY KEY DEFAULT nextval('user_benchmark_id_seq'),
            metric       TEXT NOT NULL,
            segment      TEXT NOT NULL,
            statistic    TEXT NOT NULL,
            value        DOUBLE NOT NULL,
            unit         TEXT NOT NULL,
            source       TEXT NOT NULL,
            url          TEXT,
            year         INTEGER,
            note         TEXT,
            added_at     TIMESTAMPTZ NOT NULL
        )""",
    ],
    # 4: derived columns for fast judging (slacore.clocks): the creation time in the workspace zone, and a registry
    #    of the business-clock position columns added per calendar
    [
        "ALTER TABLE tickets ADD COLUMN created_local TIMESTAMP",
        """CREATE TABLE ticket_clocks (
            calendar     TEXT PRIMARY KEY,
            slot         INTEGER NOT NULL,
            fingerprint  TEXT NOT NULL
        )""",
    ],
    # 5: duplicate flags as a derived column (slacore.quality.ensure_duplicates): seconds since the previous ticket of
    #    the same customer and subject, when within the duplicate window
    [
        "ALTER TABLE tickets ADD COLUMN dup_gap DOUBLE",
    ],
    # 6: the duplicate key (a hash of the normalised customer and subject), stored so that an import re-flags only
    #    the runs it touches (slacore.quality.DuplicateKeys)
    [
        "ALTER TABLE tickets ADD COLUMN dup_key UBIGINT",
        "DELETE FROM settings WHERE key = 'dup_gap_fingerprint'",  # the keys of stored tickets are computed then
    ],
    # 7: review sessions (slacore.reviews): the review with its frozen figures, notes per section, action items per
    #    series (carried over until closed)
    [
        "CREATE SEQUENCE review_id_seq START 1",
        """CREATE TABLE reviews (
            review_id    BIGINT NOT NULL,
            series       TEXT NOT NULL,
            name         TEXT NOT NULL,
            cadence      TEXT NOT NULL,
            period_start DATE NOT NULL,
            period_end   DATE NOT NULL,
            attendees    TEXT,
            scope        TEXT,
            snapshot     TEXT NOT NULL,
            frozen_at    TIMESTAMPTZ NOT NULL,
            created_by   TEXT,
            agreed_by    TEXT,
            agreed_at    TIMESTAMPTZ
        )""",
        """CREATE TABLE review_notes (
            review_id    BIGINT NOT NULL,
            section      TEXT NOT NULL,
            text         TEXT NOT NULL,
            author       TEXT,
            updated_at   TIMESTAMPTZ NOT NULL
        )""",
        "CREATE SEQUENCE review_action_id_seq START 1",
        """CREATE TABLE review_actions (
            action_id    BIGINT NOT NULL,
            series       TEXT NOT NULL,
            review_id    BIGINT NOT NULL,
            text         TEXT NOT NULL,
            owner        TEXT,
            due          DATE,
            status       TEXT NOT NULL,
            closed_in    BIGINT,
            author       TEXT,
            created_at   TIMESTAMPTZ NOT NULL,
            updated_at   TIMESTAMPTZ NOT NULL
        )""",
    ],
    # 8: who made a write (slacore.auth): the signed-in user, or the machine's user on the command line
    [
        "ALTER TABLE imports ADD COLUMN imported_by TEXT",
        "ALTER TABLE user_benchmarks ADD COLUMN added_by TEXT",
    ],
    # 9: the other import kinds (slacore.kinds) — survey responses (CSAT), incident/outage logs and monitor check
    #    logs (uptime) — and the ticket columns first contact resolution reads
    [
        f"CREATE TABLE surveys ({SURVEY_COLUMNS})",
        f"CREATE TABLE incidents ({INCIDENT_COLUMNS})",
        f"CREATE TABLE checks ({CHECK_COLUMNS})",
        "ALTER TABLE tickets ADD COLUMN customer_replies INTEGER",
        "ALTER TABLE tickets ADD COLUMN first_contact BOOLEAN",
        # the time range an incident log or check log covers (uptime counts a service as up only inside it)
        "ALTER TABLE imports ADD COLUMN covers_from TIMESTAMPTZ",
        "ALTER TABLE imports ADD COLUMN covers_to TIMESTAMPTZ",
    ],
    # 10: agreements (slacore.agreements) — a client's SLA, a team's OLA, a vendor's UC: a named set of targets with a
    #     counterparty, a scope and a review cadence, versioned like targets —, and the agreement a review is held for
    [
        "CREATE SEQUENCE agreement_id_seq START 1",
        """CREATE TABLE agreements (
            agreement_id INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            created_at   TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE agreement_versions (
            agreement_id INTEGER NOT NULL,
            version      INTEGER NOT NULL,
            definition   JSON NOT NULL,
            retired      BOOLEAN NOT NULL,
            author       TEXT,
            reason       TEXT,
            recorded_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (agreement_id, version)
        )""",
        "ALTER TABLE reviews ADD COLUMN agreement_id INTEGER",
    ],
]
