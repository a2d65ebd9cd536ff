package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"visio/internal/auth"
	"visio/internal/store/sqlite"
)

func TestAppCredentials(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	apps := auth.NewApps(db, nil)
	readerID, readerSecret, err := apps.Create(ctx, "annuaire", []string{auth.ScopeRoomsRead})
	if err != nil {
		t.Fatal(err)
	}
	creatorID, creatorSecret, err := apps.Create(ctx, "agenda", []string{auth.ScopeRoomsCreate, auth.ScopeRoomsRead})
	if err != nil {
		t.Fatal(err)
	}
	revokedID, revokedSecret, _ := apps.Create(ctx, "old", []string{auth.ScopeRoomsCreate})
	if err := db.DeleteApp(ctx, revokedID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apps.Create(ctx, "bad", []string{"rooms:delete"}); err == nil {
		t.Fatal("Create accepted an unknown scope")
	}
	if stored, _ := db.App(ctx, creatorID); string(stored.SecretHash) == creatorSecret {
		t.Fatal("the secret is stored in clear")
	}

	called := 0
	h := apps.Require(auth.ScopeRoomsCreate, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called++
		if app, ok := auth.AppFrom(r.Context()); !ok || app.ID != creatorID {
			t.Errorf("AppFrom = %+v, %v", app, ok)
		}
		w.WriteHeader(http.StatusCreated)
	}))
	tests := []struct {
		name       string
		set        func(r *http.Request)
		wantStatus int
		wantCode   string
	}{
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+creatorID+"."+creatorSecret) }, http.StatusCreated, ""},
		{"basic", func(r *http.Request) { r.SetBasicAuth(creatorID, creatorSecret) }, http.StatusCreated, ""},
		{"no credentials", func(r *http.Request) {}, http.StatusUnauthorized, "unauthenticated"},
		{"wrong scope", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+readerID+"."+readerSecret) }, http.StatusForbidden, "insufficient_scope"},
		{"wrong secret", func(r *http.Request) { r.SetBasicAuth(creatorID, readerSecret) }, http.StatusUnauthorized, "invalid_credentials"},
		{"unknown id", func(r *http.Request) { r.SetBasicAuth("AP_nobody", creatorSecret) }, http.StatusUnauthorized, "invalid_credentials"},
		{"revoked", func(r *http.Request) { r.SetBasicAuth(revokedID, revokedSecret) }, http.StatusUnauthorized, "invalid_credentials"},
		{"malformed bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+creatorSecret) }, http.StatusUnauthorized, "invalid_credentials"},
		{"other scheme", func(r *http.Request) { r.Header.Set("Authorization", "Digest x") }, http.StatusUnauthorized, "invalid_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := called
			r := httptest.NewRequest(http.MethodPost, "/api/v1/rooms", nil)
			tt.set(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || errorCode(w.Body.String()) != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantCode)
			}
			if tt.wantStatus >= 400 {
				if called != before {
					t.Fatal("the handler ran for a refused request")
				}
				if w.Header().Get("WWW-Authenticate") == "" {
					t.Fatal("no WWW-Authenticate header")
				}
			}
		})
	}
}
