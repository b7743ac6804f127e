package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// result is bench/chaos.json.
type result struct {
	Started        time.Time         `json:"started"`
	Faults         []*faultResult    `json:"faults"`
	Accepted       int               `json:"uploads_accepted"`
	AcceptedVideos int               `json:"chunked_videos_accepted"`
	Ready          int               `json:"ready"`
	FailedContent  int               `json:"failed_for_content"`
	Lost           int               `json:"lost"`
	LostItems      []string          `json:"lost_items,omitempty"`
	Dissolution    dissolutionCheck  `json:"dissolution"`
	Export         exportCheck       `json:"export"`
	Reconcile      string            `json:"reconcile_report"`
	Objects        objectsCheck      `json:"objects"`
	Problems       []string          `json:"problems,omitempty"`
	Pass           bool              `json:"pass"`
	Finished       time.Time         `json:"finished"`
	Settings       map[string]string `json:"settings,omitempty"`
}

// judge lists every check that failed.
func (r *result) judge() {
	add := func(cond bool, f string, args ...any) {
		if cond {
			r.Problems = append(r.Problems, fmt.Sprintf(f, args...))
		}
	}
	add(r.Lost > 0, "%d accepted uploads lost: %v", r.Lost, r.LostItems)
	add(r.Accepted == 0, "no upload was accepted")
	for i, f := range r.Faults {
		add(i == 0 && f.Failed > 0, "%d requests failed with nothing killed: %v", f.Failed, f.Errors)
		add(i > 0 && f.LastAfterS > maxWindow.Seconds(), "%s: a request failed %.1f s after the kill (bound %s): %v",
			f.Name, f.LastAfterS, maxWindow, f.Errors)
	}
	add(r.Dissolution.Problem != "", "dissolution: %s", r.Dissolution.Problem)
	add(r.Export.Problem != "", "export: %s", r.Export.Problem)
	add(len(r.Objects.WithoutRow) > 0, "objects without a live row: %v", r.Objects.WithoutRow)
	add(len(r.Objects.RowsMissingObj) > 0, "ready rows missing objects: %v", r.Objects.RowsMissingObj)
	add(len(r.Objects.RawLeft) > 0, "raw uploads left after processing: %v", r.Objects.RawLeft)
	r.Pass = len(r.Problems) == 0
	r.Finished = time.Now()
}

func (r *result) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// table prints the per-fault table of docs/scaling.md and the checks.
func (r *result) table(w io.Writer) {
	fmt.Fprintln(w, "\n| fault | killed | new primary after | /readyz 200 after | requests | failed (by operation) | error window | last failure after kill |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, f := range r.Faults {
		fo, rec, killed := "–", "–", "–"
		if f.FailoverS > 0 {
			fo = fmt.Sprintf("%.1f s", f.FailoverS)
		}
		if f.RecoveredS > 0 {
			rec = fmt.Sprintf("%.1f s", f.RecoveredS)
		}
		if len(f.Killed) > 0 {
			killed = strings.Join(f.Killed, " + ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d%s | %.1f s | %.1f s |\n", f.Name, killed, fo, rec, f.Requests, f.Failed, byOp(f.ByOp), f.WindowS, f.LastAfterS)
	}
	fmt.Fprintf(w, "\nuploads accepted %d (%d of them chunked videos): ready %d, failed for content %d, lost %d\n", r.Accepted, r.AcceptedVideos, r.Ready, r.FailedContent, r.Lost)
	fmt.Fprintf(w, "dissolution: finished %v, %d/%d items (want %d), rows left %d\n", r.Dissolution.Finished,
		r.Dissolution.ItemsDeleted, r.Dissolution.ItemsTotal, r.Dissolution.Want, r.Dissolution.RowsLeft)
	fmt.Fprintf(w, "export: ready %v, %d items in the zip (want %d)\n", r.Export.Ready, len(r.Export.Media), r.Export.Want)
	fmt.Fprintf(w, "objects: %d; without a live row %d; raw left %d; ready rows missing objects %d\n", r.Objects.Objects,
		len(r.Objects.WithoutRow), len(r.Objects.RawLeft), len(r.Objects.RowsMissingObj))
	if r.Pass {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintf(w, "FAIL: %v\n", r.Problems)
	}
}

// byOp renders failures per operation: " (chunked 3, open 12)".
func byOp(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for op, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}
