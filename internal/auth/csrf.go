package auth

import "net/http"

// SameOrigin returns a handler that refuses state-changing requests (POST, PUT, PATCH,
// DELETE) that a browser sends from another site, with 403 and code "cross_site", and passes
// the rest to next. It uses the browser's Sec-Fetch-Site header, or else compares Origin with
// Host (net/http's CrossOriginProtection). Requests without either header do not come from a
// browser page and pass: they carry no cookie a page could abuse.
//
// trustedOrigins are other origins allowed to post ("https://intranet.example.gouv.fr").
func SameOrigin(trustedOrigins []string, next http.Handler) (http.Handler, error) {
	p := http.NewCrossOriginProtection()
	for _, o := range trustedOrigins {
		if err := p.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, ErrCrossSite)
	}))
	return p.Handler(next), nil
}
