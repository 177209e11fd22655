package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// queryCounter counts the queries a bun.DB runs.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// Reading relationships reads all their audit entries at once, whatever
// the number of relationships.
func TestRelationshipReadsLoadAuditLogsInOneQuery(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		a, b := "did:e:localhost:dids:0000000000000000000a00", "did:e:localhost:dids:0000000000000000000b00"
		var ids []string
		for i := range 5 {
			id := fmt.Sprintf("REL%017d", i)
			ids = append(ids, id)
			r := driver.Relationship{ID: id, From: a, To: b, CreatedAt: time.Now(), Status: driver.RelationshipRejected}
			for j := range 3 {
				r.AuditLog = append(r.AuditLog, driver.RelationshipAuditEntry{
					ID: fmt.Sprintf("RAL%015d%02d", i, j), CreatedAt: time.Now(), CreatedBy: a, NewStatus: driver.RelationshipRejected,
				})
			}
			require.NoError(t, st.Relationships().Insert(ctx, r))
		}
		counter := &queryCounter{}
		st.db.AddQueryHook(counter)
		count := func(fn func() ([]driver.Relationship, error)) int64 {
			before := counter.n.Load()
			rs, err := fn()
			require.NoError(t, err)
			for _, r := range rs {
				require.Len(t, r.AuditLog, 3)
			}
			return counter.n.Load() - before
		}
		require.EqualValues(t, 2, count(func() ([]driver.Relationship, error) {
			r, err := st.Relationships().Get(ctx, ids[0])
			return []driver.Relationship{r}, err
		}), "Get: the relationship, then its audit entries")
		require.EqualValues(t, 2, count(func() ([]driver.Relationship, error) {
			return st.Relationships().Between(ctx, b, a)
		}), "Between: the relationships, then all their audit entries")
		require.EqualValues(t, 3, count(func() ([]driver.Relationship, error) {
			rs, _, err := st.Relationships().List(ctx, a, ids, driver.PageRequest{Number: 1, Size: 10})
			return rs, err
		}), "List: the count, the relationships, then all their audit entries")
	})
}
