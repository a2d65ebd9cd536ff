// Package store is what visio keeps across restarts: users, rooms and the roles people have in
// them, application credentials, browser sessions, and the ids of join tokens already used.
//
// The interfaces here are small, one per concern; the sqlite and postgres packages implement
// all of them, and storetest is the one test suite both must pass. Times are kept to the
// millisecond, in UTC.
package store
