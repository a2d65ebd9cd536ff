package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"visio/internal/store"
	"visio/internal/store/postgres"
	"visio/internal/store/storetest"
	"visio/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// baseURL returns the test server's URL from VISIO_TEST_POSTGRES_URL (scripts/postgres-test.sh
// prints it). Without it the tests skip, except in CI, where they fail.
func baseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("VISIO_TEST_POSTGRES_URL")
	if u == "" {
		testenv.Missing(t, "VISIO_TEST_POSTGRES_URL is not set: run eval \"$(sudo scripts/postgres-test.sh start)\" to test on PostgreSQL")
	}
	return u
}

// newSchema creates an empty schema for one test, dropped at the end, and returns a URL whose
// connections use it.
func newSchema(t *testing.T) string {
	t.Helper()
	base := baseURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(context.Context) (store.Store, error) {
		u := newSchema(t)
		return func(ctx context.Context) (store.Store, error) { return postgres.Open(ctx, u) }
	})
}

func TestOpenBadURL(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://user:s3cret@[bad")
	if err == nil {
		t.Fatal("Open accepted a malformed URL")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Fatalf("the error shows the password: %s", got)
	}
}
