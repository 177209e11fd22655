package httpapi

import "github.com/openbackbone/openbackbone/backbone"

// Result is the success envelope of every response with a body.
type Result[T any] struct {
	Result T `json:"result"`
}

// Pagination describes the page of a list; it appears only when the list
// has more than one page, and clients take its absence as "single page".
type Pagination struct {
	PageNumber   int `json:"pageNumber"`
	PageSize     int `json:"pageSize"`
	TotalPages   int `json:"totalPages"`
	TotalRecords int `json:"totalRecords"`
}

// Paged is the envelope of a paged list.
type Paged[T any] struct {
	Result     []T         `json:"result"`
	Pagination *Pagination `json:"pagination,omitempty"`
}

func paged[D, T any](p backbone.Page[D], f func(D) T) Paged[T] {
	out := Paged[T]{Result: make([]T, len(p.Items))}
	for i, d := range p.Items {
		out.Result[i] = f(d)
	}
	if p.TotalPages() > 1 {
		out.Pagination = &Pagination{PageNumber: p.PageNumber, PageSize: p.PageSize, TotalPages: p.TotalPages(), TotalRecords: p.TotalRecords}
	}
	return out
}

// PageQuery is the paging part of a list request.
type PageQuery struct {
	PageNumber int `query:"pageNumber" doc:"1-based page number"`
	PageSize   int `query:"pageSize" doc:"items per page (default 50, at most 200)"`
}

func (q PageQuery) request() backbone.PageRequest {
	return backbone.PageRequest{Number: q.PageNumber, Size: q.PageSize}
}
