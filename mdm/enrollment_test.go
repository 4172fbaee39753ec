package mdm_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/mdm"
)

const (
	testUDID   = "66ADE930-5FDF-5EC4-8429-15640684C489"
	testUserID = "F151140B-1E28-4DE4-9C0E-2F4C1B6A3F61"
)

func TestEnrollmentResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		enrollment mdm.Enrollment
		want       *mdm.EnrollID
		wantDevice *mdm.EnrollID
	}{
		{
			name:       "device",
			enrollment: mdm.Enrollment{UDID: testUDID},
			want:       &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name:       "user",
			enrollment: mdm.Enrollment{UDID: testUDID, UserID: testUserID, UserShortName: "kim"},
			want: &mdm.EnrollID{
				Type: mdm.User, ID: testUDID + ":" + testUserID, ParentID: testUDID,
			},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name: "shared iPad user",
			enrollment: mdm.Enrollment{
				UDID: testUDID, UserID: mdm.SharediPadUserID, UserShortName: "kim@example.com",
			},
			want: &mdm.EnrollID{
				Type: mdm.SharediPad, ID: testUDID + ":kim@example.com", ParentID: testUDID,
			},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name:       "shared iPad without short name",
			enrollment: mdm.Enrollment{UDID: testUDID, UserID: mdm.SharediPadUserID},
			want:       &mdm.EnrollID{Type: mdm.SharediPad, ID: testUDID + ":", ParentID: testUDID},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			// The Shared iPad UserID is compared exactly: another letter
			// case is an ordinary user whose short name is ignored.
			name: "lowercase shared iPad user ID",
			enrollment: mdm.Enrollment{
				UDID: testUDID, UserID: "ffffffff-ffff-ffff-ffff-ffffffffffff", UserShortName: "kim",
			},
			want: &mdm.EnrollID{
				Type:     mdm.User,
				ID:       testUDID + ":ffffffff-ffff-ffff-ffff-ffffffffffff",
				ParentID: testUDID,
			},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name:       "user enrollment device",
			enrollment: mdm.Enrollment{EnrollmentID: "ENR-1"},
			want:       &mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: "ENR-1"},
			wantDevice: &mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: "ENR-1"},
		},
		{
			name:       "user enrollment",
			enrollment: mdm.Enrollment{EnrollmentID: "ENR-1", EnrollmentUserID: "EUSER-1"},
			want: &mdm.EnrollID{
				Type: mdm.UserEnrollment, ID: "ENR-1:EUSER-1", ParentID: "ENR-1",
			},
			wantDevice: &mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: "ENR-1"},
		},
		{
			name:       "user enrollment ignores UserID",
			enrollment: mdm.Enrollment{EnrollmentID: "ENR-1", UserID: testUserID},
			want:       &mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: "ENR-1"},
			wantDevice: &mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: "ENR-1"},
		},
		{
			name:       "UDID wins over EnrollmentID",
			enrollment: mdm.Enrollment{UDID: testUDID, EnrollmentID: "ENR-1"},
			want:       &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name: "EnrollmentUserID ignored with UDID",
			enrollment: mdm.Enrollment{
				UDID: testUDID, EnrollmentID: "ENR-1", EnrollmentUserID: "EUSER-1",
			},
			want:       &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: testUDID},
		},
		{
			name:       "identifiers kept as sent",
			enrollment: mdm.Enrollment{UDID: " abc ", UserID: "Kim"},
			want:       &mdm.EnrollID{Type: mdm.User, ID: " abc :Kim", ParentID: " abc "},
			wantDevice: &mdm.EnrollID{Type: mdm.Device, ID: " abc "},
		},
		{
			name:       "unresolvable without IDs",
			enrollment: mdm.Enrollment{UserID: testUserID, UserShortName: "kim", EnrollmentUserID: "EUSER-1"},
		},
		{
			name: "unresolvable when empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.enrollment.Resolve()); diff != "" {
				t.Errorf("Resolve() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDevice, tt.enrollment.DeviceChannel()); diff != "" {
				t.Errorf("DeviceChannel() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnrollTypeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		typ         mdm.EnrollType
		want        string
		wantValid   bool
		wantChannel bool
	}{
		{name: "zero", typ: 0},
		{name: "device", typ: mdm.Device, want: "Device", wantValid: true},
		{name: "user", typ: mdm.User, want: "User", wantValid: true, wantChannel: true},
		{
			name: "user enrollment device", typ: mdm.UserEnrollmentDevice,
			want: "User Enrollment (Device)", wantValid: true,
		},
		{
			name: "user enrollment", typ: mdm.UserEnrollment,
			want: "User Enrollment", wantValid: true, wantChannel: true,
		},
		{
			name: "shared iPad", typ: mdm.SharediPad,
			want: "Shared iPad", wantValid: true, wantChannel: true,
		},
		{name: "past the last type", typ: mdm.SharediPad + 1},
		{name: "negative", typ: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.typ.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := tt.typ.Valid(); got != tt.wantValid {
				t.Errorf("Valid() = %v, want %v", got, tt.wantValid)
			}
			if got := tt.typ.IsUserChannel(); got != tt.wantChannel {
				t.Errorf("IsUserChannel() = %v, want %v", got, tt.wantChannel)
			}
		})
	}
}

func TestEnrollIDValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		id           *mdm.EnrollID
		wantErr      bool
		wantNoID     bool
		wantDeviceID string
	}{
		{name: "nil", wantErr: true, wantNoID: true},
		{name: "empty ID", id: &mdm.EnrollID{Type: mdm.Device}, wantErr: true, wantNoID: true},
		{name: "invalid type", id: &mdm.EnrollID{ID: "DEV-1"}, wantErr: true, wantDeviceID: "DEV-1"},
		{name: "device", id: &mdm.EnrollID{Type: mdm.Device, ID: "DEV-1"}, wantDeviceID: "DEV-1"},
		{
			name:         "user channel",
			id:           &mdm.EnrollID{Type: mdm.User, ID: "DEV-1:U", ParentID: "DEV-1"},
			wantDeviceID: "DEV-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.id.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			if got := errors.Is(err, mdm.ErrNoEnrollmentID); got != tt.wantNoID {
				t.Errorf("errors.Is(%v, ErrNoEnrollmentID) = %v, want %v", err, got, tt.wantNoID)
			}
			if tt.id == nil {
				return
			}
			if got := tt.id.DeviceID(); got != tt.wantDeviceID {
				t.Errorf("DeviceID() = %q, want %q", got, tt.wantDeviceID)
			}
		})
	}
}

func TestRequestCloneIndependent(t *testing.T) {
	t.Parallel()
	cert := &x509.Certificate{}
	params := map[string]string{"a": "1"}
	orig := mdm.NewRequest(context.Background(), cert)
	orig.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: "DEV-1"}
	orig.Params = params

	clone := orig.Clone()
	clone.EnrollID.ID = "DEV-2"
	clone.EnrollID.Type = mdm.User

	if got := orig.EnrollID.ID; got != "DEV-1" {
		t.Errorf("original ID after changing the clone = %q, want %q", got, "DEV-1")
	}
	if got := orig.EnrollID.Type; got != mdm.Device {
		t.Errorf("original type after changing the clone = %v, want %v", got, mdm.Device)
	}
	if clone.Certificate != cert {
		t.Errorf("clone certificate = %p, want the original %p", clone.Certificate, cert)
	}
	if clone.Context != orig.Context {
		t.Error("clone context differs from the original")
	}
	if clone.Params["a"] != "1" {
		t.Errorf("clone Params[a] = %q, want %q", clone.Params["a"], "1")
	}

	clone.EnrollID = nil
	if orig.EnrollID == nil {
		t.Error("original EnrollID is nil after clearing the clone's")
	}
}

func TestRequestCloneWithoutEnrollID(t *testing.T) {
	t.Parallel()
	orig := mdm.NewRequest(context.Background(), nil)
	clone := orig.Clone()
	if clone == orig {
		t.Fatal("Clone() returned the same pointer")
	}
	if clone.EnrollID != nil {
		t.Errorf("clone EnrollID = %+v, want nil", clone.EnrollID)
	}
}
