-- Adds to a database created from NanoMDM's MySQL schema what this
-- server's schema.sql has beyond it. Apply it once, after NanoMDM's change
-- files up to 00011, with: mysql DBNAME < upgrade.sql. NanoMDM keeps
-- working on the upgraded database. The server also works without these
-- additions, and logs at start-up which ones are missing and what they
-- cost: commands enqueued to one enrollment within one second may be
-- delivered out of order, certificates bound within one second may be
-- taken in the wrong order, and finding the next command reads every
-- answered command of the enrollment.

ALTER TABLE enrollment_queue
    ADD COLUMN enqueue_order BIGINT NOT NULL AUTO_INCREMENT,
    ADD UNIQUE INDEX idx_enqueue_order (enqueue_order),
    ADD COLUMN answered_at TIMESTAMP NULL,
    ADD INDEX idx_queue_pending
        (id, active, answered_at, priority DESC, created_at, enqueue_order);

ALTER TABLE cert_auth_associations
    ADD COLUMN association_order BIGINT NOT NULL AUTO_INCREMENT,
    ADD UNIQUE INDEX idx_association_order (association_order);

-- Marks the commands that already have a final report as answered.
UPDATE enrollment_queue AS q
    INNER JOIN command_results AS r
        ON r.id = q.id AND r.command_uuid = q.command_uuid
SET q.answered_at = r.updated_at
WHERE q.answered_at IS NULL AND r.status != 'NotNow';
