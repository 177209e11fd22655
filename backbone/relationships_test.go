package backbone_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// pending makes b ask a for a relationship through a fresh template.
func pending(t *testing.T, env *backbonetest.Env, a, b backbone.Caller) backbone.Relationship {
	t.Helper()
	tmpl, err := env.Backbone.RelationshipTemplates.Create(t.Context(), a, backbone.CreateTemplateRequest{Content: []byte("c")})
	require.NoError(t, err)
	r, err := env.Backbone.Relationships.Create(t.Context(), b, tmpl.ID, nil)
	require.NoError(t, err)
	return r
}

// The recipient accepts while the requester revokes: exactly one wins and
// the relationship shows that outcome with one audit entry for it.
func TestConcurrentAcceptAndRevokeLeaveExactlyOneOutcome(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		for range 5 {
			a, b := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
			r := pending(t, env, a, b)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = env.Backbone.Relationships.Accept(context.Background(), a, r.ID, nil)
			}()
			go func() {
				defer wg.Done()
				_, errs[1] = env.Backbone.Relationships.Revoke(context.Background(), b, r.ID, nil)
			}()
			wg.Wait()
			exactlyOneSucceeded(t, errs, backbone.CodeRelationshipIsNotInCorrectStatus)
			got, err := env.Backbone.Relationships.Get(t.Context(), a, r.ID)
			require.NoError(t, err)
			require.Len(t, got.AuditLog, 2)
			if errs[0] == nil {
				assert.Equal(t, backbone.RelationshipActive, got.Status)
			} else {
				assert.Equal(t, backbone.RelationshipRevoked, got.Status)
			}
		}
	})
}

// Two requests for the same pair at once: the database lets only one
// pending relationship exist.
func TestConcurrentCreationForOnePairLeavesOneRelationship(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		a, b := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
		var tmpls []string
		for range 4 {
			tmpl, err := env.Backbone.RelationshipTemplates.Create(t.Context(), a, backbone.CreateTemplateRequest{Content: []byte{}})
			require.NoError(t, err)
			tmpls = append(tmpls, tmpl.ID)
		}
		errs := make([]error, len(tmpls))
		var wg sync.WaitGroup
		for i, id := range tmpls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = env.Backbone.Relationships.Create(context.Background(), b, id, nil)
			}()
		}
		wg.Wait()
		exactlyOneSucceeded(t, errs, backbone.CodeRelationshipToTargetAlreadyExists)
	})
}

func TestFeatureFlagChangesReachPeersAndTemplateAllocators(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	env = env.Restart(t, buses("flags")["mem"](t))
	env.Run(t)
	a, peer, allocator, stranger := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller, env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
	pending(t, env, a, peer)
	tmpl, err := env.Backbone.RelationshipTemplates.Create(t.Context(), a, backbone.CreateTemplateRequest{Content: []byte{}})
	require.NoError(t, err)
	_, err = env.Backbone.RelationshipTemplates.Get(t.Context(), allocator, tmpl.ID, nil)
	require.NoError(t, err)

	require.NoError(t, env.Backbone.Identities.SetFeatureFlags(t.Context(), a, map[string]bool{"x": true}))
	for _, owner := range []string{peer.Address, allocator.Address} {
		evs := waitForEvents(t, env, owner, 1)
		var found bool
		for _, e := range evs {
			if e.Type == "PeerFeatureFlagsChanged" {
				assert.JSONEq(t, `{"peerAddress":"`+a.Address+`"}`, string(e.Payload))
				found = true
			}
		}
		assert.True(t, found, "PeerFeatureFlagsChanged for %s", owner)
	}
	assert.Empty(t, eventsOf(t, env, stranger.Address))
	flags, err := env.Backbone.Identities.FeatureFlags(t.Context(), allocator, a.Address)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"x": true}, flags, "an allocator of a template may read the creator's flags")
}
