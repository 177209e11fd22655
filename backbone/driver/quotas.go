package driver

import (
	"context"
	"time"
)

// Metric keys a QuotaStore counts usage of.
const (
	MetricNumberOfSentMessages                   = "NumberOfSentMessages"
	MetricNumberOfRelationships                  = "NumberOfRelationships"
	MetricNumberOfRelationshipTemplates          = "NumberOfRelationshipTemplates"
	MetricNumberOfFiles                          = "NumberOfFiles"
	MetricNumberOfTokens                         = "NumberOfTokens"
	MetricUsedFileStorageSpace                   = "UsedFileStorageSpace"
	MetricNumberOfStartedDeletionProcesses       = "NumberOfStartedDeletionProcesses"
	MetricNumberOfCreatedChallenges              = "NumberOfCreatedChallenges"
	MetricNumberOfCreatedDatawalletModifications = "NumberOfCreatedDatawalletModifications"
	MetricNumberOfCreatedDevices                 = "NumberOfCreatedDevices"
)

// TierQuotaDefinition is a quota every identity of a tier has. Period is
// one of Hour, Day, Week, Month, Year, Total.
type TierQuotaDefinition struct {
	ID        string
	TierID    string
	MetricKey string
	Max       int
	Period    string
}

// IndividualQuota is a quota an operator set for one identity.
type IndividualQuota struct {
	ID              string
	IdentityAddress string
	MetricKey       string
	Max             int
	Period          string
}

// MetricStatus says until when a metric is exhausted for an identity. The
// zero IsExhaustedUntil means it is not exhausted.
type MetricStatus struct {
	IdentityAddress  string
	MetricKey        string
	IsExhaustedUntil time.Time
}

// QuotaStore persists quotas and metric statuses, and counts the usage of
// metrics in the other aggregates' records.
type QuotaStore interface {
	// InsertTierQuota stores a new tier quota definition. Returns
	// ErrConflict if the ID exists or the tier already has a definition
	// for the same metric and period.
	InsertTierQuota(ctx context.Context, d TierQuotaDefinition) error
	// TierQuotas returns the definitions of the tier ordered by metric key,
	// then period, then ID; none for an unknown tier.
	TierQuotas(ctx context.Context, tierID string) ([]TierQuotaDefinition, error)
	// DeleteTierQuota removes the definition with the ID from the tier.
	// Returns ErrNotFound if the tier has no definition with the ID.
	DeleteTierQuota(ctx context.Context, tierID, id string) error

	// InsertIndividualQuota stores a new individual quota. Returns
	// ErrConflict if the ID exists or the identity already has an
	// individual quota for the same metric and period.
	InsertIndividualQuota(ctx context.Context, q IndividualQuota) error
	// IndividualQuotas returns the identity's individual quotas ordered by
	// metric key, then period, then ID; none for an unknown identity.
	IndividualQuotas(ctx context.Context, address string) ([]IndividualQuota, error)
	// DeleteIndividualQuota removes the identity's individual quota with
	// the ID. Returns ErrNotFound if the identity has none with the ID.
	DeleteIndividualQuota(ctx context.Context, address, id string) error

	// SetStatuses records statuses, each (IdentityAddress, MetricKey) at
	// most once: each replaces the stored status of its pair; one with a
	// zero IsExhaustedUntil removes it (nothing to remove is no error).
	// Statuses of other pairs stay. It is atomic.
	SetStatuses(ctx context.Context, statuses []MetricStatus) error
	// ExhaustedStatuses returns the identity's statuses of the metric keys
	// whose IsExhaustedUntil is after now, ordered by metric key. It is the
	// read at the start of every quota-checked request: one indexed lookup.
	ExhaustedStatuses(ctx context.Context, address string, metricKeys []string, now time.Time) ([]MetricStatus, error)
	// ExhaustedIdentitiesOfTier returns the addresses, ordered, of the
	// identities whose tier (Identity.TierID) is tierID and that have
	// at least one status exhausted after now.
	ExhaustedIdentitiesOfTier(ctx context.Context, tierID string, now time.Time) ([]string, error)
	// DeleteIdentity removes the identity's individual quotas and statuses;
	// nothing happens for an identity without any.
	DeleteIdentity(ctx context.Context, address string) error

	// Usage returns the identity's usage of the metric in [from, to): the
	// number of records counted for the metric created in that interval,
	// for UsedFileStorageSpace the summed cipher size in bytes of the
	// files it created. What counts:
	//   - NumberOfSentMessages: messages with CreatedBy = address.
	//   - NumberOfRelationships: relationships created in the interval
	//     that are Pending with From = address; Active or Terminated with
	//     address on either side; DeletionProposed where the other side
	//     has decomposed. Rejected, Revoked and ReadyForDeletion ones do
	//     not count.
	//   - NumberOfRelationshipTemplates, NumberOfFiles, NumberOfTokens,
	//     UsedFileStorageSpace: records with CreatedBy = address.
	//   - NumberOfStartedDeletionProcesses: identity deletion processes of
	//     the identity, by their creation time.
	//   - NumberOfCreatedChallenges: challenges with CreatedBy = address
	//     whose ExpiresAt minus ten minutes (their creation time) lies in
	//     the interval.
	//   - NumberOfCreatedDatawalletModifications: modifications of the
	//     identity's datawallet.
	//   - NumberOfCreatedDevices: devices of the identity.
	// Any other metric key is an error.
	Usage(ctx context.Context, metricKey, address string, from, to time.Time) (int64, error)
}
