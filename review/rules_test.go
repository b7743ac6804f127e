package review

import (
	"strings"
	"testing"

	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/upload"
)

func TestScene(t *testing.T) {
	for k, want := range map[upload.Kind]int{
		upload.KindAvatar: wechat.SceneProfile, upload.KindPhoto: wechat.SceneSocialLog,
		upload.KindCover: wechat.SceneSocialLog, upload.KindVideo: wechat.SceneSocialLog,
	} {
		if got := Scene(k); got != want {
			t.Errorf("Scene(%s) = %d, want %d", k, got, want)
		}
	}
}

func TestCheckedVariant(t *testing.T) {
	for k, want := range map[upload.Kind]upload.Variant{
		upload.KindAvatar: upload.VariantPreview, upload.KindPhoto: upload.VariantPreview,
		upload.KindCover: upload.VariantPreview, upload.KindVideo: upload.VariantPoster,
	} {
		if got := CheckedVariant(k); got != want {
			t.Errorf("CheckedVariant(%s) = %s, want %s", k, got, want)
		}
	}
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		suggest, state string
		ok             bool
	}{
		{"pass", upload.ReviewPass, true},
		{"risky", upload.ReviewRisky, true},
		{"review", upload.ReviewRisky, true},
		{"", "", false},
		{"PASS", "", false},
	} {
		state, ok := Outcome(tc.suggest)
		if state != tc.state || ok != tc.ok {
			t.Errorf("Outcome(%q) = %q, %v; want %q, %v", tc.suggest, state, ok, tc.state, tc.ok)
		}
	}
}

func TestGiveUpStateAndVisibility(t *testing.T) {
	for _, tc := range []struct {
		failOpen bool
		state    string
		hidden   bool
	}{
		{false, upload.ReviewUnchecked, true},
		{true, upload.ReviewUncheckedOpen, false},
	} {
		got := GiveUpState(tc.failOpen)
		if got != tc.state || upload.ReviewHides(got) != tc.hidden {
			t.Errorf("GiveUpState(%v) = %q (hides %v); want %q (hides %v)", tc.failOpen, got, upload.ReviewHides(got), tc.state, tc.hidden)
		}
	}
}

func TestNotified(t *testing.T) {
	for state, want := range map[string]bool{upload.ReviewRisky: true, upload.ReviewPass: false} {
		if got := Notified(state); got != want {
			t.Errorf("Notified(%q) = %v, want %v", state, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	full := wechat.Config{AppID: "a", Secret: "s", PushToken: "p"}
	on := Config{}.Defaults()
	on.Enabled = true
	for _, tc := range []struct {
		name string
		c    Config
		w    wechat.Config
		want string
	}{
		{"off needs nothing", Config{}.Defaults(), wechat.Config{}, ""},
		{"on and complete", on, full, ""},
		{"no appid", on, wechat.Config{Secret: "s", PushToken: "p"}, "MEDIA_WECHAT_APPID"},
		{"no secret", on, wechat.Config{AppID: "a", PushToken: "p"}, "MEDIA_WECHAT_SECRET"},
		{"no push token", on, wechat.Config{AppID: "a", Secret: "s"}, "MEDIA_WECHAT_PUSH_TOKEN"},
	} {
		err := tc.c.Validate(tc.w)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
}
