-- Indexes for the Admin API's lists: identities ordered by creation or
-- filtered by tier, and the clients that use a tier as default (checked
-- before a tier is deleted).

CREATE INDEX identities_created_at_idx ON identities (created_at, address);
--bun:split
CREATE INDEX identities_tier_id_idx ON identities (tier_id);
--bun:split
CREATE INDEX clients_default_tier_id_idx ON clients (default_tier_id);
