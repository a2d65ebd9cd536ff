// Package storetest is the conformance suite every store implementation passes: the sqlite and
// postgres packages run it from their tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"visio/internal/store"
)

// NewDB prepares an empty database for one test and returns a function that opens a store on
// it. Calling the function again opens the same database again (another "process").
type NewDB func(t *testing.T) (open func(ctx context.Context) (store.Store, error))

// Versioned is implemented by stores that report their schema version.
type Versioned interface {
	SchemaVersion(ctx context.Context) (int, error)
}

// Run runs the whole suite.
func Run(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"UserByEmail", testUserByEmail},
		{"Rooms", testRooms},
		{"RoomSweeper", testRoomSweeper},
		{"Roles", testRoles},
		{"Apps", testApps},
		{"Sessions", testSessions},
		{"TokenIDs", testTokenIDs},
		{"TokenIDsConcurrent", testTokenIDsConcurrent},
		{"Recordings", testRecordings},
		{"Chats", testChats},
		{"MeetingStates", testMeetingStates},
		{"Transcripts", testTranscripts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := newDB(t)
			s := mustOpen(t, open)
			tt.fn(t, s)
		})
	}
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, newDB) })
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustOpen(t *testing.T, open func(context.Context) (store.Store, error)) store.Store {
	t.Helper()
	s, err := open(ctx(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// at is a fixed moment plus d, to the millisecond as the stores keep it.
func at(d time.Duration) time.Time {
	return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(d)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func saveUser(t *testing.T, s store.Store, subject string) store.User {
	t.Helper()
	u, err := s.SaveUser(ctx(t), store.User{Issuer: "https://idp.example", Subject: subject, Name: "Name " + subject, Email: subject + "@example.fr", SeenAt: at(0)})
	if err != nil {
		t.Fatalf("SaveUser(%s): %v", subject, err)
	}
	return u
}

func createRoom(t *testing.T, s store.Store, code string, owner store.UserID, used time.Time) store.Room {
	t.Helper()
	r := store.Room{Code: code, Name: "Room " + code, OwnerID: owner, Access: store.AccessTrusted, CreatedAt: at(0), UsedAt: used}
	if err := s.CreateRoom(ctx(t), r); err != nil {
		t.Fatalf("CreateRoom(%s): %v", code, err)
	}
	return r
}

func testUsers(t *testing.T, s store.Store) {
	c := ctx(t)
	u, err := s.SaveUser(c, store.User{Issuer: "https://idp.example", Subject: "42", Name: "Marie Curie", Email: "marie@example.fr", SeenAt: at(0)})
	wantErr(t, "SaveUser", err, nil)
	if u.ID == "" || u.Name != "Marie Curie" || u.Email != "marie@example.fr" || !u.CreatedAt.Equal(at(0)) || !u.SeenAt.Equal(at(0)) {
		t.Fatalf("SaveUser returned %+v", u)
	}
	again, err := s.SaveUser(c, store.User{Issuer: "https://idp.example", Subject: "42", Name: "Marie Skłodowska-Curie", Email: "msc@example.fr", SeenAt: at(time.Hour)})
	wantErr(t, "SaveUser again", err, nil)
	if again.ID != u.ID || again.Name != "Marie Skłodowska-Curie" || again.Email != "msc@example.fr" || !again.CreatedAt.Equal(at(0)) || !again.SeenAt.Equal(at(time.Hour)) {
		t.Fatalf("SaveUser again returned %+v, want the same user %s renamed, created at %v", again, u.ID, at(0))
	}
	got, err := s.User(c, u.ID)
	wantErr(t, "User", err, nil)
	if got != again {
		t.Fatalf("User = %+v, want %+v", got, again)
	}
	bySub, err := s.UserBySubject(c, "https://idp.example", "42")
	wantErr(t, "UserBySubject", err, nil)
	if bySub != again {
		t.Fatalf("UserBySubject = %+v, want %+v", bySub, again)
	}
	_, err = s.UserBySubject(c, "https://other.example", "42")
	wantErr(t, "UserBySubject at another issuer", err, store.ErrNotFound)
	other, err := s.SaveUser(c, store.User{Issuer: "https://other.example", Subject: "42", Name: "Someone else", SeenAt: at(0)})
	wantErr(t, "SaveUser other issuer", err, nil)
	if other.ID == u.ID {
		t.Fatal("the same subject at another issuer is the same user")
	}
	_, err = s.User(c, "US_nobody")
	wantErr(t, "User(unknown)", err, store.ErrNotFound)
	_, err = s.SaveUser(c, store.User{Name: "no subject"})
	wantErr(t, "SaveUser without subject", err, store.ErrInvalid)
}

func testRooms(t *testing.T, s store.Store) {
	c := ctx(t)
	alice, bob := saveUser(t, s, "alice"), saveUser(t, s, "bob")
	r := createRoom(t, s, "abc-defg-hij", alice.ID, at(time.Minute))

	got, err := s.Room(c, r.Code)
	wantErr(t, "Room", err, nil)
	if got != r {
		t.Fatalf("Room = %+v, want %+v", got, r)
	}
	tests := []struct {
		name string
		room store.Room
		want error
	}{
		{"code taken", store.Room{Code: r.Code, OwnerID: bob.ID, Access: store.AccessPublic}, store.ErrExists},
		{"unknown owner", store.Room{Code: "zzz-zzzz-zzz", OwnerID: "US_nobody", Access: store.AccessPublic}, store.ErrNotFound},
		{"bad access", store.Room{Code: "yyy-yyyy-yyy", OwnerID: bob.ID, Access: "everyone"}, store.ErrInvalid},
	}
	for _, tt := range tests {
		wantErr(t, "CreateRoom "+tt.name, s.CreateRoom(c, tt.room), tt.want)
	}
	if _, err := s.Room(c, "zzz-zzzz-zzz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed CreateRoom left a room behind: %v", err)
	}
	role, err := s.Role(c, r.Code, alice.ID)
	wantErr(t, "Role", err, nil)
	if role != store.RoleOwner {
		t.Fatalf("creator's role = %q, want owner", role)
	}

	wantErr(t, "UpdateRoom", s.UpdateRoom(c, r.Code, "Weekly", store.AccessRestricted), nil)
	wantErr(t, "UpdateRoom bad access", s.UpdateRoom(c, r.Code, "Weekly", "open"), store.ErrInvalid)
	wantErr(t, "UpdateRoom unknown", s.UpdateRoom(c, "zzz-zzzz-zzz", "x", store.AccessPublic), store.ErrNotFound)
	wantErr(t, "TouchRoom", s.TouchRoom(c, r.Code, at(time.Hour)), nil)
	wantErr(t, "TouchRoom unknown", s.TouchRoom(c, "zzz-zzzz-zzz", at(time.Hour)), store.ErrNotFound)
	got, _ = s.Room(c, r.Code)
	if got.Name != "Weekly" || got.Access != store.AccessRestricted || !got.UsedAt.Equal(at(time.Hour)) || !got.CreatedAt.Equal(at(0)) {
		t.Fatalf("after update and touch: %+v", got)
	}

	r2 := createRoom(t, s, "bbb-bbbb-bbb", bob.ID, at(2*time.Hour))
	wantErr(t, "SetRole", s.SetRole(c, r2.Code, alice.ID, store.RoleMember), nil)
	createRoom(t, s, "ccc-cccc-ccc", bob.ID, at(3*time.Hour))
	rooms, err := s.UserRooms(c, alice.ID)
	wantErr(t, "UserRooms", err, nil)
	if codes := roomCodes(rooms); !slices.Equal(codes, []string{"bbb-bbbb-bbb", "abc-defg-hij"}) {
		t.Fatalf("UserRooms(alice) = %v, want her rooms, most recently used first", codes)
	}
	rooms, err = s.UserRooms(c, "US_nobody")
	wantErr(t, "UserRooms unknown", err, nil)
	if len(rooms) != 0 {
		t.Fatalf("UserRooms(unknown) = %v", rooms)
	}
}

func roomCodes(rs []store.Room) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func testRoomSweeper(t *testing.T, s store.Store) {
	c := ctx(t)
	alice, bob := saveUser(t, s, "alice"), saveUser(t, s, "bob")
	createRoom(t, s, "old-oldo-old", alice.ID, at(0))
	createRoom(t, s, "new-newn-new", alice.ID, at(2*time.Hour))
	wantErr(t, "SetRole", s.SetRole(c, "old-oldo-old", bob.ID, store.RoleMember), nil)
	n, err := s.DeleteRoomsUnusedSince(c, at(time.Hour))
	wantErr(t, "DeleteRoomsUnusedSince", err, nil)
	if n != 1 {
		t.Fatalf("DeleteRoomsUnusedSince deleted %d rooms, want 1", n)
	}
	_, err = s.Room(c, "old-oldo-old")
	wantErr(t, "Room(deleted)", err, store.ErrNotFound)
	if rooms, _ := s.UserRooms(c, bob.ID); len(rooms) != 0 {
		t.Fatalf("roles of a deleted room remain: %v", roomCodes(rooms))
	}
	if _, err := s.Room(c, "new-newn-new"); err != nil {
		t.Fatalf("a recently used room was deleted: %v", err)
	}
}

func testRoles(t *testing.T, s store.Store) {
	c := ctx(t)
	owner, bob, carol := saveUser(t, s, "owner"), saveUser(t, s, "bob"), saveUser(t, s, "carol")
	code := createRoom(t, s, "abc-defg-hij", owner.ID, at(0)).Code
	tests := []struct {
		name string
		user store.UserID
		role store.Role
		want error
	}{
		{"member", bob.ID, store.RoleMember, nil},
		{"promote", bob.ID, store.RoleAdmin, nil},
		{"second member", carol.ID, store.RoleMember, nil},
		{"owner role", carol.ID, store.RoleOwner, store.ErrInvalid},
		{"unknown role", carol.ID, "guest", store.ErrInvalid},
		{"the owner", owner.ID, store.RoleMember, store.ErrIsOwner},
		{"unknown user", "US_nobody", store.RoleMember, store.ErrNotFound},
	}
	for _, tt := range tests {
		wantErr(t, "SetRole "+tt.name, s.SetRole(c, code, tt.user, tt.role), tt.want)
	}
	wantErr(t, "SetRole unknown room", s.SetRole(c, "zzz-zzzz-zzz", bob.ID, store.RoleMember), store.ErrNotFound)

	members, err := s.Members(c, code)
	wantErr(t, "Members", err, nil)
	want := []store.Member{{UserID: owner.ID, Role: store.RoleOwner}}
	rest := []store.Member{{UserID: bob.ID, Role: store.RoleAdmin}, {UserID: carol.ID, Role: store.RoleMember}}
	slices.SortFunc(rest, func(a, b store.Member) int { return cmpString(string(a.UserID), string(b.UserID)) })
	want = append(want, rest...)
	if !slices.Equal(members, want) {
		t.Fatalf("Members = %v, want %v", members, want)
	}

	wantErr(t, "RemoveRole", s.RemoveRole(c, code, carol.ID), nil)
	wantErr(t, "RemoveRole again", s.RemoveRole(c, code, carol.ID), nil)
	wantErr(t, "RemoveRole owner", s.RemoveRole(c, code, owner.ID), store.ErrIsOwner)
	for user, want := range map[store.UserID]store.Role{owner.ID: store.RoleOwner, bob.ID: store.RoleAdmin, carol.ID: store.RoleNone, "US_nobody": store.RoleNone} {
		got, err := s.Role(c, code, user)
		wantErr(t, "Role", err, nil)
		if got != want {
			t.Errorf("Role(%s) = %q, want %q", user, got, want)
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testApps(t *testing.T, s store.Store) {
	c := ctx(t)
	a := store.App{ID: "AP_b", Name: "Agenda", SecretHash: []byte{1, 2, 3, 0, 255}, Scopes: []string{"rooms:create", "rooms:read"}, CreatedAt: at(0)}
	wantErr(t, "CreateApp", s.CreateApp(c, a), nil)
	wantErr(t, "CreateApp again", s.CreateApp(c, a), store.ErrExists)
	wantErr(t, "CreateApp second", s.CreateApp(c, store.App{ID: "AP_a", Name: "Intranet", SecretHash: []byte{9}, CreatedAt: at(0)}), nil)
	got, err := s.App(c, "AP_b")
	wantErr(t, "App", err, nil)
	if got.ID != a.ID || got.Name != a.Name || !slices.Equal(got.SecretHash, a.SecretHash) || !slices.Equal(got.Scopes, a.Scopes) || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("App = %+v, want %+v", got, a)
	}
	apps, err := s.Apps(c)
	wantErr(t, "Apps", err, nil)
	if len(apps) != 2 || apps[0].ID != "AP_a" || len(apps[0].Scopes) != 0 {
		t.Fatalf("Apps = %+v, want AP_a (no scopes) then AP_b", apps)
	}
	wantErr(t, "DeleteApp", s.DeleteApp(c, "AP_b"), nil)
	wantErr(t, "DeleteApp again", s.DeleteApp(c, "AP_b"), store.ErrNotFound)
	_, err = s.App(c, "AP_b")
	wantErr(t, "App(deleted)", err, store.ErrNotFound)
}

func testSessions(t *testing.T, s store.Store) {
	c := ctx(t)
	u := saveUser(t, s, "alice")
	se := store.Session{ID: "s1", UserID: u.ID, IDToken: "eyJ.id.token", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	wantErr(t, "CreateSession", s.CreateSession(c, se), nil)
	wantErr(t, "CreateSession again", s.CreateSession(c, se), store.ErrExists)
	wantErr(t, "CreateSession unknown user", s.CreateSession(c, store.Session{ID: "s9", UserID: "US_nobody", CreatedAt: at(0), ExpiresAt: at(time.Hour)}), store.ErrNotFound)
	wantErr(t, "CreateSession 2", s.CreateSession(c, store.Session{ID: "s2", UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(3 * time.Hour)}), nil)
	got, err := s.Session(c, "s1")
	wantErr(t, "Session", err, nil)
	if got != se {
		t.Fatalf("Session = %+v, want %+v", got, se)
	}
	n, err := s.DeleteExpiredSessions(c, at(2*time.Hour))
	wantErr(t, "DeleteExpiredSessions", err, nil)
	if n != 1 {
		t.Fatalf("DeleteExpiredSessions deleted %d, want 1", n)
	}
	_, err = s.Session(c, "s1")
	wantErr(t, "Session(expired)", err, store.ErrNotFound)
	wantErr(t, "DeleteSession", s.DeleteSession(c, "s2"), nil)
	wantErr(t, "DeleteSession again", s.DeleteSession(c, "s2"), nil)
	_, err = s.Session(c, "s2")
	wantErr(t, "Session(deleted)", err, store.ErrNotFound)
}

func testTokenIDs(t *testing.T, s store.Store) {
	c := ctx(t)
	wantErr(t, "UseTokenID", s.UseTokenID(c, "jti-1", at(time.Minute)), nil)
	wantErr(t, "UseTokenID replay", s.UseTokenID(c, "jti-1", at(time.Minute)), store.ErrAlreadyUsed)
	wantErr(t, "UseTokenID other", s.UseTokenID(c, "jti-2", at(time.Hour)), nil)
	wantErr(t, "UseTokenID empty", s.UseTokenID(c, "", at(time.Hour)), store.ErrInvalid)
	n, err := s.DeleteExpiredTokenIDs(c, at(30*time.Minute))
	wantErr(t, "DeleteExpiredTokenIDs", err, nil)
	if n != 1 {
		t.Fatalf("DeleteExpiredTokenIDs deleted %d, want 1", n)
	}
	wantErr(t, "UseTokenID replay of a kept id", s.UseTokenID(c, "jti-2", at(time.Hour)), store.ErrAlreadyUsed)
}

// testTokenIDsConcurrent checks that of many simultaneous uses of one id, exactly one wins.
func testTokenIDsConcurrent(t *testing.T, s store.Store) {
	c := ctx(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.UseTokenID(c, "jti-race", at(time.Hour)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrAlreadyUsed):
			t.Errorf("UseTokenID: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d simultaneous uses of one token id succeeded, want 1", won, n)
	}
}

// testMigrations opens one fresh database from several "processes" at once, then again.
func testMigrations(t *testing.T, newDB NewDB) {
	open := newDB(t)
	const n = 4
	stores := make([]store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = open(ctx(t)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d of %d at once: %v", i+1, n, errs[i])
		}
		defer stores[i].Close()
	}
	// Each one works, and sees the others' writes.
	for i, s := range stores {
		saveUser(t, s, fmt.Sprint("user", i))
	}
	again := mustOpen(t, open)
	v, ok := again.(Versioned)
	if !ok {
		t.Fatal("the store does not report its schema version")
	}
	got, err := v.SchemaVersion(ctx(t))
	if err != nil || got < 1 {
		t.Fatalf("SchemaVersion = %d, %v", got, err)
	}
	for i := range n {
		if _, err := again.SaveUser(ctx(t), store.User{Issuer: "https://idp.example", Subject: fmt.Sprint("user", i), SeenAt: at(0)}); err != nil {
			t.Fatal(err)
		}
	}
}
