package main

import (
	"context"
	"testing"
	"time"
)

// fleetTimeout bounds one delivery scenario.
const fleetTimeout = 2 * time.Minute

func TestServersShareDatabase(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	tests := []struct {
		name       string
		concurrent bool
	}{
		{name: "one device at a time", concurrent: false},
		{name: "concurrent enrollment and pollers", concurrent: true},
	}
	for _, b := range list {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := newInProcessFleet(t, b, 2)
				ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
				defer cancel()
				enroll := f.enroll
				if tt.concurrent {
					enroll = f.enrollConcurrently
				}
				f.deliver(ctx, enroll(ctx, 24), 3, tt.concurrent)
			})
		}
	}
}
