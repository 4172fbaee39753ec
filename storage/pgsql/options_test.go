package pgsql

import "testing"

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantN   int
		wantErr string
	}{
		{name: "empty", in: ""},
		{name: "delete on", in: "delete=1", wantN: 1},
		{name: "delete off", in: "delete=0"},
		{name: "create schema", in: "create_schema=1", wantN: 1},
		{name: "bad delete", in: "delete=true", wantErr: `invalid value for delete option: "true"`},
		{name: "mysql pool option", in: "conn_max_lifetime=3m", wantErr: `invalid option: "conn_max_lifetime"`},
		{name: "trailing comma", in: "delete=1,", wantErr: `invalid option: ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := ParseOptions(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseOptions(%q): got error %v, want %s", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOptions(%q): %v", tc.in, err)
			}
			if len(opts) != tc.wantN {
				t.Errorf("ParseOptions(%q): got %d options, want %d", tc.in, len(opts), tc.wantN)
			}
		})
	}
}
