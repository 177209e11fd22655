-- Quotas: tier quota definitions, individual quotas and metric statuses,
-- and the indexes the usage counts of the metrics read.
--
-- Conventions as in 0001 to 0006. A tier's quotas apply to its identities
-- through identities.tier_id: nothing is copied per identity.

CREATE TABLE tier_quota_definitions (
    id         nvarchar(64) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    tier_id    nvarchar(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    metric_key nvarchar(50) COLLATE Latin1_General_100_BIN2 NOT NULL,
    max        integer     NOT NULL,
    period     nvarchar(10) COLLATE Latin1_General_100_BIN2 NOT NULL
);
--bun:split
-- One definition per tier, metric and period; also TierQuotas.
CREATE UNIQUE INDEX tier_quota_definitions_tier_metric_period_key ON tier_quota_definitions (tier_id, metric_key, period);
--bun:split

CREATE TABLE individual_quotas (
    id               nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    identity_address nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    metric_key       nvarchar(50)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    max              integer      NOT NULL,
    period           nvarchar(10)  COLLATE Latin1_General_100_BIN2 NOT NULL
);
--bun:split
-- One individual quota per identity, metric and period; also
-- IndividualQuotas.
CREATE UNIQUE INDEX individual_quotas_identity_metric_period_key ON individual_quotas (identity_address, metric_key, period);
--bun:split

-- Only exhausted statuses are kept: a status that is no longer exhausted
-- is deleted, and one whose time has passed is ignored until recomputed.
CREATE TABLE metric_statuses (
    identity_address   nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    metric_key         nvarchar(50)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    is_exhausted_until datetime2(6)  NOT NULL,
    PRIMARY KEY (identity_address, metric_key)
);
--bun:split
-- ExhaustedIdentitiesOfTier.
CREATE INDEX metric_statuses_is_exhausted_until_idx ON metric_statuses (is_exhausted_until);
--bun:split

-- Usage counts by creator and creation time where no index served them.
CREATE INDEX relationship_templates_created_by_created_at_idx ON relationship_templates (created_by, created_at);
--bun:split
CREATE INDEX tokens_created_by_created_at_idx ON tokens (created_by, created_at) WHERE created_by IS NOT NULL;
--bun:split
CREATE INDEX challenges_created_by_expires_at_idx ON challenges (created_by, expires_at) WHERE created_by IS NOT NULL;
--bun:split
CREATE INDEX datawallet_modifications_owner_created_at_idx ON datawallet_modifications (owner, created_at);
