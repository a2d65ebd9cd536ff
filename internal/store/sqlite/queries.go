package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"visio/internal/ids"
	"visio/internal/store"
)

// SaveUser implements store.Users.
func (s *DB) SaveUser(ctx context.Context, u store.User) (store.User, error) {
	if u.Issuer == "" || u.Subject == "" {
		return store.User{}, fmt.Errorf("save user: %w: issuer and subject are required", store.ErrInvalid)
	}
	row := s.db.QueryRowContext(ctx, `INSERT INTO users (id, issuer, subject, name, email, created_at, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (issuer, subject) DO UPDATE SET name = excluded.name, email = excluded.email, seen_at = excluded.seen_at
		RETURNING id, issuer, subject, name, email, created_at, seen_at`,
		string(ids.New("US_")), u.Issuer, u.Subject, u.Name, u.Email, unixMS(u.SeenAt), unixMS(u.SeenAt))
	out, err := scanUser(row)
	if err != nil {
		return store.User{}, fmt.Errorf("save user: %w", mapErr(err))
	}
	return out, nil
}

// UserBySubject implements store.Users.
func (s *DB) UserBySubject(ctx context.Context, issuer, subject string) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT id, issuer, subject, name, email, created_at, seen_at FROM users WHERE issuer = ? AND subject = ?`, issuer, subject))
	if err != nil {
		return store.User{}, fmt.Errorf("user %s at %s: %w", subject, issuer, mapErr(err))
	}
	return u, nil
}

// User implements store.Users.
func (s *DB) User(ctx context.Context, id store.UserID) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT id, issuer, subject, name, email, created_at, seen_at FROM users WHERE id = ?`, string(id)))
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", id, mapErr(err))
	}
	return u, nil
}

func scanUser(row *sql.Row) (store.User, error) {
	var u store.User
	var created, seen int64
	err := row.Scan(&u.ID, &u.Issuer, &u.Subject, &u.Name, &u.Email, &created, &seen)
	u.CreatedAt, u.SeenAt = fromMS(created), fromMS(seen)
	return u, err
}

// CreateRoom implements store.Rooms.
func (s *DB) CreateRoom(ctx context.Context, r store.Room) error {
	if !r.Access.Valid() {
		return fmt.Errorf("create room: %w: access %q", store.ErrInvalid, r.Access)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create room: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (code, name, owner_id, access, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Code, r.Name, string(r.OwnerID), string(r.Access), unixMS(r.CreatedAt), unixMS(r.UsedAt)); err != nil {
		return fmt.Errorf("create room %s: %w", r.Code, mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO room_roles (room_code, user_id, role) VALUES (?, ?, ?)`,
		r.Code, string(r.OwnerID), string(store.RoleOwner)); err != nil {
		return fmt.Errorf("create room %s: %w", r.Code, mapErr(err))
	}
	return tx.Commit()
}

const roomColumns = `code, name, owner_id, access, created_at, used_at`

type scanner interface{ Scan(dest ...any) error }

func scanRoom(row scanner) (store.Room, error) {
	var r store.Room
	var created, used int64
	err := row.Scan(&r.Code, &r.Name, &r.OwnerID, &r.Access, &created, &used)
	r.CreatedAt, r.UsedAt = fromMS(created), fromMS(used)
	return r, err
}

// Room implements store.Rooms.
func (s *DB) Room(ctx context.Context, code string) (store.Room, error) {
	r, err := scanRoom(s.db.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE code = ?`, code))
	if err != nil {
		return store.Room{}, fmt.Errorf("room %s: %w", code, mapErr(err))
	}
	return r, nil
}

// UpdateRoom implements store.Rooms.
func (s *DB) UpdateRoom(ctx context.Context, code, name string, access store.Access) error {
	if !access.Valid() {
		return fmt.Errorf("update room %s: %w: access %q", code, store.ErrInvalid, access)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE rooms SET name = ?, access = ? WHERE code = ?`, name, string(access), code)
	return affected("update room "+code, res, err)
}

// TouchRoom implements store.Rooms.
func (s *DB) TouchRoom(ctx context.Context, code string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE rooms SET used_at = ? WHERE code = ?`, unixMS(at), code)
	return affected("touch room "+code, res, err)
}

// UserRooms implements store.Rooms.
func (s *DB) UserRooms(ctx context.Context, id store.UserID) ([]store.Room, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.code, r.name, r.owner_id, r.access, r.created_at, r.used_at
		FROM rooms r JOIN room_roles rr ON rr.room_code = r.code
		WHERE rr.user_id = ? ORDER BY r.used_at DESC, r.code`, string(id))
	if err != nil {
		return nil, fmt.Errorf("rooms of %s: %w", id, err)
	}
	defer rows.Close()
	var out []store.Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("rooms of %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRoomsUnusedSince implements store.RoomSweeper.
func (s *DB) DeleteRoomsUnusedSince(ctx context.Context, t time.Time) (int, error) {
	return count(s.db.ExecContext(ctx, `DELETE FROM rooms WHERE used_at < ?`, unixMS(t)))
}

// SetRole implements store.Roles.
func (s *DB) SetRole(ctx context.Context, code string, user store.UserID, role store.Role) error {
	if role != store.RoleAdmin && role != store.RoleMember {
		return fmt.Errorf("set role: %w: role %q (want administrator or member)", store.ErrInvalid, role)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var owner string
	if err := tx.QueryRowContext(ctx, `SELECT owner_id FROM rooms WHERE code = ?`, code).Scan(&owner); err != nil {
		return fmt.Errorf("set role on %s: %w", code, mapErr(err))
	}
	if owner == string(user) {
		return fmt.Errorf("set role on %s: %w", code, store.ErrIsOwner)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO room_roles (room_code, user_id, role) VALUES (?, ?, ?)
		ON CONFLICT (room_code, user_id) DO UPDATE SET role = excluded.role`, code, string(user), string(role)); err != nil {
		return fmt.Errorf("set role on %s: %w", code, mapErr(err))
	}
	return tx.Commit()
}

