package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// report is bench/results.json.
type report struct {
	GeneratedAt time.Time           `json:"generated_at"`
	Command     string              `json:"command"`
	Revision    string              `json:"mediad_revision,omitempty"` // git describe of the mediad measured
	Duration    string              `json:"duration"`
	Machine     machine             `json:"machine"`
	Results     []Result            `json:"results"`
	Notes       map[string][]string `json:"notes,omitempty"` // measured facts per scenario (EXPLAIN, seeding)
}

// machine describes where the figures were measured.
type machine struct {
	CPU       string            `json:"cpu"`
	Cores     int               `json:"cores"`
	MemoryMiB int64             `json:"memory_mib"`
	GoVersion string            `json:"go_version"`
	OS        string            `json:"os"`
	Tools     map[string]string `json:"tools"`
}

func thisMachine() machine {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem, _ := procMemTotalMiB()
	return machine{CPU: cpu, Cores: runtime.NumCPU(), MemoryMiB: mem, GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, Tools: map[string]string{
			"exiftool":      toolVersion("exiftool", "-ver"),
			"jpegtran":      toolVersion("jpegtran", "-version"),
			"vipsthumbnail": toolVersion("vipsthumbnail", "--vips-version"),
			"wrk":           toolVersion("wrk", "-v"),
		}}
}

func procMemTotalMiB() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	var kib int64
	_, err = fmt.Sscanf(string(b), "MemTotal: %d kB", &kib)
	return kib / 1024, err
}

// report merges this run's results into the results file (a run of one
// scenario replaces only that scenario's rows) and regenerates the docs.
func (b *bench) report(res []Result, took time.Duration) (*report, error) {
	rep := &report{Notes: map[string][]string{}}
	if old, err := readReport(b.opts.out); err == nil {
		rep = old
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ran := map[string]bool{}
	for _, r := range res {
		ran[r.Scenario] = true
	}
	rep.Results = mergeResults(rep.Results, res, ran)
	if rep.Notes == nil {
		rep.Notes = map[string][]string{}
	}
	for s := range ran {
		delete(rep.Notes, s)
		if len(b.notes[s]) > 0 {
			rep.Notes[s] = b.notes[s]
		}
	}
	rep.GeneratedAt, rep.Duration, rep.Machine = time.Now().UTC().Truncate(time.Second), took.Round(time.Second).String(), thisMachine()
	if b.rev != "" {
		rep.Revision = b.rev
	}
	rep.Command = "make bench" + map[bool]string{true: " SCENARIO=" + b.opts.scenario, false: ""}[b.opts.scenario != ""]
	if err := writeJSON(b.opts.out, rep); err != nil {
		return nil, err
	}
	return rep, os.WriteFile(b.docsFile(), []byte(markdown(rep)), 0o644)
}

// docsFile is docs/benchmarks.md for the default results file, else a
// .md beside the chosen -out (a trial run does not rewrite the docs).
func (b *bench) docsFile() string {
	if filepath.Clean(b.opts.out) == filepath.Clean(defaultOut) {
		return docsPath
	}
	return strings.TrimSuffix(b.opts.out, filepath.Ext(b.opts.out)) + ".md"
}

// mergeResults keeps earlier rows of scenarios not run now, in scenario order.
func mergeResults(old, now []Result, ran map[string]bool) []Result {
	var out []Result
	for _, s := range scenarios {
		src := old
		if ran[s.name] {
			src = now
		}
		for _, r := range src {
			if r.Scenario == s.name {
				out = append(out, r)
			}
		}
	}
	return out
}

func readReport(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

func writeJSON(path string, rep *report) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable writes the readable table to stdout.
func printTable(w io.Writer, res []Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSCENARIO\tMETRIC\tVALUE (min-max)\tREFERENCE\tRATIO (min-max)\tTARGET\tRESULT\tROUNDS")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", r.Scenario, r.Metric, valueCell(r), refCell(r),
			rangeCell(r.Ratio, r.RatioMin, r.RatioMax, ""), dash(r.Target), r.Status, r.Rounds)
	}
	tw.Flush()
	for _, r := range res {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s / %s: %s\n", r.Scenario, r.Metric, r.Note)
		}
	}
}

func valueCell(r Result) string { return rangeCell(r.Value, r.Min, r.Max, r.Unit) }

func refCell(r Result) string {
	if r.RefValue == nil {
		return "-"
	}
	return fmtNum(*r.RefValue) + " " + r.Unit
}

