package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/auth"
	"visio/internal/auth/localidp"
	"visio/internal/store/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const sessionLifetime = time.Hour

// clock is a test clock: real time plus an offset the test moves forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is visio's sign-in endpoints on a real HTTP server, with a real OpenID provider (the
// built-in one, on zitadel/oidc's op) either mounted under /local-idp/ and reached in process,
// or on a server of its own and reached over the network like an external provider.
type env struct {
	base  string // visio's URL
	idp   *localidp.Provider
	svc   *auth.Service
	db    *sqlite.DB
	clock *clock
}

type envOptions struct {
	users    []localidp.User
	external bool // the provider on its own server, reached over HTTP
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{clock: &clock{}}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e.db = db

	srv := httptest.NewUnstartedServer(nil)
	e.base = "http://" + srv.Listener.Addr().String()
	idpParams := localidp.Params{
		RedirectURI: e.base + "/auth/callback", PostLogoutRedirectURI: e.base + "/",
		Users: o.users,
	}
	var httpClient *http.Client
	if o.external {
		idpSrv := httptest.NewUnstartedServer(nil)
		idpParams.Issuer = "http://" + idpSrv.Listener.Addr().String()
		e.idp = mustIdP(t, idpParams)
		idpSrv.Config.Handler = e.idp
		idpSrv.Start()
		t.Cleanup(idpSrv.Close)
		httpClient = &http.Client{Timeout: 10 * time.Second}
		t.Cleanup(httpClient.CloseIdleConnections)
	} else {
		idpParams.Issuer = e.base + "/local-idp"
		e.idp = mustIdP(t, idpParams)
		httpClient = e.idp.HTTPClient()
	}
	e.svc, err = auth.New(auth.Params{
		Issuer: e.idp.Issuer(), ClientID: localidp.ClientID, ClientSecret: e.idp.ClientSecret(),
		Scopes: []string{"openid", "profile", "email"}, HTTPClient: httpClient, BaseURL: e.base,
		SessionLifetime: sessionLifetime, Development: e.idp.Development(),
		Users: db, Sessions: db, TokenIDs: db, Keys: auth.GenerateKeys(), Now: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(tWriter{t}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.svc.Register(mux)
	if !o.external {
		mux.Handle("/local-idp/", e.idp)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app:"+r.URL.Path) })
	h, err := auth.SameOrigin(nil, mux)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

func mustIdP(t *testing.T, p localidp.Params) *localidp.Provider {
	t.Helper()
	idp, err := localidp.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

// browser is an HTTP client with a cookie jar that follows redirects itself, recording each
// hop, and posts forms the way a browser does (with Origin and Sec-Fetch-Site).
type browser struct {
	t      *testing.T
	client *http.Client
	hops   []hop
}

type hop struct {
	method string
	url    *url.URL
	status int
	cookie []*http.Cookie
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(c.CloseIdleConnections)
	return &browser{t: t, client: c}
}

// do sends req and follows redirects (GET after 302/303), returning the final response's
// status and body.
func (b *browser) do(req *http.Request) (int, string, *url.URL) {
	b.t.Helper()
	for range 20 {
		resp, err := b.client.Do(req)
		if err != nil {
			b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.hops = append(b.hops, hop{req.Method, req.URL, resp.StatusCode, resp.Cookies()})
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode >= 400 || loc == "" {
			return resp.StatusCode, string(body), req.URL
		}
		next, err := req.URL.Parse(loc)
		if err != nil {
			b.t.Fatalf("bad redirect %q: %v", loc, err)
		}
		req, _ = http.NewRequest(http.MethodGet, next.String(), nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site") // a top-level navigation, may cross sites
	}
	b.t.Fatal("too many redirects")
	return 0, "", nil
}

func (b *browser) get(u string) (int, string, *url.URL) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// post submits a form from a page of origin.
func (b *browser) post(u, origin string, form url.Values) (int, string, *url.URL) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var hiddenID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn starts at /auth/login, fills the provider's form with fields and submits it.
func (b *browser) signIn(e *env, returnPath string, fields url.Values) (int, string, *url.URL) {
	b.t.Helper()
	status, page, at := b.get(e.base + "/auth/login?return=" + url.QueryEscape(returnPath))
	if status != http.StatusOK || !strings.Contains(page, "<form") {
		b.t.Fatalf("GET /auth/login ended at %s with %d, not the provider's form:\n%s", at, status, page)
	}
	m := hiddenID.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no request id in the form:\n%s", page)
	}
	fields.Set("id", m[1])
	action, _ := at.Parse("login")
	return b.post(action.String(), at.Scheme+"://"+at.Host, fields)
}

// me calls GET /api/v1/me.
func (b *browser) me(e *env) (int, auth.MeJSON, string) {
	b.t.Helper()
	status, body, _ := b.get(e.base + "/api/v1/me")
	var me auth.MeJSON
	_ = json.Unmarshal([]byte(body), &me)
	return status, me, errorCode(body)
}

func errorCode(body string) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

// cookie returns the last Set-Cookie of that name with a value seen on the way.
func (b *browser) cookie(name string) *http.Cookie {
	var c *http.Cookie
	for _, h := range b.hops {
		for _, hc := range h.cookie {
			if hc.Name == name && hc.Value != "" {
				c = hc
			}
		}
	}
	return c
}

// hopTo returns the last request made to path.
func (b *browser) hopTo(path string) *url.URL {
	for i := len(b.hops) - 1; i >= 0; i-- {
		if b.hops[i].url.Path == path {
			return b.hops[i].url
		}
	}
	return nil
}

// tWriter sends log lines to the test's log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
