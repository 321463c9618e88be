-- The console's own tables: staff access, and read models built from events.
-- Protected values (phones, summaries, captured fields, words) are encrypted (bytea, the kit's
-- field cipher) and found by a keyed blind index, never stored in clear.

-- Staff access -------------------------------------------------------------------------------

CREATE TABLE accounts (
    id             uuid        PRIMARY KEY,
    spa_id         text        NOT NULL,
    username       text        NOT NULL UNIQUE,
    display_name   text        NOT NULL,
    role           text        NOT NULL
                   CHECK (role IN ('front_desk', 'provider', 'manager', 'auditor')),
    -- argon2id; NULL for an account that signs in only through OIDC.
    password_hash  text,
    -- "<issuer>|<sub>", bound at the first OIDC sign-in.
    oidc_subject   text        UNIQUE,
    failed_logins  integer     NOT NULL DEFAULT 0,
    locked_until   timestamptz,
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a leaked table cannot be replayed as cookies.
    id_hash       bytea       PRIMARY KEY,
    account_id    uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Bearer tokens for other services and scripts: each acts with one role on one spa.
CREATE TABLE api_tokens (
    id          uuid        PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE,
    spa_id      text        NOT NULL,
    role        text        NOT NULL
                CHECK (role IN ('front_desk', 'provider', 'manager', 'auditor')),
    name        text        NOT NULL,
    created_by  uuid        REFERENCES accounts (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- An OIDC sign-in in flight: state, nonce and the PKCE verifier, used once.
CREATE TABLE oidc_logins (
    state          text        PRIMARY KEY,
    nonce          text        NOT NULL,
    code_verifier  text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Per-spa choices managers make in the console.
CREATE TABLE spa_settings (
    spa_id             text        PRIMARY KEY,
    autonomy           text        CHECK (autonomy IN ('full', 'after_hours', 'shadow')),
    manager_phone_enc  bytea,
    updated_by         uuid,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Read models -----------------------------------------------------------------------------

CREATE TABLE conversations (
    spa_id        text        NOT NULL,
    id            text        NOT NULL,
    phone_enc     bytea,
    phone_index   bytea,
    channel       text        NOT NULL DEFAULT '',
    patient_id    text        NOT NULL DEFAULT '',
    started_at    timestamptz NOT NULL,
    last_at       timestamptz NOT NULL,
    paused        boolean     NOT NULL DEFAULT false,
    paused_by     uuid,
    outcome       text        NOT NULL DEFAULT '',
    summary_enc   bytea,
    turn_count    integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (spa_id, id)
);
CREATE INDEX conversations_phone ON conversations (spa_id, phone_index, last_at DESC);
CREATE INDEX conversations_recent ON conversations (spa_id, last_at DESC);

-- Turns as the events give them: the agent's conversation.turn, the patient's sms.received
-- (before the agent's turn arrives, matched by the message sid), and staff replies.
CREATE TABLE turns (
    id               bigserial   PRIMARY KEY,
    spa_id           text        NOT NULL,
    conversation_id  text,
    phone_index      bytea,
    seq              integer,
    author           text        NOT NULL CHECK (author IN ('patient', 'agent', 'staff')),
    channel          text        NOT NULL,
    text_enc         bytea       NOT NULL,
    at               timestamptz NOT NULL,
    message_ref      text,
    draft            boolean     NOT NULL DEFAULT false,
    staff_id         uuid
);
CREATE UNIQUE INDEX turns_patient_ref ON turns (spa_id, message_ref)
    WHERE author = 'patient' AND message_ref IS NOT NULL;
CREATE UNIQUE INDEX turns_seq ON turns (spa_id, conversation_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX turns_conversation ON turns (spa_id, conversation_id, at);
CREATE INDEX turns_orphans ON turns (spa_id, phone_index, at) WHERE conversation_id IS NULL;

CREATE TABLE handoffs (
    spa_id             text        NOT NULL,
    id                 text        NOT NULL,
    conversation_id    text        NOT NULL,
    reason             text        NOT NULL,
    -- 3 urgent, 2 high (a sales opportunity), 1 normal: the inbox sorts on it.
    priority           integer     NOT NULL,
    channel            text        NOT NULL,
    summary_enc        bytea,
    phone_enc          bytea,
    phone_index        bytea,
    captured_enc       bytea,
    transcript_ref     text        NOT NULL DEFAULT '',
    assigned_role      text        NOT NULL DEFAULT '',
    requested_at       timestamptz NOT NULL,
    due_at             timestamptz NOT NULL,
    status             text        NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'claimed', 'resolved')),
    claimed_by         uuid,
    claimed_at         timestamptz,
    first_response_at  timestamptz,
    resolved_by        uuid,
    resolved_at        timestamptz,
    resolution         text,
    returned_to_agent  boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (spa_id, id)
);
CREATE INDEX handoffs_open ON handoffs (spa_id, status, priority DESC, requested_at);
CREATE INDEX handoffs_phone ON handoffs (spa_id, phone_index);

CREATE TABLE drafts (
    spa_id           text        NOT NULL,
    id               text        NOT NULL,
    conversation_id  text        NOT NULL,
    text_enc         bytea       NOT NULL,
    phone_enc        bytea,
    channel          text        NOT NULL,
    intent           text        NOT NULL DEFAULT '',
    drafted_at       timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'edited', 'discarded')),
    reviewed_by      uuid,
    reviewed_at      timestamptz,
    command_id       text,
    PRIMARY KEY (spa_id, id)
);
CREATE INDEX drafts_pending ON drafts (spa_id, status, drafted_at);

CREATE TABLE callbacks (
    spa_id           text        NOT NULL,
    id               text        NOT NULL,
    source           text        NOT NULL CHECK (source IN ('missed_call', 'requested')),
    reason           text        NOT NULL DEFAULT '',
    phone_enc        bytea,
    phone_index      bytea,
    conversation_id  text        NOT NULL DEFAULT '',
    handoff_id       text        NOT NULL DEFAULT '',
    requested_at     timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'owed' CHECK (status IN ('owed', 'done')),
    done_by          uuid,
    done_at          timestamptz,
    done_how         text,
    PRIMARY KEY (spa_id, id)
);
CREATE INDEX callbacks_owed ON callbacks (spa_id, status, due_at);

-- A deadline that passed without a response: one row per breach, whichever replica saw it.
CREATE TABLE alerts (
    id               bigserial   PRIMARY KEY,
    spa_id           text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('handoff', 'draft', 'callback')),
    subject_id       text        NOT NULL,
    due_at           timestamptz NOT NULL,
    raised_at        timestamptz NOT NULL DEFAULT now(),
    texted           boolean     NOT NULL DEFAULT false,
    acknowledged_by  uuid,
    acknowledged_at  timestamptz,
    UNIQUE (spa_id, kind, subject_id)
);

-- Report facts ----------------------------------------------------------------------------

-- Inbound contacts: texts, calls, missed calls; when they came and whether the spa was open.
-- Keyed by Twilio's MessageSid or CallSid, so call.started and call.missed meet on one row.
CREATE TABLE contacts (
    spa_id       text        NOT NULL,
    ref          text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('text', 'call', 'missed_call')),
    at           timestamptz NOT NULL,
    phone_index  bytea,
    after_hours  boolean     NOT NULL,
    -- A staff-first ring nobody picked up: the assistant answered while staff were busy.
    staff_busy   boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (spa_id, ref)
);
CREATE INDEX contacts_at ON contacts (spa_id, at);
CREATE INDEX contacts_phone ON contacts (spa_id, phone_index, at);

CREATE TABLE bookings (
    spa_id           text        NOT NULL,
    appointment_id   text        NOT NULL,
    service_id       text        NOT NULL,
    provider_id      text        NOT NULL,
    patient_id       text        NOT NULL DEFAULT '',
    conversation_id  text        NOT NULL DEFAULT '',
    start_at         timestamptz NOT NULL,
    status           text        NOT NULL,
    held_at          timestamptz,
    ended_at         timestamptz,
    confirmed_at     timestamptz,
    value_minor      bigint      NOT NULL DEFAULT 0,
    currency         text        NOT NULL DEFAULT 'USD',
    source           text        NOT NULL DEFAULT '',
    PRIMARY KEY (spa_id, appointment_id)
);
CREATE INDEX bookings_confirmed ON bookings (spa_id, confirmed_at);
CREATE INDEX bookings_patient ON bookings (spa_id, patient_id);

CREATE TABLE deposits (
    spa_id          text        NOT NULL,
    deposit_id      text        NOT NULL,
    appointment_id  text        NOT NULL DEFAULT '',
    status          text        NOT NULL,
    amount_minor    bigint      NOT NULL DEFAULT 0,
    currency        text        NOT NULL DEFAULT 'USD',
    at              timestamptz NOT NULL,
    PRIMARY KEY (spa_id, deposit_id, status)
);
CREATE INDEX deposits_at ON deposits (spa_id, at);

CREATE TABLE openings (
    spa_id       text        NOT NULL,
    provider_id  text        NOT NULL,
    start_at     timestamptz NOT NULL,
    opened_at    timestamptz NOT NULL,
    service_id   text        NOT NULL DEFAULT '',
    PRIMARY KEY (spa_id, provider_id, start_at)
);

CREATE TABLE outreach_sent (
    spa_id          text        NOT NULL,
    job_id          text        NOT NULL,
    kind            text        NOT NULL,
    appointment_id  text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL,
    PRIMARY KEY (spa_id, job_id)
);

-- Transcript review: where the agent stumbled, so the spa can tune its configuration.
CREATE TABLE stumbles (
    id               bigserial   PRIMARY KEY,
    spa_id           text        NOT NULL,
    conversation_id  text        NOT NULL,
    turn_id          bigint      NOT NULL REFERENCES turns (id),
    kind             text        NOT NULL,
    note_enc         bytea,
    marked_by        uuid        NOT NULL,
    marked_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stumbles_conversation ON stumbles (spa_id, conversation_id);
