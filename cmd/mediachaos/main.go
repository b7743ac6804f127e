// Command mediachaos is the fault test `make chaos` runs against the
// cluster scripts/cluster brings up (docs/scaling.md): a mixed workload
// goes through HAProxy (multipart and chunked uploads from several users,
// share-link opens, one album dissolution, one export) while one process
// at a time is SIGKILLed and restarted: a MinIO node, the Redis primary,
// the PostgreSQL primary, an API process, a worker process, then a MinIO
// node and a worker together. Afterwards, and after one reconcile, it
// checks that nothing accepted was lost, that objects and rows agree, that
// the dissolution and the export finished with exact receipts, and reports
// per fault how many requests failed and for how long.
//
// Loopback only, bounded in time (about 10 minutes). Results go to
// bench/chaos.json and a table on stdout (copied into docs/scaling.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mediachaos:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	out     string        // results file
	cluster string        // the cluster script
	mediad  string        // the cluster's mediad binary (for reconcile)
	down    time.Duration // how long a killed process stays down
	settle  time.Duration // workload time after a restart before the next fault
	drain   time.Duration // how long accepted uploads get to finish afterwards
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mediachaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "bench/chaos.json", "results file")
	fs.StringVar(&o.cluster, "cluster", "scripts/cluster", "the cluster script (kill, start, primary)")
	fs.StringVar(&o.mediad, "mediad", ".cluster/bin/mediad", "mediad binary for the final reconcile")
	fs.DurationVar(&o.down, "down", 10*time.Second, "how long a killed process stays down")
	fs.DurationVar(&o.settle, "settle", 20*time.Second, "workload time after a restart before the next fault")
	fs.DurationVar(&o.drain, "drain", 5*time.Minute, "how long accepted uploads get to finish afterwards")
	return o, fs.Parse(args)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	env, err := loadEnv(getenv)
	if err != nil {
		return err
	}
	c, err := newChecker(ctx, env)
	if err != nil {
		return err
	}
	defer c.close()
	api := &api{base: env.api}
	w, err := newWorkload(ctx, api, o)
	if err != nil {
		return fmt.Errorf("workload setup: %w", err)
	}
	fmt.Fprintf(stdout, "workload: %d uploaders, %d link openers, through %s\n", len(w.uploaders), openers, env.api)
	wctx, stopWork := context.WithCancel(ctx)
	done := w.start(wctx)
	faults, ferr := runFaults(ctx, o, w, stdout)
	stopWork()
	<-done
	if ferr != nil {
		return ferr
	}
	res := &result{Started: w.started, Faults: faults,
		Settings: map[string]string{"down": o.down.String(), "settle": o.settle.String(), "uploaders": fmt.Sprint(uploaders), "openers": fmt.Sprint(openers)}}
	if err := c.verify(ctx, o, env, w, res, stdout); err != nil {
		return err
	}
	if err := res.write(o.out); err != nil {
		return err
	}
	res.table(stdout)
	if !res.Pass {
		return fmt.Errorf("checks failed: %v", res.Problems)
	}
	return nil
}

// chaosEnv is what the cluster's `scripts/cluster env` exports.
type chaosEnv struct {
	api, dbURL                 string
	s3, s3Key, s3Secret, s3Bkt string
}

func loadEnv(getenv func(string) string) (chaosEnv, error) {
	e := chaosEnv{api: getenv("CLUSTER_API"), dbURL: getenv("MEDIA_DATABASE_URL"), s3: getenv("CLUSTER_S3"),
		s3Key: getenv("MEDIA_S3_ACCESS_KEY"), s3Secret: getenv("MEDIA_S3_SECRET_KEY"), s3Bkt: getenv("MEDIA_S3_BUCKET")}
	for name, v := range map[string]string{"CLUSTER_API": e.api, "MEDIA_DATABASE_URL": e.dbURL, "CLUSTER_S3": e.s3,
		"MEDIA_S3_ACCESS_KEY": e.s3Key, "MEDIA_S3_SECRET_KEY": e.s3Secret, "MEDIA_S3_BUCKET": e.s3Bkt} {
		if v == "" {
			return e, fmt.Errorf("%s is not set: run eval \"$(scripts/cluster env)\" (make chaos does)", name)
		}
	}
	return e, nil
}
