package gocloudblob

import (
	"context"
	"errors"
	"fmt"

	"gocloud.dev/gcerrors"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// ErrClosed is returned by the methods of a closed Blob, and by a writer
// used after Close or Abort.
var ErrClosed = errors.New("gocloudblob: closed")

// translate is the one place where gocloud's errors become the adapter's:
// a missing blob wraps driver.ErrNotFound, context errors stay matchable with
// errors.Is, and everything is wrapped with the operation and key.
func translate(op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrClosed):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("gocloudblob: %s %q: %w", op, key, err)
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("gocloudblob: %s %q: %w: %w", op, key, driver.ErrNotFound, err)
	case gcerrors.Canceled:
		// gocloud reports a cancelled write by code; keep it matchable.
		return fmt.Errorf("gocloudblob: %s %q: %w: %w", op, key, context.Canceled, err)
	}
	return fmt.Errorf("gocloudblob: %s %q: %w", op, key, err)
}

// notFound is the error for a key that cannot name a blob.
func notFound(op, key string) error {
	return fmt.Errorf("gocloudblob: %s %q: %w", op, key, driver.ErrNotFound)
}
