package auth

import (
	"net/http"
	"testing"
)

// FuzzPageLang: any Accept-Language header picks French or English, without panicking.
func FuzzPageLang(f *testing.F) {
	for _, s := range []string{"", "en-GB,en;q=0.9,fr;q=0.5", "fr-CA", "de-DE,*;q=0.1", ";;,,", "EN", "en-\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := http.NewRequest(http.MethodGet, "/auth/login", nil)
		r.Header.Set("Accept-Language", header)
		if got := pageLang(r); got != "fr" && got != "en" {
			t.Fatalf("pageLang(%q) = %q", header, got)
		}
	})
}
