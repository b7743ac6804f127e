package main

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// The inputs must be the same bytes however they are read: the chunked
// upload hashes the body in one pass and sends it part by part.
func TestPadIsIndependentOfReadSizes(t *testing.T) {
	whole, err := io.ReadAll(pad(7, 10_000))
	if err != nil || len(whole) != 10_000 {
		t.Fatalf("read %d bytes, %v", len(whole), err)
	}
	odd, _ := io.ReadAll(iotest.OneByteReader(pad(7, 10_000)))
	if !bytes.Equal(whole, odd) {
		t.Error("one-byte reads give other bytes")
	}
	if bytes.Equal(whole, padBytes(8, 10_000)) {
		t.Error("different seeds give the same bytes")
	}
}

func TestHeadedSectionsMakeTheWhole(t *testing.T) {
	h := headed{head: []byte("HEAD-of-a-file"), seed: 3, size: 1000}
	whole, _ := io.ReadAll(h.reader())
	var parts []byte
	for start := int64(0); start < h.size; start += 97 {
		b, _ := io.ReadAll(h.section(start, min(start+97, h.size)))
		parts = append(parts, b...)
	}
	if len(whole) != 1000 || !bytes.Equal(whole, parts) || !bytes.HasPrefix(whole, h.head) {
		t.Errorf("sections (%d bytes) do not add up to the body (%d bytes)", len(parts), len(whole))
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:18080/v1/public/shares/x
  2 threads and 32 connections
  Latency Distribution
     50%    4.00ms
     75%    5.00ms
     90%    7.00ms
     99%    1.20s
  17000 requests in 10.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:   1700.50
Transfer/sec:     10.00MB
`
	s, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.reqPerSec != 1700.5 || s.p99ms != 1200 || s.non2xx != 5 || s.sockErrs != 5 {
		t.Errorf("parsed %+v", s)
	}
	if _, err := parseWrk("garbage"); err == nil {
		t.Error("garbage parsed")
	}
}

func TestMetricTargetsAndMissingReference(t *testing.T) {
	m := newMetric("m", "MB/s", "ref", valueAtLeast(100), ratioAtLeast(0.9))
	m.addPair(120, 100)
	m.addPair(80, 100)
	m.addPair(110, 100)
	r := m.result()
	if *r.Value != 110 || *r.Ratio != 1.1 || *r.Min != 80 || r.Status != statusPass || r.Rounds != 3 {
		t.Errorf("result %+v", r)
	}
	if r.Target != ">= 100 MB/s and ratio >= 0.9" {
		t.Errorf("target %q", r.Target)
	}
	m = newMetric("m", "s", "tool", ratioAtMost(1))
	m.missing = "tool not installed"
	m.add(1)
	if r := m.result(); r.Status != statusFail || r.RefValue != nil {
		t.Errorf("missing reference: %+v", r)
	}
}
