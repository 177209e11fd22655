package driver

import "time"

// Clock tells the current time. Services read it once per operation so that
// every record written by one operation carries the same instant.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock in UTC.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