func rangeCell(v, lo, hi *float64, unit string) string {
	if v == nil {
		return "-"
	}
	s := strings.TrimSpace(fmtNum(*v) + " " + unit)
	if lo != nil && hi != nil {
		s += fmt.Sprintf(" (%s-%s)", fmtNum(*lo), fmtNum(*hi))
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// markdown renders docs/benchmarks.md from the report.
func markdown(rep *report) string {
	var s strings.Builder
	m := rep.Machine
	fmt.Fprintf(&s, "# Benchmarks\n\nGenerated by `%s` (`cmd/mediabench`) from `bench/results.json` on %s, measuring mediad at `%s`; do not edit by hand.\n\n",
		rep.Command, rep.GeneratedAt.Format("2006-01-02 15:04 MST"), dash(rep.Revision))
	fmt.Fprintf(&s, "Machine: %s, %d cores, %d MiB, %s, %s. Tools: exiftool %s, %s, %s, %s. Whole run: %s.\n\n",
		m.CPU, m.Cores, m.MemoryMiB, m.GoVersion, m.OS, m.Tools["exiftool"], m.Tools["jpegtran"],
		m.Tools["vipsthumbnail"], m.Tools["wrk"], rep.Duration)
	s.WriteString("The machine is shared and noisy, so every figure is the median over rounds with its range, and every\n" +
		"engine figure has a reference measured in the same round, back to back. The ratio (engine / reference,\n" +
		"median of the per-round ratios) is the figure to compare across machines.\n\n")
	s.WriteString(reproduce)
	s.WriteString("## Results\n\n| Scenario | Metric | Value (min-max) | Reference | Ratio (min-max) | Target | Result | Rounds |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Results {
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s | %s | %s | %d |\n", r.Scenario, r.Metric, valueCell(r), refCell(r),
			rangeCell(r.Ratio, r.RatioMin, r.RatioMax, ""), dash(r.Target), strings.ToUpper(r.Status), r.Rounds)
	}
	s.WriteString("\n## Scenarios\n")
	for _, sc := range scenarios {
		writeScenario(&s, sc, rep)
	}
	return s.String()
}

const reproduce = "## Reproduce\n\n```sh\n" +
	"make bench                          # every scenario (under 20 minutes); rewrites bench/results.json and this file\n" +
	"make bench SCENARIO=ingest          # one scenario; its rows replace the earlier ones\n" +
	"make bench SCENARIO=ingest PROFILE=1  # plus CPU and heap profiles of mediad (MEDIA_PPROF on its metrics address):\n" +
	"                                    #   bench/<scenario>-<mode>-cpu-NN.prof (5 s windows), bench/<scenario>-<mode>-heap.prof\n" +
	"go tool pprof -http=: .devstack/bin/mediad-bench bench/ingest-serve-cpu-*.prof\n" +
	"eval \"$(scripts/devstack env)\" && go run ./cmd/mediabench -scenario strip -rounds 3   # without make\n" +
	"go test -run '^$' -bench . ./process ./internal/signer ./share   # Go micro-benchmarks\n" +
	"```\n\nThe run uses its own database (`media_bench`, recreated), bucket (`mediabench`, removed at the end),\n" +
	"Redis DB 12 and ports 127.0.0.1:18080/19090, and a mediad built from the checkout\n" +
	"(`.devstack/bin/mediad-bench`) running as a subprocess with production settings; dev login is on only to\n" +
	"create the test users. Inputs are made deterministically from seeds; nothing is downloaded.\n\n"

func writeScenario(s *strings.Builder, sc *scenario, rep *report) {
	var rows []Result
	for _, r := range rep.Results {
		if r.Scenario == sc.name {
			rows = append(rows, r)
		}
	}
	fmt.Fprintf(s, "\n### %s\n\n%s.\n\n", sc.name, sc.about)
	if len(rows) == 0 {
		s.WriteString("Not measured yet in this results file.\n")
		return
	}
	for _, n := range sc.notes {
		fmt.Fprintf(s, "- %s\n", n)
	}
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(s, "- %s: %s\n", r.Metric, r.Note)
		}
	}
	for _, n := range rep.Notes[sc.name] {
		if strings.Contains(n, "\n") {
			fmt.Fprintf(s, "\n```text\n%s\n```\n", strings.TrimSpace(n))
		} else {
			fmt.Fprintf(s, "- %s\n", n)
		}
	}
}
