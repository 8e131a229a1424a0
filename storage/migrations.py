"""Schema migrations, applied in order at start; never edit one that has shipped, add a new one."""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE partnerships (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        telegram_username TEXT,
        telegram_user_id INTEGER UNIQUE,
        telegram_chat_id INTEGER,
        unreachable_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX contacts_partnership ON contacts(partnership_id);
    CREATE TABLE invites (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by INTEGER
    );
    CREATE TABLE questionnaires (
        version TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        questionnaire_version TEXT NOT NULL REFERENCES questionnaires(version),
        opened_at TEXT NOT NULL,
        deadline TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE UNIQUE INDEX one_open_round ON rounds((closed_at IS NULL)) WHERE closed_at IS NULL;
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
        questionnaire_version TEXT NOT NULL REFERENCES questionnaires(version),
        status TEXT NOT NULL DEFAULT 'not_started'
            CHECK (status IN ('not_started', 'in_progress', 'submitted')),
        submitted_at TEXT,
        submitted_by INTEGER REFERENCES contacts(id),
        amended_at TEXT,
        last_activity_at TEXT,
        UNIQUE (round_id, partnership_id)
    );
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses(id),
        question_id TEXT NOT NULL,
        value TEXT,
        note TEXT,
        contact_id INTEGER REFERENCES contacts(id),
        channel TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (response_id, question_id)
    ) WITHOUT ROWID;
    CREATE TABLE answer_history (
        id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(id),
        question_id TEXT NOT NULL,
        value TEXT,
        note TEXT,
        contact_id INTEGER REFERENCES contacts(id),
        channel TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE INDEX answer_history_response ON answer_history(response_id, question_id);
    CREATE TRIGGER answer_history_append_only_update BEFORE UPDATE ON answer_history
        BEGIN SELECT RAISE(ABORT, 'answer history is append-only'); END;
    CREATE TRIGGER answer_history_append_only_delete BEFORE DELETE ON answer_history
        BEGIN SELECT RAISE(ABORT, 'answer history is append-only'); END;
    CREATE TABLE conversations (
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (contact_id, round_id, channel)
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    CREATE TABLE processed_updates (
        channel TEXT NOT NULL,
        update_key TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        PRIMARY KEY (channel, update_key)
    ) WITHOUT ROWID;
    """,
    """
    CREATE TABLE bad_invite_attempts (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        account TEXT NOT NULL,
        attempted_at TEXT NOT NULL
    );
    CREATE INDEX bad_invite_attempts_account ON bad_invite_attempts(channel, account, attempted_at);
    """,
    """
    -- 3: reminders and durable delivery. A lease (not a status) marks a row being sent, so
    -- the outbox CHECK constraint stays as it is; round/contact/slot make history queryable.
    ALTER TABLE outbox ADD COLUMN lease_until TEXT;
    ALTER TABLE outbox ADD COLUMN round_id INTEGER;
    ALTER TABLE outbox ADD COLUMN partnership_id INTEGER;
    ALTER TABLE outbox ADD COLUMN contact_id INTEGER;
    ALTER TABLE outbox ADD COLUMN slot TEXT;
    CREATE INDEX outbox_round_contact ON outbox(round_id, contact_id, kind);
    CREATE TABLE reminder_snoozes (
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        until TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (contact_id, round_id)
    ) WITHOUT ROWID;
    CREATE TABLE partnership_flags (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
        reminders INTEGER NOT NULL,
        flagged_at TEXT NOT NULL,
        PRIMARY KEY (round_id, partnership_id)
    ) WITHOUT ROWID;
    """,
    """
    -- 4: a note keeps its own author: changing the answer does not make the changer the
    -- author of a colleague's note, and adding a note does not take over the answer.
    ALTER TABLE answers ADD COLUMN note_contact_id INTEGER REFERENCES contacts(id);
    ALTER TABLE answers ADD COLUMN note_at TEXT;
    UPDATE answers SET note_contact_id = contact_id, note_at = answered_at WHERE note IS NOT NULL;
    """,
    """
    -- 5: updates as they arrive, until handled: Telegram forgets an update once the bot has
    -- fetched it, so one received but not yet handled when the process dies is kept here.
    CREATE TABLE inbox (
        channel TEXT NOT NULL,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (channel, seq)
    ) WITHOUT ROWID;
    """,
    """
    -- 6: a message sent in several parts (a long summary, its files) records how many have
    -- gone, so that a retry carries on after them instead of sending them again.
    ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
    """,
    """
    -- 7: a contact's addresses, one per channel, each reachable or not on its own: blocking
    -- the bot in Telegram says nothing about email. Today's Telegram links and directory
    -- emails move in; the old columns are emptied (they stay: SQLite cannot drop a UNIQUE
    -- column) and are no longer read.
    CREATE TABLE addresses (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        channel TEXT NOT NULL,
        account TEXT,
        address TEXT NOT NULL,
        linked_at TEXT,
        unreachable_at TEXT,
        UNIQUE (contact_id, channel),
        UNIQUE (channel, account)
    );
    CREATE INDEX addresses_channel_address ON addresses(channel, address);
    ALTER TABLE contacts ADD COLUMN preferred_channel TEXT;
    INSERT INTO addresses (contact_id, channel, account, address, linked_at, unreachable_at)
        SELECT id, 'telegram', CAST(telegram_user_id AS TEXT), CAST(telegram_chat_id AS TEXT),
               created_at, unreachable_at
        FROM contacts WHERE telegram_user_id IS NOT NULL AND telegram_chat_id IS NOT NULL;
    INSERT INTO addresses (contact_id, channel, account, address)
        SELECT id, 'email', lower(email), email FROM contacts;
    UPDATE contacts SET telegram_user_id = NULL, telegram_chat_id = NULL, unreachable_at = NULL;
    """,
    """
    -- 8: invites are issued per channel, and name who used them as that channel's account.
    ALTER TABLE invites ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
    ALTER TABLE invites ADD COLUMN used_account TEXT;
    UPDATE invites SET used_account = CAST(used_by AS TEXT) WHERE used_by IS NOT NULL;
    """,
)
