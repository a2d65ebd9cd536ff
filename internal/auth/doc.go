// Package auth decides who may enter: OpenID Connect sign-in (authorization code with PKCE,
// state and nonce) against any standard provider, server-side browser sessions, short-lived
// signed tokens to join a meeting, application credentials for the API, and the cross-site
// request check for cookie-authenticated requests.
//
// With no provider configured, the localidp package serves a provider for one machine, and
// this package signs in against it exactly as against ProConnect or Keycloak.
//
// HTTP endpoints (see docs/openapi.yaml):
//
//	GET  /auth/login?return=/abc-defg-hij   start signing in, come back to a local path
//	GET  /auth/callback                     the provider's redirect back
//	POST /auth/logout                       end the session (and the provider's, if it can)
//	GET  /api/v1/me                         who is signed in
package auth
