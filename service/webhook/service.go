package webhook

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

var _ service.CheckinAndCommandService = (*Webhook)(nil)

// ids returns the enrollment the core service resolved onto r, or nil
// when it resolved none.
func ids(r *mdm.Request) *EnrollmentIDs {
	if r.EnrollID == nil || r.ID == "" {
		return nil
	}
	return &EnrollmentIDs{ID: r.ID, ParentID: r.ParentID, Type: r.Type.String()}
}

func contextOf(r *mdm.Request) context.Context {
	if r.Context == nil {
		return context.Background()
	}
	return r.Context
}

// checkin posts a check-in event. With withTally it reads the TokenUpdate
// tally first and posts nothing when that fails.
func (w *Webhook) checkin(r *mdm.Request, topic string, e *mdm.Enrollment, raw []byte, withTally bool) error {
	ctx := contextOf(r)
	enrollment := ids(r)
	if enrollment == nil {
		// NOTE(parity): NanoMDM's webhook crashes the process here. A
		// missing ID means the core service failed before resolving it,
		// and the event is logged and dropped instead.
		log.From(ctx, w.logger).Info("dropping event without enrollment id", "topic", topic)
		return nil
	}

	ev := &CheckinEvent{
		EnrollmentID: e.EnrollmentID,
		IDs:          enrollment,
		RawPayload:   raw,
		UDID:         e.UDID,
		URLParams:    r.Params,
	}
	if withTally {
		tally, err := w.tally.RetrieveTokenUpdateTally(ctx, enrollment.ID)
		if err != nil {
			return fmt.Errorf("retrieving token update tally for %s: %w", enrollment.ID, err)
		}
		ev.TokenUpdateTally = &tally
	}
	return w.post(ctx, &Event{
		CheckinEvent: ev,
		CreatedAt:    w.now(),
		EventID:      log.TraceID(ctx),
		Topic:        topic,
	})
}

// Authenticate posts an mdm.Authenticate event.
func (w *Webhook) Authenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	return w.checkin(r, TopicAuthenticate, &msg.Enrollment, msg.Raw.Raw, false)
}

// TokenUpdate posts an mdm.TokenUpdate event with the TokenUpdate tally.
//
// NOTE: the tally is read when the event is built, as NanoMDM does. When
// the webhook runs in the background, a second TokenUpdate stored before
// that read makes both events carry the later tally.
func (w *Webhook) TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	return w.checkin(r, TopicTokenUpdate, &msg.Enrollment, msg.Raw.Raw, true)
}

// CheckOut posts an mdm.CheckOut event.
func (w *Webhook) CheckOut(r *mdm.Request, msg *mdm.CheckOut) error {
	return w.checkin(r, TopicCheckOut, &msg.Enrollment, msg.Raw.Raw, false)
}

// SetBootstrapToken posts an mdm.SetBootstrapToken event.
func (w *Webhook) SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	return w.checkin(r, TopicSetBootstrapToken, &msg.Enrollment, msg.Raw.Raw, false)
}

// GetBootstrapToken posts an mdm.GetBootstrapToken event and returns no
// token.
func (w *Webhook) GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	return nil, w.checkin(r, TopicGetBootstrapToken, &msg.Enrollment, msg.Raw.Raw, false)
}

// UserAuthenticate posts an mdm.UserAuthenticate event and returns no
// reply.
func (w *Webhook) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	return nil, w.checkin(r, TopicUserAuthenticate, &msg.Enrollment, msg.Raw.Raw, false)
}

// DeclarativeManagement posts an mdm.DeclarativeManagement event and
// returns no reply.
func (w *Webhook) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	return nil, w.checkin(r, TopicDeclarativeManagement, &msg.Enrollment, msg.Raw.Raw, false)
}

// GetToken posts an mdm.GetToken event and returns no response.
func (w *Webhook) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	return nil, w.checkin(r, TopicGetToken, &msg.Enrollment, msg.Raw.Raw, false)
}

// CommandAndReportResults posts an mdm.Connect event and returns no
// command.
func (w *Webhook) CommandAndReportResults(r *mdm.Request, results *mdm.CommandResults) (*mdm.Command, error) {
	ctx := contextOf(r)
	enrollment := ids(r)
	if enrollment == nil {
		log.From(ctx, w.logger).Info("dropping event without enrollment id", "topic", TopicConnect)
		return nil, nil
	}

	return nil, w.post(ctx, &Event{
		AcknowledgeEvent: &AcknowledgeEvent{
			CommandUUID:  results.CommandUUID,
			EnrollmentID: results.EnrollmentID,
			IDs:          enrollment,
			RawPayload:   results.Raw.Raw,
			Status:       results.Status,
			UDID:         results.UDID,
			URLParams:    r.Params,
		},
		CreatedAt: w.now(),
		EventID:   log.TraceID(ctx),
		Topic:     TopicConnect,
	})
}
