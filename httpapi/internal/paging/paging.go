// Package paging holds the paging query parameters of the HTTP API's list
// operations. It is exported, and a package of its own, only because huma
// reads parameters from embedded structs whose type is exported; being
// internal keeps it out of httpapi's public API.
package paging

import "github.com/openbackbone/openbackbone/backbone"

// Query is the paging part of a list request; list inputs embed it.
type Query struct {
	PageNumber int `query:"pageNumber" doc:"1-based page number"`
	PageSize   int `query:"pageSize" doc:"items per page (default 50, at most 200)"`
}

// Request is the page the query asks for; the services validate it.
func (q Query) Request() backbone.PageRequest {
	return backbone.PageRequest{Number: q.PageNumber, Size: q.PageSize}
}
