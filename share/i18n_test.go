package share

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/internal/apperr"
)

func testLocale(l lang) locale { return locale{Lang: l, zone: mustZone("Asia/Shanghai")} }

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// verbs are the fmt verbs of a catalogue entry, in order.
var verbs = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogueComplete: every key has a non-empty text in every language,
// and a format takes the same arguments in each.
func TestCatalogueComplete(t *testing.T) {
	if len(catalogue) != 2 || catalogue[zhCN] == nil || catalogue[en] == nil {
		t.Fatalf("catalogue languages: %v, want zh-CN and en", slices.Collect(maps.Keys(catalogue)))
	}
	keys := map[string]bool{}
	for _, texts := range catalogue {
		for k := range texts {
			keys[k] = true
		}
	}
	for k := range keys {
		zh, en := catalogue[zhCN][k], catalogue[en][k]
		if strings.TrimSpace(zh) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("key %q: zh-CN %q, en %q; want a text in both", k, zh, en)
			continue
		}
		if a, b := verbs.FindAllString(zh, -1), verbs.FindAllString(en, -1); !slices.Equal(a, b) {
			t.Errorf("key %q: zh-CN takes %v, en takes %v", k, a, b)
		}
	}
}

// TestCatalogueKeysUsed: each key the templates and the package's Go code
// ask for exists, each is a literal (so this test sees it), and no key in
// the catalogue is unused.
func TestCatalogueKeysUsed(t *testing.T) {
	used := map[string]string{} // key -> where
	for _, name := range slices.Sorted(maps.Keys(pages)) {
		for _, tmpl := range pages[name].Templates() {
			if tmpl.Tree == nil {
				continue
			}
			walkTemplate(t, tmpl.Tree.Root, func(key string) { used[key] = "template " + tmpl.Name() })
		}
	}
	goKeys(t, used)
	if len(used) < 20 {
		t.Fatalf("found only %d keys in use: %v", len(used), used)
	}
	for key, where := range used {
		for l, texts := range catalogue {
			if _, ok := texts[key]; !ok {
				t.Errorf("%s uses %q, which %s lacks", where, key, l)
			}
		}
	}
	for key := range catalogue[zhCN] {
		if _, ok := used[key]; !ok {
			t.Errorf("catalogue key %q is used nowhere: delete it", key)
		}
	}
}

// walkTemplate calls found with the key of every {{.T "key"}} or
// {{$.T "key"}} below n.
func walkTemplate(t *testing.T, n parse.Node, found func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTemplate(t, c, found)
		}
	case *parse.ActionNode:
		walkTemplate(t, n.Pipe, found)
	case *parse.IfNode:
		walkBranch(t, &n.BranchNode, found)
	case *parse.RangeNode:
		walkBranch(t, &n.BranchNode, found)
	case *parse.WithNode:
		walkBranch(t, &n.BranchNode, found)
	case *parse.TemplateNode:
		walkTemplate(t, n.Pipe, found)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkTemplate(t, c, found)
		}
	case *parse.CommandNode:
		if len(n.Args) > 0 && isT(n.Args[0]) {
			s, ok := n.Args[1%len(n.Args)].(*parse.StringNode)
			if len(n.Args) < 2 || !ok {
				t.Errorf("template %q: the key of T must be a string literal", n)
				return
			}
			found(s.Text)
		}
		for _, a := range n.Args {
			walkTemplate(t, a, found)
		}
	}
}

func walkBranch(t *testing.T, b *parse.BranchNode, found func(string)) {
	walkTemplate(t, b.Pipe, found)
	walkTemplate(t, b.List, found)
	walkTemplate(t, b.ElseList, found)
}

func isT(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return n.Ident[len(n.Ident)-1] == "T"
	case *parse.VariableNode:
		return n.Ident[len(n.Ident)-1] == "T"
	}
	return false
}

// goKeys adds the keys of the package's x.T("key", ...) calls to used.
func goKeys(t *testing.T, used map[string]string) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "T" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: the key of T must be a string literal", fset.Position(call.Pos()))
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			used[key] = fset.Position(call.Pos()).String()
			return true
		})
	}
}

