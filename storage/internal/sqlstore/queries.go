package sqlstore

import "strings"

// Features records which of this server's optional columns the database
// has. Each is an addition to NanoMDM's schema. Without one, the store uses
// NanoMDM's columns and is less exact in the way its field describes.
type Features struct {
	// EnqueueOrder is enrollment_queue.enqueue_order. Without it, commands
	// enqueued to one enrollment within one created_at tick (a second on
	// MySQL) are delivered in command UUID order.
	//
	// NOTE(parity): NanoMDM has no such column, so it delivers the commands
	// of one tick in the order the database returns them.
	EnqueueOrder bool

	// AnsweredAt is enrollment_queue.answered_at. Without it, finding the
	// next command reads every answered command of the enrollment.
	AnsweredAt bool

	// AssociationOrder is cert_auth_associations.association_order.
	// Without it, of two certificates bound to one enrollment within one
	// updated_at tick, either may be taken as the current one.
	AssociationOrder bool
}

// Query text shared by both dialects, in PostgreSQL's upsert form.
const (
	qLastSeen = `UPDATE enrollments SET last_seen_at = CURRENT_TIMESTAMP WHERE id = ?`

	qAuthenticate = `INSERT INTO devices
    (id, identity_cert, serial_number, authenticate, authenticate_at)
VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)
ON CONFLICT (id) DO UPDATE SET
    identity_cert = EXCLUDED.identity_cert,
    serial_number = EXCLUDED.serial_number,
    authenticate = EXCLUDED.authenticate,
    authenticate_at = CURRENT_TIMESTAMP,
    bootstrap_token_b64 = NULL,
    bootstrap_token_at = NULL`

	qDeviceTokenUpdate = `UPDATE devices
SET token_update = ?, token_update_at = CURRENT_TIMESTAMP
WHERE id = ?`

	qDeviceTokenUpdateUnlock = `UPDATE devices
SET token_update = ?, token_update_at = CURRENT_TIMESTAMP,
    unlock_token = ?, unlock_token_at = CURRENT_TIMESTAMP
WHERE id = ?`

	// qUserUpsert is completed with the column that holds the message:
	// token_update, user_authenticate or user_authenticate_digest.
	qUserUpsert = `INSERT INTO users
    (id, device_id, user_short_name, user_long_name, %[1]s, %[1]s_at)
VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)
ON CONFLICT (id, device_id) DO UPDATE SET
    user_short_name = EXCLUDED.user_short_name,
    user_long_name = EXCLUDED.user_long_name,
    %[1]s = EXCLUDED.%[1]s,
    %[1]s_at = CURRENT_TIMESTAMP`

	qEnrollmentUpsert = `INSERT INTO enrollments
    (id, device_id, user_id, type, topic, push_magic, token_hex,
     last_seen_at, token_update_tally)
VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP, 1)
ON CONFLICT (id) DO UPDATE SET
    device_id = EXCLUDED.device_id,
    user_id = EXCLUDED.user_id,
    type = EXCLUDED.type,
    topic = EXCLUDED.topic,
    push_magic = EXCLUDED.push_magic,
    token_hex = EXCLUDED.token_hex,
    enabled = TRUE,
    last_seen_at = CURRENT_TIMESTAMP,
    token_update_tally = enrollments.token_update_tally + 1`

	qDisable = `UPDATE enrollments
SET enabled = FALSE, token_update_tally = 0, last_seen_at = CURRENT_TIMESTAMP
WHERE %s = ? AND enabled = TRUE`

	qTally = `SELECT token_update_tally FROM enrollments WHERE id = ?`

	qStoreBootstrap = `UPDATE devices
SET bootstrap_token_b64 = ?, bootstrap_token_at = CURRENT_TIMESTAMP
WHERE id = ?`

	qBootstrap = `SELECT bootstrap_token_b64 FROM devices WHERE id = ?`

	qStoreResult = `INSERT INTO command_results
    (id, command_uuid, status, result, not_now_at, not_now_tally)
VALUES (?, ?, ?, ?, NULL, 0)
ON CONFLICT (id, command_uuid) DO UPDATE SET
    status = EXCLUDED.status,
    result = EXCLUDED.result`

	// qStoreNotNow keeps not_now_at at the time of the first NotNow.
	qStoreNotNow = `INSERT INTO command_results
    (id, command_uuid, status, result, not_now_at, not_now_tally)
VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, 1)
ON CONFLICT (id, command_uuid) DO UPDATE SET
    status = EXCLUDED.status,
    result = EXCLUDED.result,
    not_now_tally = command_results.not_now_tally + 1`

	// qMarkAnswered also checks for a final result, which rows NanoMDM
	// answered have without an answered_at.
	qMarkAnswered = `UPDATE enrollment_queue SET answered_at = CURRENT_TIMESTAMP
WHERE id = ? AND command_uuid = ? AND active = TRUE AND answered_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM command_results AS r
        WHERE r.id = enrollment_queue.id AND r.command_uuid = enrollment_queue.command_uuid
            AND r.status != 'NotNow')`

	qLockCommand = `SELECT command_uuid FROM commands WHERE command_uuid = ? FOR UPDATE`

	qDeleteQueued = `DELETE FROM enrollment_queue WHERE id = ? AND command_uuid = ?`

	qDeleteResult = `DELETE FROM command_results WHERE id = ? AND command_uuid = ?`

	qDeleteUnusedCommand = `DELETE FROM commands
WHERE command_uuid = ?
    AND NOT EXISTS (SELECT 1 FROM enrollment_queue WHERE command_uuid = ?)
    AND NOT EXISTS (SELECT 1 FROM command_results WHERE command_uuid = ?)`

	// qKnownIDs and qPushInfo take the IN list; qEnqueue takes the rows.
	qKnownIDs = `SELECT id FROM enrollments WHERE id IN (%s)`
	qPushInfo = `SELECT id, topic, push_magic, token_hex FROM enrollments WHERE id IN (%s)`
	qEnqueue  = `INSERT INTO enrollment_queue (id, command_uuid) VALUES `

	qInsertCommand = `INSERT INTO commands (command_uuid, request_type, command)
VALUES (?, ?, ?)`

	qStorePushCert = `INSERT INTO push_certs (topic, cert_pem, key_pem, stale_token)
VALUES (?, ?, ?, 0)
ON CONFLICT (topic) DO UPDATE SET
    cert_pem = EXCLUDED.cert_pem,
    key_pem = EXCLUDED.key_pem,
    stale_token = push_certs.stale_token + 1`

	qPushCert = `SELECT cert_pem, key_pem, stale_token FROM push_certs WHERE topic = ?`

	qStaleToken = `SELECT stale_token FROM push_certs WHERE topic = ?`

	qHasCertHash = `SELECT 1 FROM cert_auth_associations WHERE sha256 = ? LIMIT 1`

	qEnrollmentHasCertHash = `SELECT 1 FROM cert_auth_associations WHERE id = ? LIMIT 1`

	qDeleteAssociation = `DELETE FROM cert_auth_associations WHERE id = ? AND sha256 = ?`

	qInsertAssociation = `INSERT INTO cert_auth_associations (id, sha256) VALUES (?, ?)`

	qEnrollmentFromHash = `SELECT id FROM cert_auth_associations WHERE sha256 = ?
ORDER BY updated_at DESC LIMIT 1`

	qMigrateDevices = `SELECT authenticate, token_update FROM devices`

	qMigrateUsers = `SELECT token_update FROM users`
)