// Role implements store.Roles.
func (s *DB) Role(ctx context.Context, code string, user store.UserID) (store.Role, error) {
	var r store.Role
	err := s.db.QueryRowContext(ctx, `SELECT role FROM room_roles WHERE room_code = ? AND user_id = ?`, code, string(user)).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return store.RoleNone, nil
	}
	if err != nil {
		return store.RoleNone, fmt.Errorf("role on %s: %w", code, err)
	}
	return r, nil
}

// RemoveRole implements store.Roles.
func (s *DB) RemoveRole(ctx context.Context, code string, user store.UserID) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove role: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var role string
	err = tx.QueryRowContext(ctx, `SELECT role FROM room_roles WHERE room_code = ? AND user_id = ?`, code, string(user)).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove role on %s: %w", code, err)
	}
	if role == string(store.RoleOwner) {
		return fmt.Errorf("remove role on %s: %w", code, store.ErrIsOwner)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM room_roles WHERE room_code = ? AND user_id = ?`, code, string(user)); err != nil {
		return fmt.Errorf("remove role on %s: %w", code, err)
	}
	return tx.Commit()
}

// Members implements store.Roles.
func (s *DB) Members(ctx context.Context, code string) ([]store.Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, role FROM room_roles WHERE room_code = ?
		ORDER BY role <> 'owner', user_id`, code)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", code, err)
	}
	defer rows.Close()
	var out []store.Member
	for rows.Next() {
		var m store.Member
		if err := rows.Scan(&m.UserID, &m.Role); err != nil {
			return nil, fmt.Errorf("members of %s: %w", code, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateApp implements store.Apps.
func (s *DB) CreateApp(ctx context.Context, a store.App) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO apps (id, name, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.Name, a.SecretHash, strings.Join(a.Scopes, " "), unixMS(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("create app %s: %w", a.ID, mapErr(err))
	}
	return nil
}

func scanApp(row scanner) (store.App, error) {
	var a store.App
	var scopes string
	var created int64
	err := row.Scan(&a.ID, &a.Name, &a.SecretHash, &scopes, &created)
	a.Scopes, a.CreatedAt = strings.Fields(scopes), fromMS(created)
	return a, err
}

// App implements store.Apps.
func (s *DB) App(ctx context.Context, id string) (store.App, error) {
	a, err := scanApp(s.db.QueryRowContext(ctx, `SELECT id, name, secret_hash, scopes, created_at FROM apps WHERE id = ?`, id))
	if err != nil {
		return store.App{}, fmt.Errorf("app %s: %w", id, mapErr(err))
	}
	return a, nil
}

// Apps implements store.Apps.
func (s *DB) Apps(ctx context.Context) ([]store.App, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, secret_hash, scopes, created_at FROM apps ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("apps: %w", err)
	}
	defer rows.Close()
	var out []store.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, fmt.Errorf("apps: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteApp implements store.Apps.
func (s *DB) DeleteApp(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM apps WHERE id = ?`, id)
	return affected("delete app "+id, res, err)
}

// CreateSession implements store.Sessions.
func (s *DB) CreateSession(ctx context.Context, se store.Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id, user_id, id_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		se.ID, string(se.UserID), se.IDToken, unixMS(se.CreatedAt), unixMS(se.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	return nil
}

// Session implements store.Sessions.
func (s *DB) Session(ctx context.Context, id string) (store.Session, error) {
	var se store.Session
	var created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, id_token, created_at, expires_at FROM sessions WHERE id = ?`, id).
		Scan(&se.ID, &se.UserID, &se.IDToken, &created, &expires)
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", mapErr(err))
	}
	se.CreatedAt, se.ExpiresAt = fromMS(created), fromMS(expires)
	return se, nil
}

// DeleteSession implements store.Sessions.
func (s *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions implements store.Sessions.
func (s *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	return count(s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, unixMS(now)))
}

// UseTokenID implements store.TokenIDs.
func (s *DB) UseTokenID(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return fmt.Errorf("use token id: %w: empty id", store.ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO used_token_ids (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, unixMS(expires))
	if err != nil {
		return fmt.Errorf("use token id: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("use token id: %w", err)
	} else if n == 0 {
		return store.ErrAlreadyUsed
	}
	return nil
}

// DeleteExpiredTokenIDs implements store.TokenIDs.
func (s *DB) DeleteExpiredTokenIDs(ctx context.Context, now time.Time) (int, error) {
	return count(s.db.ExecContext(ctx, `DELETE FROM used_token_ids WHERE expires_at < ?`, unixMS(now)))
}

func affected(what string, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func count(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
