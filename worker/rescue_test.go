package worker

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// TestRescuerTakesBackOnlyTasksNoWorkerRuns: a task a live worker lists is
// never copied; an unlisted one is copied once it has been unlisted for
// the grace period (or at once when asynq marks it orphaned), and once.
func TestRescuerTakesBackOnlyTasksNoWorkerRuns(t *testing.T) {
	now := time.Unix(1e9, 0)
	running := map[string]bool{"process:a": true}
	active := []*asynq.TaskInfo{
		{ID: "process:a", Queue: QueueCritical, Type: TypeProcessMedia},
		{ID: "dissolve:b", Queue: QueueDefault, Type: TypeDissolveAlbum},
		{ID: "export:c", Queue: QueueLow, Type: TypeBuildExport, IsOrphaned: true},
	}
	var copied []string
	r := &Rescuer{since: map[string]time.Time{}, now: func() time.Time { return now }, after: orphanAfter,
		listed: func() ([]*asynq.TaskInfo, map[string]bool, error) { return active, running, nil }}
	rescue := func() int {
		t.Helper()
		copied = nil
		n, err := r.rescueWith(context.Background(), func(_ context.Context, ti *asynq.TaskInfo) error {
			copied = append(copied, ti.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rescue(); n != 1 || copied[0] != "export:c" {
		t.Fatalf("first look: %d copied %v, want only the orphaned export", n, copied)
	}
	now = now.Add(orphanAfter - time.Second)
	if n := rescue(); n != 1 || copied[0] != "export:c" {
		t.Fatalf("before the grace period: %d copied %v", n, copied)
	}
	active = active[:2]
	now = now.Add(2 * time.Second)
	if n := rescue(); n != 1 || copied[0] != "dissolve:b" {
		t.Fatalf("after the grace period: %d copied %v, want the unlisted dissolution", n, copied)
	}
	if n := rescue(); n != 0 {
		t.Fatalf("rescued again at once: %v", copied)
	}
}
