//! The site server's schema: the roles, the tables (the same columns the embedded store has,
//! plus the site on every row a site owns), row-level security and the grants.
//!
//! Everything lives in the schema `prescreen`, owned by the NOLOGIN role `prescreen_owner`.
//! People log in as their own login roles, members of one of three NOLOGIN group roles; none
//! may bypass row-level security, and none may update or delete an audit event (grants, and
//! a trigger besides).

/// The schema every statement runs in (`search_path`).
pub(crate) const SCHEMA: &str = "prescreen";
/// The NOLOGIN role that owns every object.
pub(crate) const OWNER_ROLE: &str = "prescreen_owner";

/// The group roles, by the role name `add-user --role` takes.
pub(crate) const GROUP_ROLES: [(&str, &str); 3] = [
    ("coordinator", "prescreen_coordinator"),
    ("investigator", "prescreen_investigator"),
    ("monitor", "prescreen_monitor"),
];

/// The numbered migrations of the server schema; `schema_version` holds how many ran. Run as
/// the owner role, inside `site init`'s transaction (and later upgrades).
pub(crate) const MIGRATIONS: &[&str] = &[MIGRATION_1, MIGRATION_2];

/// Each screening's version, for optimistic concurrency (as the embedded store's 6).
const MIGRATION_2: &str = "ALTER TABLE screening ADD COLUMN version BIGINT NOT NULL DEFAULT 1;";

/// The newest server schema this build knows.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The server schema, equivalent to the embedded store's schema version 5.
const MIGRATION_1: &str = r#"
CREATE TABLE schema_version (
    version BIGINT NOT NULL
);
INSERT INTO schema_version (version) VALUES (0);

-- The login -> site table: one row per person, filled by `site add-user`. `name` is the
-- login role; the row's id is the coordinator id every audit event names. Rows with
-- can_login = 0 are the coordinators of a workstation's store moved here by `migrate`: their
-- names stay in the trail they wrote, and nobody logs in as them. Logins' ids start high so
-- a moved store keeps its own ids (each event's hash covers its coordinator id).
CREATE TABLE coordinator (
    id BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 1000000) PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    site_code TEXT NOT NULL CHECK (site_code ~ '^[A-Z0-9]{2,8}$'),
    created_utc TEXT NOT NULL,
    can_login BIGINT NOT NULL DEFAULT 1,
    CHECK (can_login = 0 OR role IN ('coordinator', 'investigator', 'monitor'))
);
CREATE UNIQUE INDEX coordinator_login ON coordinator (name) WHERE can_login = 1;

-- The site of the person logged in; row-level security reads it. SECURITY DEFINER so that
-- it reads `coordinator` whatever that table's own policy shows.
CREATE FUNCTION login_site() RETURNS TEXT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = prescreen
    AS $$ SELECT site_code FROM prescreen.coordinator
           WHERE name = session_user AND can_login = 1 $$;
REVOKE ALL ON FUNCTION login_site() FROM PUBLIC;

CREATE TABLE setting (
    site_code TEXT NOT NULL DEFAULT login_site(),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (site_code, key)
);

CREATE TABLE form_draft (
    login_name TEXT NOT NULL DEFAULT session_user,
    trial_id TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (login_name, trial_id)
);

CREATE TABLE trial_definition (
    trial_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    acronym TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_utc TEXT NOT NULL,
    PRIMARY KEY (trial_id, version, sha256)
);

CREATE TABLE id_sequence (
    prefix TEXT NOT NULL,
    site_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (prefix, site_code, year)
);

CREATE TABLE screening (
    id TEXT PRIMARY KEY,
    trial_id TEXT NOT NULL,
    definition_version TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    site_code TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES coordinator (id),
    initials TEXT NOT NULL,
    date_of_birth TEXT,
    sex TEXT,
    childbearing_potential BIGINT,
    prescreening_date TEXT NOT NULL,
    planned_visit_date TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    was_approached BIGINT NOT NULL DEFAULT 0,
    was_consented BIGINT NOT NULL DEFAULT 0,
    verdict TEXT NOT NULL,
    verdict_failing TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    pregnant BIGINT,
    breastfeeding BIGINT,
    verdict_time_limited TEXT NOT NULL DEFAULT '',
    rescreen_from TEXT,
    rescreen_after_event BIGINT NOT NULL DEFAULT 0,
    rescreen_of TEXT REFERENCES screening (id),
    visit_date TEXT,
    FOREIGN KEY (trial_id, definition_version, definition_sha256)
        REFERENCES trial_definition (trial_id, version, sha256)
);
CREATE INDEX screening_by_date ON screening (site_code, prescreening_date, id);
CREATE INDEX screening_by_trial_date ON screening (site_code, trial_id, prescreening_date, id);
CREATE INDEX screening_by_rescreen_of ON screening (rescreen_of);
-- Covers every column the summary reads, so a filtered summary is an index-only scan.
CREATE INDEX screening_summary ON screening (site_code, trial_id, prescreening_date)
    INCLUDE (status, verdict, was_approached, was_consented, verdict_failing, status_reason,
        verdict_time_limited);

