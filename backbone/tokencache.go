package backbone

import (
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature Authenticate has
// checked, until they expire. A client sends the same token with every
// request for its whole lifetime, and the signature check (Ed25519, about
// 70 µs) is most of what authenticating costs; with a rate limit per
// identity in front, every request would pay it twice. Only verified tokens
// go in, keyed by their exact text, so a forged or altered token always
// takes the full check; what the check reads besides the signature (issuer,
// algorithm, key) is fixed for the Backbone's lifetime.
//
// Two generations bound the memory: when the current one is full it
// becomes the previous one and the one before is dropped, so a token in
// use is kept (it moves up on its next hit) and a burst of new tokens
// costs at most two generations.
type verifiedTokens struct {
	mu       sync.Mutex
	current  map[string]verifiedToken
	previous map[string]verifiedToken
}

type verifiedToken struct {
	caller    Caller
	notBefore time.Time
	expiresAt time.Time
}

// verifiedTokensPerGeneration keeps the tokens of this many active devices
// without re-checking (two generations: up to twice as many, about 400
// bytes each).
const verifiedTokensPerGeneration = 10_000

func (v *verifiedTokens) get(token string, now time.Time) (Caller, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.current[token]
	if !ok {
		if t, ok = v.previous[token]; !ok {
			return Caller{}, false
		}
		v.putLocked(token, t)
	}
	if now.Before(t.notBefore) || !now.Before(t.expiresAt) {
		return Caller{}, false
	}
	return t.caller, true
}

func (v *verifiedTokens) put(token string, t verifiedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.putLocked(token, t)
}

func (v *verifiedTokens) putLocked(token string, t verifiedToken) {
	if v.current == nil || len(v.current) >= verifiedTokensPerGeneration {
		v.previous, v.current = v.current, make(map[string]verifiedToken, 64)
	}
	v.current[token] = t
}
