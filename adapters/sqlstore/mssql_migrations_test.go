package sqlstore

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SQL Server migrations cannot run here; these tests read them as
// text, check them for syntax SQL Server lacks, and check that they build
// the schema the PostgreSQL migrations build.

var sqlComment = regexp.MustCompile(`--[^\n]*`)

// migrationBatches returns the batches of a migration file, split where bun
// splits them (--bun:split), without comments or blank batches.
func migrationBatches(t *testing.T, dir, file string) []string {
	t.Helper()
	raw, err := fs.ReadFile(migrationFiles, path.Join(dir, file))
	require.NoError(t, err)
	var batches []string
	for _, b := range strings.Split(string(raw), "\n--bun:split\n") {
		b = strings.Join(strings.Fields(sqlComment.ReplaceAllString(b, "")), " ")
		if b != "" {
			batches = append(batches, b)
		}
	}
	return batches
}

func migrationFileNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrationFiles, dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.NotEmpty(t, names)
	return names
}

// tsqlReserved are the T-SQL reserved keywords a column or table of this
// store could plausibly be named; the store's raw SQL names them unquoted.
var tsqlReserved = []string{
	"add", "all", "backup", "check", "column", "constraint", "current", "database", "default", "delete",
	"file", "function", "index", "key", "open", "order", "percent", "plan", "primary", "public", "read",
	"references", "rule", "schema", "session_user", "statistics", "system_user", "table", "top", "tran",
	"transaction", "trigger", "union", "unique", "update", "user", "view",
}

func TestSQLServerMigrationsUseOnlySQLServerSyntax(t *testing.T) {
	forbidden := map[string]*regexp.Regexp{
		"PostgreSQL serial types":             regexp.MustCompile(`(?i)\b(big|small)?serial\b`),
		"boolean (SQL Server: bit)":           regexp.MustCompile(`(?i)\bboolean\b`),
		"text (SQL Server: nvarchar(max))":    regexp.MustCompile(`(?i)\btext\b`),
		"bytea (SQL Server: varbinary(max))":  regexp.MustCompile(`(?i)\bbytea\b`),
		"timestamptz (SQL Server: datetime2)": regexp.MustCompile(`(?i)\btimestamp(tz)?\b`),
		"json types":                          regexp.MustCompile(`(?i)\bjsonb?\b`),
		"ON CONFLICT":                         regexp.MustCompile(`(?i)\bon\s+conflict\b`),
		"RETURNING (SQL Server: OUTPUT)":      regexp.MustCompile(`(?i)\breturning\b`),
		"IF NOT EXISTS":                       regexp.MustCompile(`(?i)\bif\s+not\s+exists\b`),
		`the "C" collation`:                   regexp.MustCompile(`"C"`),
		"GO (not understood by go-mssqldb)":   regexp.MustCompile(`(?im)^\s*go\s*$`),
		"varchar (strings are nvarchar)":      regexp.MustCompile(`(?i)(^|[^n])varchar\b`),
		"datetime (times are datetime2)":      regexp.MustCompile(`(?i)\bdatetime\b`),
		"a boolean expression":                regexp.MustCompile(`(?i)\bwhere\s+not\b`),
	}
	filter := regexp.MustCompile(`(?i)\bWHERE (.*);$`)
	filterPredicate := regexp.MustCompile(`^\w+ (IS NOT NULL|IS NULL|= [01]|IN \([0-9, ]+\))$`)
	for _, file := range migrationFileNames(t, "migrations/mssql") {
		t.Run(file, func(t *testing.T) {
			batches := migrationBatches(t, "migrations/mssql", file)
			require.NotEmpty(t, batches)
			for _, b := range batches {
				assert.Equal(t, 1, strings.Count(b, ";"), "one statement per batch: %s", b)
				assert.True(t, strings.HasSuffix(b, ";"), "a batch ends with its statement: %s", b)
				for what, re := range forbidden {
					assert.False(t, re.MatchString(b), "%s in %s", what, b)
				}
				if m := filter.FindStringSubmatch(b); m != nil {
					assert.Regexp(t, filterPredicate, m[1], "a filtered index compares columns with constants")
				}
			}
			for _, tbl := range parseMigrations(t, "migrations/mssql", file).tables {
				for _, c := range tbl.columns {
					if strings.HasPrefix(c.typ, "string") {
						assert.Equal(t, binaryCollation, c.collation, "%s.%s: strings compare by code point and case", tbl.name, c.name)
					}
					assert.NotContains(t, tsqlReserved, c.name, "%s.%s is a T-SQL keyword", tbl.name, c.name)
				}
				assert.NotContains(t, tsqlReserved, tbl.name)
			}
		})
	}
}

