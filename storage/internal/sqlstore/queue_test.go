package sqlstore

import (
	"strings"
	"testing"

	"github.com/micromdm/plist"
)

func TestXMLReport(t *testing.T) {
	report := map[string]any{"CommandUUID": "abc", "Status": "Acknowledged", "UDID": "D1"}
	xml, err := plist.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	binary := binaryPlist(t)

	tests := []struct {
		name string
		raw  []byte
	}{
		{name: "XML kept", raw: xml},
		{name: "binary converted", raw: binary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := xmlReport(tc.raw)
			if err != nil {
				t.Fatalf("xmlReport: %v", err)
			}
			if !strings.HasPrefix(got, "<?xml") {
				t.Errorf("xmlReport: got %.40q, want an XML plist", got)
			}
			var decoded map[string]any
			if err := plist.Unmarshal([]byte(got), &decoded); err != nil {
				t.Fatalf("decoding result: %v", err)
			}
			if decoded["Status"] != "Acknowledged" || decoded["CommandUUID"] != "abc" {
				t.Errorf("decoded result: got %v, want Status and CommandUUID kept", decoded)
			}
		})
	}
}

func TestXMLReportInvalidBinary(t *testing.T) {
	if _, err := xmlReport([]byte("bplist00 not really")); err == nil {
		t.Error("xmlReport of a broken binary plist: got no error, want one")
	}
}

// binaryPlist returns a binary plist of a dictionary with CommandUUID
// "abc", Status "Acknowledged" and UDID "D1", written by hand because the
// plist package only encodes XML.
func binaryPlist(t *testing.T) []byte {
	t.Helper()
	objects := [][]byte{
		{0xD3, 1, 2, 3, 4, 5, 6}, // dictionary of 3: keys 1-3, values 4-6
		append([]byte{0x5B}, "CommandUUID"...),
		append([]byte{0x56}, "Status"...),
		append([]byte{0x54}, "UDID"...),
		append([]byte{0x53}, "abc"...),
		append([]byte{0x5C}, "Acknowledged"...),
		append([]byte{0x52}, "D1"...),
	}
	out := []byte("bplist00")
	var offsets []byte
	for _, obj := range objects {
		offsets = append(offsets, byte(len(out)))
		out = append(out, obj...)
	}
	tableOffset := len(out)
	out = append(out, offsets...)
	trailer := make([]byte, 32)
	trailer[6] = 1 // offset size
	trailer[7] = 1 // object reference size
	trailer[15] = byte(len(objects))
	trailer[31] = byte(tableOffset)
	return append(out, trailer...)
}
