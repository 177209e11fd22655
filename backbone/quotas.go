package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
)

// ID prefixes of quotas.
const (
	PrefixTierQuotaDefinition = "TQD"
	PrefixQuota               = "QUO"
)

// Quota error codes.
const (
	CodeUnsupportedMetricKey                     = "error.platform.quotas.unsupportedMetricKey"
	CodeDuplicateQuota                           = "error.platform.quotas.duplicateQuota"
	CodeCannotCreateOrDeleteQuotaOnQfDTier       = "error.platform.quotas.cannotCreateOrDeleteQuotaOnQueuedForDeletionTier"
	quotaExhaustedMessage                        = "You cannot perform this action because one or more quotas are exhausted."
	subscriptionQuotas                           = "quotas"
	quotaSourceIndividual, quotaSourceTier       = "Individual", "Tier"
	bytesPerMegabyte                       int64 = 1024 * 1024
)

// Metric keys.
const (
	MetricNumberOfSentMessages                   = driver.MetricNumberOfSentMessages
	MetricNumberOfRelationships                  = driver.MetricNumberOfRelationships
	MetricNumberOfRelationshipTemplates          = driver.MetricNumberOfRelationshipTemplates
	MetricNumberOfFiles                          = driver.MetricNumberOfFiles
	MetricNumberOfTokens                         = driver.MetricNumberOfTokens
	MetricUsedFileStorageSpace                   = driver.MetricUsedFileStorageSpace
	MetricNumberOfStartedDeletionProcesses       = driver.MetricNumberOfStartedDeletionProcesses
	MetricNumberOfCreatedChallenges              = driver.MetricNumberOfCreatedChallenges
	MetricNumberOfCreatedDatawalletModifications = driver.MetricNumberOfCreatedDatawalletModifications
	MetricNumberOfCreatedDevices                 = driver.MetricNumberOfCreatedDevices
)

// Metric is something quotas limit.
type Metric struct {
	Key         string
	DisplayName string
}

var metrics = []Metric{
	{MetricNumberOfSentMessages, "Number of Sent Messages"},
	{MetricNumberOfRelationships, "Number of Relationships"},
	{MetricNumberOfRelationshipTemplates, "Number of Relationship Templates"},
	{MetricNumberOfFiles, "Number of Files"},
	{MetricNumberOfTokens, "Number of Tokens"},
	{MetricUsedFileStorageSpace, "File Storage Capacity (in Megabytes)"},
	{MetricNumberOfStartedDeletionProcesses, "Number of Started Deletion Processes"},
	{MetricNumberOfCreatedChallenges, "Number of Created Challenges"},
	{MetricNumberOfCreatedDatawalletModifications, "Number of Created Datawallet Modifications"},
	{MetricNumberOfCreatedDevices, "Number of Created Devices"},
}

func metricByKey(key string) (Metric, bool) {
	for _, m := range metrics {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}

func allMetricKeys() []string {
	keys := make([]string, len(metrics))
	for i, m := range metrics {
		keys[i] = m.Key
	}
	return keys
}

// Quota periods: UTC calendar periods, weeks starting on Monday.
const (
	PeriodHour  = "Hour"
	PeriodDay   = "Day"
	PeriodWeek  = "Week"
	PeriodMonth = "Month"
	PeriodYear  = "Year"
	PeriodTotal = "Total"
)

// Periods lists the periods in the order of their wire numbers 0 to 5.
var Periods = []string{PeriodHour, PeriodDay, PeriodWeek, PeriodMonth, PeriodYear, PeriodTotal}

// parsePeriod returns the period named s, ignoring case.
func parsePeriod(s string) (string, bool) {
	for _, p := range Periods {
		if strings.EqualFold(p, s) {
			return p, true
		}
	}
	return "", false
}

// EndOfTime is when a quota of the period Total is exhausted until, as
// ExhaustedMetric reports it.
var EndOfTime = time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)

