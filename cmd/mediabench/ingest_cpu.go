package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on Linux).
const clockTicks = 100

// cpuProbe reads the CPU time (seconds) used by each process an upload
// runs through, and by the whole machine, so a round can say where its
// cores went: on 2 cores the client, mediad and MinIO compete with each
// other (and with anything else running).
type cpuProbe struct {
	mediad, minio string // pids
	t0            cpuTimes
}

type cpuTimes struct {
	client, mediad, minio, machine float64
	at                             time.Time
}

// startCPU starts counting for the running mediad and the devstack MinIO.
func (in *ingest) startCPU() *cpuProbe {
	p := &cpuProbe{mediad: strconv.Itoa(in.m.pid()), minio: in.minioPID()}
	p.t0 = p.now()
	return p
}

func (p *cpuProbe) now() cpuTimes {
	return cpuTimes{client: procCPU("self"), mediad: procCPU(p.mediad), minio: procCPU(p.minio),
		machine: machineBusy(), at: time.Now()}
}

// minioPID is the devstack MinIO's pid ("" when unknown: its CPU reads 0).
func (in *ingest) minioPID() string {
	b, err := os.ReadFile(filepath.Join(in.b.root, ".devstack", "minio.pid"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// cpuUse is CPU seconds per GiB uploaded, per process, and how busy the
// machine's cores were meanwhile.
type cpuUse struct {
	client, mediad, minio, other float64
	busy                         float64 // fraction of all cores
}

// total is the CPU the upload itself took; what other processes used
// meanwhile (the machine is shared) is left out.
func (u cpuUse) total() float64 { return u.client + u.mediad + u.minio }

func (u cpuUse) String() string {
	return fmt.Sprintf("client %.2f + mediad %.2f + MinIO %.2f = %.2f CPU s per GiB (other processes %.2f; cores %.0f%% busy)",
		u.client, u.mediad, u.minio, u.total(), u.other, 100*u.busy)
}

// spent is the CPU used since the start per GiB of size.
func (p *cpuProbe) spent(size int64) cpuUse {
	t1 := p.now()
	gib := float64(size) / (1 << 30)
	c, m, o, all := t1.client-p.t0.client, t1.mediad-p.t0.mediad, t1.minio-p.t0.minio, t1.machine-p.t0.machine
	return cpuUse{client: c / gib, mediad: m / gib, minio: o / gib, other: max(all-c-m-o, 0) / gib,
		busy: all / (float64(runtime.NumCPU()) * t1.at.Sub(p.t0.at).Seconds())}
}

// procCPU is utime+stime of /proc/<pid>/stat in seconds (0 if unreadable).
func procCPU(pid string) float64 {
	if pid == "" {
		return 0
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces: state is 3,
	// utime 14 and stime 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / clockTicks
}

// machineBusy is the non-idle CPU time of all cores, from /proc/stat.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var busy float64
	for i, v := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i != 3 && i != 4 && i < 8 { // not idle, iowait, guest
			busy += n
		}
	}
	return busy / clockTicks
}
