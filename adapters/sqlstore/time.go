package sqlstore

import (
	"fmt"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// timestamp is how every time column is written and read: in UTC, at
// microsecond precision (finer digits are truncated).
//
// On SQLite, which has no time type, it is fixed-width ISO 8601 text
// (2006-01-02T15:04:05.000000Z), so that comparing and ordering the text
// compares and orders the instants. On PostgreSQL it is a timestamptz, on
// SQL Server a datetime2(6) holding UTC.
type timestamp struct{ time.Time }

// sqliteTimeLayout has a fixed width for the years 0001–9999.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// mssqlTimeLayout is ISO 8601 without a zone, which SQL Server reads the
// same whatever the session's language and date format. bun's own literal
// keeps only milliseconds.
const mssqlTimeLayout = "2006-01-02T15:04:05.000000"

func newTimestamp(t time.Time) timestamp { return timestamp{t.UTC()} }

// newTimestampPtr maps nil to nil (SQL NULL).
func newTimestampPtr(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	ts := newTimestamp(*t)
	return &ts
}

// ptr returns the time or nil.
func (t *timestamp) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// AppendQuery writes t as a SQL literal for the query's dialect.
func (t timestamp) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	u := t.Time.UTC()
	if y := u.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("sqlstore: time %s outside the years 1 to 9999", u)
	}
	switch gen.Dialect().Name() {
	case dialect.SQLite:
		b = append(b, '\'')
		b = u.AppendFormat(b, sqliteTimeLayout)
		return append(b, '\''), nil
	case dialect.MSSQL:
		b = append(b, '\'')
		b = u.AppendFormat(b, mssqlTimeLayout)
		return append(b, '\''), nil
	}
	return gen.Dialect().AppendTime(b, u.Truncate(time.Microsecond)), nil
}

// Scan reads a time column: text from SQLite, time.Time from PostgreSQL and
// SQL Server (whose datetime2 go-mssqldb reads as UTC).
func (t *timestamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
}

func (t *timestamp) parse(s string) error {
	v, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		// Tolerate other RFC 3339 spellings written by hand.
		if v, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("sqlstore: parse time %q: %w", s, err)
		}
	}
	t.Time = v.UTC()
	return nil
}
