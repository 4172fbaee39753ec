package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"
	"testing"
)

// countingDriver counts the connections it opens. Its connections support
// nothing but Close.
type countingDriver struct{ opened atomic.Int64 }

func (d *countingDriver) Open(string) (driver.Conn, error) {
	d.opened.Add(1)
	return countingConn{}, nil
}

type countingConn struct{}

func (countingConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (countingConn) Close() error                        { return nil }
func (countingConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

func TestTunePoolKeepsConnections(t *testing.T) {
	drv := &countingDriver{}
	db := sql.OpenDB(driverConnector{drv})
	t.Cleanup(func() { db.Close() })
	TunePool(db)

	const concurrent = 16
	ctx := context.Background()
	for round := range 3 {
		conns := make([]*sql.Conn, concurrent)
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("round %d: got error %v, want a connection", round, err)
			}
			conns[i] = c
		}
		for _, c := range conns {
			c.Close()
		}
	}

	if got := drv.opened.Load(); got != concurrent {
		t.Errorf("got %d connections opened over 3 rounds, want %d", got, concurrent)
	}
	if got := db.Stats().Idle; got != concurrent {
		t.Errorf("got %d idle connections, want %d", got, concurrent)
	}
}

// driverConnector turns a driver.Driver into a driver.Connector.
type driverConnector struct{ drv driver.Driver }

func (c driverConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open("") }
func (c driverConnector) Driver() driver.Driver                        { return c.drv }
