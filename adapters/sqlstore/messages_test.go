package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Reading messages reads all their recipients in one query and all their
// attachments in another, whatever the number of messages.
func TestMessageReadsLoadRecipientsAndAttachmentsInOneQueryEach(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		a := "did:e:localhost:dids:0000000000000000000a00"
		var ids []string
		for i := range 5 {
			id := fmt.Sprintf("MSG%017d", i)
			ids = append(ids, id)
			m := driver.MessageRecord{ID: id, CreatedAt: time.Now(), CreatedBy: a, CreatedByDevice: "DVC1", Body: []byte("b")}
			for j := range 3 {
				m.Recipients = append(m.Recipients, driver.MessageRecipient{
					Address: fmt.Sprintf("did:e:localhost:dids:%020d%d", i, j), RelationshipID: "REL1", EncryptedKey: []byte("k"),
				})
				m.Attachments = append(m.Attachments, fmt.Sprintf("FIL%015d%02d", i, j))
			}
			require.NoError(t, st.Messages().Insert(ctx, m))
		}
		counter := &queryCounter{}
		st.db.AddQueryHook(counter)
		count := func(fn func() ([]driver.MessageRecord, error)) int64 {
			before := counter.n.Load()
			ms, err := fn()
			require.NoError(t, err)
			require.NotEmpty(t, ms)
			for _, m := range ms {
				require.Len(t, m.Recipients, 3)
				require.Len(t, m.Attachments, 3)
			}
			return counter.n.Load() - before
		}
		require.EqualValues(t, 3, count(func() ([]driver.MessageRecord, error) {
			m, err := st.Messages().Get(ctx, ids[0])
			return []driver.MessageRecord{m}, err
		}), "Get: the message, its recipients, its attachments")
		require.EqualValues(t, 4, count(func() ([]driver.MessageRecord, error) {
			ms, _, err := st.Messages().ListVisible(ctx, a, nil, driver.PageRequest{Number: 1, Size: 10})
			return ms, err
		}), "ListVisible: the count, the messages, then all their recipients, then all their attachments")
	})
}

// The portable IncrementAccessFailed serves dialects without RETURNING.
func TestIncrementAccessFailedPortable(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		require.NoError(t, st.Tokens().Insert(ctx, driver.Token{ID: "TOK1", CreatedAt: time.Now(), ExpiresAt: time.Now()}))
		for want := 1; want <= 2; want++ {
			n, err := incrementAccessFailedPortable(ctx, st.db, "TOK1")
			require.NoError(t, err)
			require.Equal(t, want, n)
		}
		_, err := incrementAccessFailedPortable(ctx, st.db, "nope")
		require.ErrorIs(t, translate("increment", err), driver.ErrNotFound)
	})
}
