package auth_test

import (
	"slices"
	"testing"

	"visio/internal/auth"
	"visio/internal/store"
)

func TestAdmit(t *testing.T) {
	tests := []struct {
		access     store.Access
		role       store.Role
		signedIn   bool
		wantDirect bool
		moderate   bool
	}{
		{store.AccessPublic, store.RoleNone, false, true, false},
		{store.AccessTrusted, store.RoleNone, false, false, false},
		{store.AccessTrusted, store.RoleNone, true, true, false},
		{store.AccessRestricted, store.RoleNone, true, false, false},
		{store.AccessRestricted, store.RoleMember, true, true, false},
		{store.AccessRestricted, store.RoleAdmin, true, true, true},
		{store.AccessRestricted, store.RoleOwner, true, true, true},
		{"unknown", store.RoleNone, true, false, false},
	}
	for _, tt := range tests {
		got := auth.Admit(tt.access, tt.role, tt.signedIn)
		if got.Direct != tt.wantDirect || slices.Contains(got.Permissions, auth.PermModerate) != tt.moderate ||
			!slices.Contains(got.Permissions, auth.PermSubscribe) {
			t.Errorf("Admit(%s, %q, signed in %v) = %+v, want direct %v, moderate %v", tt.access, tt.role, tt.signedIn, got, tt.wantDirect, tt.moderate)
		}
	}
}
