package nanomdm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

func TestCommandReport(t *testing.T) {
	next := &mdm.Command{CommandUUID: "CMD-2", Command: mdm.CommandPayload{RequestType: "DeviceLock"}}
	tests := []struct {
		name     string
		status   string
		storeErr error
		wantSkip bool
		wantErr  bool
		wantLog  string
	}{
		{name: "idle", status: mdm.StatusIdle, wantLog: "status=Idle"},
		{name: "acknowledged", status: mdm.StatusAcknowledged, wantLog: "command_uuid=CMD-1"},
		{name: "not now skips", status: mdm.StatusNotNow, wantSkip: true, wantLog: "status=NotNow"},
		{
			name:     "not queued continues",
			status:   mdm.StatusAcknowledged,
			storeErr: fmt.Errorf("CMD-1: %w", storage.ErrCommandNotQueued),
			wantLog:  "command not queued for enrollment",
		},
		{name: "storage error", status: mdm.StatusError, storeErr: errors.New("db gone"), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeStore{next: next, errs: map[string]error{"StoreCommandReport": tc.storeErr}}
			svc, buf := newService(store)
			report := &mdm.CommandResults{Enrollment: device, Status: tc.status}
			if tc.status != mdm.StatusIdle {
				report.CommandUUID = "CMD-1"
			}

			got, err := svc.CommandAndReportResults(newRequest(), report)
			if tc.wantErr {
				if err == nil || got != nil {
					t.Fatalf("got %v, %v, want nil and an error", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got != next {
				t.Errorf("got command %v, want %v", got, next)
			}
			if !slices.Equal(store.skipSeen, []bool{tc.wantSkip}) {
				t.Errorf("got skipNotNow %v, want [%v]", store.skipSeen, tc.wantSkip)
			}
			if !strings.Contains(buf.String(), tc.wantLog) {
				t.Errorf("got log %q, want it to contain %q", buf.String(), tc.wantLog)
			}
			if !strings.Contains(buf.String(), "msg=\"command retrieved\"") {
				t.Errorf("got log %q, want a command retrieved line", buf.String())
			}
		})
	}
}

func TestCommandReportNoCommand(t *testing.T) {
	svc, buf := newService(&fakeStore{})
	got, err := svc.CommandAndReportResults(newRequest(), &mdm.CommandResults{Enrollment: device, Status: "Idle"})
	if err != nil || got != nil {
		t.Fatalf("got %v, %v, want nil, nil", got, err)
	}
	if !strings.Contains(buf.String(), "no command retrieved") {
		t.Errorf("got log %q, want a no command line", buf.String())
	}
}
