package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/mssqldialect"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestMain stops the containers testservices may have started.
func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }

// mssqlRenderer is a bun.DB with the SQL Server dialect on a closed pool:
// it renders queries and runs none.
func mssqlRenderer(t *testing.T) *bun.DB {
	t.Helper()
	c, err := mssql.NewConnector("sqlserver://u:p@127.0.0.1:1?database=x")
	require.NoError(t, err)
	sqldb := sql.OpenDB(c)
	require.NoError(t, sqldb.Close())
	return bun.NewDB(sqldb, mssqldialect.New())
}

func TestOpenSQLServerRejectsBadDSNsAndOptions(t *testing.T) {
	for name, tc := range map[string]struct {
		dsn  string
		opts Options
		want string
	}{
		"NoDatabase":        {"sqlserver://u:secret@localhost:1433", Options{}, "needs ?database=<name>"},
		"EmptyDatabase":     {"sqlserver://u:secret@localhost:1433?database=", Options{}, "needs ?database=<name>"},
		"Schema":            {"sqlserver://u:secret@localhost:1433?database=db", Options{Schema: "app"}, "PostgreSQL only"},
		"BadParameterValue": {"sqlserver://u:secret@localhost:1433?database=db&dial+timeout=soon", Options{}, "sqlstore: sqlserver DSN"},
		"NegativeConns":     {"sqlserver://u:secret@localhost:1433?database=db", Options{MaxOpenConns: -1}, "MaxOpenConns"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.dsn, tc.opts)
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), "secret", "the error must not echo the password")
		})
	}
}

func TestOpenSQLServerReportsAnUnreachableServer(t *testing.T) {
	// Port 1 refuses at once: Open gets as far as the connection check.
	_, err := Open(context.Background(), "sqlserver://u:secret@127.0.0.1:1?database=db&dial+timeout=5", Options{})
	require.ErrorContains(t, err, "sqlstore: connect")
	assert.NotContains(t, err.Error(), "secret")
}

func TestSQLServerErrorsTranslate(t *testing.T) {
	for number, want := range map[int32]error{2627: driver.ErrConflict, 2601: driver.ErrConflict, 547: driver.ErrNotFound} {
		err := translate("op", mssql.Error{Number: number, Message: "native"})
		require.ErrorIs(t, err, want, "error %d", number)
		var native mssql.Error
		require.ErrorAs(t, err, &native, "the native error must stay wrapped")
	}
	require.NotErrorIs(t, translate("op", mssql.Error{Number: 208}), driver.ErrConflict)
	require.NotErrorIs(t, translate("op", mssql.Error{Number: 208}), driver.ErrNotFound)
	assert.True(t, retryable(mssql.Error{Number: 1205}), "a deadlock victim may succeed when run again")
	assert.True(t, retryable(mssql.Error{Number: 3960}), "a snapshot update conflict may succeed when run again")
	assert.False(t, retryable(mssql.Error{Number: 2627}))
}

func TestSQLServerTimeLiteralKeepsMicrosecondsInUTC(t *testing.T) {
	db := mssqlRenderer(t)
	tm := time.Date(2031, 1, 2, 3, 4, 5, 123_456_789, time.FixedZone("", -5*3600))
	assert.Equal(t, "SELECT '2031-01-02T08:04:05.123456'", db.NewRaw("SELECT ?", newTimestamp(tm)).String())
}

