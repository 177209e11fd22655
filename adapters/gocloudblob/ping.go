package gocloudblob

import (
	"context"
	"errors"
	"fmt"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

var _ driver.Pinger = (*Blob)(nil)

// Ping asks the backend whether the bucket or container exists and the
// credentials reach it: one metadata request for the cloud backends, a stat
// of the directory for file://.
func (b *Blob) Ping(ctx context.Context) error {
	if err := b.check(); err != nil {
		return err
	}
	ok, err := b.bucket.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("gocloudblob: ping: %w", err)
	}
	if !ok {
		return errors.New("gocloudblob: ping: the bucket is not accessible")
	}
	return nil
}
