package httpapi

import "github.com/openbackbone/openbackbone/backbone"

// result is the success envelope of every response with a body.
type result[T any] struct {
	Result T `json:"result"`
}

// pagination describes the page of a list; it appears only when the list
// has more than one page, and clients take its absence as "single page".
type pagination struct {
	PageNumber   int `json:"pageNumber"`
	PageSize     int `json:"pageSize"`
	TotalPages   int `json:"totalPages"`
	TotalRecords int `json:"totalRecords"`
}

// paged is the envelope of a paged list.
type paged[T any] struct {
	Result     []T         `json:"result"`
	Pagination *pagination `json:"pagination,omitempty"`
}

func toPaged[D, T any](p backbone.Page[D], f func(D) T) paged[T] {
	out := paged[T]{Result: make([]T, len(p.Items))}
	for i, d := range p.Items {
		out.Result[i] = f(d)
	}
	if p.TotalPages() > 1 {
		out.Pagination = &pagination{PageNumber: p.PageNumber, PageSize: p.PageSize, TotalPages: p.TotalPages(), TotalRecords: p.TotalRecords}
	}
	return out
}
