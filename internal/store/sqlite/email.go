package sqlite

import (
	"context"
	"fmt"

	"visio/internal/store"
)

var _ store.UserFinder = (*DB)(nil)

// UserByEmail implements store.UserFinder.
func (s *DB) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT id, issuer, subject, name, email, created_at, seen_at FROM users
		WHERE email <> '' AND lower(email) = lower(?) ORDER BY seen_at DESC, id LIMIT 1`, email))
	if err != nil {
		return store.User{}, fmt.Errorf("user with e-mail %q: %w", email, mapErr(err))
	}
	return u, nil
}