// periodInterval returns the period containing now as [start, next).
func periodInterval(period string, now time.Time) (time.Time, time.Time) {
	now = now.UTC()
	y, mo, d := now.Date()
	switch period {
	case PeriodHour:
		s := now.Truncate(time.Hour)
		return s, s.Add(time.Hour)
	case PeriodDay:
		s := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 0, 1)
	case PeriodWeek:
		back := (int(now.Weekday()) + 6) % 7 // days since Monday
		s := time.Date(y, mo, d-back, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 0, 7)
	case PeriodMonth:
		s := time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 1, 0)
	case PeriodYear:
		s := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(1, 0, 0)
	}
	return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), EndOfTime.Add(time.Millisecond)
}

// periodEnd is the last millisecond of the period containing now.
func periodEnd(period string, now time.Time) time.Time {
	_, next := periodInterval(period, now)
	return next.Add(-time.Millisecond)
}

// TierQuota is a quota definition of a tier: every identity of the tier
// has the quota.
type TierQuota struct {
	ID     string
	TierID string
	Metric Metric
	Max    int
	Period string
}

// IndividualQuota is a quota an operator set for one identity. It
// replaces the tier's quotas of its metric.
type IndividualQuota struct {
	ID              string
	IdentityAddress string
	Metric          Metric
	Max             int
	Period          string
}

// IdentityQuota is a quota of an identity with its usage in the current
// period. Source is Individual or Tier.
type IdentityQuota struct {
	ID     string
	Source string
	Metric Metric
	Max    int
	Usage  int64
	Period string
}

// QuotaGroup is the quotas of an identity for one metric.
type QuotaGroup struct {
	MetricKey string
	Quotas    []IdentityQuota
}

// ExhaustedMetric is one entry of the data of a quotaExhausted error: the
// Data of such an Error is a []ExhaustedMetric.
type ExhaustedMetric struct {
	MetricKey        string    `json:"metricKey"`
	IsExhaustedUntil time.Time `json:"isExhaustedUntil"`
}

// MarshalJSON writes the time with exactly three fraction digits, as every
// time of the API.
func (m ExhaustedMetric) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MetricKey        string `json:"metricKey"`
		IsExhaustedUntil string `json:"isExhaustedUntil"`
	}{m.MetricKey, m.IsExhaustedUntil.UTC().Format("2006-01-02T15:04:05.000Z")})
}

// CreateQuotaRequest describes a new quota.
type CreateQuotaRequest struct {
	MetricKey string
	Max       int
	Period    string
}

// Quotas manages quotas, computes metric statuses and enforces them.
//
// Usage is counted from the records themselves when an event says it may
// have changed (the "quotas" consumer of Run), and the result is stored as
// a metric status; a quota-checked request only reads the statuses.
// Creating a tier quota definition computes nothing: the identities of the
// tier are checked against it from their next counted event on, because
// recomputing a whole tier in one request does not scale.
type Quotas struct{ b *Backbone }

// Metrics returns the metrics quotas can limit.
func (s *Quotas) Metrics() []Metric { return slices.Clone(metrics) }

func (s *Quotas) validateRequest(req CreateQuotaRequest) (Metric, string, error) {
	m, ok := metricByKey(req.MetricKey)
	if !ok {
		return Metric{}, "", invalid(CodeUnsupportedMetricKey, "The given metric key is not supported. The supported metric keys are: [%s].", strings.Join(allMetricKeys(), ", "))
	}
	if req.Max <= 0 {
		return Metric{}, "", invalidProperty("max", "must be greater than 0.")
	}
	p, ok := parsePeriod(req.Period)
	if !ok {
		return Metric{}, "", invalidProperty("period", "must be one of %s.", strings.Join(Periods, ", "))
	}
	return m, p, nil
}

var (
	errDuplicateQuota = invalid(CodeDuplicateQuota, "A quota targeting the same metric and period already exists.")
	errQfDQuotas      = invalid(CodeCannotCreateOrDeleteQuotaOnQfDTier, "Quotas cannot be manually managed for the 'Queued for Deletion' tier.")
	errQuotaNotFound  = notFound("Quota")
)

