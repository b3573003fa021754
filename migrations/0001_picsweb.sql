-- PICSWeb tables, exactly as contracts/picsweb-schema.sql (an external contract: do not edit;
-- add later changes to the integration's own schema in new migrations).

CREATE SCHEMA IF NOT EXISTS picsweb;

-- Staff. A learner's main officer, a qualification's assessor and a review's officer
-- are all officers; each one uploaded becomes a OneFile Assessor (Role 5), name only.
CREATE TABLE picsweb.officer (
    officer_id  bigint PRIMARY KEY,
    first_name  text   NOT NULL,
    surname     text   NOT NULL,
    email       text,
    onefile_id  bigint UNIQUE                  -- (integration) OneFile user ID
);

-- Employers and other organisations a learner can be placed with.
CREATE TABLE picsweb.organisation (
    organisation_id bigint PRIMARY KEY,
    name            text   NOT NULL,
    onefile_id      bigint UNIQUE              -- (integration) OneFile placement ID
);

CREATE TABLE picsweb.learner (
    learner_id        bigint  PRIMARY KEY,     -- sent to OneFile as MISID
    first_name        text    NOT NULL,
    surname           text    NOT NULL,
    email             text,
    telephone         text,
    mobile            text,
    dob               date,
    uln               text,                    -- 10-digit Unique Learner Number
    nino              text,                    -- National Insurance number
    start_date        date,
    planned_end_date  date,
    actual_end_date   date,
    main_officer_id   bigint  REFERENCES picsweb.officer,
    main_tag          text,                    -- OneFile classroom name, when that setting is on
    ethnicity         smallint,                -- ILR code, sent as L12
    sex               text,                    -- 'M' or 'F', sent as L13
    disability        smallint,                -- ILR code, sent as L14
    system_status     text    NOT NULL DEFAULT 'Live'
                      CHECK (system_status IN ('Live', 'Archived')),
    learning_status   text    NOT NULL DEFAULT 'In Learning'
                      CHECK (learning_status IN ('In Learning', 'Completed', 'Withdrawn', 'Break')),
    onefile_enrolled  boolean NOT NULL DEFAULT false, -- the user pressed "Enrol with OneFile"
    onefile_id        bigint  UNIQUE,          -- (integration) OneFile learner user ID
    onefile_synced_at timestamptz,             -- (integration) last successful upload or refresh
    onefile_sync_error text,                   -- (integration) last failure shown to users, or NULL
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Where a learner works. placement_type 'P' is the employer placement.
CREATE TABLE picsweb.placement (
    placement_id    bigint PRIMARY KEY,
    learner_id      bigint NOT NULL REFERENCES picsweb.learner,
    organisation_id bigint NOT NULL REFERENCES picsweb.organisation,
    placement_type  text   NOT NULL,           -- 'P', 'W', 'S', ...
    start_date      date   NOT NULL,
    end_date        date
);

-- The qualification catalogue. vq_reference is e.g. 'ST0123AS': a OneFile standard with
-- Reference 'ST0123' matches after one of the suffixes AS, OP, GW, EP is removed.
CREATE TABLE picsweb.qualification (
    qualification_id bigint PRIMARY KEY,
    title            text   NOT NULL,
    vq_reference     text   NOT NULL
);

-- A learner's delivery plan: the qualifications they are taking.
CREATE TABLE picsweb.learner_qualification (
    learner_qualification_id  bigint  PRIMARY KEY,
    learner_id                bigint  NOT NULL REFERENCES picsweb.learner,
    qualification_id          bigint  NOT NULL REFERENCES picsweb.qualification,
    assessor_officer_id       bigint  REFERENCES picsweb.officer,
    start_date                date,
    planned_end_date          date,
    has_units                 boolean NOT NULL DEFAULT false,
    total_elements            integer,                -- refreshed from OneFile
    elements_done             integer,                -- refreshed from OneFile
    registration_number       text,                   -- refreshed from OneFile
    registration_date         date,                   -- refreshed from OneFile
    certificate_applied_date  date,                   -- refreshed from OneFile
    certificate_received_date date,                   -- refreshed from OneFile
    onefile_learning_aim_id   bigint UNIQUE           -- (integration)
);

-- Progress reviews scheduled for a learner.
CREATE TABLE picsweb.review (
    review_id      bigint  PRIMARY KEY,
    learner_id     bigint  NOT NULL REFERENCES picsweb.learner,
    officer_id     bigint  REFERENCES picsweb.officer,
    scheduled_date date,
    start_time     time,
    attended       boolean NOT NULL DEFAULT false,   -- refreshed from OneFile
    attended_date  date,                             -- refreshed from OneFile (StartedOn)
    onefile_id     bigint  UNIQUE                    -- (integration) OneFile review ID
);

-- Integration settings, one row. onefile_organisation_id is the OneFile OrganisationID
-- every upload goes to.
CREATE TABLE picsweb.onefile_settings (
    id                        smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    onefile_organisation_id   bigint   NOT NULL,
    default_classroom_id      bigint   NOT NULL,     -- OneFile ClassroomID when no tag matches
    use_main_tag_as_classroom boolean  NOT NULL DEFAULT false,
    review_visit_type         smallint NOT NULL DEFAULT 0
                              CHECK (review_visit_type IN (0, 1, 2)),
    demographics_mode         text     NOT NULL DEFAULT 'Ignore'
                              CHECK (demographics_mode IN ('Ignore', 'Push', 'Pull'))
);
