-- Quotas: tier quota definitions, individual quotas and metric statuses,
-- and the indexes the usage counts of the metrics read.
--
-- Conventions as in 0001 to 0006. A tier's quotas apply to its identities
-- through identities.tier_id: nothing is copied per identity.

CREATE TABLE IF NOT EXISTS tier_quota_definitions (
    id         TEXT    NOT NULL PRIMARY KEY,
    tier_id    TEXT    NOT NULL,
    metric_key TEXT    NOT NULL,
    max        INTEGER NOT NULL,
    period     TEXT    NOT NULL
) STRICT;
--bun:split
-- One definition per tier, metric and period; also TierQuotas.
CREATE UNIQUE INDEX IF NOT EXISTS tier_quota_definitions_tier_metric_period_key ON tier_quota_definitions (tier_id, metric_key, period);
--bun:split

CREATE TABLE IF NOT EXISTS individual_quotas (
    id               TEXT    NOT NULL PRIMARY KEY,
    identity_address TEXT    NOT NULL,
    metric_key       TEXT    NOT NULL,
    max              INTEGER NOT NULL,
    period           TEXT    NOT NULL
) STRICT;
--bun:split
-- One individual quota per identity, metric and period; also
-- IndividualQuotas.
CREATE UNIQUE INDEX IF NOT EXISTS individual_quotas_identity_metric_period_key ON individual_quotas (identity_address, metric_key, period);
--bun:split

-- Only exhausted statuses are kept: a status that is no longer exhausted
-- is deleted, and one whose time has passed is ignored until recomputed.
CREATE TABLE IF NOT EXISTS metric_statuses (
    identity_address   TEXT NOT NULL,
    metric_key         TEXT NOT NULL,
    is_exhausted_until TEXT NOT NULL,
    PRIMARY KEY (identity_address, metric_key)
) STRICT;
--bun:split
-- ExhaustedIdentitiesOfTier.
CREATE INDEX IF NOT EXISTS metric_statuses_is_exhausted_until_idx ON metric_statuses (is_exhausted_until);
--bun:split

-- Usage counts by creator and creation time where no index served them.
CREATE INDEX IF NOT EXISTS relationship_templates_created_by_created_at_idx ON relationship_templates (created_by, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS tokens_created_by_created_at_idx ON tokens (created_by, created_at) WHERE created_by IS NOT NULL;
--bun:split
CREATE INDEX IF NOT EXISTS challenges_created_by_expires_at_idx ON challenges (created_by, expires_at) WHERE created_by IS NOT NULL;
--bun:split
CREATE INDEX IF NOT EXISTS datawallet_modifications_owner_created_at_idx ON datawallet_modifications (owner, created_at);