func (s *Quotas) tier(ctx context.Context, id string) error {
	if !ValidID(PrefixTier, id) {
		return invalidIDError("tierId")
	}
	_, err := s.b.store.Tiers().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return notFound("Tier")
	}
	return internal("get tier", err)
}

// CreateTierQuota adds a quota definition to a tier. Its identities are
// held to it from their next counted event on.
func (s *Quotas) CreateTierQuota(ctx context.Context, tierID string, req CreateQuotaRequest) (TierQuota, error) {
	if err := s.tier(ctx, tierID); err != nil {
		return TierQuota{}, err
	}
	if tierID == QueuedForDeletionTierID {
		return TierQuota{}, errQfDQuotas
	}
	m, p, err := s.validateRequest(req)
	if err != nil {
		return TierQuota{}, err
	}
	d := driver.TierQuotaDefinition{ID: NewID(PrefixTierQuotaDefinition), TierID: tierID, MetricKey: m.Key, Max: req.Max, Period: p}
	err = s.b.store.Quotas().InsertTierQuota(ctx, d)
	if errors.Is(err, driver.ErrConflict) {
		return TierQuota{}, errDuplicateQuota
	}
	if err != nil {
		return TierQuota{}, internal("insert tier quota definition", err)
	}
	return tierQuota(d), nil
}

func tierQuota(d driver.TierQuotaDefinition) TierQuota {
	m, _ := metricByKey(d.MetricKey)
	return TierQuota{ID: d.ID, TierID: d.TierID, Metric: m, Max: d.Max, Period: d.Period}
}

// DeleteTierQuota removes a quota definition from a tier and recomputes
// the exhausted statuses of the tier's identities, which it may have
// caused.
func (s *Quotas) DeleteTierQuota(ctx context.Context, tierID, id string) error {
	if err := s.tier(ctx, tierID); err != nil {
		return err
	}
	if tierID == QueuedForDeletionTierID {
		return errQfDQuotas
	}
	if !ValidID(PrefixTierQuotaDefinition, id) {
		return invalidIDError("tierQuotaDefinitionId")
	}
	err := s.b.store.Quotas().DeleteTierQuota(ctx, tierID, id)
	if errors.Is(err, driver.ErrNotFound) {
		return notFound("TierQuotaDefinition")
	}
	if err != nil {
		return internal("delete tier quota definition", err)
	}
	addresses, err := s.b.store.Quotas().ExhaustedIdentitiesOfTier(ctx, tierID, s.b.now())
	if err != nil {
		return internal("list exhausted identities of tier", err)
	}
	for _, a := range addresses {
		if err := s.b.recomputeStatuses(ctx, a, allMetricKeys()); err != nil {
			return err
		}
	}
	return nil
}

// OfTier returns the quota definitions of a tier.
func (s *Quotas) OfTier(ctx context.Context, tierID string) ([]TierQuota, error) {
	if err := s.tier(ctx, tierID); err != nil {
		return nil, err
	}
	ds, err := s.b.store.Quotas().TierQuotas(ctx, tierID)
	if err != nil {
		return nil, internal("list tier quota definitions", err)
	}
	out := make([]TierQuota, len(ds))
	for i, d := range ds {
		out[i] = tierQuota(d)
	}
	return out, nil
}

func (s *Quotas) identity(ctx context.Context, address string) (driver.Identity, error) {
	if !ValidAddress(address) {
		return driver.Identity{}, invalidIDError("address")
	}
	id, err := s.b.store.Identities().Get(ctx, address)
	if errors.Is(err, driver.ErrNotFound) {
		return driver.Identity{}, notFound("Identity")
	}
	return id, internal("get identity", err)
}

