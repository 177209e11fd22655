package gocloudblob

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// config is a parsed blob URL.
type config struct {
	scheme string
	prefix string
	dir    string // file: the directory, as given (absolute or relative)
	bucket string // s3, azblob, gs: the bucket or container
	// query holds the parameters handed on to gocloud's URL opener of a
	// cloud scheme (prefix removed).
	query url.Values
	// gsEndpoint is the base URL of a GCS-compatible server (gs:// endpoint
	// parameter, without a trailing slash); empty for Google's.
	gsEndpoint string
}

// params lists, per scheme, the query parameters Open accepts. Keep it in
// step with the package documentation.
var params = map[string][]string{
	"file": {"prefix"},
	"mem":  {"prefix"},
	"s3": {"anonymous", "disable_https", "endpoint", "hostname_immutable", "kmskeyid", "prefix", "profile",
		"region", "request_checksum_calculation", "response_checksum_validation", "ssetype", "use_path_style"},
	"azblob": {"cdn", "domain", "localemu", "prefix", "protocol", "storage_account"},
	"gs":     {"anonymous", "endpoint", "prefix", "universe_domain"},
}

func knownSchemes() string { return strings.Join(slices.Sorted(maps.Keys(params)), ", ") }

func parseURL(rawURL string, opts Options) (config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return config{}, fmt.Errorf("gocloudblob: parse URL: %w", err)
	}
	known, ok := params[u.Scheme]
	if !ok {
		return config{}, fmt.Errorf("gocloudblob: unknown scheme %q: known schemes are %s", u.Scheme, knownSchemes())
	}
	if u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return config{}, fmt.Errorf("gocloudblob: %s URL %q must have no user, opaque part or fragment", u.Scheme, redact(u))
	}
	q := u.Query()
	for k, v := range q {
		if !slices.Contains(known, k) {
			return config{}, fmt.Errorf("gocloudblob: unknown query parameter %q for %s://: known parameters are %s", k, u.Scheme, strings.Join(known, ", "))
		}
		if len(v) != 1 {
			return config{}, fmt.Errorf("gocloudblob: query parameter %q given %d times", k, len(v))
		}
	}
	c := config{scheme: u.Scheme, prefix: opts.Prefix}
	if v, ok := q["prefix"]; ok {
		c.prefix = v[0]
		q.Del("prefix")
	}
	switch c.scheme {
	case "file":
		switch u.Host {
		case "": // file:///abs/dir, file:///C:/abs/dir
			p := u.Path
			if os.PathSeparator != '/' {
				p = strings.TrimPrefix(p, "/")
			}
			c.dir = filepath.FromSlash(p)
			if !filepath.IsAbs(c.dir) {
				return config{}, fmt.Errorf("gocloudblob: file URL %q: want file:///absolute/dir or file://./relative/dir", redact(u))
			}
		case ".": // file://./rel/dir
			c.dir = filepath.FromSlash(strings.TrimPrefix(u.Path, "/"))
			if c.dir == "" {
				c.dir = "."
			}
		default:
			return config{}, fmt.Errorf("gocloudblob: file URL %q has host %q: want file:///absolute/dir or file://./relative/dir", redact(u), u.Host)
		}
	case "mem":
		if u.Host != "" || (u.Path != "" && u.Path != "/") {
			return config{}, fmt.Errorf("gocloudblob: mem URL %q must have no host or path (mem:// or mem://?prefix=…)", redact(u))
		}
	default: // s3, azblob, gs
		if u.Host == "" || (u.Path != "" && u.Path != "/") {
			return config{}, fmt.Errorf("gocloudblob: %s URL %q must name the bucket as its host and have no path (%s://BUCKET?…); use the prefix parameter for a folder", u.Scheme, redact(u), u.Scheme)
		}
		c.bucket = u.Host
		if c.scheme == "gs" && q.Has("endpoint") {
			// gocloud's gs URLs have no endpoint parameter (only the
			// process-wide STORAGE_EMULATOR_HOST variable); ours names a
			// GCS-compatible server, such as an emulator, for this URL alone.
			ep, err := url.Parse(q.Get("endpoint"))
			if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" || ep.RawQuery != "" || ep.Fragment != "" {
				return config{}, fmt.Errorf("gocloudblob: gs URL %q: endpoint %q: want http(s)://host[:port][/path]", redact(u), q.Get("endpoint"))
			}
			c.gsEndpoint = strings.TrimSuffix(ep.String(), "/")
			q.Del("endpoint")
		}
		c.query = q
	}
	return c, nil
}

// redact hides passwords in a URL quoted in an error.
func redact(u *url.URL) string { return u.Redacted() }

// where names the storage in errors.
func (c config) where() string {
	switch c.scheme {
	case "file":
		return "file directory " + c.dir
	case "mem":
		return "mem://"
	}
	return c.scheme + "://" + c.bucket
}
