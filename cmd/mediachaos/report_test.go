package main

import (
	"strings"
	"testing"
	"time"
)

func TestAttributeCountsEachCallInItsPhase(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	res := []*faultResult{
		{Name: "none (baseline)", At: at(0)},
		{Name: "MinIO node", At: at(10)},
		{Name: "PostgreSQL primary", At: at(40), end: at(80)},
	}
	calls := []call{
		{at: at(1), op: "open"},
		{at: at(11), op: "upload"},
		{at: at(12), op: "upload", err: "HTTP 503"},
		{at: at(15.5), op: "chunked", err: "EOF"},
		{at: at(41), op: "open", err: "HTTP 503"},
		{at: at(63), op: "open", err: "HTTP 503"},
		{at: at(79), op: "open"},
		{at: at(85), op: "open", err: "after the run"}, // outside every phase
	}
	attribute(calls, res)

	base, minio, pg := res[0], res[1], res[2]
	if base.Requests != 1 || base.Failed != 0 || base.WindowS != 0 {
		t.Errorf("baseline: %+v", base)
	}
	if minio.Requests != 3 || minio.Failed != 2 || minio.WindowS != 3.5 || minio.LastAfterS != 5.5 {
		t.Errorf("MinIO phase: requests %d failed %d window %.1f last %.1f", minio.Requests, minio.Failed, minio.WindowS, minio.LastAfterS)
	}
	if minio.ByOp["upload"] != 1 || minio.ByOp["chunked"] != 1 || minio.Errors["chunked"] != "EOF" {
		t.Errorf("MinIO phase by op: %v %v", minio.ByOp, minio.Errors)
	}
	if pg.Requests != 3 || pg.Failed != 2 || pg.WindowS != 22 || pg.LastAfterS != 23 {
		t.Errorf("PostgreSQL phase: %+v", pg)
	}
}

func TestJudge(t *testing.T) {
	ok := func() *result {
		return &result{Accepted: 10, Ready: 10, Faults: []*faultResult{
			{Name: "none (baseline)"}, {Name: "Redis primary", Failed: 3, LastAfterS: 7},
		}}
	}
	r := ok()
	r.judge()
	if !r.Pass || len(r.Problems) != 0 {
		t.Fatalf("a clean run fails: %v", r.Problems)
	}
	for name, spoil := range map[string]func(*result){
		"lost":                   func(r *result) { r.Lost, r.LostItems = 1, []string{"m1"} },
		"nothing accepted":       func(r *result) { r.Accepted = 0 },
		"baseline failure":       func(r *result) { r.Faults[0].Failed = 1 },
		"failure after window":   func(r *result) { r.Faults[1].LastAfterS = maxWindow.Seconds() + 1 },
		"dissolution unfinished": func(r *result) { r.Dissolution.Problem = "not finished" },
		"export short":           func(r *result) { r.Export.Problem = "2 of 3" },
		"orphan object":          func(r *result) { r.Objects.WithoutRow = []string{"media/x"} },
		"row missing object":     func(r *result) { r.Objects.RowsMissingObj = []string{"m2"} },
		"raw left":               func(r *result) { r.Objects.RawLeft = []string{"raw/m3"} },
	} {
		r := ok()
		spoil(r)
		r.judge()
		if r.Pass || len(r.Problems) != 1 {
			t.Errorf("%s: pass %v, problems %v", name, r.Pass, r.Problems)
		}
	}
}

func TestByOp(t *testing.T) {
	if got := byOp(map[string]int{"open": 12, "chunked": 3}); got != " (chunked 3, open 12)" {
		t.Errorf("byOp = %q", got)
	}
	if got := byOp(nil); got != "" {
		t.Errorf("byOp(nil) = %q", got)
	}
	var b strings.Builder
	r := &result{Faults: []*faultResult{{Name: "API process", Killed: []string{"serve1"}, RecoveredS: 12.4, Requests: 340, Failed: 1, ByOp: map[string]int{"upload": 1}}}}
	r.table(&b)
	if !strings.Contains(b.String(), "| API process | serve1 | – | 12.4 s | 340 | 1 (upload 1) | 0.0 s | 0.0 s |") {
		t.Errorf("table row:\n%s", b.String())
	}
}
