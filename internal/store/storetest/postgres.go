package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"visio/internal/testenv"
)

// PostgresURL returns the test server's URL from VISIO_TEST_POSTGRES_URL
// (scripts/postgres-test.sh prints it). Without it the test skips, except in CI, where it fails
// (testenv.Missing).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("VISIO_TEST_POSTGRES_URL")
	if u == "" {
		testenv.Missing(t, "VISIO_TEST_POSTGRES_URL is not set: run eval \"$(sudo scripts/postgres-test.sh start)\" to test on PostgreSQL")
	}
	return u
}

// PostgresSchema creates an empty schema on the test server for one test, dropped at the end,
// and returns a URL whose connections use it.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
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
