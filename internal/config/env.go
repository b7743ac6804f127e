// Package config reads typed settings from an injected getenv. Every parse
// error names the variable and what it expects, so a bad deployment fails at
// start with a message an operator can act on.
package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Env reads MEDIA_* variables through getenv and collects every error.
type Env struct {
	getenv func(string) string
	errs   []error
}

// New returns an Env reading through getenv.
func New(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Err returns all parse errors joined, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Fail records that variable name holds got where want was expected.
func (e *Env) Fail(name, want, got string) {
	e.errs = append(e.errs, fmt.Errorf("%s: want %s, got %q", name, want, got))
}

// String returns the variable or def when unset.
func (e *Env) String(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// Addr returns a host:port.
func (e *Env) Addr(name, def string) string {
	v := e.String(name, def)
	e.checkAddr(name, v)
	return v
}

// AddrList returns comma-separated host:port values (nil when unset).
func (e *Env) AddrList(name string) []string {
	v := e.String(name, "")
	if v == "" {
		return nil
	}
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			e.Fail(name, "comma-separated host:port values without empty entries", v)
			continue
		}
		e.checkAddr(name, a)
		out = append(out, a)
	}
	return out
}

func (e *Env) checkAddr(name, v string) {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		e.Fail(name, "host:port such as 127.0.0.1:8080", v)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		e.Fail(name, "host:port with a numeric port", v)
	}
}

// Bool returns true/false/1/0.
func (e *Env) Bool(name string, def bool) bool {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.Fail(name, "true or false", v)
	}
	return b
}

// Int returns an integer >= min.
func (e *Env) Int(name string, def, min int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		e.Fail(name, fmt.Sprintf("an integer >= %d", min), v)
	}
	return n
}

// Duration returns a positive Go duration such as 30s or 720h.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.Fail(name, "a positive duration such as 30s, 15m or 720h", v)
	}
	return d
}

// Bytes returns a positive size such as 30MiB, 1GiB or 1048576.
func (e *Env) Bytes(name string, def int64) int64 {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := ParseBytes(v)
	if err != nil || n <= 0 {
		e.Fail(name, "a size such as 512KiB, 30MiB or 1GiB", v)
	}
	return n
}

// ParseBytes parses a size with an optional KiB/MiB/GiB/TiB suffix.
func ParseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, errors.New("size overflows")
	}
	return n * mult, nil
}

// Location returns an IANA time zone such as Asia/Shanghai. "Local" is
// refused: the zone must not depend on the machine the binary runs on.
func (e *Env) Location(name string, def *time.Location) *time.Location {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	l, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		e.Fail(name, "an IANA time zone such as Asia/Shanghai or UTC", v)
		return def
	}
	return l
}
