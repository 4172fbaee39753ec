-- Schema of the pgsql storage backend, for PostgreSQL 9.6 or later. It has
-- every table, column, constraint, index, view and trigger of NanoMDM's
-- PostgreSQL schema, so NanoMDM and this server can use the same
-- database. Three columns and five indexes are additions; see
-- docs/storage-sql.md. Load it into an empty database. upgrade.sql adds
-- the additions to a database NanoMDM created.

-- One row per device channel: its latest Authenticate and TokenUpdate.
CREATE TABLE devices (
    id VARCHAR(255) NOT NULL,

    -- PEM of the identity certificate of the latest Authenticate.
    identity_cert TEXT NULL,
    serial_number VARCHAR(127) NULL,

    -- Raw UnlockToken bytes from the latest TokenUpdate that had one.
    unlock_token    BYTEA     NULL,
    unlock_token_at TIMESTAMP NULL,

    authenticate    TEXT      NOT NULL,
    authenticate_at TIMESTAMP NOT NULL,
    token_update    TEXT      NULL,
    token_update_at TIMESTAMP NULL,

    -- Standard base64, with padding, of the escrowed bootstrap token.
    bootstrap_token_b64 TEXT      NULL,
    bootstrap_token_at  TIMESTAMP NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (id),

    CHECK (identity_cert IS NULL OR
        SUBSTRING(identity_cert FROM 1 FOR 27) = '-----BEGIN CERTIFICATE-----'),
    CHECK (serial_number IS NULL OR serial_number != ''),
    CHECK (unlock_token IS NULL OR LENGTH(unlock_token) > 0),
    CHECK (authenticate != ''),
    CHECK (token_update IS NULL OR token_update != ''),
    CHECK (bootstrap_token_b64 IS NULL OR bootstrap_token_b64 != '')
);
CREATE INDEX serial_number ON devices (serial_number);

-- One row per user channel. The id is "<device id>:<user>".
CREATE TABLE users (
    id        VARCHAR(255) NOT NULL,
    device_id VARCHAR(255) NOT NULL,

    user_short_name VARCHAR(255) NULL,
    user_long_name  VARCHAR(255) NULL,

    token_update    TEXT      NULL,
    token_update_at TIMESTAMP NULL,

    -- The first UserAuthenticate, and the one carrying a DigestResponse.
    user_authenticate           TEXT      NULL,
    user_authenticate_at        TIMESTAMP NULL,
    user_authenticate_digest    TEXT      NULL,
    user_authenticate_digest_at TIMESTAMP NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (id, device_id),
    UNIQUE (id),
    FOREIGN KEY (device_id) REFERENCES devices (id)
        ON DELETE CASCADE ON UPDATE CASCADE,

    CHECK (user_short_name IS NULL OR user_short_name != ''),
    CHECK (user_long_name IS NULL OR user_long_name != ''),
    CHECK (token_update IS NULL OR token_update != ''),
    CHECK (user_authenticate IS NULL OR user_authenticate != ''),
    CHECK (user_authenticate_digest IS NULL OR user_authenticate_digest != '')
);

-- One row per device or user channel that completed a TokenUpdate. For a
-- device channel device_id equals id and user_id is NULL; for a user
-- channel device_id names the device and user_id equals id.
CREATE TABLE enrollments (
    id        VARCHAR(255) NOT NULL,
    device_id VARCHAR(255) NOT NULL,
    user_id   VARCHAR(255) NULL,

    -- "Device", "User", "User Enrollment (Device)", "User Enrollment"
    -- or "Shared iPad".
    type VARCHAR(31) NOT NULL,

    topic      VARCHAR(255) NOT NULL,
    push_magic VARCHAR(127) NOT NULL,
    -- Lowercase hex of the APNs device token.
    token_hex  VARCHAR(255) NOT NULL,

    enabled            BOOLEAN   NOT NULL DEFAULT TRUE,
    token_update_tally INTEGER   NOT NULL DEFAULT 1,
    last_seen_at       TIMESTAMP NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (id),
    UNIQUE (user_id),
    FOREIGN KEY (device_id) REFERENCES devices (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id)
        ON DELETE CASCADE ON UPDATE CASCADE,

    CHECK (id != ''),
    CHECK (type != ''),
    CHECK (topic != ''),
    CHECK (push_magic != ''),
    CHECK (token_hex != '')
);
CREATE INDEX idx_type ON enrollments (type);
-- Addition: Authenticate and CheckOut reach a device's user channels
-- through device_id.
CREATE INDEX idx_enrollments_device_id ON enrollments (device_id);

-- One row per command, shared by every enrollment it is queued to.
CREATE TABLE commands (
    command_uuid VARCHAR(127) NOT NULL,
    request_type VARCHAR(63)  NOT NULL,
    -- The command plist exactly as it was enqueued.
    command      TEXT         NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (command_uuid),

    CHECK (command_uuid != ''),
    CHECK (request_type != ''),
    CHECK (SUBSTRING(command FROM 1 FOR 5) = '<?xml')
);

