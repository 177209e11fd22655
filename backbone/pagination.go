package backbone

import "github.com/openbackbone/openbackbone/backbone/driver"

// PageRequest selects a page of a list. Zero fields take the defaults:
// page 1, the configured default size.
type PageRequest = driver.PageRequest

// Page is one page of a list.
type Page[T any] struct {
	Items        []T
	PageNumber   int
	PageSize     int
	TotalRecords int
}

// TotalPages is the number of pages of this size the list fills.
func (p Page[T]) TotalPages() int {
	if p.PageSize <= 0 {
		return 0
	}
	return (p.TotalRecords + p.PageSize - 1) / p.PageSize
}

// normalizePage applies defaults and limits. Page numbers below 1 become 1,
// as in the reference; a size above the maximum is an error, and so is a
// negative size (the reference answers that with a 500).
func (b *Backbone) normalizePage(p PageRequest) (PageRequest, error) {
	if p.Number < 1 {
		p.Number = 1
	}
	switch {
	case p.Size == 0:
		p.Size = b.cfg.DefaultPageSize
	case p.Size < 0 || p.Size > b.cfg.MaxPageSize:
		return p, invalid(CodeInvalidPageSize, "The page size must be between 1 and %d.", b.cfg.MaxPageSize)
	}
	return p, nil
}

func mapPage[R, T any](items []R, total int, p PageRequest, f func(R) T) Page[T] {
	out := make([]T, len(items))
	for i, r := range items {
		out[i] = f(r)
	}
	return Page[T]{Items: out, PageNumber: p.Number, PageSize: p.Size, TotalRecords: total}
}