func TestSQLServerMigrationsBuildThePostgreSQLSchema(t *testing.T) {
	files := migrationFileNames(t, "migrations/postgres")
	require.Equal(t, files, migrationFileNames(t, "migrations/mssql"), "the same migrations, by name")
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			pg := parseMigrations(t, "migrations/postgres", file)
			ms := parseMigrations(t, "migrations/mssql", file)
			require.True(t, len(pg.tables)+len(pg.indexes) > 0, "the parser must find the statements")
			for _, s := range []*schemaDef{pg, ms} {
				for i := range s.tables {
					for j := range s.tables[i].columns {
						s.tables[i].columns[j].collation = "" // checked above
					}
				}
			}
			assert.Equal(t, pg.tables, ms.tables)
			assert.Equal(t, pg.indexes, ms.indexes)
		})
	}
}

// TestMigrationParserReadsTheStatementsItClaims keeps the comparison above
// honest: the parser sees columns, keys, references and filters.
func TestMigrationParserReadsTheStatementsItClaims(t *testing.T) {
	s := parseMigrations(t, "migrations/postgres", "0006_push_registrations.tx.up.sql")
	require.Len(t, s.tables, 1)
	require.Equal(t, columnDef{name: "device_id", typ: "string(64)", notNull: true, collation: `"C"`, references: "devices(id) ON DELETE CASCADE"}, s.tables[0].columns[0])
	require.Equal(t, []string{"device_id"}, s.tables[0].primaryKey)
	s = parseMigrations(t, "migrations/mssql", "0001_initial.tx.up.sql")
	require.Contains(t, s.indexes, indexDef{name: "devices_one_backup_per_identity_key", table: "devices", unique: true, columns: "identity_address", where: "is_backup_device = 1"})
	s = parseMigrations(t, "migrations/mssql", "0008_deletion.tx.up.sql")
	require.Equal(t, columnDef{name: "seq", typ: "int64 identity", notNull: true}, s.tables[1].columns[1])
}

type schemaDef struct {
	tables  []tableDef
	indexes []indexDef
}

type tableDef struct {
	name       string
	columns    []columnDef
	primaryKey []string
}

type columnDef struct {
	name string
	// typ is dialect-neutral: string(n), string(max), bytes, time, bool,
	// int16, int32, int64, "int64 identity".
	typ        string
	notNull    bool
	collation  string
	references string
}

type indexDef struct {
	name, table string
	unique      bool
	columns     string
	// where is the filter, booleans spelled "= 1" and "= 0".
	where string
}

var (
	createTable = regexp.MustCompile(`^CREATE TABLE (?:IF NOT EXISTS )?(\w+) \((.*)\);$`)
	createIndex = regexp.MustCompile(`^CREATE (UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+) ON (\w+) \(([^)]*)\)(?: WHERE (.*))?;$`)
	columnLine  = regexp.MustCompile(`^(\w+) (\w+(?:\((?:\d+|max)\))?)(.*)$`)
	primaryKey  = regexp.MustCompile(`^PRIMARY KEY \(([^)]*)\)$`)
	references  = regexp.MustCompile(`REFERENCES (\w+) \((\w+)\)( ON DELETE CASCADE)?`)
	collation   = regexp.MustCompile(`COLLATE ("C"|\w+)`)
	bareBool    = regexp.MustCompile(`^(NOT )?(\w+)$`)
)

// parseMigrations reads the CREATE TABLE and CREATE INDEX statements of a
// migration file; any other statement fails the test.
func parseMigrations(t *testing.T, dir, file string) *schemaDef {
	t.Helper()
	raw, err := fs.ReadFile(migrationFiles, path.Join(dir, file))
	require.NoError(t, err)
	text := strings.ReplaceAll(sqlComment.ReplaceAllString(string(raw), ""), ";", ";\n")
	var s schemaDef
	for _, stmt := range strings.SplitAfter(text, ";") {
		stmt = strings.Join(strings.Fields(stmt), " ")
		if stmt == "" {
			continue
		}
		if m := createTable.FindStringSubmatch(stmt); m != nil {
			s.tables = append(s.tables, parseTable(t, m[1], m[2]))
			continue
		}
		m := createIndex.FindStringSubmatch(stmt)
		require.NotNil(t, m, "%s: unexpected statement %q", file, stmt)
		where := m[5]
		if b := bareBool.FindStringSubmatch(where); b != nil {
			where = b[2] + " = 1"
			if b[1] != "" {
				where = b[2] + " = 0"
			}
		}
		s.indexes = append(s.indexes, indexDef{name: m[2], table: m[3], unique: m[1] != "", columns: m[4], where: where})
	}
	return &s
}

