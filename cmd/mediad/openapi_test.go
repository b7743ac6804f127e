package main

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.yaml.in/yaml/v3"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
)

// The OpenAPI tests need no services: routes() only takes method values of
// zero-value handlers and builds the readiness closures without calling them.

const openapiPath = "../../docs/openapi.yaml"

const errorBodyRef = "#/components/schemas/ErrorBody"

// Operations that cannot answer a client error: the probes. /healthz always
// answers 200; /readyz answers 200 or 503 (NotReady, an ErrorBody with checks).
var openapiNoClientErrors = map[string]bool{"get /healthz": true, "get /readyz": true}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true}

type apiRoute struct {
	method, path string // lower-case method, OpenAPI-style path
	user         bool   // behind the auth.RequireUser middleware
}

func (r apiRoute) key() string { return r.method + " " + r.path }

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// registeredRoutes builds the routes exactly as the server does, with every
// optional route (dev login) switched on.
func registeredRoutes(t *testing.T) map[string]apiRoute {
	t.Helper()
	a := &app{
		cfg:    Config{Auth: auth.Config{DevLogin: true}},
		deps:   &deps{},
		auth:   &auth.Handler{},
		media:  &upload.Handler{},
		albums: &albums.Handler{},
		shares: &share.Handler{},
	}
	f := fiber.New()
	a.routes(f)
	requireUser := reflect.ValueOf(a.auth.RequireUser).Pointer()

	gets := map[string]bool{}
	all := f.GetRoutes(true)
	for _, r := range all {
		if r.Method == fiber.MethodGet {
			gets[r.Path] = true
		}
	}
	out := map[string]apiRoute{}
	for _, r := range all {
		if r.Method == fiber.MethodHead && gets[r.Path] {
			continue // added by Fiber for every GET
		}
		if strings.ContainsAny(r.Path, "*+?") {
			t.Fatalf("%s %s: optional/wildcard parameters have no OpenAPI form; extend openapi_test.go", r.Method, r.Path)
		}
		ar := apiRoute{
			method: strings.ToLower(r.Method),
			path:   fiberParam.ReplaceAllString(r.Path, "{$1}"),
			user:   len(r.Handlers) > 1 && reflect.ValueOf(r.Handlers[0]).Pointer() == requireUser,
		}
		if _, dup := out[ar.key()]; dup {
			t.Fatalf("route %s registered twice", ar.key())
		}
		out[ar.key()] = ar
	}
	if len(out) == 0 {
		t.Fatal("no routes registered")
	}
	return out
}

type openapiDoc struct {
	root  map[string]any
	paths map[string]map[string]any
}

func loadOpenAPI(t *testing.T) *openapiDoc {
	t.Helper()
	b, err := os.ReadFile(openapiPath)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", openapiPath, err)
	}
	if v, _ := root["openapi"].(string); v != "3.0.3" {
		t.Fatalf("openapi version = %v, want 3.0.3", root["openapi"])
	}
	ps, ok := root["paths"].(map[string]any)
	if !ok || len(ps) == 0 {
		t.Fatal("no paths in the document")
	}
	d := &openapiDoc{root: root, paths: map[string]map[string]any{}}
	for p, item := range ps {
		m, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", p)
		}
		d.paths[p] = m
	}
	return d
}

// operations returns "method path" -> operation object.
func (d *openapiDoc) operations(t *testing.T) map[string]map[string]any {
	t.Helper()
	ops := map[string]map[string]any{}
	for p, item := range d.paths {
		for k, v := range item {
			if !httpMethods[k] {
				continue
			}
			op, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s %s is not an object", k, p)
			}
			ops[k+" "+p] = op
		}
	}
	return ops
}

// resolve follows a local $ref ("#/a/b/c").
func (d *openapiDoc) resolve(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("non-local $ref %q", ref)
	}
	var cur any = d.root
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return cur, nil
}

// deref returns the object v points to when it is a {$ref} object.
func (d *openapiDoc) deref(v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want an object, got %T", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if v, err = d.resolve(ref); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("$ref chain too long")
}

// schemaIsError reports whether schema is ErrorBody, refers to it, or
// extends it through allOf.
func (d *openapiDoc) schemaIsError(schema any, depth int) bool {
	m, ok := schema.(map[string]any)
	if !ok || depth > 10 {
		return false
	}
	if ref, ok := m["$ref"].(string); ok {
		if ref == errorBodyRef {
			return true
		}
		target, err := d.resolve(ref)
		return err == nil && d.schemaIsError(target, depth+1)
	}
	all, _ := m["allOf"].([]any)
	for _, s := range all {
		if d.schemaIsError(s, depth+1) {
			return true
		}
	}
	return false
}

// responseIsError reports whether every media type of the response has an
// ErrorBody schema (and there is at least one).
func (d *openapiDoc) responseIsError(resp any) bool {
	r, err := d.deref(resp)
	if err != nil {
		return false
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		return false
	}
	for _, mt := range content {
		m, _ := mt.(map[string]any)
		if m == nil || !d.schemaIsError(m["schema"], 0) {
			return false
		}
	}
	return true
}