-- The latest report of each enrollment for each command. not_now_at is
-- the time of the first NotNow and not_now_tally counts them.
CREATE TABLE command_results (
    id           VARCHAR(255) NOT NULL,
    command_uuid VARCHAR(127) NOT NULL,
    status       VARCHAR(31)  NOT NULL,
    -- The report as an XML plist.
    result       TEXT         NOT NULL,

    not_now_at    TIMESTAMP NULL,
    not_now_tally INTEGER   NOT NULL DEFAULT 0,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (id, command_uuid),
    FOREIGN KEY (id) REFERENCES enrollments (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (command_uuid) REFERENCES commands (command_uuid)
        ON DELETE CASCADE ON UPDATE CASCADE,

    CHECK (status != ''),
    CHECK (SUBSTRING(result FROM 1 FOR 5) = '<?xml')
);
CREATE INDEX idx_status ON command_results (status);
-- Addition: the delete option and cascades look results up by command.
CREATE INDEX idx_results_command_uuid ON command_results (command_uuid);

-- Addition: fills enrollment_queue.enqueue_order.
CREATE SEQUENCE enrollment_queue_enqueue_order_seq;

-- Which command is queued to which enrollment. A row stays after its
-- command is answered; active becomes FALSE when the queue is cleared.
CREATE TABLE enrollment_queue (
    id           VARCHAR(255) NOT NULL,
    command_uuid VARCHAR(127) NOT NULL,

    active   BOOLEAN  NOT NULL DEFAULT TRUE,
    priority SMALLINT NOT NULL DEFAULT 0,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    -- Addition: orders commands enqueued at the same time. The database
    -- fills it in, so inserts that do not name it keep working.
    enqueue_order BIGINT NULL
        DEFAULT nextval('enrollment_queue_enqueue_order_seq'),
    -- Addition: when a final (not NotNow) report for the command arrived.
    -- NULL while the command is pending.
    answered_at TIMESTAMP NULL,

    PRIMARY KEY (id, command_uuid),
    FOREIGN KEY (id) REFERENCES enrollments (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (command_uuid) REFERENCES commands (command_uuid)
        ON DELETE CASCADE ON UPDATE CASCADE
);
ALTER SEQUENCE enrollment_queue_enqueue_order_seq
    OWNED BY enrollment_queue.enqueue_order;
-- Addition: finds the next pending command without reading answered or
-- cleared ones, so its cost does not grow with an enrollment's history.
CREATE INDEX idx_queue_pending ON enrollment_queue
    (id, priority DESC, created_at, enqueue_order)
    WHERE active AND answered_at IS NULL;
-- Addition: the delete option and cascades look queue rows up by command.
CREATE INDEX idx_queue_command_uuid ON enrollment_queue (command_uuid);

-- Every queued command with its latest result, if any. Pending commands
-- have a NULL status. NanoMDM reads the next command from it.
CREATE OR REPLACE VIEW view_queue AS
SELECT
    q.id,
    q.created_at,
    q.active,
    q.priority,
    c.command_uuid,
    c.request_type,
    c.command,
    r.updated_at AS result_updated_at,
    r.status,
    r.result
FROM enrollment_queue AS q
    INNER JOIN commands AS c
        ON c.command_uuid = q.command_uuid
    LEFT JOIN command_results AS r
        ON r.id = q.id AND r.command_uuid = q.command_uuid
ORDER BY q.priority DESC, q.created_at;

-- APNs push certificates by topic. stale_token is 0 when first stored and
-- grows by one on every store, so every server reloads the new one.
CREATE TABLE push_certs (
    topic VARCHAR(255) NOT NULL,

    cert_pem TEXT NOT NULL,
    key_pem  TEXT NOT NULL,

    stale_token INTEGER NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY (topic),

    CHECK (topic != ''),
    CHECK (SUBSTRING(cert_pem FROM 1 FOR 27) = '-----BEGIN CERTIFICATE-----'),
    CHECK (SUBSTRING(key_pem FROM 1 FOR 5) = '-----')
);

-- Addition: fills cert_auth_associations.association_order.
CREATE SEQUENCE cert_auth_associations_association_order_seq;

-- Identity certificate hashes (lowercase hex SHA-256 of the DER) bound to
-- device channel IDs. Every binding is kept; the latest one of an ID is
-- the current one.
CREATE TABLE cert_auth_associations (
    id     VARCHAR(255) NOT NULL,
    sha256 CHAR(64)     NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    -- Addition: orders bindings made at the same time. The database fills
    -- it in.
    association_order BIGINT NULL
        DEFAULT nextval('cert_auth_associations_association_order_seq'),

    PRIMARY KEY (id, sha256),

    CHECK (id != ''),
    CHECK (sha256 != '')
);
ALTER SEQUENCE cert_auth_associations_association_order_seq
    OWNED BY cert_auth_associations.association_order;
-- Addition: every certificate check looks bindings up by hash.
CREATE INDEX idx_sha256 ON cert_auth_associations (sha256);

-- Sets updated_at on every UPDATE, as MySQL's ON UPDATE CURRENT_TIMESTAMP
-- does. NanoMDM's schema defines the same function and triggers.
CREATE FUNCTION update_current_timestamp() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON devices
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON enrollments
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON commands
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON command_results
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON enrollment_queue
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON push_certs
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
CREATE TRIGGER update_at_to_current_timestamp BEFORE UPDATE ON cert_auth_associations
    FOR EACH ROW EXECUTE PROCEDURE update_current_timestamp();
