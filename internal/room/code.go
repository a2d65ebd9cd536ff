// Package room holds what a meeting is, apart from its media: meeting codes and the directory of
// meetings that exist.
package room

import (
	"crypto/rand"
	"errors"
	"regexp"
	"sync"
	"time"
)

// ErrNotFound is returned for a meeting code that does not exist.
var ErrNotFound = errors.New("room: meeting not found")

var codePattern = regexp.MustCompile(`^[a-z]{3}-[a-z]{4}-[a-z]{3}$`)

// ValidCode reports whether s has the form of a meeting code, "abc-defg-hij".
func ValidCode(s string) bool { return codePattern.MatchString(s) }

// NewCode returns a random meeting code, "abc-defg-hij": ten letters, about 47 bits, easy to
// read out on the phone.
func NewCode() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 12)
	for i, c := range b {
		if i == 3 || i == 7 {
			out = append(out, '-')
		}
		out = append(out, 'a'+c%26)
	}
	return string(out)
}

// Directory is the set of meetings that exist. A meeting exists from its creation until it has
// been unused for the directory's lifetime.
type Directory struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex // guards the following fields
	used map[string]time.Time
}

// NewDirectory returns an empty directory whose meetings expire after ttl without use.
func NewDirectory(ttl time.Duration) *Directory {
	return &Directory{ttl: ttl, now: time.Now, used: make(map[string]time.Time)}
}

// Create makes a new meeting and returns its code.
func (d *Directory) Create() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweepLocked()
	for {
		c := NewCode()
		if _, taken := d.used[c]; !taken {
			d.used[c] = d.now()
			return c
		}
	}
}

// Touch marks the meeting as used now. It returns ErrNotFound if the code does not exist.
func (d *Directory) Touch(code string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	last, ok := d.used[code]
	if !ok || d.now().Sub(last) > d.ttl {
		return ErrNotFound
	}
	d.used[code] = d.now()
	return nil
}

func (d *Directory) sweepLocked() {
	now := d.now()
	for c, last := range d.used {
		if now.Sub(last) > d.ttl {
			delete(d.used, c)
		}
	}
}
