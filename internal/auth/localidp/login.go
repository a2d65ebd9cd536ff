package localidp

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"visio/internal/pagestyle"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/bcrypt"
)

var page = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{if .Dev}}Connexion de développement — Development sign-in{{else}}Connexion — Sign in{{end}}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>` + pagestyle.CSS + `</style>
</head>
<body>
<header><a class="brand" href="/"><span class="mark" aria-hidden="true"></span>Visio</a></header>
<main>
{{if .Dev}}
<h1>Connexion de développement — pas pour la production</h1>
<p lang="en"><strong>Development sign-in — not for production</strong></p>
<div class="warn" role="note">
<p>N'importe qui peut se connecter ici sous n'importe quel nom. Configurez un fournisseur d'identité
(<code>[auth] issuer</code>) ou des comptes (<code>[[auth.local.users]]</code>) avant d'ouvrir ce
serveur à d'autres personnes.</p>
<p lang="en">Anyone can sign in here under any name. Configure an identity provider
(<code>[auth] issuer</code>) or accounts (<code>[[auth.local.users]]</code>) before letting
other people use this server.</p>
</div>
{{else}}
<h1>Connexion <span lang="en">— Sign in</span></h1>
{{end}}
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="login">
<input type="hidden" name="id" value="{{.ID}}">
{{if .Dev}}
<label for="name">Nom affiché <span lang="en">/ Display name</span></label>
<input id="name" name="name" required maxlength="64" autocomplete="name" value="{{.Name}}">
<label for="email">Adresse e-mail <span lang="en">/ E-mail address</span></label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value="{{.Email}}">
{{else}}
<label for="login">Identifiant <span lang="en">/ Login</span></label>
<input id="login" name="login" required autocomplete="username" value="{{.Login}}">
<label for="password">Mot de passe <span lang="en">/ Password</span></label>
<input id="password" name="password" type="password" required autocomplete="current-password">
{{end}}
<button type="submit">Se connecter <span lang="en">/ Sign in</span></button>
</form>
</main>
</body>
</html>
`))

type pageData struct {
	Dev                           bool
	ID, Error, Name, Email, Login string
}

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	d.Dev = p.dev
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = page.Execute(w, d)
}

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if _, err := p.storage.AuthRequestByID(r.Context(), id); err != nil {
		p.render(w, http.StatusBadRequest, pageData{Error: "Cette demande de connexion a expiré : recommencez. — This sign-in request has expired: start again."})
		return
	}
	p.render(w, http.StatusOK, pageData{ID: id})
}

func (p *Provider) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, pageData{Error: "Formulaire illisible. — Unreadable form."})
		return
	}
	id := r.PostFormValue("id")
	var who identity
	if p.dev {
		name := strings.TrimSpace(r.PostFormValue("name"))
		email := strings.TrimSpace(strings.ToLower(r.PostFormValue("email")))
		if name == "" || utf8.RuneCountInString(name) > 64 || !strings.Contains(email, "@") || strings.Contains(email, ":") || len(email) > 254 {
			p.render(w, http.StatusBadRequest, pageData{ID: id, Name: name, Email: email,
				Error: "Indiquez un nom (64 caractères au plus) et une adresse e-mail. — Enter a name (at most 64 characters) and an e-mail address."})
			return
		}
		who = identity{subject: "dev_" + email, name: name, email: email}
	} else {
		login := r.PostFormValue("login")
		u, ok := p.checkPassword(w, r, id, login, r.PostFormValue("password"))
		if !ok {
			return
		}
		who = identity{subject: "local_" + u.Login, name: u.Name, email: u.Email}
	}
	if err := p.storage.complete(id, who); err != nil {
		p.render(w, http.StatusBadRequest, pageData{Error: "Cette demande de connexion a expiré : recommencez. — This sign-in request has expired: start again."})
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
}

// checkPassword checks login's password, within the throttle's limits (throttle.go). Known and
// unknown logins cost the same bcrypt work and are throttled alike, so that neither the time
// taken nor the refusals tell whether an account exists. It answers the request itself when
// the password is not accepted.
func (p *Provider) checkPassword(w http.ResponseWriter, r *http.Request, id, login, password string) (User, bool) {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	key := login
	if len(key) > 256 {
		key = key[:256]
	}
	if wait := p.throttle.wait(key, addr); wait > 0 {
		p.log.Info("local sign-in throttled", "login", key, "addr", addr, "wait", wait.Round(time.Second))
		p.tooMany(w, id, login, wait)
		return User{}, false
	}
	u, known := p.users[login]
	hash := p.dummyHash
	if known {
		hash = []byte(u.PasswordHash)
	}
	var match bool
	if err := p.throttle.check(r.Context(), func() {
		match = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	}); err != nil {
		p.log.Warn("local sign-in refused: too many password checks at once", "addr", addr)
		p.tooMany(w, id, login, time.Second)
		return User{}, false
	}
	if !match || !known {
		p.throttle.failed(key, addr)
		p.log.Info("local sign-in refused", "login", key, "addr", addr)
		p.render(w, http.StatusUnauthorized, pageData{ID: id, Login: login,
			Error: "Identifiant ou mot de passe incorrect. — Wrong login or password."})
		return User{}, false
	}
	p.throttle.succeeded(key)
	return u, true
}

// tooMany refuses a sign-in attempt for wait, with 429 and Retry-After.
func (p *Provider) tooMany(w http.ResponseWriter, id, login string, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	p.render(w, http.StatusTooManyRequests, pageData{ID: id, Login: login,
		Error: fmt.Sprintf("Trop de tentatives : réessayez dans %d s. — Too many attempts: try again in %d s.", secs, secs)})
}