func TestSQLServerQueries(t *testing.T) {
	db := mssqlRenderer(t)
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("ClaimSkipsLockedRows", func(t *testing.T) {
		assert.Equal(t, `WITH claimed AS (SELECT TOP (10) id, topic, body, created_at, lease_until FROM outbox_messages WITH (UPDLOCK, READPAST, ROWLOCK) WHERE (lease_until IS NULL OR lease_until <= '2031-01-02T03:04:05.000000') ORDER BY created_at, id) UPDATE claimed SET lease_until = '2031-01-02T03:05:05.000000' OUTPUT inserted.id, inserted.topic, inserted.body, inserted.created_at`, claimQuery(db, now, now.Add(time.Minute), 10).String())
	})
	t.Run("PushRegistrationUpsertIsOneMerge", func(t *testing.T) {
		m := &pushRegistrationModel{DeviceID: "DVC1", IdentityAddress: "id1", DevicePushIdentifier: "DPI1", Platform: "fcm", Handle: "h", AppID: "app", Environment: "Production", UpdatedAt: newTimestamp(now)}
		assert.Equal(t, `MERGE INTO "push_registrations" WITH (HOLDLOCK) AS t USING (VALUES (N'DVC1', N'id1', N'DPI1', N'fcm', N'h', N'app', N'Production', '2031-01-02T03:04:05.000000')) AS s ("device_id", "identity_address", "device_push_identifier", "platform", "handle", "app_id", "environment", "updated_at") ON t."device_id" = s."device_id" WHEN MATCHED THEN UPDATE SET "platform" = s."platform", "handle" = s."handle", "app_id" = s."app_id", "environment" = s."environment", "updated_at" = s."updated_at" WHEN NOT MATCHED THEN INSERT ("device_id", "identity_address", "device_push_identifier", "platform", "handle", "app_id", "environment", "updated_at") VALUES (s."device_id", s."identity_address", s."device_push_identifier", s."platform", s."handle", s."app_id", s."environment", s."updated_at") OUTPUT inserted.device_id, inserted.identity_address, inserted.device_push_identifier, inserted.platform, inserted.handle, inserted.app_id, inserted.environment, inserted.updated_at;`, pushRegistrationMerge(db, m).String())
	})
	t.Run("MetricStatusUpsertIsOneMerge", func(t *testing.T) {
		put := []metricStatusModel{
			{IdentityAddress: "id1", MetricKey: "A", IsExhaustedUntil: newTimestamp(now)},
			{IdentityAddress: "id1", MetricKey: "B", IsExhaustedUntil: newTimestamp(now)},
		}
		assert.Equal(t, `MERGE INTO "metric_statuses" WITH (HOLDLOCK) AS t USING (VALUES (N'id1', N'A', '2031-01-02T03:04:05.000000'), (N'id1', N'B', '2031-01-02T03:04:05.000000')) AS s ("identity_address", "metric_key", "is_exhausted_until") ON t."identity_address" = s."identity_address" AND t."metric_key" = s."metric_key" WHEN MATCHED THEN UPDATE SET "is_exhausted_until" = s."is_exhausted_until" WHEN NOT MATCHED THEN INSERT ("identity_address", "metric_key", "is_exhausted_until") VALUES (s."identity_address", s."metric_key", s."is_exhausted_until");`, metricStatusMerge(db, put).String())
	})
	t.Run("FeatureFlagUpsertIsOneMergeWithBitValues", func(t *testing.T) {
		q := featureFlagMerge(db, []featureFlagModel{{IdentityAddress: "id1", Name: "a", Enabled: true}, {IdentityAddress: "id1", Name: "b"}}).String()
		assert.Equal(t, `MERGE INTO "identity_feature_flags" WITH (HOLDLOCK) AS t USING (VALUES (N'id1', N'a', 1), (N'id1', N'b', 0)) AS s ("identity_address", "name", "enabled") ON t."identity_address" = s."identity_address" AND t."name" = s."name" WHEN MATCHED THEN UPDATE SET "enabled" = s."enabled" WHEN NOT MATCHED THEN INSERT ("identity_address", "name", "enabled") VALUES (s."identity_address", s."name", s."enabled");`, q)
	})
	t.Run("PayloadAnonymisationIsByteWise", func(t *testing.T) {
		q := db.NewRaw(anonymisePayloadsQuery(dialect.MSSQL), payloadArg(db, "did:x"), payloadArg(db, "anon"), payloadArg(db, "did:x")).String()
		assert.Equal(t, `UPDATE external_events SET payload = CAST(REPLACE(CAST(payload AS varchar(max)) COLLATE Latin1_General_100_BIN2, CAST(0x6469643a78 AS varchar(max)), CAST(0x616e6f6e AS varchar(max))) AS varbinary(max)) WHERE CHARINDEX(CAST(0x6469643a78 AS varchar(max)) COLLATE Latin1_General_100_BIN2, CAST(payload AS varchar(max)) COLLATE Latin1_General_100_BIN2) > 0`, q)
	})
	t.Run("UsageComparesBooleanColumnsWithBitValues", func(t *testing.T) {
		q := db.NewRaw(usageQueries[driver.MetricNumberOfRelationships], "id1", storable(now), storable(now), storable(now), storable(now), true).String()
		assert.Contains(t, q, "to_has_decomposed = 1")
		assert.Contains(t, q, "from_has_decomposed = 1")
	})
	t.Run("FindTextMatchesBytesAndText", func(t *testing.T) {
		st := &Store{db: db, dialect: dialect.MSSQL}
		q := st.matchQuery("external_events", []column{{name: "payload", typ: "varbinary"}, {name: "owner", typ: "nvarchar"}}, "did:x").String()
		assert.Equal(t, `SELECT * FROM "external_events" WHERE ((CHARINDEX(CAST(0x6469643a78 AS varchar(max)) COLLATE Latin1_General_100_BIN2, CAST("payload" AS varchar(max)) COLLATE Latin1_General_100_BIN2) > 0) OR (CHARINDEX(N'did:x' COLLATE Latin1_General_100_BIN2, CAST("owner" AS nvarchar(max)) COLLATE Latin1_General_100_BIN2) > 0))`, q)
	})
	t.Run("AuditOrderUsesTheIdentityColumn", func(t *testing.T) {
		assert.Equal(t, "created_at, seq", deletionStore{db: db}.auditOrder())
	})
}

// queryRecorder is a bun query hook that keeps the statements sent.
type queryRecorder struct{ statements *[]string }

func (r queryRecorder) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	*r.statements = append(*r.statements, e.Query)
	return ctx
}

func (queryRecorder) AfterQuery(context.Context, *bun.QueryEvent) {}

func outboxRows(n int) []outboxMessageModel {
	ms := make([]outboxMessageModel, n)
	for i := range ms {
		ms[i] = outboxMessageModel{ID: fmt.Sprintf("OBM%05d", i), Topic: "t", Body: []byte{}, CreatedAt: newTimestamp(time.Now())}
	}
	return ms
}

func TestInsertInChunksInsertsEveryRowInStatementsOfAtMostSizeRows(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, "sqlite::memory:", Options{})
	require.NoError(t, st.Migrate(ctx))
	var statements []string
	st.db.AddQueryHook(queryRecorder{&statements})
	ms := outboxRows(5)
	require.NoError(t, insertInChunks(ctx, st.db, &ms, 2))
	require.Len(t, statements, 3)
	n, err := st.db.NewSelect().Model((*outboxMessageModel)(nil)).Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
}

func TestSQLServerInsertsAtMostAThousandRowsAStatement(t *testing.T) {
	db := mssqlRenderer(t)
	var statements []string
	db.AddQueryHook(queryRecorder{&statements})
	ms := outboxRows(mssqlMaxInsertRows + 1)
	// The pool is closed, so the first statement fails and is the only one.
	require.Error(t, insertRows(context.Background(), db, &ms, len(ms)))
	require.Len(t, statements, 1)
	assert.Equal(t, mssqlMaxInsertRows, strings.Count(statements[0], "N'OBM"))
}
