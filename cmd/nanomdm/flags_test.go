package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

// envFrom returns a lookup function over a fixed environment.
func envFrom(env map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := env[key]
		return v, ok
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, flag, want string }{
		{name: "plain", flag: "api", want: "NANOMDM_API"},
		{name: "dashes", flag: "dm-recv-hmac-key", want: "NANOMDM_DM_RECV_HMAC_KEY"},
		{name: "ua", flag: "ua-zl-dc", want: "NANOMDM_UA_ZL_DC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := envName(tt.flag); got != tt.want {
				t.Errorf("envName(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(*config) any
		want    any
		wantErr error
	}{
		{name: "listen default", check: func(c *config) any { return c.listen }, want: ":9000"},
		{name: "env sets scalar", env: map[string]string{"NANOMDM_API": "k"}, check: func(c *config) any { return c.api }, want: "k"},
		{name: "flag overrides env", args: []string{"-api", "flag"}, env: map[string]string{"NANOMDM_API": "env"}, check: func(c *config) any { return c.api }, want: "flag"},
		{name: "double dash", args: []string{"--api=x"}, check: func(c *config) any { return c.api }, want: "x"},
		{name: "env bool", env: map[string]string{"NANOMDM_DEBUG": "true"}, check: func(c *config) any { return c.debug }, want: true},
		{name: "flag turns off env bool", args: []string{"-debug=false"}, env: map[string]string{"NANOMDM_DEBUG": "1"}, check: func(c *config) any { return c.debug }, want: false},
		{name: "storage env first", args: []string{"-storage", "inmem"}, env: map[string]string{"NANOMDM_STORAGE": "filekv"},
			check: func(c *config) any { return []string(c.storage.Storage) }, want: []string{"filekv", "inmem"}},
		{name: "empty env DSN counts", args: []string{"-dsn", "b", "-storage-dsn", "c"}, env: map[string]string{"NANOMDM_STORAGE_DSN": ""},
			check: func(c *config) any { return []string(c.storage.DSN) }, want: []string{"", "b", "c"}},
		{name: "no env for version", env: map[string]string{"NANOMDM_VERSION": "1"}, check: func(c *config) any { return c.version }, want: false},
		{name: "no env for dsn", env: map[string]string{"NANOMDM_DSN": "x"}, check: func(c *config) any { return len(c.storage.DSN) }, want: 0},
		{name: "stops at argument", args: []string{"foo", "-api", "x"}, check: func(c *config) any { return c.api }, want: ""},
		{name: "apns url", args: []string{"-apns-url", "https://127.0.0.1:1"}, check: func(c *config) any { return c.apnsURL }, want: "https://127.0.0.1:1"},
		{name: "body limit env", env: map[string]string{"NANOMDM_MAX_BODY_BYTES": "5"}, check: func(c *config) any { return c.maxBodyBytes }, want: int64(5)},
		{name: "bad env bool", env: map[string]string{"NANOMDM_DEBUG": ""}, wantErr: errUsage},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg config
			var stderr bytes.Buffer
			err := parseFlags(&cfg, append([]string{"nanomdm"}, tt.args...), envFrom(tt.env), &stderr)
			if err != tt.wantErr {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if tt.check == nil {
				return
			}
			if got := tt.check(&cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{name: "help", args: []string{"-h"}, wantCode: 0, wantStderr: []string{"Usage of nanomdm:", "  -api string", "[NANOMDM_API]", `(default ":9000")`, "  -storage value"}},
		{name: "help marks set env", args: []string{"-help"}, env: map[string]string{"NANOMDM_API": "x"}, wantCode: 0, wantStderr: []string{"[NANOMDM_API is set]"}},
		{name: "version", args: []string{"-version"}, wantCode: 0, wantStdout: "unknown\n"},
		{name: "bad env bool", env: map[string]string{"NANOMDM_CHECKIN": "yes"}, wantCode: 2,
			wantStderr: []string{"setting flag -checkin from environment: parse error", "Usage of nanomdm:"}},
		{name: "unknown flag", args: []string{"-x"}, wantCode: 2, wantStderr: []string{"flag provided but not defined: -x"}},
		{name: "nothing to do", args: []string{"-disable-mdm", "-ca", "/nonexistent"}, wantCode: 1, wantStderr: []string{"nothing for server to do"}},
		{name: "no CA", wantCode: 1, wantStderr: []string{"must supply CA cert path flag"}},
		{name: "CA missing", args: []string{"-ca", "/nonexistent/ca.pem"}, wantCode: 1, wantStderr: []string{"open /nonexistent/ca.pem: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			argv := append([]string{"nanomdm"}, tt.args...)
			code := run(context.Background(), argv, envFrom(tt.env), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("got exit code %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout != "" && stdout.String() != tt.wantStdout {
				t.Errorf("got stdout %q, want %q", stdout.String(), tt.wantStdout)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), want)
				}
			}
		})
	}
}

func TestUsageLeavesOutEnvForDSNAndVersion(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"nanomdm", "-h"}, envFrom(nil), &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("got exit code %d, want 0", code)
	}
	for _, unwanted := range []string{"NANOMDM_DSN", "NANOMDM_VERSION"} {
		if strings.Contains(stderr.String(), unwanted) {
			t.Errorf("usage mentions %s, which the server never reads", unwanted)
		}
	}
}
