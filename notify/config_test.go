package notify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
)

func TestParseTemplates(t *testing.T) {
	got, err := ParseTemplates(" new_items=T1, export_ready = T2 ,")
	if err != nil || len(got) != 2 || got["new_items"] != "T1" || got["export_ready"] != "T2" {
		t.Fatalf("got %v, %v", got, err)
	}
	if got, err := ParseTemplates(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"new_items", "new_items=", "=T1", "new_items=T1,new_items=T2"} {
		if _, err := ParseTemplates(bad); err == nil || !strings.HasPrefix(err.Error(), "MEDIA_WECHAT_TEMPLATES") {
			t.Errorf("%q: err %v, want one naming MEDIA_WECHAT_TEMPLATES", bad, err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{}.Defaults()
	ok.Templates = map[string]string{NewItems: "T1", ExportReady: "T2"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range map[string]struct {
		mod  func(*Config)
		want string
	}{
		"unknown kind":    {func(c *Config) { c.Templates = map[string]string{"birthdays": "T"} }, "MEDIA_WECHAT_TEMPLATES"},
		"shared template": {func(c *Config) { c.Templates = map[string]string{NewItems: "T", ExportReady: "T"} }, "share template"},
		"state":           {func(c *Config) { c.State = "beta" }, "MEDIA_WECHAT_MINIPROGRAM_STATE"},
		"page":            {func(c *Config) { c.Page = "/pages/x" }, "MEDIA_WECHAT_TEMPLATE_PAGE"},
		"dispatch":        {func(c *Config) { c.DispatchEvery = time.Millisecond }, "MEDIA_NOTIFY_DISPATCH_EVERY"},
	} {
		cfg := Config{}.Defaults()
		c.mod(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one mentioning %s", name, err, c.want)
		}
	}
}

// TestPlan: the client's wx.requestSubscribeMessage answer is read as it
// comes (errMsg ignored); unknown kinds, templates and answers refuse the
// whole update.
func TestPlan(t *testing.T) {
	c := Config{}.Defaults()
	c.Templates = map[string]string{NewItems: "T1", ExportReady: "T2"}
	subs, err := c.plan(SettingsUpdate{Kinds: map[string]bool{NewItems: false},
		Subscriptions: map[string]string{"T1": "accept", "T2": "reject", "errMsg": "requestSubscribeMessage:ok"}})
	if err != nil || len(subs) != 2 {
		t.Fatalf("plan: %v, %v", subs, err)
	}
	for _, s := range subs {
		if (s.kind == NewItems) != s.accept || (s.kind == NewItems && s.tmpl != "T1") {
			t.Errorf("subscription %+v", s)
		}
	}
	for name, c2 := range map[string]struct {
		u    SettingsUpdate
		want *apperr.Error
	}{
		"kind":     {SettingsUpdate{Kinds: map[string]bool{"x": true}}, ErrUnknownKind},
		"template": {SettingsUpdate{Subscriptions: map[string]string{"T9": "accept"}}, ErrUnknownTemplate},
		"answer":   {SettingsUpdate{Subscriptions: map[string]string{"T1": "yes"}}, ErrBadAnswer},
	} {
		if _, err := c.plan(c2.u); !errors.Is(err, c2.want) {
			t.Errorf("%s: %v, want %v", name, err, c2.want)
		}
	}
}

// TestTitlesFitThing: WeChat's thing fields take at most 20 characters.
func TestTitlesFitThing(t *testing.T) {
	for _, k := range Kinds {
		if n := len([]rune(Title(k))); n == 0 || n > 20 {
			t.Errorf("%s: title %q has %d characters", k, Title(k), n)
		}
	}
}
