package webhook

import (
	"time"
)

// Event topics, one per check-in MessageType plus mdm.Connect for command
// reports.
const (
	TopicAuthenticate          = "mdm.Authenticate"
	TopicTokenUpdate           = "mdm.TokenUpdate"
	TopicCheckOut              = "mdm.CheckOut"
	TopicUserAuthenticate      = "mdm.UserAuthenticate"
	TopicSetBootstrapToken     = "mdm.SetBootstrapToken"
	TopicGetBootstrapToken     = "mdm.GetBootstrapToken"
	TopicDeclarativeManagement = "mdm.DeclarativeManagement"
	TopicGetToken              = "mdm.GetToken"
	TopicConnect               = "mdm.Connect"
)

// Event is the JSON document posted for each message. Its shape extends
// the MicroMDM webhook with ids, enrollment_id and token_update_tally.
// The field order is the order of the JSON members.
type Event struct {
	// AcknowledgeEvent is set for command reports (topic mdm.Connect).
	AcknowledgeEvent *AcknowledgeEvent `json:"acknowledge_event,omitempty"`
	// CheckinEvent is set for check-ins.
	CheckinEvent *CheckinEvent `json:"checkin_event,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	// EventID is the trace ID of the HTTP request that carried the
	// message.
	EventID string `json:"event_id,omitempty"`
	Topic   string `json:"topic"`
}

// EnrollmentIDs is the resolved enrollment a message came from.
type EnrollmentIDs struct {
	ID string `json:"id"`
	// ParentID is the device channel ID of a user channel.
	ParentID string `json:"parent_id,omitempty"`
	// Type is the enrollment type name, such as "Device" or "User".
	Type string `json:"type"`
}

// CheckinEvent describes a check-in message.
type CheckinEvent struct {
	// EnrollmentID is the message's EnrollmentID key, as sent.
	EnrollmentID string         `json:"enrollment_id,omitempty"`
	IDs          *EnrollmentIDs `json:"ids"`
	// RawPayload is the exact request body, base64 encoded in JSON.
	RawPayload []byte `json:"raw_payload"`
	// TokenUpdateTally is set on TokenUpdate events only: the number of
	// TokenUpdates since the enrollment was last enabled, so 1 marks the
	// TokenUpdate that completed enrollment.
	TokenUpdateTally *int `json:"token_update_tally,omitempty"`
	// UDID is the message's UDID key, as sent.
	UDID string `json:"udid,omitempty"`
	// URLParams holds the first value of each query parameter of the
	// request URL.
	URLParams map[string]string `json:"url_params,omitempty"`
}

// AcknowledgeEvent describes a command report.
type AcknowledgeEvent struct {
	CommandUUID  string            `json:"command_uuid,omitempty"`
	EnrollmentID string            `json:"enrollment_id,omitempty"`
	IDs          *EnrollmentIDs    `json:"ids"`
	RawPayload   []byte            `json:"raw_payload"`
	Status       string            `json:"status"`
	UDID         string            `json:"udid,omitempty"`
	URLParams    map[string]string `json:"url_params,omitempty"`
}
