-- Schema of the mysql storage backend, for MySQL 8.0.19 or later and
-- MariaDB 10.11 or later. It has every table, column, index and view of
-- NanoMDM's MySQL schema (with its change files 00001 to 00011 applied),
-- so NanoMDM and this server can use the same database. Three columns and
-- one index are additions; see docs/storage-sql.md. Load it into an empty
-- database. upgrade.sql adds the additions to a database NanoMDM created.

-- One row per device channel: its latest Authenticate and TokenUpdate.
CREATE TABLE devices (
    id VARCHAR(255) NOT NULL,

    -- PEM of the identity certificate of the latest Authenticate.
    identity_cert TEXT NULL,
    serial_number VARCHAR(127) NULL,

    -- Raw UnlockToken bytes from the latest TokenUpdate that had one.
    unlock_token    MEDIUMBLOB NULL,
    unlock_token_at TIMESTAMP  NULL,

    authenticate    TEXT      NOT NULL,
    authenticate_at TIMESTAMP NOT NULL,
    token_update    TEXT      NULL,
    token_update_at TIMESTAMP NULL,

    -- Standard base64, with padding, of the escrowed bootstrap token.
    bootstrap_token_b64 TEXT      NULL,
    bootstrap_token_at  TIMESTAMP NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    PRIMARY KEY (id),
    INDEX (serial_number),

    CHECK (identity_cert IS NULL OR
        SUBSTRING(identity_cert FROM 1 FOR 27) = '-----BEGIN CERTIFICATE-----'),
    CHECK (serial_number IS NULL OR serial_number != ''),
    CHECK (unlock_token IS NULL OR LENGTH(unlock_token) > 0),
    CHECK (authenticate != ''),
    CHECK (token_update IS NULL OR token_update != ''),
    CHECK (bootstrap_token_b64 IS NULL OR bootstrap_token_b64 != '')
);

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
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    PRIMARY KEY (id, device_id),
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

    enabled            BOOLEAN NOT NULL DEFAULT 1,
    token_update_tally INTEGER NOT NULL DEFAULT 1,
    last_seen_at       TIMESTAMP NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    PRIMARY KEY (id),
    UNIQUE (user_id),
    INDEX (type),
    FOREIGN KEY (device_id) REFERENCES devices (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (user_id, device_id) REFERENCES users (id, device_id)
        ON DELETE CASCADE ON UPDATE CASCADE,

    CHECK (id != ''),
    CHECK (type != ''),
    CHECK (topic != ''),
    CHECK (push_magic != ''),
    CHECK (token_hex != '')
);

-- One row per command, shared by every enrollment it is queued to.
CREATE TABLE commands (
    command_uuid VARCHAR(127) NOT NULL,
    request_type VARCHAR(63)  NOT NULL,
    -- The command plist exactly as it was enqueued.
    command      MEDIUMTEXT   NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

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
    result       MEDIUMTEXT   NOT NULL,

    not_now_at    TIMESTAMP NULL,
    not_now_tally INTEGER   NOT NULL DEFAULT 0,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    PRIMARY KEY (id, command_uuid),
    INDEX (status),
    FOREIGN KEY (id) REFERENCES enrollments (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (command_uuid) REFERENCES commands (command_uuid)
        ON DELETE CASCADE ON UPDATE CASCADE,

    CHECK (status != ''),
    CHECK (SUBSTRING(result FROM 1 FOR 5) = '<?xml')
);

-- Which command is queued to which enrollment. A row stays after its
-- command is answered; active becomes 0 when the queue is cleared.
CREATE TABLE enrollment_queue (
    id           VARCHAR(255) NOT NULL,
    command_uuid VARCHAR(127) NOT NULL,

    active   BOOLEAN NOT NULL DEFAULT 1,
    priority TINYINT NOT NULL DEFAULT 0,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    -- Addition: orders commands enqueued within the same second, because
    -- created_at has one-second resolution. The server fills it in, so
    -- inserts that do not name it keep working.
    enqueue_order BIGINT NOT NULL AUTO_INCREMENT,
    -- Addition: when a final (not NotNow) report for the command arrived.
    -- NULL while the command is pending.
    answered_at TIMESTAMP NULL,

    PRIMARY KEY (id, command_uuid),
    UNIQUE INDEX idx_enqueue_order (enqueue_order),
    INDEX (priority DESC, created_at),
    INDEX idx_queue_lookup (id, active, priority DESC, created_at),
    -- Addition: finds the next pending command without reading answered
    -- ones, so its cost does not grow with an enrollment's history.
    INDEX idx_queue_pending
        (id, active, answered_at, priority DESC, created_at, enqueue_order),
    FOREIGN KEY (id) REFERENCES enrollments (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (command_uuid) REFERENCES commands (command_uuid)
        ON DELETE CASCADE ON UPDATE CASCADE
);

-- Every queued command with its latest result, if any. Pending commands
-- have a NULL status. For administrators; the server does not read it.
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
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    PRIMARY KEY (topic),

    CHECK (topic != ''),
    CHECK (SUBSTRING(cert_pem FROM 1 FOR 27) = '-----BEGIN CERTIFICATE-----'),
    CHECK (SUBSTRING(key_pem FROM 1 FOR 5) = '-----')
);

-- Identity certificate hashes (lowercase hex SHA-256 of the DER) bound to
-- device channel IDs. Every binding is kept; the latest one of an ID is
-- the current one.
CREATE TABLE cert_auth_associations (
    id     VARCHAR(255) NOT NULL,
    sha256 CHAR(64)     NOT NULL,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,

    -- Addition: orders bindings made within the same second, because
    -- updated_at has one-second resolution. The server fills it in.
    association_order BIGINT NOT NULL AUTO_INCREMENT,

    PRIMARY KEY (id, sha256),
    UNIQUE INDEX idx_association_order (association_order),
    INDEX idx_sha256 (sha256),

    CHECK (id != ''),
    CHECK (sha256 != '')
);
