package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Result statuses.
const (
	statusPass   = "pass"
	statusFail   = "fail"
	statusInfo   = "info" // measured, no target
	statusNotRun = "not run"
)

// Result is one metric of a scenario: the median over rounds, its range,
// the reference measured in the same rounds, their ratio (median of the
// per-round ratios: each pair ran back to back, so the ratio is what
// survives a noisy machine) and whether the target holds.
type Result struct {
	Scenario  string    `json:"scenario"`
	Metric    string    `json:"metric"`
	Value     *float64  `json:"value"`
	Min       *float64  `json:"min,omitempty"`
	Max       *float64  `json:"max,omitempty"`
	Unit      string    `json:"unit"`
	Reference string    `json:"reference,omitempty"`
	RefValue  *float64  `json:"reference_value"`
	Ratio     *float64  `json:"ratio"`
	RatioMin  *float64  `json:"ratio_min,omitempty"`
	RatioMax  *float64  `json:"ratio_max,omitempty"`
	Target    string    `json:"target"`
	Pass      *bool     `json:"pass"`
	Status    string    `json:"status"`
	Rounds    int       `json:"rounds"`
	Note      string    `json:"note,omitempty"`
	RunAt     time.Time `json:"run_at"`
}

// target is a bound on the value or on the ratio.
type target struct {
	ratio bool
	op    string // ">=", "<=", "<", "=="
	limit float64
}

func valueAtLeast(x float64) target { return target{op: ">=", limit: x} }
func valueAtMost(x float64) target  { return target{op: "<=", limit: x} }
func valueBelow(x float64) target   { return target{op: "<", limit: x} }
func valueIs(x float64) target      { return target{op: "==", limit: x} }
func ratioAtLeast(x float64) target { return target{ratio: true, op: ">=", limit: x} }
func ratioAtMost(x float64) target  { return target{ratio: true, op: "<=", limit: x} }

func (t target) String(unit string) string {
	if t.ratio {
		return fmt.Sprintf("ratio %s %s", t.op, fmtNum(t.limit))
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s", t.op, fmtNum(t.limit), unit))
}

func (t target) holds(v float64) bool {
	switch t.op {
	case ">=":
		return v >= t.limit
	case "<=":
		return v <= t.limit
	case "<":
		return v < t.limit
	case "==":
		return v == t.limit
	}
	return false
}

// metric gathers one metric's per-round values until it becomes a Result.
type metric struct {
	name, unit string
	refName    string // what the reference is ("" = none)
	targets    []target
	vals, refs []float64
	ratios     []float64
	missing    string // why the reference could not run (tool missing)
	notes      []string
}

func newMetric(name, unit, refName string, targets ...target) *metric {
	return &metric{name: name, unit: unit, refName: refName, targets: targets}
}

func (m *metric) add(v float64) { m.vals = append(m.vals, v) }

// addPair records one round of engine and reference, measured back to back.
func (m *metric) addPair(v, ref float64) {
	m.vals, m.refs = append(m.vals, v), append(m.refs, ref)
	if ref != 0 {
		m.ratios = append(m.ratios, v/ref)
	}
}

func (m *metric) note(format string, args ...any) {
	m.notes = append(m.notes, fmt.Sprintf(format, args...))
}

func (m *metric) result() Result {
	r := Result{Metric: m.name, Unit: m.unit, Reference: m.refName, Rounds: len(m.vals), Note: strings.Join(m.notes, "; ")}
	r.Value, r.Min, r.Max = summary(m.vals)
	r.RefValue, _, _ = summary(m.refs)
	r.Ratio, r.RatioMin, r.RatioMax = summary(m.ratios)
	var ts []string
	for _, t := range m.targets {
		ts = append(ts, t.String(m.unit))
	}
	r.Target = strings.Join(ts, " and ")
	r.Status = statusInfo
	if m.missing != "" {
		r.Status, r.Pass = statusFail, ptr(false)
		r.Note = strings.TrimPrefix(r.Note+"; reference not measured: "+m.missing, "; ")
		return r
	}
	if len(m.targets) > 0 {
		ok := r.Value != nil && m.passes(r)
		r.Pass = ptr(ok)
		r.Status = map[bool]string{true: statusPass, false: statusFail}[ok]
	}
	return r
}

func (m *metric) passes(r Result) bool {
	for _, t := range m.targets {
		v := r.Value
		if t.ratio {
			v = r.Ratio
		}
		if v == nil || !t.holds(*v) {
			return false
		}
	}
	return true
}

// results turns metrics into Results, in order.
func results(ms ...*metric) []Result {
	out := make([]Result, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.result())
	}
	return out
}

// summary returns the median, min and max (nils for no data; no range
// for a single round).
func summary(xs []float64) (med, lo, hi *float64) {
	if len(xs) == 0 {
		return nil, nil, nil
	}
	s := sorted(xs)
	med = ptr(median(s))
	if len(s) > 1 {
		lo, hi = ptr(s[0]), ptr(s[len(s)-1])
	}
	return med, lo, hi
}

func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}

func median(s []float64) float64 {
	s = sorted(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile is the nearest-rank percentile p (0..100) of xs.
func percentile(xs []float64, p float64) float64 {
	s := sorted(xs)
	if len(s) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mbPerSec(bytes int64, d time.Duration) float64 { return float64(bytes) / 1e6 / d.Seconds() }

func ptr[T any](v T) *T { return &v }

// fmtNum prints a number with about three significant digits.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e7:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
