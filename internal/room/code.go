package room

// Meeting codes: their form and how new ones are made. Which rooms exist is kept by the store.

import (
	"crypto/rand"
	"regexp"
)

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