// pendingFilter is the WHERE clause, after the queue row's id, that keeps
// the queue rows of q whose command still waits for a final report. Rows
// NanoMDM answered have no answered_at, so the result is checked too.
func pendingFilter(f Features, withNotNow bool) string {
	var b strings.Builder
	b.WriteString(" AND q.active = TRUE")
	if f.AnsweredAt {
		b.WriteString(" AND q.answered_at IS NULL")
	}
	if withNotNow {
		b.WriteString(" AND (r.status IS NULL OR r.status = 'NotNow')")
	} else {
		b.WriteString(" AND r.status IS NULL")
	}
	return b.String()
}

// nextCommandQuery returns the query for the first pending command of one
// enrollment, in enqueue order.
func nextCommandQuery(f Features, skipNotNow bool) string {
	tieBreak := "q.command_uuid"
	if f.EnqueueOrder {
		tieBreak = "q.enqueue_order"
	}
	return `SELECT c.command_uuid, c.request_type, c.command
FROM enrollment_queue AS q
    INNER JOIN commands AS c ON c.command_uuid = q.command_uuid
    LEFT JOIN command_results AS r
        ON r.id = q.id AND r.command_uuid = q.command_uuid
WHERE q.id = ?` + pendingFilter(f, !skipNotNow) + `
ORDER BY q.priority DESC, q.created_at, ` + tieBreak + `
LIMIT 1`
}

// isPendingQuery returns the query that counts whether one command is
// pending for one enrollment.
func isPendingQuery(f Features) string {
	return `SELECT COUNT(*)
FROM enrollment_queue AS q
    LEFT JOIN command_results AS r
        ON r.id = q.id AND r.command_uuid = q.command_uuid
WHERE q.id = ? AND q.command_uuid = ?` + pendingFilter(f, true)
}

// clearQueueQuery returns the statement that deactivates the pending
// commands of every enrollment of a device, or of one user channel.
func clearQueueQuery(flavor Flavor, f Features, wholeDevice bool) string {
	unanswered := " AND q.active = TRUE"
	if f.AnsweredAt {
		unanswered += " AND q.answered_at IS NULL"
	}
	unanswered += `
    AND NOT EXISTS (SELECT 1 FROM command_results AS r
        WHERE r.id = q.id AND r.command_uuid = q.command_uuid
            AND r.status != 'NotNow')`
	switch {
	case !wholeDevice:
		return `UPDATE enrollment_queue AS q SET active = FALSE WHERE q.id = ?` + unanswered
	case flavor == PostgreSQL:
		return `UPDATE enrollment_queue AS q SET active = FALSE
FROM enrollments AS e
WHERE e.id = q.id AND e.device_id = ?` + unanswered
	default:
		return `UPDATE enrollment_queue AS q
    INNER JOIN enrollments AS e ON e.id = q.id
SET q.active = FALSE
WHERE e.device_id = ?` + unanswered
	}
}

// currentHashQuery returns the query for the hash of the latest binding
// of one device channel ID.
func currentHashQuery(f Features) string {
	tieBreak := "created_at DESC"
	if f.AssociationOrder {
		tieBreak = "association_order DESC"
	}
	return `SELECT sha256 FROM cert_auth_associations WHERE id = ?
ORDER BY updated_at DESC, ` + tieBreak + ` LIMIT 1`
}