// htmlOnly reports whether a response's only media type is text/html.
func htmlOnly(resp map[string]any) bool {
	content, _ := resp["content"].(map[string]any)
	_, ok := content["text/html"]
	return ok && len(content) == 1
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestOpenAPIMatchesRoutes: every registered route is documented, and every
// documented operation is registered (no stale docs).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	routes := registeredRoutes(t)
	doc := loadOpenAPI(t)
	ops := doc.operations(t)
	for _, k := range sortedKeys(routes) {
		if _, ok := ops[k]; !ok {
			t.Errorf("route %s is registered in routes.go but missing from docs/openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(ops) {
		if _, ok := routes[k]; !ok {
			t.Errorf("docs/openapi.yaml documents %s, which routes.go does not register", k)
		}
	}
}

// TestOpenAPISecurityMatchesMiddleware: routes behind the user middleware
// require the session scheme; the others require nothing.
func TestOpenAPISecurityMatchesMiddleware(t *testing.T) {
	routes := registeredRoutes(t)
	doc := loadOpenAPI(t)
	global, _ := doc.root["security"].([]any)
	for k, op := range doc.operations(t) {
		r, ok := routes[k]
		if !ok {
			continue // reported by TestOpenAPIMatchesRoutes
		}
		sec, set := op["security"].([]any)
		if !set {
			sec = global
		}
		session := false
		for _, req := range sec {
			if m, _ := req.(map[string]any); m != nil {
				if _, ok := m["session"]; ok {
					session = true
				}
			}
		}
		switch {
		case r.user && (!session || len(sec) != 1):
			t.Errorf("%s uses the user middleware: want security [{session: []}], got %v", k, sec)
		case !r.user && len(sec) != 0:
			t.Errorf("%s has no auth middleware: want security [], got %v", k, sec)
		}
		if r.user {
			resp, _ := op["responses"].(map[string]any)
			if !doc.responseIsError(resp["401"]) {
				t.Errorf("%s uses the user middleware but documents no 401 ErrorBody response", k)
			}
		}
	}
}

// TestOpenAPIDocumentIsValid: the document parses, every $ref resolves,
// operations are complete, and errors use the shared ErrorBody component.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)

	// Every $ref resolves.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := doc.resolve(ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	walk(doc.root, "#")

	// The shared error component has the shape httpx.ErrorHandler writes.
	eb, err := doc.resolve(errorBodyRef)
	if err != nil {
		t.Fatal(err)
	}
	ebm, _ := eb.(map[string]any)
	props, _ := ebm["properties"].(map[string]any)
	detail, err := doc.deref(props["error"])
	if err != nil {
		t.Fatalf("ErrorBody.error: %v", err)
	}
	dp, _ := detail["properties"].(map[string]any)
	if _, ok := dp["code"]; !ok {
		t.Error("ErrorBody.error has no code")
	}
	if _, ok := dp["message"]; !ok {
		t.Error("ErrorBody.error has no message")
	}

	for _, sc := range []string{"User", "Session", "Media", "Upload", "Part", "ErrorBody", "Ready", "Health",
		"Album", "AlbumItem", "Member", "RankEntry", "Invite", "InvitePreview", "Dissolution",
		"ShareLink", "PublicShare", "PublicItem"} {
		if _, err := doc.resolve("#/components/schemas/" + sc); err != nil {
			t.Errorf("component %s: %v", sc, err)
		}
	}

	ops := doc.operations(t)
	ids := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for _, k := range sortedKeys(ops) {
		op := ops[k]
		method, path, _ := strings.Cut(k, " ")
		if s, _ := op["summary"].(string); strings.TrimSpace(s) == "" {
			t.Errorf("%s has no summary", k)
		}
		if id, _ := op["operationId"].(string); id == "" {
			t.Errorf("%s has no operationId", k)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("operationId %s used by %s and %s", id, prev, k)
		} else {
			ids[id] = k
		}

		// Path parameters are declared (on the path item or the operation).
		declared := map[string]bool{}
		for _, src := range []any{doc.paths[path]["parameters"], op["parameters"]} {
			list, _ := src.([]any)
			for _, p := range list {
				pm, err := doc.deref(p)
				if err != nil {
					t.Errorf("%s parameter: %v", k, err)
					continue
				}
				if pm["in"] == "path" {
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v must be required", k, pm["name"])
					}
					declared[fmt.Sprint(pm["name"])] = true
				}
			}
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %s is not declared", k, m[1])
			}
		}

		resp, _ := op["responses"].(map[string]any)
		if len(resp) == 0 {
			t.Errorf("%s has no responses", k)
			continue
		}
		success, clientErr := false, false
		for code, r := range resp {
			switch {
			case strings.HasPrefix(code, "2"), code == "303":
				success = true // 303: redirect after a form post
			case strings.HasPrefix(code, "4"):
				rm, err := doc.deref(r)
				if err != nil {
					t.Errorf("%s %s: %v", k, code, err)
					continue
				}
				if rm["content"] == nil && code == "416" {
					continue // Range Not Satisfiable has an empty body
				}
				if strings.HasPrefix(path, "/s/") && htmlOnly(rm) {
					clientErr = true // the share link web pages answer errors with a page
					continue
				}
				if !doc.responseIsError(r) {
					t.Errorf("%s %s does not use the ErrorBody component", k, code)
				} else {
					clientErr = true
				}
			case strings.HasPrefix(code, "5"):
				if !doc.responseIsError(r) {
					t.Errorf("%s %s does not use the ErrorBody component", k, code)
				}
			default:
				t.Errorf("%s: unexpected response key %q", k, code)
			}
		}
		if !success {
			t.Errorf("%s documents no 2xx response", k)
		}
		if !clientErr && !openapiNoClientErrors[method+" "+path] {
			t.Errorf("%s documents no 4xx response using the ErrorBody component", k)
		}
	}
}
