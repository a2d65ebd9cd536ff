package auth

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"visio/internal/pagestyle"
)

// Sign-in happens in the browser's address bar: what goes wrong there is shown as a page that
// says what to do, never as the API's JSON.

// canonicalParam marks a sign-in already sent to the service's own address, so that a reverse
// proxy rewriting the Host header cannot make the redirect loop.
const canonicalParam = "canonical"

// toCanonical sends a sign-in started at another host name than the service's address (such as
// 127.0.0.1 for localhost) to that address: the sign-in cookies belong to one host name, and the
// provider returns to the service's address. It reports whether it answered.
func (s *Service) toCanonical(w http.ResponseWriter, r *http.Request) bool {
	base, err := url.Parse(s.p.BaseURL)
	if err != nil || base.Host == "" || strings.EqualFold(r.Host, base.Host) {
		return false
	}
	q := r.URL.Query()
	if q.Get(canonicalParam) != "" {
		return false
	}
	q.Set(canonicalParam, "1")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.p.BaseURL+r.URL.Path+"?"+q.Encode(), http.StatusFound)
	return true
}

// pageText is a refusal's page in one language.
type pageText struct {
	Lang, Title, Explain, Action, Again, Home string
}

var refusalTexts = map[string]map[string]pageText{
	"fr": {
		ErrLoginState.Code:   {Title: "La connexion n'a pas abouti", Explain: "Elle a pris trop de temps, a déjà servi, ou a été commencée à une autre adresse ou dans un autre navigateur."},
		ErrLoginRefused.Code: {Title: "Le fournisseur d'identité ne vous a pas connecté", Explain: "La connexion a été refusée ou annulée."},
		ErrLoginFailed.Code:  {Title: "La connexion a échoué", Explain: "Le fournisseur d'identité n'a pas pu confirmer votre identité."},
		ErrProviderDown.Code: {Title: "Le service de connexion est injoignable", Explain: "Réessayez dans un moment ; si cela dure, prévenez le support."},
		"":                   {Title: "La connexion a échoué", Explain: "Une erreur est survenue sur le serveur. Réessayez ; si cela dure, prévenez le support."},
	},
	"en": {
		ErrLoginState.Code:   {Title: "Sign-in did not complete", Explain: "It took too long, was already used, or was started at another address or in another browser."},
		ErrLoginRefused.Code: {Title: "The identity provider did not sign you in", Explain: "Signing in was refused or cancelled."},
		ErrLoginFailed.Code:  {Title: "Signing in failed", Explain: "The identity provider could not confirm who you are."},
		ErrProviderDown.Code: {Title: "The sign-in service cannot be reached", Explain: "Try again in a moment; if this goes on, tell support."},
		"":                   {Title: "Signing in failed", Explain: "Something went wrong on the server. Try again; if this goes on, tell support."},
	},
}

var pageChrome = map[string]pageText{
	"fr": {Lang: "fr", Action: "Ouvrez Visio à son adresse, %s, puis connectez-vous à nouveau.", Again: "Se connecter à nouveau", Home: "Retour à l'accueil"},
	"en": {Lang: "en", Action: "Open Visio at its address, %s, and sign in again.", Again: "Sign in again", Home: "Back to the home page"},
}

var refusalPage = template.Must(template.New("refusal").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>{{.Title}} — Visio</title>
<style>` + pagestyle.CSS + `</style>
</head>
<body>
<header><a class="brand" href="{{.Base}}/"><span class="mark" aria-hidden="true"></span>Visio</a></header>
<main>
<h1>{{.Title}}</h1>
<p>{{.Explain}}</p>
<p>{{.ActionText}}</p>
<p class="actions"><a class="button" href="{{.Retry}}">{{.Again}}</a> <a href="{{.Base}}/">{{.Home}}</a></p>
<p class="code">{{.Code}}</p>
</main>
</body>
</html>
`))

// pageLang picks French or English from the browser's Accept-Language: the first of the two
// it names, French if neither.
func pageLang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case tag == "fr" || strings.HasPrefix(tag, "fr-"):
			return "fr"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "fr"
}

// refusePage answers a sign-in navigation with a page saying what went wrong and what to do,
// with a link that starts the sign-in again (back to ret) at the service's own address.
func (s *Service) refusePage(w http.ResponseWriter, r *http.Request, err error, ret string) {
	s.log(r, err)
	e := AsError(err)
	lang := pageLang(r)
	t, ok := refusalTexts[lang][e.Code]
	if !ok {
		t = refusalTexts[lang][""]
	}
	chrome := pageChrome[lang]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(e.Status)
	_ = refusalPage.Execute(w, map[string]string{
		"Lang": chrome.Lang, "Title": t.Title, "Explain": t.Explain,
		"ActionText": strings.Replace(chrome.Action, "%s", s.p.BaseURL, 1),
		"Again":      chrome.Again, "Home": chrome.Home, "Code": e.Code, "Base": s.p.BaseURL,
		"Retry": s.p.BaseURL + "/auth/login?" + url.Values{"return": {SafeReturnPath(ret)}}.Encode(),
	})
}