// CreateIndividualQuota sets a quota for one identity; it replaces the
// tier's quotas of its metric. The metric's status is recomputed before it
// returns.
func (s *Quotas) CreateIndividualQuota(ctx context.Context, address string, req CreateQuotaRequest) (IndividualQuota, error) {
	if _, err := s.identity(ctx, address); err != nil {
		return IndividualQuota{}, err
	}
	m, p, err := s.validateRequest(req)
	if err != nil {
		return IndividualQuota{}, err
	}
	q := driver.IndividualQuota{ID: NewID(PrefixQuota), IdentityAddress: address, MetricKey: m.Key, Max: req.Max, Period: p}
	err = s.b.store.Quotas().InsertIndividualQuota(ctx, q)
	if errors.Is(err, driver.ErrConflict) {
		return IndividualQuota{}, errDuplicateQuota
	}
	if err != nil {
		return IndividualQuota{}, internal("insert individual quota", err)
	}
	if err := s.b.recomputeStatuses(ctx, address, []string{m.Key}); err != nil {
		return IndividualQuota{}, err
	}
	return IndividualQuota{ID: q.ID, IdentityAddress: address, Metric: m, Max: q.Max, Period: p}, nil
}

// DeleteIndividualQuota removes an individual quota and recomputes its
// metric's status, so that a quota that is gone no longer blocks.
func (s *Quotas) DeleteIndividualQuota(ctx context.Context, address, id string) error {
	if _, err := s.identity(ctx, address); err != nil {
		return err
	}
	if !ValidID(PrefixQuota, id) {
		return invalidIDError("individualQuotaId")
	}
	qs, err := s.b.store.Quotas().IndividualQuotas(ctx, address)
	if err != nil {
		return internal("list individual quotas", err)
	}
	i := slices.IndexFunc(qs, func(q driver.IndividualQuota) bool { return q.ID == id })
	if i < 0 {
		return errQuotaNotFound
	}
	err = s.b.store.Quotas().DeleteIndividualQuota(ctx, address, id)
	if errors.Is(err, driver.ErrNotFound) {
		return errQuotaNotFound
	}
	if err != nil {
		return internal("delete individual quota", err)
	}
	return s.b.recomputeStatuses(ctx, address, []string{qs[i].MetricKey})
}

// quotaSet is every quota of an identity: individual ones first.
type quotaSet struct {
	individual []driver.IndividualQuota
	tier       []driver.TierQuotaDefinition
}

func loadQuotas(ctx context.Context, st driver.Stores, address, tierID string) (quotaSet, error) {
	ind, err := st.Quotas().IndividualQuotas(ctx, address)
	if err != nil {
		return quotaSet{}, internal("list individual quotas", err)
	}
	tier, err := st.Quotas().TierQuotas(ctx, tierID)
	if err != nil {
		return quotaSet{}, internal("list tier quota definitions", err)
	}
	return quotaSet{individual: ind, tier: tier}, nil
}

// appliedQuota is a quota that counts for its metric.
type appliedQuota struct {
	max    int
	period string
}

