package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// router makes routing forgiving the way ASP.NET is: literal path segments
// and query parameter names match case-insensitively (clients send both
// /Files/{id}/metadata and …/Metadata), /api/v2.0 equals /api/v2, an
// unknown route is a 404 and a known route with another method a 405, both
// with an empty body. It rewrites the request to the canonical spelling and
// hands it to the mux, which stays exact.
type router struct {
	routes []route
	next   http.Handler
}

type route struct {
	segments []string // canonical; "" marks a parameter
	literals int
	methods  map[string]*huma.Operation
}

func newRouter(api huma.API, next http.Handler) *router {
	r := &router{next: next}
	for path, item := range api.OpenAPI().Paths {
		rt := route{methods: map[string]*huma.Operation{}}
		for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				seg = ""
			} else {
				rt.literals++
			}
			rt.segments = append(rt.segments, seg)
		}
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		} {
			if op != nil {
				rt.methods[method] = op
			}
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

func (r *router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	segments := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var best *route
	matched := false
	for i := range r.routes {
		rt := &r.routes[i]
		if !rt.matches(segments) {
			continue
		}
		matched = true
		if _, ok := rt.methods[req.Method]; ok && (best == nil || rt.literals > best.literals) {
			best = rt
		}
	}
	switch {
	case best != nil:
		setRoute(req.Context(), best.methods[req.Method].Path)
		r.next.ServeHTTP(w, best.canonical(req, segments))
	case matched && req.Method == http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
	case matched:
		w.WriteHeader(http.StatusMethodNotAllowed)
	default:
		r.next.ServeHTTP(w, req)
		setMuxRoute(req)
	}
}

func (rt *route) matches(segments []string) bool {
	if len(segments) != len(rt.segments) {
		return false
	}
	for i, want := range rt.segments {
		got := segments[i]
		switch {
		case want == "":
			if got == "" {
				return false
			}
		case strings.EqualFold(got, want):
		case strings.EqualFold(want, "v2") && strings.EqualFold(got, "v2.0"):
		default:
			return false
		}
	}
	return true
}

// canonical returns req with the route's spelling of the literal segments
// and the operation's spelling of query parameter names.
func (rt *route) canonical(req *http.Request, segments []string) *http.Request {
	out := make([]string, len(segments))
	for i, want := range rt.segments {
		if want == "" {
			out[i] = segments[i]
		} else {
			out[i] = want
		}
	}
	r2 := req.Clone(req.Context())
	r2.URL.Path = "/" + strings.Join(out, "/")
	r2.URL.RawPath = ""
	if r2.URL.RawQuery != "" {
		r2.URL.RawQuery = canonicalQuery(r2.URL.RawQuery, rt.methods[req.Method])
	}
	return r2
}

func canonicalQuery(raw string, op *huma.Operation) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return raw // let the operation report it
	}
	names := map[string]string{}
	for _, p := range op.Parameters {
		if p.In == "query" {
			names[strings.ToLower(p.Name)] = p.Name
		}
	}
	out := url.Values{}
	for k, vs := range q {
		if name, ok := names[strings.ToLower(k)]; ok {
			k = name
		}
		out[k] = append(out[k], vs...)
	}
	return out.Encode()
}
