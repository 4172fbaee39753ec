package mysql

import (
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

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
		{name: "pool options", in: "conn_max_lifetime=3m,conn_max_idle_time=30s", wantN: 2},
		{name: "create schema", in: "create_schema=1", wantN: 1},
		{name: "repeated key keeps last", in: "delete=x,delete=1", wantN: 1},
		{name: "bare delete", in: "delete", wantErr: `invalid value for delete option: ""`},
		{name: "bad delete", in: "delete=yes", wantErr: `invalid value for delete option: "yes"`},
		{name: "bad create", in: "create_schema=2", wantErr: `invalid value for create_schema option: "2"`},
		{name: "duration without unit", in: "conn_max_lifetime=30",
			wantErr: `invalid value for conn_max_lifetime option: time: missing unit in duration "30"`},
		{name: "bad idle time", in: "conn_max_idle_time=x",
			wantErr: `invalid value for conn_max_idle_time option: time: invalid duration "x"`},
		{name: "unknown key", in: "delete=1,bogus=1", wantErr: `invalid option: "bogus"`},
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

func TestParseOptionsValues(t *testing.T) {
	opts, err := ParseOptions("delete=1,conn_max_lifetime=3m,conn_max_idle_time=-1s,create_schema=1")
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	if !cfg.deleteCommands || !cfg.createSchema {
		t.Errorf("switches: got delete %v create %v, want both on", cfg.deleteCommands, cfg.createSchema)
	}
	if cfg.maxLifetime.String() != "3m0s" || cfg.maxIdleTime.String() != "-1s" {
		t.Errorf("durations: got %v and %v, want 3m0s and -1s", cfg.maxLifetime, cfg.maxIdleTime)
	}
}

func TestFlavorOf(t *testing.T) {
	tests := []struct {
		version string
		want    sqlstore.Flavor
	}{
		{"10.11.19-MariaDB-0+deb12u1", sqlstore.MySQLValues},
		{"11.4.2-MariaDB", sqlstore.MySQLValues},
		{"5.7.44-log", sqlstore.MySQLValues},
		{"8.0.18", sqlstore.MySQLValues},
		{"8.0.19", sqlstore.MySQL},
		{"8.0.36-0ubuntu0.22.04.1", sqlstore.MySQL},
		{"8.4.0", sqlstore.MySQL},
		{"9.1.0", sqlstore.MySQL},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			if got := flavorOf(tc.version); got != tc.want {
				t.Errorf("flavorOf(%q): got %v, want %v", tc.version, got, tc.want)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	stmts := splitStatements(Schema)
	var tables, views int
	for _, stmt := range stmts {
		switch {
		case strings.HasPrefix(stmt, "CREATE TABLE"):
			tables++
		case strings.HasPrefix(stmt, "CREATE OR REPLACE VIEW"):
			views++
		default:
			t.Errorf("unexpected statement: %.60q", stmt)
		}
		if strings.Contains(stmt, "--") && !strings.Contains(stmt, "-----") {
			t.Errorf("statement keeps a comment: %.60q", stmt)
		}
	}
	if tables != 8 || views != 1 {
		t.Errorf("schema: got %d tables and %d views, want 8 and 1", tables, views)
	}
}
