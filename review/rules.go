package review

import (
	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/upload"
)

// Scene is the mediaCheckAsync scene an item of kind k is published in:
// an avatar is a profile picture (1, 资料); everything else is shared with
// an album's circle or a link, a social log (4, 社交日志).
func Scene(k upload.Kind) int {
	if k == upload.KindAvatar {
		return wechat.SceneProfile
	}
	return wechat.SceneSocialLog
}

// CheckedVariant is the rendition WeChat fetches: the preview of an image,
// the poster frame of a video (mediaCheckAsync checks images here).
func CheckedVariant(k upload.Kind) upload.Variant {
	if k == upload.KindVideo {
		return upload.VariantPoster
	}
	return upload.VariantPreview
}

// Suggestions in a wxa_media_check result.
const (
	SuggestPass   = "pass"
	SuggestRisky  = "risky"
	SuggestReview = "review"
)

// Outcome is the review state a result's suggestion leads to; ok is false
// for a suggestion we do not know (the push is then ignored). WeChat's
// "review" (a human should look) is treated as risky: hidden from others,
// visible to its uploader, who may delete it; nobody here reviews by hand.
func Outcome(suggest string) (state string, ok bool) {
	switch suggest {
	case SuggestPass:
		return upload.ReviewPass, true
	case SuggestRisky, SuggestReview:
		return upload.ReviewRisky, true
	}
	return "", false
}

// GiveUpState is the state of an item whose check never answered after
// every try: still hidden, unless the deployment fails open.
func GiveUpState(failOpen bool) string {
	if failOpen {
		return upload.ReviewUncheckedOpen
	}
	return upload.ReviewUnchecked
}

// Notified reports whether a result is told to the album owner and the
// uploader (item_hidden): only a hiding one.
func Notified(state string) bool { return state == upload.ReviewRisky }
