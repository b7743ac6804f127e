package share

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// lang is a language the link pages speak, as a BCP 47 tag (it goes into
// <html lang> and Content-Language as is).
type lang string

const (
	zhCN lang = "zh-CN" // the default: recipients are mostly WeChat users in China
	en   lang = "en"
)

// catalogue holds every word the link pages show, per language. Templates
// reach it through page.T, Go code through locale.T; keys are literal
// strings in both, so i18n_test.go can check that each key used exists in
// every language and that no key is unused. Values with verbs are
// fmt formats and take the same arguments in every language.
var catalogue = map[lang]map[string]string{
	zhCN: {
		"title.album":      "分享的相册",
		"title.photo":      "分享的照片",
		"title.video":      "分享的视频",
		"album.meta":       "分享的相册 · 链接有效期至 %s",
		"album.first":      "回到第一页",
		"album.more":       "查看更多",
		"album.empty":      "这里暂时没有分享的内容。",
		"alt.photo":        "照片",
		"alt.video":        "视频",
		"item.meta":        "链接有效期至 %s",
		"item.back":        "返回相册",
		"item.taken":       "拍摄于 %s",
		"item.download":    "下载",
		"locked.title":     "需要密码",
		"locked.heading":   "此链接需要密码",
		"locked.intro":     "请输入分享者提供的密码以查看内容。",
		"locked.label":     "密码",
		"locked.submit":    "查看",
		"locked.wrong":     "密码不正确，请重新输入。",
		"notshown.title":   "未找到",
		"notshown.heading": "这里没有分享此内容",
		"notshown.message": "它可能已从相册中移除或被设为私密，相册里的其他内容也许仍可查看。",
		"notfound.title":   "链接不存在",
		"notfound.heading": "此链接不存在",
		"notfound.message": "请确认打开的是完整的链接，或请分享者重新发送。",
		"expired.title":    "链接已过期",
		"expired.heading":  "此链接已过期",
		"expired.message":  "分享链接只在一段时间内有效，请向分享者索取新的链接。",
		"revoked.title":    "链接已关闭",
		"revoked.heading":  "此链接已被关闭",
		"revoked.message":  "分享者已撤销这个链接，它不再显示任何内容。",
		"gone.title":       "已停止分享",
		"gone.heading":     "此内容已不再分享",
		"gone.message":     "链接指向的内容已被删除或不再分享。",
		"tries.title":      "尝试次数过多",
		"tries.heading":    "密码尝试次数过多",
		"tries.message":    "请在 %s后重试。",
		"busy.title":       "请求过于频繁",
		"busy.heading":     "请求过于频繁",
		"busy.message":     "请在 %s后刷新页面。",
		"bad.title":        "无法打开此页面",
		"bad.heading":      "此页面无法显示",
		"bad.message":      "请求无法处理，请返回后重试。",
		"nofile.title":     "未找到",
		"nofile.message":   "没有这个文件。",
		"wait.second":      "1 秒",
		"wait.seconds":     "%d 秒",
		"wait.minute":      "1 分钟",
		"wait.minutes":     "%d 分钟",
		"date.format":      "2006年1月2日 15:04",
		"date.zone":        "%s（%s）",
	},
	en: {
		"title.album":      "Shared album",
		"title.photo":      "Shared photo",
		"title.video":      "Shared video",
		"album.meta":       "Shared album · link works until %s",
		"album.first":      "First page",
		"album.more":       "More",
		"album.empty":      "Nothing is shared here right now.",
		"alt.photo":        "Photo",
		"alt.video":        "Video",
		"item.meta":        "Link works until %s",
		"item.back":        "Album",
		"item.taken":       "Taken %s",
		"item.download":    "Download",
		"locked.title":     "Password required",
		"locked.heading":   "This link is protected",
		"locked.intro":     "Enter the password you were given to see what is shared.",
		"locked.label":     "Password",
		"locked.submit":    "Open",
		"locked.wrong":     "That password is not right. Please try again.",
		"notshown.title":   "Not found",
		"notshown.heading": "This item is not shared here",
		"notshown.message": "It may have been removed from the album or made private. The rest of the album may still be available.",
		"notfound.title":   "Link not found",
		"notfound.heading": "This link does not exist",
		"notfound.message": "Check that you opened the whole link, or ask the person who shared it to send it again.",
		"expired.title":    "Link expired",
		"expired.heading":  "This link has expired",
		"expired.message":  "Shared links only work for a limited time. Ask the person who shared it for a new link.",
		"revoked.title":    "Link turned off",
		"revoked.heading":  "This link was turned off",
		"revoked.message":  "The person who shared it has revoked the link, so it no longer shows anything.",
		"gone.title":       "No longer shared",
		"gone.heading":     "This is no longer shared",
		"gone.message":     "What this link pointed to was deleted or is no longer shared.",
		"tries.title":      "Too many attempts",
		"tries.heading":    "Too many password attempts",
		"tries.message":    "Please wait %s, then try again.",
		"busy.title":       "Too many requests",
		"busy.heading":     "Too many requests",
		"busy.message":     "Please wait %s, then reload the page.",
		"bad.title":        "Cannot open this page",
		"bad.heading":      "This page cannot be shown",
		"bad.message":      "The request could not be handled. Go back and try again.",
		"nofile.title":     "Not found",
		"nofile.message":   "There is no such file.",
		"wait.second":      "a second",
		"wait.seconds":     "%d seconds",
		"wait.minute":      "a minute",
		"wait.minutes":     "%d minutes",
		"date.format":      "2 Jan 2006, 15:04",
		"date.zone":        "%s %s",
	},
}

