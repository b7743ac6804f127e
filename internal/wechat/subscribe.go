package wechat

import "context"

// Subscribe is one subscribe message (subscribeMessage.send).
type Subscribe struct {
	OpenID     string            // the recipient
	TemplateID string            // a template the recipient accepted
	Page       string            // the mini-program page the message opens
	Data       map[string]string // template field (thing1, time2, ...) -> value
	// State is the mini-program version the message opens: formal,
	// trial or developer.
	State string
}

// SubscribeSend sends a subscribe message (POST /cgi-bin/message/subscribe/send).
// A recipient who refused or used up the subscription answers 43101
// (CodeUserRefused; see IsRefused).
func (c *Client) SubscribeSend(ctx context.Context, m Subscribe) error {
	type value struct {
		Value string `json:"value"`
	}
	data := make(map[string]value, len(m.Data))
	for k, v := range m.Data {
		data[k] = value{v}
	}
	in := struct {
		ToUser string           `json:"touser"`
		Tmpl   string           `json:"template_id"`
		Page   string           `json:"page,omitempty"`
		Data   map[string]value `json:"data"`
		State  string           `json:"miniprogram_state,omitempty"`
		Lang   string           `json:"lang"`
	}{m.OpenID, m.TemplateID, m.Page, data, m.State, "zh_CN"}
	return c.Post(ctx, "/cgi-bin/message/subscribe/send", in, nil)
}

// IsRefused reports whether err is WeChat saying the recipient refused
// the subscription or has no accepted message left (43101).
func IsRefused(err error) bool { return HasCode(err, CodeUserRefused) }
