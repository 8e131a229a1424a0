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
    """
    -- 9: data stewardship. An erased contact's row stays, emptied, so that the partnership's
    -- answers keep a place for their author ("a former contact"). The audit log records who
    -- did what. Answer history becomes a hash chain per response (chain_hash is registered
    -- by storage.chain; rows written before now are chained in the order they were written),
    -- with the last hash kept on the response so that removing the newest rows shows too;
    -- history may be deleted once its round is closed (retention), never while it is open.
    ALTER TABLE contacts ADD COLUMN erased_at TEXT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT 'ok',
        contact_id INTEGER REFERENCES contacts(id),
        prev_hash TEXT NOT NULL,
        row_hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_at ON audit_log(at);
    CREATE INDEX audit_log_contact ON audit_log(contact_id);
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    ALTER TABLE answer_history ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE answer_history ADD COLUMN row_hash TEXT NOT NULL DEFAULT '';
    CREATE INDEX answer_history_chain ON answer_history(response_id, id);
    ALTER TABLE responses ADD COLUMN history_head TEXT;
    CREATE TEMP TABLE history_order AS
        SELECT id, response_id, question_id, value, note, contact_id, channel, changed_at,
               row_number() OVER (PARTITION BY response_id ORDER BY id) AS n
        FROM answer_history;
    CREATE UNIQUE INDEX temp.history_order_n ON history_order(response_id, n);
    CREATE TEMP TABLE history_chain AS
        WITH RECURSIVE chain(id, response_id, n, prev_hash, row_hash) AS (
            SELECT id, response_id, n, '',
                   chain_hash('', response_id, question_id, value, note, contact_id, channel,
                              changed_at)
            FROM history_order WHERE n = 1
            UNION ALL
            SELECT o.id, o.response_id, o.n, c.row_hash,
                   chain_hash(c.row_hash, o.response_id, o.question_id, o.value, o.note,
                              o.contact_id, o.channel, o.changed_at)
            FROM chain c JOIN history_order o ON o.response_id = c.response_id AND o.n = c.n + 1
        )
        SELECT id, prev_hash, row_hash FROM chain;
    DROP TRIGGER answer_history_append_only_update;
    UPDATE answer_history SET prev_hash = c.prev_hash, row_hash = c.row_hash
        FROM history_chain c WHERE c.id = answer_history.id;
    CREATE TRIGGER answer_history_append_only_update BEFORE UPDATE ON answer_history
        BEGIN SELECT RAISE(ABORT, 'answer history is append-only'); END;
    DROP TRIGGER answer_history_append_only_delete;
    CREATE TRIGGER answer_history_append_only_delete BEFORE DELETE ON answer_history
        WHEN (SELECT r.closed_at FROM responses s JOIN rounds r ON r.id = s.round_id
              WHERE s.id = OLD.response_id) IS NULL
        BEGIN SELECT RAISE(ABORT, 'answer history is append-only while its round is open'); END;
    UPDATE responses SET history_head = (
        SELECT h.row_hash FROM answer_history h WHERE h.response_id = responses.id
        ORDER BY h.id DESC LIMIT 1);
    DROP TABLE temp.history_chain;
    DROP TABLE temp.history_order;
    """,
    """
    -- 10: follow-up actions the LA has dealt with. The actions are derived from the answers
    -- and the questionnaire's rules; only "done" is stored, with by whom, when, and a hash of
    -- the answer and note it was done for (not a copy), so that a changed answer reopens it.
    CREATE TABLE action_status (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
        question_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        done_by TEXT NOT NULL,
        done_at TEXT NOT NULL,
        PRIMARY KEY (round_id, partnership_id, question_id)
    ) WITHOUT ROWID;
    """,
    """
    -- 11: the LA's questions back to a partnership about one answer. A query records the
    -- LA's comment, who asked, the answer and note as they stood, and who in the LA hears of
    -- the reply (JSON "channel:address" list); it is answered when the partnership changes
    -- that answer or its note (the answer history holds the change itself).
    CREATE TABLE queries (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
        question_id TEXT NOT NULL,
        comment TEXT NOT NULL,
        asked_by TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        asked_value TEXT,
        asked_note TEXT,
        notify TEXT NOT NULL DEFAULT '[]',
        answered_at TEXT,
        answered_by INTEGER REFERENCES contacts(id),
        answered_channel TEXT,
        answer_value TEXT,
        answer_note TEXT
    );
    CREATE INDEX queries_round ON queries(round_id, partnership_id, question_id);
    """,
    """
    -- 12: named sign-off. Each submission is signed off with a name and role, and the
    -- attestation wording they agreed to; a contact's latest role is offered to them next time.
    CREATE TABLE signoffs (
        id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(id),
        contact_id INTEGER REFERENCES contacts(id),
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        attestation TEXT NOT NULL,
        channel TEXT NOT NULL,
        signed_at TEXT NOT NULL
    );
    CREATE INDEX signoffs_response ON signoffs(response_id, id);
    CREATE INDEX signoffs_contact ON signoffs(contact_id, id);
    """,
    """
    -- 13: carry forward. A round opened with --carry-forward names the round it carries
    -- answers forward from; its contacts are shown that round's answers to confirm.
    ALTER TABLE rounds ADD COLUMN carries_from INTEGER REFERENCES rounds(id);
    """,
)
