package process

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
)

func TestReasonAndPermanent(t *testing.T) {
	cases := []struct {
		err       error
		reason    string
		permanent bool
	}{
		{nil, "", false},
		{errorf(ReasonCorrupt, nil, "x"), "corrupt", true},
		{fmt.Errorf("wrapped: %w", errorf(ReasonTooManyPixels, nil, "x")), "too_many_pixels", true},
		{ErrUnsupportedType, "unsupported_type", true},
		{errorf(ReasonStripFailed, nil, "x"), "strip_failed", true},
		{errorf(ReasonInternal, context.Canceled, "x"), "internal", false},
		{errorf(ReasonInternal, exec.ErrNotFound, "ffmpeg"), "internal", false},
		{errors.New("other"), "internal", false},
		{context.DeadlineExceeded, "internal", false},
	}
	for _, c := range cases {
		if got := Reason(c.err); got != c.reason {
			t.Errorf("Reason(%v) = %q, want %q", c.err, got, c.reason)
		}
		if got := Permanent(c.err); got != c.permanent {
			t.Errorf("Permanent(%v) = %v, want %v", c.err, got, c.permanent)
		}
	}
	if !errors.Is(errorf(ReasonCorrupt, nil, "a"), ErrCorrupt) || errors.Is(errorf(ReasonCorrupt, nil, "a"), ErrStripFailed) {
		t.Error("errors.Is does not follow Reason")
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Options){
		func(o *Options) { o.MaxPixels = 0 },
		func(o *Options) { o.ThumbQuality = 101 },
		func(o *Options) { o.FFmpegPath = "" },
		func(o *Options) { o.DecodeBudgetBytes = -1 },
	}
	for i, f := range bad {
		o := DefaultOptions()
		f(&o)
		if _, err := New(o); err == nil {
			t.Errorf("case %d: New accepted invalid options", i)
		}
	}
}
