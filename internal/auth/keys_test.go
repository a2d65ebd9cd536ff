package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"visio/internal/auth"
	"visio/internal/store/sqlite"
)

// TestLoadKeys creates the key file once, even from several processes at once, and the keys
// read back verify tokens signed before.
func TestLoadKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "auth.key")
	var wg sync.WaitGroup
	keys := make([]*auth.Keys, 4)
	errs := make([]error, 4)
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = auth.LoadKeys(path) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode())
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	issue, _ := auth.NewJoinTokens(auth.JoinTokensParams{Keys: keys[0], Lifetime: 60e9, Used: db})
	verify, _ := auth.NewJoinTokens(auth.JoinTokensParams{Keys: keys[3], Lifetime: 60e9, Used: db})
	tok, _, err := issue.Issue(grant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.Verify(context.Background(), tok, grant.Room); err != nil {
		t.Fatalf("a token signed with one load of the key file fails with another: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadKeys(path); err == nil {
		t.Fatal("LoadKeys accepted a file that is not a key")
	}
}