// TestTemplatesHaveNoLooseWords: apart from their actions, the templates
// hold only markup and punctuation; every word a reader sees comes from
// the catalogue (or from the link's data).
func TestTemplatesHaveNoLooseWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tag := regexp.MustCompile(`(?s)<[^>]*>`)
	entity := regexp.MustCompile(`&[a-zA-Z]+;|&#[0-9]+;`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		text := entity.ReplaceAllString(tag.ReplaceAllString(action.ReplaceAllString(string(b), ""), ""), "")
		if words := regexp.MustCompile(`\p{L}+`).FindAllString(text, -1); len(words) > 0 {
			t.Errorf("%s has words outside the catalogue: %q", path, words)
		}
		for _, alt := range regexp.MustCompile(`(?:alt|title|placeholder|aria-label)="([^"{]*\p{L}[^"{]*)"`).FindAllStringSubmatch(string(b), -1) {
			t.Errorf("%s has an attribute text outside the catalogue: %q", path, alt[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPickLang(t *testing.T) {
	for header, want := range map[string]lang{
		"":                                zhCN,
		"en-US,en;q=0.9":                  en,
		"en":                              en,
		"EN-gb":                           en,
		"zh-CN,zh;q=0.9,en;q=0.8":         zhCN,
		"zh-TW":                           zhCN,
		"en;q=0.8, zh;q=0.9":              zhCN,
		"zh;q=0.5, en;q=0.6":              en,
		"en, zh":                          en, // equal q: the first listed
		"zh, en":                          zhCN,
		"fr-FR,fr;q=0.9":                  zhCN,
		"fr, en;q=0.3":                    en, // English is acceptable, Chinese is not listed
		"*":                               zhCN,
		"en;q=0":                          zhCN,
		"en;q=abc":                        zhCN,
		"en;q=2":                          zhCN,
		"ja,en-US;q=0.7,zh-CN;q=0.3":      en,
		" en-US ; q=0.9 , zh ; q=0.8 ":    en,
		"de-DE;q=1.0, en-US;q=0.5, *;q=0": en,
	} {
		if got := pickLang(header); got != want {
			t.Errorf("pickLang(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	at := time.Date(2026, 12, 5, 7, 4, 0, 0, time.UTC)
	for _, c := range []struct {
		zone string
		lang lang
		want string
	}{
		{"Asia/Shanghai", zhCN, "2026年12月5日 15:04"},
		{"Asia/Shanghai", en, "5 Dec 2026, 15:04 CST"},
		{"UTC", zhCN, "2026年12月5日 07:04（UTC）"},
		{"UTC", en, "5 Dec 2026, 07:04 UTC"},
		{"Europe/Berlin", zhCN, "2026年12月5日 08:04（UTC+1）"},
		{"Europe/Berlin", en, "5 Dec 2026, 08:04 CET"},
		{"Asia/Kolkata", zhCN, "2026年12月5日 12:34（UTC+5:30）"},
		{"America/St_Johns", en, "5 Dec 2026, 03:34 NST"},
		{"Asia/Dubai", en, "5 Dec 2026, 11:04 UTC+4"}, // the zone database says "+04"
	} {
		if got := (locale{Lang: c.lang, zone: mustZone(c.zone)}).date(at); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.zone, c.lang, got, c.want)
		}
	}
}

// TestTakenLine: the capture date on show_dates links, in the zone and the
// reader's words.
func TestTakenLine(t *testing.T) {
	taken := time.Date(2008, 10, 22, 8, 28, 39, 0, time.UTC)
	v := &PublicView{Kind: "album", ExpiresAt: time.Date(2026, 12, 5, 7, 4, 0, 0, time.UTC),
		Items: []PublicItem{{ID: "0123456789abcdef0123456789abcdef", Type: "photo", TakenAt: &taken}}}
	for l, want := range map[lang][]string{
		zhCN: {"拍摄于 2008年10月22日 16:28", "链接有效期至 2026年12月5日 15:04", `alt="照片"`, "返回相册"},
		en:   {"Taken 22 Oct 2008, 16:28 CST", "Link works until 5 Dec 2026, 15:04 CST", `alt="Photo"`, "Album"},
	} {
		html := renderString(t, "item", itemPage(testLocale(l), "tok", v, true))
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s item page lacks %q:\n%s", l, w, html)
			}
		}
	}
}

// TestPagesSpeakOneLanguage renders every page in both languages: the zh-CN
// ones say everything in Chinese, the English ones hold no Chinese, and
// each declares its language.
func TestPagesSpeakOneLanguage(t *testing.T) {
	w := 4
	exp := time.Date(2026, 12, 5, 7, 4, 0, 0, time.UTC)
	album := &PublicView{Kind: "album", ExpiresAt: exp, NextCursor: "c", Items: []PublicItem{
		{ID: "0123456789abcdef0123456789abcdef", Type: "photo", Width: &w, Height: &w},
		{ID: "1123456789abcdef0123456789abcdef", Type: "video", DownloadURL: "/f/x/download?t=1"}}}
	video := &PublicView{Kind: "item", ExpiresAt: exp, Items: album.Items[1:]}
	han := regexp.MustCompile(`\p{Han}`)
	latin := regexp.MustCompile(`[A-Za-z]{2,}`)
	for _, l := range []lang{zhCN, en} {
		lc := testLocale(l)
		type rendered struct {
			tmpl string
			p    *page
		}
		all := map[string]rendered{
			"album":  {"album", albumPage(lc, "tok", album, true)},
			"empty":  {"album", albumPage(lc, "tok", &PublicView{Kind: "album", ExpiresAt: exp}, false)},
			"item":   {"item", itemPage(lc, "tok", album, true)},
			"video":  {"item", itemPage(lc, "tok", video, false)},
			"locked": {"locked", lockedPage(lc, "tok", "", true)},
		}
		for i, err := range []error{ErrItemNotShown, ErrNotFound, ErrExpired, ErrRevoked, ErrGone,
			ErrTooManyTries.WithRetryAfter(90 * time.Second), apperr.RateLimited.WithRetryAfter(5 * time.Second),
			apperr.Invalidf("The form is not valid.")} {
			p, ok := errorPage(lc, err)
			if !ok {
				t.Fatalf("no page for %v", err)
			}
			all["error"+strconv.Itoa(i)] = rendered{"error", p}
		}
		for name, r := range all {
			html := renderString(t, r.tmpl, r.p)
			if !strings.Contains(html, `<html lang="`+string(l)+`">`) {
				t.Errorf("%s %s: no <html lang=%q>", l, name, l)
			}
			text := visibleText(html)
			switch l {
			case zhCN:
				if rest := latin.FindAllString(strings.ReplaceAll(text, "UTC", ""), -1); len(rest) > 0 || !han.MatchString(text) {
					t.Errorf("zh-CN %s page has English words %q:\n%s", name, rest, text)
				}
			case en:
				if han.MatchString(text) || !latin.MatchString(text) {
					t.Errorf("en %s page is not English:\n%s", name, text)
				}
			}
		}
	}
}

// visibleText is what a reader sees of a page: its title, its text and its
// alt texts.
func visibleText(html string) string {
	var alts []string
	for _, m := range regexp.MustCompile(`alt="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		alts = append(alts, m[1])
	}
	body := regexp.MustCompile(`(?s)<head>.*?<title>|</title>.*?</head>`).ReplaceAllString(html, " ")
	text := regexp.MustCompile(`(?s)<[^>]*>|&[a-z]+;|&#[0-9]+;`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(text+" "+strings.Join(alts, " ")), " ")
}

func renderString(t *testing.T, name string, p *page) string {
	t.Helper()
	p.CSS = cssURL
	var b strings.Builder
	if err := pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.String()
}

// TestPageHeaders: a page says its language in Content-Language and varies
// by Accept-Language, on the handlers' own answers and on refusals.
func TestPageHeaders(t *testing.T) {
	h := &Handler{svc: &Service{cfg: Config{TimeZone: mustZone("Asia/Shanghai")}.Defaults()}}
	app := fiber.New()
	app.Get("/s/-/:file", h.Static)
	app.Get("/s/busy", func(c *fiber.Ctx) error { return h.tooMany(c, 2*time.Minute) })
	for _, c := range []struct {
		path, accept string
		lang         lang
		status       int
		text         string
	}{
		{"/s/-/nope", "", zhCN, 404, "没有这个文件。"},
		{"/s/-/nope", "en-US,en;q=0.9", en, 404, "There is no such file."},
		{"/s/busy", "zh-CN,zh;q=0.9,en;q=0.8", zhCN, 429, "请在 2 分钟后刷新页面。"},
		{"/s/busy", "en", en, 429, "Please wait 2 minutes, then reload the page."},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp.Body)
		got := []string{strconv.Itoa(resp.StatusCode), resp.Header.Get("Content-Language"), resp.Header.Get("Vary"),
			resp.Header.Get("Cache-Control"), strconv.FormatBool(strings.Contains(body, c.text)),
			strconv.FormatBool(strings.Contains(body, `<html lang="`+string(c.lang)+`">`))}
		want := []string{strconv.Itoa(c.status), string(c.lang), "Accept-Language", "no-store", "true", "true"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GET %s (Accept-Language %q): status, Content-Language, Vary, Cache-Control, text, lang (-want +got):\n%s",
				c.path, c.accept, diff)
		}
	}
	// The stylesheet is the same in every language.
	resp, err := app.Test(httptest.NewRequest("GET", "/s/-/site.css", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Language") != "" || resp.Header.Get("Vary") != "" {
		t.Errorf("site.css: %d, Content-Language %q, Vary %q", resp.StatusCode, resp.Header.Get("Content-Language"), resp.Header.Get("Vary"))
	}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
