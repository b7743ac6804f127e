// Command mediabench measures mediad on the local stack against references
// measured in the same run: direct MinIO calls, exiftool, jpegtran,
// vipsthumbnail, a bare PostgreSQL query, a Fiber handler serving from
// memory. It is what `make bench` runs.
//
// It isolates itself (database media_bench, bucket mediabench, Redis DB 12,
// ports 18080/19090), starts its own mediad built from this checkout, makes
// every input deterministically from a seed and needs no network. Each
// scenario runs the engine's path and its reference back to back for
// several rounds; the machine is shared and noisy, so what is reported is
// the median, the spread, and the engine/reference ratio.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mediabench:", err)
		os.Exit(1)
	}
}

// defaultOut is the results file make bench writes.
const defaultOut = "bench/results.json"

// options are the command-line flags.
type options struct {
	scenario string // "" = all
	profile  bool
	rounds   int    // 0 = each scenario's default
	out      string // results.json path; docs/benchmarks.md is written beside the repo's docs
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("mediabench", flag.ContinueOnError)
	fs.StringVar(&o.scenario, "scenario", "", "run only this scenario ("+strings.Join(scenarioNames(), ", ")+")")
	fs.BoolVar(&o.profile, "profile", false, "write CPU and heap profiles of mediad to bench/<scenario>-*.prof")
	fs.IntVar(&o.rounds, "rounds", 0, "rounds per scenario (default: each scenario's own)")
	fs.StringVar(&o.out, "out", defaultOut, "results file; docs/benchmarks.md is regenerated from it")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.scenario != "" && findScenario(o.scenario) == nil {
		return o, fmt.Errorf("unknown scenario %q (want one of %s)", o.scenario, strings.Join(scenarioNames(), ", "))
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	b, err := newBench(opts, stdout)
	if err != nil {
		return err
	}
	defer b.close()
	start := time.Now()
	results := b.runAll(ctx)
	if ctx.Err() != nil {
		return errors.New("interrupted; results not written")
	}
	rep, err := b.report(results, time.Since(start))
	if err != nil {
		return err
	}
	printTable(stdout, rep.Results)
	fmt.Fprintf(stdout, "\n%s\nwrote %s and %s in %s\n", tally(results), opts.out, b.docsFile(), time.Since(start).Round(time.Second))
	if took := time.Since(start); opts.scenario == "" && took > 20*time.Minute {
		fmt.Fprintf(stdout, "warning: the whole run took %s, over its 20-minute budget\n", took.Round(time.Second))
	}
	return brokenRuns(results)
}

// brokenRuns fails the command when a scenario could not run at all (a
// harness or stack problem); targets that are missed are results, not errors.
func brokenRuns(res []Result) error {
	var names []string
	for _, r := range res {
		if r.Metric == "(scenario run)" {
			names = append(names, r.Scenario)
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("scenario(s) %s could not run; see the table", strings.Join(names, ", "))
	}
	return nil
}

// tally counts this run's rows by status.
func tally(res []Result) string {
	n := map[string]int{}
	for _, r := range res {
		n[r.Status]++
	}
	return fmt.Sprintf("this run: %d pass, %d fail, %d info, %d not run", n[statusPass], n[statusFail], n[statusInfo], n[statusNotRun])
}

// runAll runs the selected scenarios in order; a failing scenario is
// recorded as failed and the others still run.
func (b *bench) runAll(ctx context.Context) []Result {
	var all []Result
	for _, s := range scenarios {
		if b.opts.scenario != "" && s.name != b.opts.scenario {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		all = append(all, b.runScenario(ctx, s)...)
	}
	return all
}

func (b *bench) runScenario(ctx context.Context, s *scenario) []Result {
	rounds := s.rounds
	if b.opts.rounds > 0 {
		rounds = b.opts.rounds
	}
	fmt.Fprintf(b.out, "== %s (%d round(s))\n", s.name, rounds)
	t0 := time.Now()
	res, err := b.runOne(ctx, s, rounds)
	for i := range res {
		res[i].Scenario, res[i].RunAt = s.name, t0.UTC().Truncate(time.Second)
	}
	if errors.Is(err, errNotBuilt) {
		res = []Result{{Scenario: s.name, Metric: "(scenario)", Status: statusNotRun, Note: err.Error(), RunAt: t0.UTC().Truncate(time.Second)}}
	} else if err != nil {
		fmt.Fprintf(b.out, "   FAILED: %v\n", err)
		res = append(res, Result{Scenario: s.name, Metric: "(scenario run)", Status: statusFail, Pass: ptr(false),
			Note: "error: " + err.Error(), RunAt: t0.UTC().Truncate(time.Second)})
	}
	fmt.Fprintf(b.out, "   %s done in %s\n", s.name, time.Since(t0).Round(time.Second))
	return res
}

// runOne prepares the isolated stack when the scenario needs it (fresh
// tables, empty bucket, flushed Redis) and stops every mediad afterwards.
func (b *bench) runOne(ctx context.Context, s *scenario, rounds int) ([]Result, error) {
	b.current = s.name
	defer b.stopAll()
	if b.opts.profile {
		b.addNote("Measured with -profile: CPU profiling costs mediad a few per cent; use these figures to find hot spots, not as results.")
	}
	if s.stack {
		if err := b.ensureStack(ctx); err != nil {
			return nil, err
		}
		if err := b.stack.reset(ctx); err != nil {
			return nil, err
		}
	}
	return s.run(ctx, b, rounds)
}
