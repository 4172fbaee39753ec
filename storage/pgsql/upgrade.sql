-- Adds to a database created from NanoMDM's PostgreSQL schema what this
-- server's schema.sql has beyond it, with: psql -d DBNAME -f upgrade.sql.
-- It can be applied more than once, and NanoMDM keeps working on the
-- upgraded database. The server also works without these additions, and
-- logs at start-up which ones are missing and what they cost: commands
-- enqueued at the same time may be delivered out of order, certificates
-- bound at the same time may be taken in the wrong order, and finding the
-- next command reads every answered command of the enrollment.

CREATE SEQUENCE IF NOT EXISTS enrollment_queue_enqueue_order_seq;
ALTER TABLE enrollment_queue
    ADD COLUMN IF NOT EXISTS enqueue_order BIGINT NULL
        DEFAULT nextval('enrollment_queue_enqueue_order_seq'),
    ADD COLUMN IF NOT EXISTS answered_at TIMESTAMP NULL;
ALTER SEQUENCE enrollment_queue_enqueue_order_seq
    OWNED BY enrollment_queue.enqueue_order;

CREATE SEQUENCE IF NOT EXISTS cert_auth_associations_association_order_seq;
ALTER TABLE cert_auth_associations
    ADD COLUMN IF NOT EXISTS association_order BIGINT NULL
        DEFAULT nextval('cert_auth_associations_association_order_seq');
ALTER SEQUENCE cert_auth_associations_association_order_seq
    OWNED BY cert_auth_associations.association_order;

-- Marks the commands that already have a final report as answered.
UPDATE enrollment_queue AS q
SET answered_at = r.updated_at
FROM command_results AS r
WHERE r.id = q.id AND r.command_uuid = q.command_uuid
    AND q.answered_at IS NULL AND r.status != 'NotNow';

CREATE INDEX IF NOT EXISTS idx_enrollments_device_id
    ON enrollments (device_id);
CREATE INDEX IF NOT EXISTS idx_results_command_uuid
    ON command_results (command_uuid);
CREATE INDEX IF NOT EXISTS idx_queue_pending ON enrollment_queue
    (id, priority DESC, created_at, enqueue_order)
    WHERE active AND answered_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_queue_command_uuid
    ON enrollment_queue (command_uuid);
CREATE INDEX IF NOT EXISTS idx_sha256 ON cert_auth_associations (sha256);
