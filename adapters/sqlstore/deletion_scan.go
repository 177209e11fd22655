package sqlstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// FindText searches every column of every table of the store, binary
// columns byte-wise, for the text, and returns "table.column" for each
// column where a row contains it, sorted. It reads whole tables: it is
// meant for tests and audits (proving that a deleted identity's address is
// gone), not for serving requests.
func (s *Store) FindText(ctx context.Context, text string) ([]string, error) {
	cols, err := s.columns(ctx)
	if err != nil {
		return nil, err
	}
	byTable := map[string][]column{}
	var tables []string
	for _, c := range cols {
		if byTable[c.table] == nil {
			tables = append(tables, c.table)
		}
		byTable[c.table] = append(byTable[c.table], c)
	}
	var hits []string
	for _, t := range tables {
		// One query per table first: most tables have no hit.
		n, err := s.countMatches(ctx, t, byTable[t], text)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		for _, c := range byTable[t] {
			n, err := s.countMatches(ctx, t, []column{c}, text)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				hits = append(hits, c.table+"."+c.name)
			}
		}
	}
	sort.Strings(hits)
	return hits, nil
}

// countMatches counts the rows of the table where any of the columns
// contains the text.
func (s *Store) countMatches(ctx context.Context, table string, cols []column, text string) (int, error) {
	n, err := s.matchQuery(table, cols, text).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: scan %s: %w", table, err)
	}
	return int(n), nil
}

// matchQuery selects the rows of the table where any of the columns
// contains the text.
func (s *Store) matchQuery(table string, cols []column, text string) *bun.SelectQuery {
	return s.db.NewSelect().TableExpr("?", bun.Ident(table)).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, c := range cols {
			switch {
			case s.dialect == dialect.PG && c.typ == "bytea":
				q = q.WhereOr("position(convert_to(?, 'UTF8') in ?) > 0", text, bun.Ident(c.name))
			case s.dialect == dialect.PG:
				q = q.WhereOr("position(? in ?::text) > 0", text, bun.Ident(c.name))
			case s.dialect == dialect.MSSQL && c.typ == "varbinary":
				// Byte-wise: both sides as single-byte text in a binary
				// collation, the text as its UTF-8 bytes.
				q = q.WhereOr("CHARINDEX(CAST(? AS varchar(max)) COLLATE "+binaryCollation+", CAST(? AS varchar(max)) COLLATE "+binaryCollation+") > 0", []byte(text), bun.Ident(c.name))
			case s.dialect == dialect.MSSQL:
				q = q.WhereOr("CHARINDEX(? COLLATE "+binaryCollation+", CAST(? AS nvarchar(max)) COLLATE "+binaryCollation+") > 0", text, bun.Ident(c.name))
			default:
				q = q.WhereOr("instr(CAST(? AS BLOB), CAST(? AS BLOB)) > 0", bun.Ident(c.name), text)
			}
		}
		return q
	})
}

type column struct{ table, name, typ string }

// columns lists the columns of the store's tables.
func (s *Store) columns(ctx context.Context) ([]column, error) {
	var cols []column
	if s.dialect == dialect.PG || s.dialect == dialect.MSSQL {
		query := "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
		if s.dialect == dialect.MSSQL {
			query = "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS c JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME " +
				"WHERE c.TABLE_SCHEMA = SCHEMA_NAME() AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"
		}
		rows, err := s.db.QueryContext(ctx, query)
		if err != nil {
			return nil, translate("list columns", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
				return nil, translate("list columns", err)
			}
			cols = append(cols, c)
		}
		return cols, translate("list columns", rows.Err())
	}
	var tables []string
	if err := s.db.NewSelect().TableExpr("sqlite_master").Column("name").Where("type = 'table' AND name NOT LIKE 'sqlite_%'").Order("name").Scan(ctx, &tables); err != nil {
		return nil, translate("list tables", err)
	}
	for _, t := range tables {
		var names []string
		if err := s.db.NewSelect().TableExpr("pragma_table_info(?)", t).Column("name").Scan(ctx, &names); err != nil {
			return nil, translate("list columns", err)
		}
		for _, n := range names {
			cols = append(cols, column{table: t, name: n})
		}
	}
	return cols, nil
}
