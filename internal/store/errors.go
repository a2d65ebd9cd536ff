package store

import "errors"

var (
	// ErrNotFound is returned when the thing asked for does not exist (or a room or user it
	// refers to does not).
	ErrNotFound = errors.New("store: not found")
	// ErrExists is returned when creating something whose id or code is taken.
	ErrExists = errors.New("store: already exists")
	// ErrAlreadyUsed is returned by UseTokenID for an id that was used before: a replay.
	ErrAlreadyUsed = errors.New("store: token id already used")
	// ErrInvalid is returned for a value the store does not accept, such as an unknown role.
	ErrInvalid = errors.New("store: invalid value")
	// ErrIsOwner is returned when changing or removing the role of a room's owner.
	ErrIsOwner = errors.New("store: the owner's role cannot be changed")
)
