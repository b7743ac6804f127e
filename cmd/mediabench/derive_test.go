package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/wxalbum/mediad/process"
)

func TestParseSetTiming(t *testing.T) {
	out := "(vipsref:123): some GLib warning\nsets=5 cpu_s_per_set=0.210500 wall_s_per_set=0.230000 bytes=250000,30000,40000\n"
	got, err := parseSetTiming(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := (setTiming{sets: 5, cpu: 0.2105, wall: 0.23}); got != want {
		t.Errorf("parsed %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "garbage", "sets=0 cpu_s_per_set=1 wall_s_per_set=1", "sets=3 cpu_s_per_set=x wall_s_per_set=1"} {
		if _, err := parseSetTiming(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// The harness must make our set: preview in a 1440 box, the thumb bounded
// on the short edge whichever way the photo faces, the card at 500x400,
// with the card at the preview's quality.
func TestVipsRefArgs(t *testing.T) {
	o := process.DefaultOptions()
	land := vipsRefArgs(o, 3264, 2448)
	want := []string{"1440", "1440", "82", "10000000", "320", "80", "500", "400", "82"}
	if !slices.Equal(land, want) {
		t.Errorf("landscape args %v, want %v", land, want)
	}
	port := vipsRefArgs(o, 2448, 3264)
	if port[3] != "320" || port[4] != "10000000" {
		t.Errorf("portrait thumb box %v x %v", port[3], port[4])
	}
}

func TestWithoutEnv(t *testing.T) {
	got := withoutEnv([]string{"GOMAXPROCS=4", "GOMAXPROCSX=1", "PATH=/bin", "GOMAXPROCS"}, "GOMAXPROCS")
	if want := []string{"GOMAXPROCSX=1", "PATH=/bin", "GOMAXPROCS"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestStretchNote(t *testing.T) {
	m := newMetric("m", "s", "ref", ratioAtMost(0.8))
	m.addPair(0.75, 1)
	stretchNote(m, 0.7)
	if r := m.result(); r.Status != statusPass || !strings.Contains(r.Note, "<= 0.7: not met") {
		t.Errorf("result %+v", r)
	}
	m.addPair(0.5, 1)
	m.addPair(0.6, 1)
	m.notes = nil
	stretchNote(m, 0.7)
	if !strings.Contains(m.result().Note, ": met") {
		t.Errorf("note %q", m.result().Note)
	}
}

func TestUprightSize(t *testing.T) {
	raw, err := readFile(phonePhoto)
	if err != nil {
		t.Fatal(err)
	}
	w, h, err := uprightSize(raw)
	if err != nil || w != 3264 || h != 2448 {
		t.Errorf("got %dx%d, %v", w, h, err)
	}
}
