package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Config is how notices become WeChat subscribe messages.
type Config struct {
	// Templates maps a kind to the subscribe-message template id chosen
	// for it in the mini-program admin console (MEDIA_WECHAT_TEMPLATES,
	// "new_items=TPL1,export_ready=TPL2"). A kind without a template is
	// in-app only. Each template needs the fields thing1 (what happened)
	// and time2 (when).
	Templates map[string]string
	// Page is the mini-program page a message opens.
	Page string
	// State is the mini-program version messages open: formal, trial or
	// developer.
	State string
	// DispatchEvery is how often queued messages are handed to send tasks.
	DispatchEvery time.Duration
	// MaxCredits bounds the accepted messages kept per kind: one per
	// "accept" the client reports, as WeChat allows one message per accept.
	MaxCredits int
}

// Defaults returns the defaults: no templates (in-app only).
func (Config) Defaults() Config {
	return Config{Page: "pages/notifications/index", State: "formal", DispatchEvery: 30 * time.Second, MaxCredits: 50}
}

// Validate checks c (defaults filled in).
func (c Config) Validate() error {
	seen := map[string]string{}
	for kind, tmpl := range c.Templates {
		if other, dup := seen[tmpl]; dup {
			return fmt.Errorf("MEDIA_WECHAT_TEMPLATES: %s and %s share template %s; give each kind its own", other, kind, tmpl)
		}
		seen[tmpl] = kind
		if !slices.Contains(Kinds, kind) {
			return fmt.Errorf("MEDIA_WECHAT_TEMPLATES: unknown kind %q (want one of %s)", kind, strings.Join(Kinds, ", "))
		}
		if tmpl == "" || len(tmpl) > 128 {
			return fmt.Errorf("MEDIA_WECHAT_TEMPLATES: %s: want a template id", kind)
		}
	}
	switch {
	case !slices.Contains([]string{"formal", "trial", "developer"}, c.State):
		return fmt.Errorf("MEDIA_WECHAT_MINIPROGRAM_STATE: %q, want formal, trial or developer", c.State)
	case c.Page == "" || strings.HasPrefix(c.Page, "/"):
		return fmt.Errorf("MEDIA_WECHAT_TEMPLATE_PAGE: want a page path like pages/notifications/index")
	case c.DispatchEvery < time.Second:
		return fmt.Errorf("MEDIA_NOTIFY_DISPATCH_EVERY: want >= 1s")
	case c.MaxCredits < 1:
		return fmt.Errorf("notify: MaxCredits want >= 1")
	}
	return nil
}

// ParseTemplates reads "kind=template,kind=template" (MEDIA_WECHAT_TEMPLATES).
func ParseTemplates(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kind, tmpl, ok := strings.Cut(part, "=")
		kind, tmpl = strings.TrimSpace(kind), strings.TrimSpace(tmpl)
		if !ok || kind == "" || tmpl == "" {
			return nil, fmt.Errorf("MEDIA_WECHAT_TEMPLATES: %q: want kind=template_id", part)
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("MEDIA_WECHAT_TEMPLATES: %s given twice", kind)
		}
		out[kind] = tmpl
	}
	return out, nil
}

// kindOf returns the kind whose template is tmpl.
func (c Config) kindOf(tmpl string) (string, bool) {
	for k, t := range c.Templates {
		if t == tmpl {
			return k, true
		}
	}
	return "", false
}
