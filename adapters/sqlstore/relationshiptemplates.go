package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type relationshipTemplateModel struct {
	bun.BaseModel `bun:"table:relationship_templates"`

	ID                     string     `bun:"id,pk"`
	CreatedBy              string     `bun:"created_by,notnull"`
	CreatedByDevice        string     `bun:"created_by_device,notnull"`
	CreatedAt              timestamp  `bun:"created_at,notnull"`
	MaxNumberOfAllocations *int       `bun:"max_number_of_allocations"`
	ExpiresAt              *timestamp `bun:"expires_at"`
	// Content and Password are NULL for nil and empty for empty.
	Content     []byte `bun:"content"`
	ForIdentity string `bun:"for_identity,nullzero"`
	Password    []byte `bun:"password"`
}

type templateAllocationModel struct {
	bun.BaseModel `bun:"table:relationship_template_allocations"`

	TemplateID        string    `bun:"template_id,pk"`
	AllocatedBy       string    `bun:"allocated_by,pk"`
	AllocatedByDevice string    `bun:"allocated_by_device,notnull"`
	AllocatedAt       timestamp `bun:"allocated_at,notnull"`
}

func toRelationshipTemplateModel(t driver.RelationshipTemplate) *relationshipTemplateModel {
	return &relationshipTemplateModel{
		ID: t.ID, CreatedBy: t.CreatedBy, CreatedByDevice: t.CreatedByDevice, CreatedAt: newTimestamp(t.CreatedAt),
		MaxNumberOfAllocations: t.MaxNumberOfAllocations, ExpiresAt: newTimestampPtr(t.ExpiresAt), Content: t.Content,
		ForIdentity: t.ForIdentity, Password: t.Password,
	}
}

func (m *relationshipTemplateModel) record() driver.RelationshipTemplate {
	return driver.RelationshipTemplate{
		ID: m.ID, CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice, CreatedAt: m.CreatedAt.Time,
		MaxNumberOfAllocations: m.MaxNumberOfAllocations, ExpiresAt: m.ExpiresAt.ptr(), Content: m.Content,
		ForIdentity: m.ForIdentity, Password: m.Password,
	}
}

type relationshipTemplateStore stores

func (s relationshipTemplateStore) Insert(ctx context.Context, t driver.RelationshipTemplate) error {
	return insert(ctx, s.db, "insert relationship template", toRelationshipTemplateModel(t))
}

func (s relationshipTemplateStore) Get(ctx context.Context, id string) (driver.RelationshipTemplate, error) {
	var m relationshipTemplateModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.RelationshipTemplate{}, translate("get relationship template", err)
	}
	return m.record(), nil
}

func (s relationshipTemplateStore) GetMany(ctx context.Context, ids []string) ([]driver.RelationshipTemplate, error) {
	out := []driver.RelationshipTemplate{}
	err := forChunks(ids, func(chunk []string) error {
		var ms []relationshipTemplateModel
		if err := s.db.NewSelect().Model(&ms).Where("id IN (?)", bun.In(chunk)).Scan(ctx); err != nil {
			return err
		}
		for i := range ms {
			out = append(out, ms[i].record())
		}
		return nil
	})
	if err != nil {
		return nil, translate("get relationship templates", err)
	}
	return out, nil
}

func (s relationshipTemplateStore) Delete(ctx context.Context, id string) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*relationshipTemplateModel)(nil)).Where("id = ?", id).Exec(ctx)
		if err := rowsMatched(res, err); err != nil {
			return err
		}
		if _, err := db.NewDelete().Model((*templateAllocationModel)(nil)).Where("template_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		_, err = db.NewUpdate().Model((*relationshipModel)(nil)).Set("template_id = NULL").Where("template_id = ?", id).Exec(ctx)
		return err
	})
	return translate("delete relationship template", err)
}

func (s relationshipTemplateStore) Allocate(ctx context.Context, a driver.TemplateAllocation) error {
	return insert(ctx, s.db, "allocate relationship template", &templateAllocationModel{
		TemplateID: a.TemplateID, AllocatedBy: a.AllocatedBy, AllocatedByDevice: a.AllocatedByDevice,
		AllocatedAt: newTimestamp(a.AllocatedAt),
	})
}

func (s relationshipTemplateStore) CountAllocations(ctx context.Context, templateID string) (int, error) {
	n, err := s.db.NewSelect().Model((*templateAllocationModel)(nil)).Where("template_id = ?", templateID).Count(ctx)
	return int(n), translate("count template allocations", err)
}

func (s relationshipTemplateStore) IsAllocatedBy(ctx context.Context, templateID, identity string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*templateAllocationModel)(nil)).
		Where("template_id = ? AND allocated_by = ?", templateID, identity).
		Exists(ctx)
	return ok, translate("look up template allocation", err)
}

func (s relationshipTemplateStore) AllocatorsOfTemplatesBy(ctx context.Context, creator string) ([]string, error) {
	out := []string{}
	err := s.db.NewSelect().TableExpr("relationship_template_allocations AS a").
		Join("JOIN relationship_templates AS t ON t.id = a.template_id").
		ColumnExpr("DISTINCT a.allocated_by").
		Where("t.created_by = ?", creator).
		OrderExpr("a.allocated_by").
		Scan(ctx, &out)
	return out, translate("list allocators of templates", err)
}
