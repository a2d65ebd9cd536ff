package auth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var codeLine = regexp.MustCompile(`<p class="code">([a-z_]+)</p>`)

// pageCode returns the refusal code shown on a sign-in error page, or "" if body is not one
// (raw JSON, for instance).
func pageCode(body string) string {
	if !strings.HasPrefix(body, "<!doctype html>") {
		return ""
	}
	if m := codeLine.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// TestSignInAtAnotherHostName: someone who opened the service at another name of the same
// machine (localhost for 127.0.0.1) is sent to the service's own address and signed in there;
// a sign-in that still fails ends on a page saying what to do, in their language.
func TestSignInAtAnotherHostName(t *testing.T) {
	e := newEnv(t, envOptions{})
	base, _ := url.Parse(e.base)
	other := "http://localhost:" + base.Port()

	b := newBrowser(t)
	status, page, at := b.get(other + "/auth/login?return=" + url.QueryEscape("/abc-defg-hij"))
	if status != http.StatusOK || !strings.Contains(page, "<form") {
		t.Fatalf("GET /auth/login at %s ended at %s with %d, not the provider's form:\n%s", other, at, status, page)
	}
	if at.Host != base.Host {
		t.Fatalf("sign-in continued at %s, want the service's address %s", at.Host, base.Host)
	}
	id := hiddenID.FindStringSubmatch(page)
	action, _ := at.Parse("login")
	status, body, end := b.post(action.String(), at.Scheme+"://"+at.Host,
		url.Values{"id": {id[1]}, "name": {"Irène"}, "email": {"irene@example.fr"}})
	if status != http.StatusOK || end.String() != e.base+"/abc-defg-hij" {
		t.Fatalf("sign-in ended at %s with %d %s, want %s/abc-defg-hij", end, status, body, e.base)
	}
	if status, me, _ := b.me(e); status != http.StatusOK || me.Name != "Irène" {
		t.Fatalf("/api/v1/me = %d %+v, want signed in as Irène", status, me)
	}

	// A reverse proxy that rewrites the Host header: the second time, no redirect (no loop).
	req, _ := http.NewRequest(http.MethodGet, other+"/auth/login?canonical=1", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound || loc.Path == "/auth/login" {
		t.Fatalf("an already redirected sign-in: %d to %s, want the provider's address", resp.StatusCode, loc)
	}

	// A callback reached without the sign-in cookie: a page, in English for an English browser,
	// with a link that signs in again at the service's address.
	req, _ = http.NewRequest(http.MethodGet, other+"/auth/callback?state=x&code=y", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9,fr;q=0.5")
	status, body, _ = newBrowser(t).do(req)
	if status != http.StatusBadRequest || pageCode(body) != "signin_expired" {
		t.Fatalf("got %d %s, want 400 and a page saying signin_expired", status, body)
	}
	for _, want := range []string{`lang="en"`, "Sign-in did not complete", "Open Visio at its address, " + e.base, `href="` + e.base + `/auth/login?return=%2F"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	req.Header.Set("Accept-Language", "de-DE")
	if _, body, _ = newBrowser(t).do(req); !strings.Contains(body, "La connexion n&#39;a pas abouti") {
		t.Errorf("French is the default:\n%s", body)
	}
}
