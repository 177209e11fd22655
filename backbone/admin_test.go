package backbone_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// Moving an identity to another tier records TierOfIdentityChanged in the
// same transaction, so quota statuses follow; a refused move records
// nothing and changes nothing.
func TestChangeTierRaisesTierOfIdentityChanged(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := t.Context()
		a := env.CreateAccount(t)
		before, err := env.Backbone.Identities.Self(ctx, a.Caller)
		require.NoError(t, err)
		gold, err := env.Backbone.Tiers.Create(ctx, "Gold")
		require.NoError(t, err)
		events := func() []map[string]string {
			later := env.Clock.Now().Add(time.Hour)
			msgs, err := env.Store.Outbox().Claim(ctx, later, later, 100)
			require.NoError(t, err)
			var out []map[string]string
			for _, m := range msgs {
				require.NoError(t, env.Store.Outbox().Delete(ctx, []string{m.ID}))
				if m.Topic != "TierOfIdentityChanged" {
					continue
				}
				var body map[string]string
				require.NoError(t, json.Unmarshal(m.Body, &body))
				out = append(out, body)
			}
			return out
		}
		events()

		require.NoError(t, env.Backbone.Admin.ChangeTier(ctx, a.Caller.Address, gold.ID))
		assert.Equal(t, []map[string]string{{"oldTierId": before.TierID, "newTierId": gold.ID, "identityAddress": a.Caller.Address}}, events())
		after, err := env.Backbone.Identities.Self(ctx, a.Caller)
		require.NoError(t, err)
		assert.Equal(t, gold.ID, after.TierID)

		for tier, code := range map[string]string{
			gold.ID:                          backbone.CodeNewAndOldMatch,
			backbone.QueuedForDeletionTierID: backbone.CodeQueuedForDeletionTierCannotBeManuallyAssignedOrUnassigned,
		} {
			err := env.Backbone.Admin.ChangeTier(ctx, a.Caller.Address, tier)
			assert.Equal(t, code, backbone.AsError(err).Code)
		}
		assert.Empty(t, events(), "refused changes raise nothing")
		after, err = env.Backbone.Identities.Self(ctx, a.Caller)
		require.NoError(t, err)
		assert.Equal(t, gold.ID, after.TierID, "refused changes change nothing")
	})
}
