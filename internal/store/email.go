package store

import "context"

// UserFinder finds the users the room settings add by e-mail address.
type UserFinder interface {
	// UserByEmail returns the most recently seen user with this e-mail address (compared
	// without regard to ASCII case), or ErrNotFound: someone who never signed in has no user.
	UserByEmail(ctx context.Context, email string) (User, error)
}
