package app

import (
	"context"
	"net/http"
	"testing"

	"visio/internal/client"
)

// TestAddMemberByEmail: an owner gives a role to a colleague known by e-mail address (any case);
// someone who never signed in, a bad address or role, and a non-owner are refused.
func TestAddMemberByEmail(t *testing.T) {
	base := startServer(t)
	ctx := context.Background()
	owner := signIn(t, base, "Owner")
	colleague := signIn(t, base, "Colleague")
	code := createRoom(t, owner, base, "restricted")
	url := base + "/api/v1/rooms/" + code + "/members"

	var m struct {
		UserID string `json:"user_id"`
		Name   string `json:"name"`
		Role   string `json:"role"`
	}
	if err := client.Call(ctx, owner, http.MethodPost, url, map[string]string{"email": "COLLEAGUE@example.gouv.fr", "role": "member"}, &m); err != nil || m.Name != "Colleague" || m.Role != "member" || m.UserID == "" {
		t.Fatalf("add by e-mail: %+v %v", m, err)
	}
	var list struct {
		Members []struct {
			UserID string `json:"user_id"`
		} `json:"members"`
	}
	if err := client.Call(ctx, owner, http.MethodGet, base+"/api/v1/rooms/"+code+"/roles", nil, &list); err != nil || len(list.Members) != 2 || list.Members[1].UserID != m.UserID {
		t.Fatalf("members after adding: %+v %v", list, err)
	}
	for _, tt := range []struct {
		name string
		hc   *http.Client
		body map[string]string
		code string
	}{
		{"never signed in", owner, map[string]string{"email": "nobody@example.gouv.fr", "role": "member"}, "user_not_found"},
		{"not an address", owner, map[string]string{"email": "colleague", "role": "member"}, "invalid_request"},
		{"owner role", owner, map[string]string{"email": "Colleague@example.gouv.fr", "role": "owner"}, "invalid_request"},
		{"the owner", owner, map[string]string{"email": "Owner@example.gouv.fr", "role": "member"}, "forbidden"},
		{"a member adding", colleague, map[string]string{"email": "Owner@example.gouv.fr", "role": "administrator"}, "forbidden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := client.Call(ctx, tt.hc, http.MethodPost, url, tt.body, nil)
			if apiCode(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
}
