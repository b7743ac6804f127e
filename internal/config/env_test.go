package config

import (
	"strings"
	"testing"
	"time"
)

func TestEnvParsesAndNamesBadVariables(t *testing.T) {
	vars := map[string]string{
		"A_ADDR": "nonsense", "A_BOOL": "yes please", "A_DUR": "-1s", "A_BYTES": "3MiB",
		"A_INT": "7", "A_BAD_BYTES": "lots",
	}
	e := New(func(k string) string { return vars[k] })
	if got := e.Bytes("A_BYTES", 0); got != 3<<20 {
		t.Errorf("Bytes = %d, want %d", got, 3<<20)
	}
	if got := e.Int("A_INT", 0, 1); got != 7 {
		t.Errorf("Int = %d, want 7", got)
	}
	if got := e.Duration("A_UNSET", time.Minute); got != time.Minute {
		t.Errorf("Duration default = %v", got)
	}
	e.Addr("A_ADDR", "")
	e.Bool("A_BOOL", false)
	e.Duration("A_DUR", time.Second)
	e.Bytes("A_BAD_BYTES", 1)
	err := e.Err()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, name := range []string{"A_ADDR", "A_BOOL", "A_DUR", "A_BAD_BYTES"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "A_INT") || strings.Contains(err.Error(), "A_BYTES:") {
		t.Errorf("error names a valid variable: %v", err)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "2KiB": 2048, "30MiB": 30 << 20, "1GiB": 1 << 30, "4 GiB": 4 << 30} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1PB", "99999999999TiB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}