func parseTable(t *testing.T, name, body string) tableDef {
	t.Helper()
	tbl := tableDef{name: name}
	for _, item := range splitTopLevel(body) {
		if m := primaryKey.FindStringSubmatch(item); m != nil {
			tbl.primaryKey = strings.Split(strings.ReplaceAll(m[1], " ", ""), ",")
			continue
		}
		m := columnLine.FindStringSubmatch(item)
		require.NotNil(t, m, "%s: unexpected column %q", name, item)
		rest := m[3]
		c := columnDef{name: m[1], typ: neutralType(t, m[2], rest), notNull: strings.Contains(rest, "NOT NULL")}
		if cm := collation.FindStringSubmatch(rest); cm != nil {
			c.collation = cm[1]
		}
		if rm := references.FindStringSubmatch(rest); rm != nil {
			c.references = rm[1] + "(" + rm[2] + ")" + rm[3]
		}
		if strings.Contains(rest, "PRIMARY KEY") {
			tbl.primaryKey = []string{c.name}
		}
		tbl.columns = append(tbl.columns, c)
	}
	return tbl
}

func neutralType(t *testing.T, typ, rest string) string {
	t.Helper()
	lower := strings.ToLower(typ)
	if n, ok := strings.CutPrefix(lower, "nvarchar("); ok {
		return "string(" + n
	}
	if n, ok := strings.CutPrefix(lower, "varchar("); ok {
		return "string(" + n
	}
	identity := strings.Contains(rest, "IDENTITY")
	switch lower {
	case "text":
		return "string(max)"
	case "bytea", "varbinary(max)":
		return "bytes"
	case "timestamptz", "datetime2(6)":
		return "time"
	case "boolean", "bit":
		return "bool"
	case "smallint":
		return "int16"
	case "integer", "int":
		return "int32"
	case "bigserial":
		return "int64 identity"
	case "bigint":
		if identity {
			return "int64 identity"
		}
		return "int64"
	}
	t.Fatalf("unknown column type %q", typ)
	return ""
}

// splitTopLevel splits a CREATE TABLE body at the commas outside
// parentheses.
func splitTopLevel(body string) []string {
	var items []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, strings.TrimSpace(body[start:i]))
				start = i + 1
			}
		}
	}
	return append(items, strings.TrimSpace(body[start:]))
}

// SQL Server refuses keys wider than 900 bytes (the clustered primary key)
// or 1700 bytes (other indexes), and keys of (max) columns.
func TestSQLServerKeysFitTheIndexKeyLimits(t *testing.T) {
	width := func(typ string) int {
		if n, ok := strings.CutPrefix(typ, "string("); ok {
			n = strings.TrimSuffix(n, ")")
			require.NotEqual(t, "max", n, "a (max) column cannot be a key")
			var chars int
			_, err := fmt.Sscan(n, &chars)
			require.NoError(t, err)
			return 2 * chars // nvarchar: two bytes a character
		}
		return map[string]int{"time": 8, "bool": 1, "int16": 2, "int32": 4, "int64": 8, "int64 identity": 8}[typ]
	}
	columns := map[string]map[string]string{} // table → column → type
	var checked int
	for _, file := range migrationFileNames(t, "migrations/mssql") {
		s := parseMigrations(t, "migrations/mssql", file)
		for _, tbl := range s.tables {
			columns[tbl.name] = map[string]string{}
			for _, c := range tbl.columns {
				columns[tbl.name][c.name] = c.typ
			}
			total := 0
			for _, c := range tbl.primaryKey {
				total += width(columns[tbl.name][c])
			}
			assert.LessOrEqual(t, total, 900, "primary key of %s", tbl.name)
			checked++
		}
		for _, idx := range s.indexes {
			total := 0
			for _, c := range strings.Split(idx.columns, ",") {
				typ, ok := columns[idx.table][strings.TrimSpace(c)]
				require.True(t, ok, "%s: no column %s in %s", idx.name, c, idx.table)
				total += width(typ)
			}
			assert.LessOrEqual(t, total, 1700, "index %s", idx.name)
			checked++
		}
	}
	require.Greater(t, checked, 50)
}
