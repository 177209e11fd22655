package gocloudbus

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is a parsed bus URL with defaults filled in.
type config struct {
	scheme string
	prefix string
	server string // rabbit, nats

	ackDeadline time.Duration // mem

	prefetch     int           // rabbit
	queueType    string        // rabbit
	queueExpires time.Duration // rabbit

	ackWait  time.Duration // nats
	storage  string        // nats
	replicas int           // nats

	region, account, profile string // awssnssqs
	endpoint                 string // awssnssqs

	project  string // gcppubsub
	emulator string // gcppubsub
	create   bool   // gcppubsub
}

// params lists, per scheme, the query parameters Open accepts. Keep it in
// step with the package documentation.
var params = map[string][]string{
	"mem":       {"ack_deadline", "prefix"},
	"rabbit":    {"prefetch", "prefix", "queue_expires", "queue_type", "server"},
	"nats":      {"ack_wait", "prefix", "replicas", "server", "storage"},
	"azuresb":   {"prefix"},
	"awssnssqs": {"account", "endpoint", "prefix", "profile", "region"},
	"gcppubsub": {"create", "emulator", "prefix", "project"},
}

func knownSchemes() string { return strings.Join(slices.Sorted(maps.Keys(params)), ", ") }

func parseURL(rawURL string, opts Options) (config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return config{}, fmt.Errorf("gocloudbus: parse URL: %w", err)
	}
	known, ok := params[u.Scheme]
	if !ok {
		return config{}, fmt.Errorf("gocloudbus: unknown scheme %q: known schemes are %s", u.Scheme, knownSchemes())
	}
	if u.Host != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.Opaque != "" || u.Fragment != "" {
		hint := ""
		if u.Scheme == "rabbit" || u.Scheme == "nats" {
			hint = fmt.Sprintf(" (the broker goes in the server parameter: %s://?server=…)", u.Scheme)
		}
		return config{}, fmt.Errorf("gocloudbus: %s URL %q must have no host, path or fragment, only query parameters%s", u.Scheme, redact(u), hint)
	}
	q := u.Query()
	for k, v := range q {
		if !slices.Contains(known, k) {
			return config{}, fmt.Errorf("gocloudbus: unknown query parameter %q for %s://: known parameters are %s", k, u.Scheme, strings.Join(known, ", "))
		}
		if len(v) != 1 {
			return config{}, fmt.Errorf("gocloudbus: query parameter %q given %d times", k, len(v))
		}
	}
	p := parser{q: q}
	c := config{
		scheme:       u.Scheme,
		prefix:       p.str("prefix", opts.Prefix),
		server:       p.str("server", opts.ServerURL),
		ackDeadline:  p.duration("ack_deadline", time.Minute),
		prefetch:     p.int("prefetch", 256),
		queueType:    p.oneOf("queue_type", "quorum", "classic"),
		queueExpires: p.duration("queue_expires", 0),
		ackWait:      p.duration("ack_wait", 30*time.Second),
		storage:      p.oneOf("storage", "file", "memory"),
		replicas:     p.int("replicas", 1),
		region:       p.str("region", ""),
		account:      p.str("account", ""),
		profile:      p.str("profile", ""),
		endpoint:     p.str("endpoint", ""),
		project:      p.str("project", ""),
		emulator:     p.str("emulator", ""),
		create:       p.bool("create", false),
	}
	if p.err != nil {
		return config{}, p.err
	}
	if err := validatePrefix(c.prefix); err != nil {
		return config{}, err
	}
	switch c.scheme {
	case "rabbit":
		if !strings.HasPrefix(c.server, "amqp://") && !strings.HasPrefix(c.server, "amqps://") {
			return config{}, fmt.Errorf("gocloudbus: rabbit:// needs the broker as an amqp:// or amqps:// URL in the server parameter or Options.ServerURL (e.g. rabbit://?server=amqp://guest:guest@127.0.0.1:5672/)")
		}
	case "nats":
		if c.server == "" {
			return config{}, fmt.Errorf("gocloudbus: nats:// needs the server in the server parameter or Options.ServerURL (e.g. nats://?server=nats://127.0.0.1:4222)")
		}
	case "awssnssqs":
		if c.region == "" || c.account == "" {
			return config{}, fmt.Errorf("gocloudbus: awssnssqs:// needs the region and account parameters (e.g. awssnssqs://?region=eu-central-1&account=123456789012)")
		}
	case "gcppubsub":
		if c.project == "" {
			return config{}, fmt.Errorf("gocloudbus: gcppubsub:// needs the project parameter (e.g. gcppubsub://?project=my-project)")
		}
		if _, _, err := net.SplitHostPort(c.emulator); c.emulator != "" && err != nil {
			return config{}, fmt.Errorf("gocloudbus: query parameter emulator=%q: want the emulator's host:port, e.g. 127.0.0.1:8085", c.emulator)
		}
	}
	if c.scheme == "awssnssqs" && c.endpoint != "" {
		if u, err := url.Parse(c.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config{}, fmt.Errorf("gocloudbus: query parameter endpoint=%q: want an http:// or https:// URL, e.g. http://127.0.0.1:4566", c.endpoint)
		}
	}
	return c, nil
}

// redact hides passwords (in the user info and in the query, where the
// server parameter may carry one) in a URL quoted in an error.
func redact(u *url.URL) string {
	r := *u
	if r.RawQuery != "" {
		r.RawQuery = "…"
	}
	return r.Redacted()
}

// parser reads typed query parameters, keeping the first error.
type parser struct {
	q   url.Values
	err error
}

func (p *parser) fail(key, value, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("gocloudbus: query parameter %s=%q: want %s", key, value, want)
	}
}

func (p *parser) str(key, def string) string {
	if v, ok := p.q[key]; ok {
		return v[0]
	}
	return def
}

func (p *parser) duration(key string, def time.Duration) time.Duration {
	v, ok := p.q[key]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v[0])
	if err != nil || d <= 0 {
		p.fail(key, v[0], "a positive duration such as 30s")
		return def
	}
	return d
}

func (p *parser) int(key string, def int) int {
	v, ok := p.q[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n <= 0 {
		p.fail(key, v[0], "a positive integer")
		return def
	}
	return n
}

func (p *parser) bool(key string, def bool) bool {
	v, ok := p.q[key]
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v[0])
	if err != nil {
		p.fail(key, v[0], "true or false")
		return def
	}
	return b
}

// oneOf returns the parameter, which must be one of allowed; allowed[0] is the
// default.
func (p *parser) oneOf(key string, allowed ...string) string {
	v, ok := p.q[key]
	if !ok {
		return allowed[0]
	}
	if !slices.Contains(allowed, v[0]) {
		p.fail(key, v[0], "one of "+strings.Join(allowed, ", "))
	}
	return v[0]
}
