package storetest

import (
	"testing"
	"time"

	"visio/internal/store"
)

// testUserByEmail: the most recently seen user with an address, whatever its case; nobody for
// an unknown or empty address.
func testUserByEmail(t *testing.T, s store.Store) {
	f, ok := s.(store.UserFinder)
	if !ok {
		t.Fatal("the store does not find users by e-mail address")
	}
	c := ctx(t)
	_, err := s.SaveUser(c, store.User{Issuer: "https://idp.example", Subject: "1", Name: "Old Account", Email: "irene@example.fr", SeenAt: at(0)})
	wantErr(t, "SaveUser", err, nil)
	recent, err := s.SaveUser(c, store.User{Issuer: "https://other.example", Subject: "2", Name: "Irène Durand", Email: "Irene@Example.fr", SeenAt: at(time.Hour)})
	wantErr(t, "SaveUser", err, nil)
	_, err = s.SaveUser(c, store.User{Issuer: "https://idp.example", Subject: "3", Name: "No Address", SeenAt: at(2 * time.Hour)})
	wantErr(t, "SaveUser", err, nil)

	got, err := f.UserByEmail(c, "IRENE@example.fr")
	wantErr(t, "UserByEmail", err, nil)
	if got.ID != recent.ID {
		t.Fatalf("UserByEmail = %+v, want the most recently seen %+v", got, recent)
	}
	_, err = f.UserByEmail(c, "nobody@example.fr")
	wantErr(t, "UserByEmail(unknown)", err, store.ErrNotFound)
	_, err = f.UserByEmail(c, "")
	wantErr(t, "UserByEmail(empty)", err, store.ErrNotFound)
}
