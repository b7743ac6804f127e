package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wxalbum/mediad/internal/ids"
)

// TestSubscribeSend: the message goes out in WeChat's shape (touser,
// template_id, data values wrapped in {"value"}), and a 43101 answer is
// recognised as the user's refusal.
func TestSubscribeSend(t *testing.T) {
	var got map[string]any
	refuse := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			fmt.Fprint(w, `{"access_token":"tok","expires_in":7200}`)
		case "/cgi-bin/message/subscribe/send":
			if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
				t.Errorf("body: %v", err)
			}
			if refuse {
				fmt.Fprint(w, `{"errcode":43101,"errmsg":"user refuse to accept the msg"}`)
				return
			}
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := testClient(t, &fake{srv: srv}, "app-"+ids.New())
	msg := Subscribe{OpenID: "o1", TemplateID: "T1", Page: "pages/n/index", State: "formal",
		Data: map[string]string{"thing1": "相册有新照片", "time2": "2026-12-05 10:00"}}
	if err := c.SubscribeSend(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	data, _ := got["data"].(map[string]any)
	thing, _ := data["thing1"].(map[string]any)
	if got["touser"] != "o1" || got["template_id"] != "T1" || got["page"] != "pages/n/index" ||
		got["miniprogram_state"] != "formal" || thing["value"] != "相册有新照片" {
		t.Errorf("sent %v", got)
	}
	refuse = true
	err := c.SubscribeSend(context.Background(), msg)
	if !IsRefused(err) {
		t.Errorf("43101 answered %v, want IsRefused", err)
	}
	if IsRefused(fmt.Errorf("wrapped: %w", &Error{Code: CodeRateLimited})) {
		t.Error("a rate limit is not a refusal")
	}
}
