package sqlstore

import (
	"regexp"
	"strconv"
	"strings"
)

// Flavor is the SQL dialect a [Store] writes.
type Flavor int

const (
	// PostgreSQL uses $n placeholders and ON CONFLICT upserts.
	PostgreSQL Flavor = iota + 1

	// MySQL is MySQL 8.0.19 or later: ON DUPLICATE KEY UPDATE upserts that
	// name the new row through a row alias.
	MySQL

	// MySQLValues is MariaDB, or MySQL before 8.0.19: ON DUPLICATE KEY
	// UPDATE upserts that name the new row with VALUES(col). MariaDB
	// rejects the row alias, and MySQL deprecates VALUES(col) since 8.0.20.
	MySQLValues
)

// Dialect holds what a [Store] needs to know about its server.
type Dialect struct {
	Flavor Flavor

	// IsUniqueViolation reports whether err is a primary or unique key
	// violation.
	IsUniqueViolation func(error) bool

	// IsForeignKeyViolation reports whether err is an insert or update
	// that names a missing parent row.
	IsForeignKeyViolation func(error) bool

	// IsRetryable reports whether err means the server rolled back the
	// whole transaction to break a deadlock, so running it again may
	// succeed. Nil means no error is.
	IsRetryable func(error) bool
}

var (
	onConflictRE = regexp.MustCompile(`ON CONFLICT \([^)]*\) DO UPDATE SET`)
	excludedRE   = regexp.MustCompile(`EXCLUDED\.(\w+)`)
)

// translate rewrites a query written with ? placeholders and PostgreSQL
// upserts into f's dialect. Queries never contain ? inside literals.
func (f Flavor) translate(query string) string {
	switch f {
	case PostgreSQL:
		return numberPlaceholders(query)
	case MySQL:
		query = onConflictRE.ReplaceAllLiteralString(query, "AS new ON DUPLICATE KEY UPDATE")
		return excludedRE.ReplaceAllString(query, "new.$1")
	default:
		query = onConflictRE.ReplaceAllLiteralString(query, "ON DUPLICATE KEY UPDATE")
		return excludedRE.ReplaceAllString(query, "VALUES($1)")
	}
}

// numberPlaceholders replaces each ? with $1, $2 and so on.
func numberPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// tuples returns n comma-separated copies of tuple, such as "(?, ?)", for
// multi-row VALUES lists and IN lists.
func tuples(tuple string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(tuple) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}
