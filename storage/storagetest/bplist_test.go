package storagetest

import (
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

func TestBinaryPlist(t *testing.T) {
	tests := []struct {
		name string
		dict map[string]string
	}{
		{name: "short values", dict: map[string]string{"Status": "Idle", "UDID": "A1"}},
		{name: "long values", dict: map[string]string{
			"Status":      "Acknowledged",
			"UDID":        newUDID(),
			"CommandUUID": newCommandUUID(),
		}},
		{name: "long offsets", dict: map[string]string{
			"Status": "Error", "UDID": strings.Repeat("A", 200), "UserID": strings.Repeat("B", 200),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := binaryPlist(tc.dict)
			if !mdm.IsBinaryPlist(raw) {
				t.Fatalf("IsBinaryPlist: got false, want true")
			}
			got, err := mdm.DecodeCommandResults(raw)
			if err != nil {
				t.Fatalf("DecodeCommandResults: %v", err)
			}
			if got.Status != tc.dict["Status"] || got.UDID != tc.dict["UDID"] ||
				got.CommandUUID != tc.dict["CommandUUID"] || got.UserID != tc.dict["UserID"] {
				t.Errorf("decoded report: got %+v, want %v", got.Enrollment, tc.dict)
			}
		})
	}
}