CREATE TABLE answer (
    screening_id TEXT NOT NULL REFERENCES screening (id),
    criterion_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (screening_id, criterion_id)
);

-- One chain per site: `seq` counts within the site.
CREATE TABLE audit_event (
    site_code TEXT NOT NULL DEFAULT login_site(),
    seq BIGINT NOT NULL,
    at_utc TEXT NOT NULL,
    utc_offset TEXT NOT NULL,
    coordinator_id BIGINT NOT NULL REFERENCES coordinator (id),
    coordinator_name TEXT NOT NULL,
    coordinator_role TEXT NOT NULL,
    screening_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    encoding BIGINT NOT NULL,
    state_hash TEXT,
    PRIMARY KEY (site_code, seq)
);
CREATE INDEX audit_by_screening ON audit_event (screening_id, seq);
CREATE INDEX audit_by_hash ON audit_event (hash);

CREATE TABLE trusted_signer (
    site_code TEXT NOT NULL DEFAULT login_site(),
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signer', 'ca')),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    certificate TEXT,
    added_utc TEXT NOT NULL,
    added_by BIGINT NOT NULL REFERENCES coordinator (id),
    revoked_utc TEXT,
    revoke_reason TEXT,
    PRIMARY KEY (site_code, fingerprint)
);

-- Append-only, as on the embedded store (the grants already forbid it to every login).
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION refuse_change('audit events are append-only');
CREATE TRIGGER audit_event_never_truncated BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('audit events are append-only');
CREATE TRIGGER screening_never_deleted BEFORE DELETE ON screening
    FOR EACH ROW EXECUTE FUNCTION refuse_change('screenings are voided, never deleted');
CREATE TRIGGER trusted_signer_never_deleted BEFORE DELETE ON trusted_signer
    FOR EACH ROW EXECUTE FUNCTION refuse_change('trusted signers are revoked, never deleted');

-- Each site's rows to that site's logins only. `(SELECT login_site())` is evaluated once per
-- statement (an init plan), not once per row.
ALTER TABLE coordinator ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON coordinator USING (site_code = (SELECT login_site()));
ALTER TABLE setting ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON setting USING (site_code = (SELECT login_site()))
    WITH CHECK (site_code = (SELECT login_site()));
ALTER TABLE form_draft ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_login ON form_draft USING (login_name = session_user)
    WITH CHECK (login_name = session_user);
ALTER TABLE id_sequence ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON id_sequence USING (site_code = (SELECT login_site()))
    WITH CHECK (site_code = (SELECT login_site()));
ALTER TABLE screening ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON screening USING (site_code = (SELECT login_site()))
    WITH CHECK (site_code = (SELECT login_site()));
ALTER TABLE answer ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON answer
    USING (EXISTS (SELECT 1 FROM screening s WHERE s.id = screening_id))
    WITH CHECK (EXISTS (SELECT 1 FROM screening s WHERE s.id = screening_id));
ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON audit_event USING (site_code = (SELECT login_site()))
    WITH CHECK (site_code = (SELECT login_site()));
ALTER TABLE trusted_signer ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON trusted_signer USING (site_code = (SELECT login_site()))
    WITH CHECK (site_code = (SELECT login_site()));

-- Grants: the group roles read; coordinators and investigators write what a screening
-- needs; nobody but the owner updates or deletes an audit event or adds a person.
GRANT USAGE ON SCHEMA prescreen
    TO prescreen_coordinator, prescreen_investigator, prescreen_monitor;
GRANT EXECUTE ON FUNCTION login_site()
    TO prescreen_coordinator, prescreen_investigator, prescreen_monitor;
GRANT SELECT ON schema_version, coordinator, setting, trial_definition, id_sequence,
    screening, answer, audit_event, trusted_signer
    TO prescreen_coordinator, prescreen_investigator, prescreen_monitor;
GRANT INSERT ON setting, trial_definition, id_sequence, screening, answer, audit_event,
    trusted_signer
    TO prescreen_coordinator, prescreen_investigator;
GRANT UPDATE ON setting, id_sequence, screening, answer, trusted_signer
    TO prescreen_coordinator, prescreen_investigator;
GRANT DELETE ON answer TO prescreen_coordinator, prescreen_investigator;
GRANT SELECT, INSERT, UPDATE, DELETE ON form_draft
    TO prescreen_coordinator, prescreen_investigator, prescreen_monitor;
"#;