// locale is who a page is for: the language it speaks and the zone its
// dates are in.
type locale struct {
	Lang lang
	zone *time.Location
}

// T returns the text for key, formatted with args when there are any. A
// key missing from the catalogue comes out as itself (i18n_test.go keeps
// that from shipping).
func (l locale) T(key string, args ...any) string {
	s, ok := catalogue[l.Lang][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// date says an instant in the page's zone the way its language writes it:
// "2026年12月5日 15:04" (Beijing time is what Chinese readers assume, so
// only another zone is named) or "5 Dec 2026, 15:04 CST".
func (l locale) date(t time.Time) string {
	t = t.In(l.zone)
	s := t.Format(l.T("date.format"))
	_, off := t.Zone()
	if l.Lang == zhCN {
		if off == 8*3600 {
			return s
		}
		return l.T("date.zone", s, utcOffset(off))
	}
	return l.T("date.zone", s, zoneAbbr(t))
}

// zoneAbbr is t's zone abbreviation, or its UTC offset where the zone
// database has only a number ("+08").
func zoneAbbr(t time.Time) string {
	name, off := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		return utcOffset(off)
	}
	return name
}

// utcOffset writes an offset in seconds as "UTC", "UTC+9" or "UTC-3:30".
func utcOffset(off int) string {
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := "UTC" + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// pickLang chooses the page language from an Accept-Language header:
// English when the reader ranks some English above every Chinese (by
// q-value, then by order), otherwise Chinese, also for no header, a
// header naming neither, or one that cannot be read.
func pickLang(header string) lang {
	best, bestQ := zhCN, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, q, ok := langRange(part)
		if !ok || q <= bestQ {
			continue
		}
		switch primary, _, _ := strings.Cut(tag, "-"); primary {
		case "zh":
			best, bestQ = zhCN, q
		case "en":
			best, bestQ = en, q
		}
	}
	return best
}

// langRange reads one "tag;q=0.8" entry of Accept-Language; the tag comes
// back lower-case, q defaults to 1, and ok is false for a malformed entry.
func langRange(part string) (tag string, q float64, ok bool) {
	tag, params, _ := strings.Cut(part, ";")
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return "", 0, false
	}
	q = 1
	for _, p := range strings.Split(params, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || strings.TrimSpace(k) != "q" {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return "", 0, false
		}
		q = f
	}
	return tag, q, true
}