// applied returns the quotas that count for the metric: the individual
// ones if there are any, else the tier's. All periods apply.
func (qs quotaSet) applied(metricKey string) []appliedQuota {
	var out []appliedQuota
	for _, q := range qs.individual {
		if q.MetricKey == metricKey {
			out = append(out, appliedQuota{q.Max, q.Period})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, q := range qs.tier {
		if q.MetricKey == metricKey {
			out = append(out, appliedQuota{q.Max, q.Period})
		}
	}
	return out
}

// usage counts the identity's usage of the metric in the period
// containing now; file storage in whole megabytes.
func usage(ctx context.Context, st driver.Stores, address, metricKey, period string, now time.Time) (int64, error) {
	from, to := periodInterval(period, now)
	n, err := st.Quotas().Usage(ctx, metricKey, address, from, to)
	if err != nil {
		return 0, internal("count usage", err)
	}
	if metricKey == MetricUsedFileStorageSpace {
		n /= bytesPerMegabyte
	}
	return n, nil
}

// OfIdentity returns every quota of the identity, its individual ones
// first, with its source and usage in the current period.
func (s *Quotas) OfIdentity(ctx context.Context, address string) ([]IdentityQuota, error) {
	id, err := s.identity(ctx, address)
	if err != nil {
		return nil, err
	}
	return s.withUsage(ctx, id)
}

func (s *Quotas) withUsage(ctx context.Context, id driver.Identity) ([]IdentityQuota, error) {
	st := s.b.store
	qs, err := loadQuotas(ctx, st, id.Address, id.TierID)
	if err != nil {
		return nil, err
	}
	now := s.b.now()
	out := make([]IdentityQuota, 0, len(qs.individual)+len(qs.tier))
	add := func(qid, source, key string, max int, period string) error {
		u, err := usage(ctx, st, id.Address, key, period, now)
		if err != nil {
			return err
		}
		m, _ := metricByKey(key)
		out = append(out, IdentityQuota{ID: qid, Source: source, Metric: m, Max: max, Usage: u, Period: period})
		return nil
	}
	for _, q := range qs.individual {
		if err := add(q.ID, quotaSourceIndividual, q.MetricKey, q.Max, q.Period); err != nil {
			return nil, err
		}
	}
	for _, q := range qs.tier {
		if err := add(q.ID, quotaSourceTier, q.MetricKey, q.Max, q.Period); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ForCaller returns the caller's quotas grouped by metric, in the order
// their first quota appears in OfIdentity.
func (s *Quotas) ForCaller(ctx context.Context, as Caller) ([]QuotaGroup, error) {
	if as.Anonymous() {
		return nil, errUnauthenticated
	}
	id, err := s.b.store.Identities().Get(ctx, as.Address)
	if errors.Is(err, driver.ErrNotFound) {
		return []QuotaGroup{}, nil // deleted meanwhile: it has no quotas
	}
	if err != nil {
		return nil, internal("get identity", err)
	}
	qs, err := s.withUsage(ctx, id)
	if err != nil {
		return nil, err
	}
	groups := []QuotaGroup{}
	for _, q := range qs {
		i := slices.IndexFunc(groups, func(g QuotaGroup) bool { return g.MetricKey == q.Metric.Key })
		if i < 0 {
			groups = append(groups, QuotaGroup{MetricKey: q.Metric.Key})
			i = len(groups) - 1
		}
		groups[i].Quotas = append(groups[i].Quotas, q)
	}
	return groups, nil
}

// checkQuotas refuses a request of an identity for which one of the
// metrics is exhausted. It is one indexed read of the stored statuses; the
// counting happened when the events arrived. Anonymous callers are never
// checked.
func (b *Backbone) checkQuotas(ctx context.Context, as Caller, metricKeys ...string) error {
	if as.Anonymous() {
		return nil
	}
	sts, err := b.store.Quotas().ExhaustedStatuses(ctx, as.Address, metricKeys, b.now())
	if err != nil {
		return internal("read metric statuses", err)
	}
	if len(sts) == 0 {
		return nil
	}
	data := make([]ExhaustedMetric, len(sts))
	for i, st := range sts {
		data[i] = ExhaustedMetric{MetricKey: st.MetricKey, IsExhaustedUntil: st.IsExhaustedUntil}
	}
	return &Error{Kind: KindQuotaExhausted, Code: CodeQuotaExhausted, Message: quotaExhaustedMessage, Data: data}
}

// recomputeStatuses counts the identity's usage of the metrics and
// stores their statuses. A metric is exhausted until the end of the latest
// period among its applied quotas whose usage reached the maximum (a
// maximum of 0 without counting). It runs in one serializable transaction,
// so that a slower recomputation cannot overwrite a newer one with what it
// counted before. An identity that no longer exists has nothing to
// recompute.
func (b *Backbone) recomputeStatuses(ctx context.Context, address string, metricKeys []string) error {
	return b.store.InTx(ctx, func(tx driver.Tx) error {
		id, err := tx.Identities().Get(ctx, address)
		if errors.Is(err, driver.ErrNotFound) {
			return nil
		}
		if err != nil {
			return internal("get identity", err)
		}
		qs, err := loadQuotas(ctx, tx, address, id.TierID)
		if err != nil {
			return err
		}
		now := b.now()
		statuses := make([]driver.MetricStatus, 0, len(metricKeys))
		for _, key := range metricKeys {
			st := driver.MetricStatus{IdentityAddress: address, MetricKey: key}
			for _, q := range qs.applied(key) {
				if q.max > 0 {
					u, err := usage(ctx, tx, address, key, q.period, now)
					if err != nil {
						return err
					}
					if u < int64(q.max) {
						continue
					}
				}
				if end := periodEnd(q.period, now); end.After(st.IsExhaustedUntil) {
					st.IsExhaustedUntil = end
				}
			}
			statuses = append(statuses, st)
		}
		return internal("set metric statuses", tx.Quotas().SetStatuses(ctx, statuses))
	})
}

// quotasHandlers recompute the statuses of the metrics an event may have
// changed. Recomputing counts afresh, so a redelivered event changes
// nothing.
func (b *Backbone) quotasHandlers() map[string]events.Handler {
	return map[string]events.Handler{
		"MessageCreated": recomputeOn(b, func(e MessageCreated) ([]string, []string) {
			return []string{e.CreatedBy}, []string{MetricNumberOfSentMessages}
		}),
		"RelationshipStatusChanged": recomputeOn(b, func(e RelationshipStatusChanged) ([]string, []string) {
			return []string{e.Initiator, e.Peer}, []string{MetricNumberOfRelationships}
		}),
		"RelationshipTemplateCreated": recomputeOn(b, func(e RelationshipTemplateCreated) ([]string, []string) {
			return []string{e.CreatedBy}, []string{MetricNumberOfRelationshipTemplates}
		}),
		"FileUploaded": recomputeOn(b, func(e FileUploaded) ([]string, []string) {
			return []string{e.Owner}, []string{MetricNumberOfFiles, MetricUsedFileStorageSpace}
		}),
		"TokenCreated": recomputeOn(b, func(e TokenCreated) ([]string, []string) {
			return []string{e.CreatedBy}, []string{MetricNumberOfTokens}
		}),
		"IdentityCreated": recomputeOn(b, func(e IdentityCreated) ([]string, []string) {
			return []string{e.Address}, allMetricKeys()
		}),
		"TierOfIdentityChanged": recomputeOn(b, func(e TierOfIdentityChanged) ([]string, []string) {
			return []string{e.IdentityAddress}, allMetricKeys()
		}),
	}
}

func recomputeOn[E any](b *Backbone, affected func(E) (identities, metricKeys []string)) events.Handler {
	return func(ctx context.Context, m driver.Message) error {
		var e E
		if err := json.Unmarshal(m.Body, &e); err != nil {
			b.cfg.Logger.ErrorContext(ctx, "dropping undecodable domain event", "id", m.ID, "error", err)
			return nil
		}
		ids, keys := affected(e)
		for _, a := range ids {
			if a == "" { // anonymous tokens, for instance
				continue
			}
			if err := b.recomputeStatuses(ctx, a, keys); err != nil {
				return err
			}
		}
		return nil
	}
}

// seedQueuedForDeletionQuotas gives the "Queued for Deletion" tier a
// quota of 0 for the whole time on every metric but the two an identity
// in its grace period still needs (its datawallet, and the deletion
// process itself). Safe to run again and from several processes.
func (b *Backbone) seedQueuedForDeletionQuotas(ctx context.Context) error {
	have, err := b.store.Quotas().TierQuotas(ctx, QueuedForDeletionTierID)
	if err != nil {
		return internal("list tier quota definitions", err)
	}
	for _, m := range metrics {
		if m.Key == MetricNumberOfCreatedDatawalletModifications || m.Key == MetricNumberOfStartedDeletionProcesses {
			continue
		}
		if slices.ContainsFunc(have, func(d driver.TierQuotaDefinition) bool { return d.MetricKey == m.Key && d.Period == PeriodTotal }) {
			continue
		}
		d := driver.TierQuotaDefinition{ID: NewID(PrefixTierQuotaDefinition), TierID: QueuedForDeletionTierID, MetricKey: m.Key, Max: 0, Period: PeriodTotal}
		if err := b.store.Quotas().InsertTierQuota(ctx, d); err != nil && !errors.Is(err, driver.ErrConflict) {
			return internal("seed quota of the Queued for Deletion tier", err)
		}
	}
	return nil
}
