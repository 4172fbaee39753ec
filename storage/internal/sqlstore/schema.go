package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Inventory is the tables, columns and indexes a database has, read from
// its catalog at start-up. Names are lowercase.
type Inventory struct {
	columns map[string]map[string]string // table, column: data type
	indexes map[string]map[string]bool   // table, index name
}

// ReadInventory runs columnsQuery, which returns (table, column, data
// type) rows, and indexesQuery, which returns (table, index name) rows,
// both limited to the schema the store uses.
func ReadInventory(ctx context.Context, db *sql.DB, columnsQuery, indexesQuery string) (*Inventory, error) {
	inv := &Inventory{
		columns: make(map[string]map[string]string),
		indexes: make(map[string]map[string]bool),
	}
	err := queryRows(ctx, db, columnsQuery, nil, func(rows *sql.Rows) error {
		var table, column, dataType string
		if err := rows.Scan(&table, &column, &dataType); err != nil {
			return err
		}
		table = strings.ToLower(table)
		if inv.columns[table] == nil {
			inv.columns[table] = make(map[string]string)
		}
		inv.columns[table][strings.ToLower(column)] = strings.ToLower(dataType)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading columns from the catalog: %w", err)
	}
	err = queryRows(ctx, db, indexesQuery, nil, func(rows *sql.Rows) error {
		var table, index string
		if err := rows.Scan(&table, &index); err != nil {
			return err
		}
		table = strings.ToLower(table)
		if inv.indexes[table] == nil {
			inv.indexes[table] = make(map[string]bool)
		}
		inv.indexes[table][strings.ToLower(index)] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading indexes from the catalog: %w", err)
	}
	return inv, nil
}

// Empty reports whether the schema has no tables or views at all.
func (inv *Inventory) Empty() bool {
	return len(inv.columns) == 0
}

// HasTable reports whether table (or view) exists.
func (inv *Inventory) HasTable(table string) bool {
	return inv.columns[table] != nil
}

// ColumnType returns the data type of table.column, or "" when it does not
// exist.
func (inv *Inventory) ColumnType(table, column string) string {
	return inv.columns[table][column]
}

// HasIndex reports whether table has an index named index.
func (inv *Inventory) HasIndex(table, index string) bool {
	return inv.indexes[table][index]
}

// Requirement is a table or column the store cannot work without, and the
// fix to name when it is missing.
type Requirement struct {
	Table  string
	Column string // empty for the table itself
	Fix    string
}

// Check returns an error naming every missing requirement and its fix, or
// nil.
func (inv *Inventory) Check(reqs []Requirement) error {
	var errs []error
	for _, req := range reqs {
		switch {
		case req.Column == "" && !inv.HasTable(req.Table):
			errs = append(errs, fmt.Errorf("table %s missing: %s", req.Table, req.Fix))
		case req.Column != "" && inv.HasTable(req.Table) && inv.ColumnType(req.Table, req.Column) == "":
			errs = append(errs, fmt.Errorf("column %s.%s missing: %s", req.Table, req.Column, req.Fix))
		}
	}
	return errors.Join(errs...)
}

// DetectFeatures returns the optional columns the database has and, for
// each missing one, a warning saying what is lost and how to add it.
func (inv *Inventory) DetectFeatures(fix string) (Features, []string) {
	f := Features{
		EnqueueOrder:     inv.ColumnType("enrollment_queue", "enqueue_order") != "",
		AnsweredAt:       inv.ColumnType("enrollment_queue", "answered_at") != "",
		AssociationOrder: inv.ColumnType("cert_auth_associations", "association_order") != "",
	}
	var warnings []string
	if !f.EnqueueOrder {
		warnings = append(warnings, "column enrollment_queue.enqueue_order missing: "+
			"commands enqueued to one enrollment at the same time are delivered in command UUID order; "+fix)
	}
	if !f.AnsweredAt {
		warnings = append(warnings, "column enrollment_queue.answered_at missing: "+
			"finding the next command reads every answered command of the enrollment; "+fix)
	}
	if !f.AssociationOrder {
		warnings = append(warnings, "column cert_auth_associations.association_order missing: "+
			"of two certificates bound to one enrollment at the same time either may be current; "+fix)
	}
	return f, warnings
}
