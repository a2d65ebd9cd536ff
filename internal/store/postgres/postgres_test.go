package postgres_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"visio/internal/store"
	"visio/internal/store/postgres"
	"visio/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(context.Context) (store.Store, error) {
		u := storetest.PostgresSchema(t)
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
