package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// errDuplicate stands for the native error an INSERT … ON CONFLICT DO
// NOTHING that inserted nothing did not raise.
var errDuplicate = errors.New("row with this key exists")

// translate is the one place native errors become the driver's sentinels:
// no rows → driver.ErrNotFound, a unique or primary-key violation →
// driver.ErrConflict, a foreign-key violation (a row written for a record
// that does not exist, such as the push registration of an unknown device)
// → driver.ErrNotFound. The native error stays wrapped for logs, and op
// names the failed operation ("sqlstore: get device: …").
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, driver.ErrNotFound)
	case foreignKeyViolation(err):
		return fmt.Errorf("sqlstore: %s: %w: %w", op, driver.ErrNotFound, err)
	case errors.Is(err, errDuplicate) || uniqueViolation(err):
		return fmt.Errorf("sqlstore: %s: %w: %w", op, driver.ErrConflict, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

func uniqueViolation(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "23505" // unique_violation
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if n, ok := mssqlNumber(err); ok {
		// 2627: PRIMARY KEY or UNIQUE constraint; 2601: unique index.
		return n == 2627 || n == 2601
	}
	return false
}

func foreignKeyViolation(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "23503" // foreign_key_violation
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	if n, ok := mssqlNumber(err); ok {
		// 547 is any constraint conflict; the store's only constraints
		// besides keys are foreign keys.
		return n == 547
	}
	return false
}

// retryable reports whether a transaction that failed with err may succeed
// when run again: a PostgreSQL serialization failure or deadlock, a SQL
// Server deadlock victim or snapshot update conflict, or SQLite still busy
// after its busy timeout. err may be wrapped, e.g. by fn.
func retryable(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "40001" || code == "40P01" // serialization_failure, deadlock_detected
	}
	if code, ok := sqliteCode(err); ok {
		switch code & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	if n, ok := mssqlNumber(err); ok {
		return n == 1205 || n == 3960 // deadlock victim, snapshot update conflict
	}
	return false
}

func pgCode(err error) (string, bool) {
	var e pgdriver.Error
	if errors.As(err, &e) {
		return e.Field('C'), true
	}
	return "", false
}

func sqliteCode(err error) (int, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}

func mssqlNumber(err error) (int32, bool) {
	var e mssql.Error
	if errors.As(err, &e) {
		return e.Number, true
	}
	return 0, false
}
