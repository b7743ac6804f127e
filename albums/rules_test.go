package albums

import (
	"fmt"
	"testing"

	"github.com/wxalbum/mediad/upload"
)

var roles = []Role{Owner, Contributor, Viewer, None}

// TestRoleActionMatrix is the role x action table of the albums issue.
func TestRoleActionMatrix(t *testing.T) {
	type row struct{ view, members, upload, edit, invite, share, dissolve, leave bool }
	want := map[Role]row{
		Owner:       {true, true, true, true, true, true, true, false},
		Contributor: {true, true, true, false, false, true, false, true},
		Viewer:      {true, true, false, false, false, false, false, true},
		None:        {false, false, false, false, false, false, false, false},
	}
	for _, r := range roles {
		got := row{CanView(r), CanListMembers(r), upload.CanContribute(r), CanEdit(r), CanInvite(r), CanShare(r), CanDissolve(r), CanLeave(r)}
		if got != want[r] {
			t.Errorf("role %q: got %+v, want %+v", r, got, want[r])
		}
	}
}

func TestMemberManagement(t *testing.T) {
	for _, actor := range roles {
		for _, target := range roles {
			for _, self := range []bool{false, true} {
				name := fmt.Sprintf("%q->%q self=%v", actor, target, self)
				wantRemove := actor == Owner && !self && (target == Contributor || target == Viewer)
				if got := CanRemoveMember(actor, target, self); got != wantRemove {
					t.Errorf("CanRemoveMember %s = %v", name, got)
				}
				if got := CanTransfer(actor, target, self); got != wantRemove {
					t.Errorf("CanTransfer %s = %v", name, got)
				}
				for _, to := range roles {
					want := wantRemove && (to == Contributor || to == Viewer)
					if got := CanChangeRole(actor, target, to, self); got != want {
						t.Errorf("CanChangeRole %s to %q = %v", name, to, got)
					}
				}
			}
		}
	}
	// Nobody raises their own role, nobody makes anyone owner by role change.
	for _, r := range roles {
		if CanChangeRole(r, r, Owner, true) || CanChangeRole(r, Contributor, Owner, false) {
			t.Errorf("role %q can make an owner", r)
		}
	}
}
