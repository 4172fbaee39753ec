package sqlstore

import (
	"slices"
	"testing"
)

func TestTranslate(t *testing.T) {
	const upsert = `INSERT INTO t (a, b) VALUES (?, ?)
ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b, n = t.n + 1`
	tests := []struct {
		name   string
		flavor Flavor
		query  string
		want   string
	}{
		{
			name:   "postgresql numbers placeholders",
			flavor: PostgreSQL,
			query:  upsert,
			want: `INSERT INTO t (a, b) VALUES ($1, $2)
ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b, n = t.n + 1`,
		},
		{
			name:   "mysql uses a row alias",
			flavor: MySQL,
			query:  upsert,
			want: `INSERT INTO t (a, b) VALUES (?, ?)
AS new ON DUPLICATE KEY UPDATE b = new.b, n = t.n + 1`,
		},
		{
			name:   "mariadb uses VALUES",
			flavor: MySQLValues,
			query:  upsert,
			want: `INSERT INTO t (a, b) VALUES (?, ?)
ON DUPLICATE KEY UPDATE b = VALUES(b), n = t.n + 1`,
		},
		{
			name:   "plain query unchanged on mysql",
			flavor: MySQL,
			query:  `SELECT id FROM t WHERE id = ?`,
			want:   `SELECT id FROM t WHERE id = ?`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.flavor.translate(tc.query); got != tc.want {
				t.Errorf("translate:\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSplitOptions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Option
	}{
		{name: "empty", in: "", want: nil},
		{name: "one", in: "delete=1", want: []Option{{"delete", "1"}}},
		{name: "no equals sign", in: "delete", want: []Option{{"delete", ""}}},
		{name: "value with equals sign", in: "a=b=c", want: []Option{{"a", "b=c"}}},
		{name: "last value wins in first place", in: "delete=x,b=1,delete=0",
			want: []Option{{"delete", "0"}, {"b", "1"}}},
		{name: "trailing comma", in: "delete=1,", want: []Option{{"delete", "1"}, {"", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SplitOptions(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("SplitOptions(%q): got %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestBatches(t *testing.T) {
	ids := make([]string, 2*batchSize+1)
	var sizes []int
	for batch := range batches(ids) {
		sizes = append(sizes, len(batch))
	}
	if want := []int{batchSize, batchSize, 1}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes: got %v, want %v", sizes, want)
	}
}

func TestUniqueIDs(t *testing.T) {
	got := uniqueIDs([]string{"b", "a", "b", "A"})
	if want := []string{"b", "a", "A"}; !slices.Equal(got, want) {
		t.Errorf("uniqueIDs: got %v, want %v", got, want)
	}
}
