package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/wxalbum/mediad/internal/testenv"
)

// upfile is one POST /v1/media as a client sends it. name and partType
// are what the client claims about the file; the server must ignore them.
// fileFirst sends the fields after the file part (wx.uploadFile does not
// fix the order); query is a query string for the request ("" for none).
type upfile struct {
	kind, albumID, visibility string
	name, partType            string
	data                      []byte
	fileFirst                 bool
	query                     string
}

// path is the request path of f, with its query string.
func (f upfile) path() string {
	if f.query == "" {
		return "/v1/media"
	}
	return "/v1/media?" + f.query
}

// multipartBody builds the form: the fields first, then the file part,
// as wx.uploadFile usually sends it; the file first when f.fileFirst.
func multipartBody(t *testing.T, f upfile) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if !f.fileFirst {
		writeFields(t, w, f)
	}
	name, pt := f.name, f.partType
	if name == "" {
		name = "upload.bin"
	}
	if pt == "" {
		pt = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
	h.Set("Content-Type", pt)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(f.data)
	if f.fileFirst {
		writeFields(t, w, f)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// writeFields writes f's non-empty fields as form fields.
func writeFields(t *testing.T, w *multipart.Writer, f upfile) {
	t.Helper()
	for _, kv := range [][2]string{{"kind", f.kind}, {"album_id", f.albumID}, {"visibility", f.visibility}} {
		if kv[1] != "" {
			if err := w.WriteField(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// upload posts f to /v1/media and checks the status; out may be nil.
func (e *engine) upload(tok string, f upfile, want int, out any) []byte {
	e.t.Helper()
	body, ct := multipartBody(e.t, f)
	req, _ := http.NewRequest("POST", e.base+f.path(), bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	return e.send(req, tok, want, out)
}

// userID returns the id of the user signed in with tok.
func (e *engine) userID(tok string) string {
	e.t.Helper()
	var me struct {
		User struct {
			ID            string  `json:"id"`
			AvatarMediaID *string `json:"avatar_media_id"`
		} `json:"user"`
	}
	e.do("GET", "/v1/me", tok, nil, 200, &me)
	return me.User.ID
}

// album creates an album owned by the user signed in with owner, and
// brings in members (token -> role) through invitations, as the
// mini-program does; it returns the album id.
func (e *engine) album(owner string, members map[string]string) string {
	e.t.Helper()
	var out struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	e.do("POST", "/v1/albums", owner, map[string]string{"title": "trip"}, 201, &out)
	for tok, role := range members {
		var inv struct {
			Token string `json:"token"`
		}
		e.do("POST", "/v1/albums/"+out.Album.ID+"/invites", owner, map[string]any{"role": role}, 201, &inv)
		e.do("POST", "/v1/invites/"+inv.Token+"/accept", tok, nil, 200, nil)
	}
	return out.Album.ID
}

// stored is what an upload can leave behind.
type stored struct {
	Raw        int // objects under incoming/
	Incomplete int // unfinished multipart uploads under incoming/
	Rows       int // media rows
	Uploads    int // chunked upload rows
}

func (e *engine) stored() stored {
	e.t.Helper()
	return stored{
		Raw:        len(testenv.Keys(e.t, e.blob, "incoming/")),
		Incomplete: len(testenv.Incomplete(e.t, e.blob, "incoming/")),
		Rows:       e.count(`SELECT count(*) FROM media`),
		Uploads:    e.count(`SELECT count(*) FROM uploads`),
	}
}

// waitStored polls until the bucket and tables hold exactly want.
func (e *engine) waitStored(want stored) {
	e.t.Helper()
	var got stored
	if !poll(15*time.Second, func() bool { got = e.stored(); return got == want }) {
		e.t.Fatalf("stored (-want +got):\n%s", cmp.Diff(want, got))
	}
}

// keys lists object keys under prefix.
func (e *engine) keys(prefix string) []string {
	e.t.Helper()
	return testenv.Keys(e.t, e.blob, prefix)
}

// handled returns how many requests on route the server has finished,
// whatever their status, as its metrics count them. A test that cut a
// request short waits on it before looking for leftovers, so an empty
// bucket means "cleaned up", not "not written yet".
func (e *engine) handled(method, route string) int {
	e.t.Helper()
	resp, err := http.Get("http://" + e.env["MEDIA_METRICS_ADDR"] + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := "mediad_http_requests_total{"
	labels := fmt.Sprintf(`method=%q,route=%q,`, method, route)
	n := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) || !strings.Contains(line, labels) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			e.t.Fatalf("metrics line %q: %v", line, err)
		}
		n += int(v)
	}
	return n
}

// waitHandled waits until the server has finished n requests on route.
func (e *engine) waitHandled(method, route string, n int) {
	e.t.Helper()
	if !poll(30*time.Second, func() bool { return e.handled(method, route) >= n }) {
		e.t.Fatalf("server did not finish %s %s within 30s", method, route)
	}
}

// poll calls cond until it holds or d has passed.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dial opens a raw connection to the API, for requests net/http will not
// send: lying lengths, bodies cut short.
func (e *engine) dial() net.Conn {
	e.t.Helper()
	c, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// rawHead is a request head; extra lines such as "Content-Length: 5" follow
// the fixed ones.
func rawHead(method, path, tok, ctype string, extra ...string) string {
	h := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: mediad\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n", method, path, tok, ctype)
	for _, x := range extra {
		h += x + "\r\n"
	}
	return h + "\r\n"
}

// readResponse reads one response from c.
func readResponse(t *testing.T, c net.Conn, br *bufio.Reader) (*http.Response, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	return resp, b
}

// writeAsync writes chunks to c in the background; the server may answer
// (and close) before it has read them all, so write errors are expected.
func writeAsync(c net.Conn, chunks ...[]byte) {
	go func() {
		for _, b := range chunks {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}()
}

// chunkedEncoding frames b as an HTTP/1.1 chunked body in 16 KiB chunks.
func chunkedEncoding(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		n := min(len(b), 16<<10)
		fmt.Fprintf(&out, "%x\r\n", n)
		out.Write(b[:n])
		out.WriteString("\r\n")
		b = b[n:]
	}
	out.WriteString("0\r\n\r\n")
	return out.Bytes()
}

// readTestdata returns a file of the shared test data.
func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Testdata(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// padded returns head followed by deterministic pseudo-random bytes, size
// bytes in all. Detection looks at the first bytes, so a real file's head
// keeps its type; different seeds give different bytes (no dedupe).
func padded(head []byte, size int, seed uint64) []byte {
	b := make([]byte, size)
	n := copy(b, head)
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	rand.NewChaCha8(s).Read(b[n:])
	return b
}

// jpegHead is the start of a real camera JPEG: enough for detection, small
// enough that a refused upload leaves no unread body behind.
func jpegHead(t *testing.T, size int, seed uint64) []byte {
	t.Helper()
	return padded(readTestdata(t, "images/gps/DSCN0010.jpg")[:min(size, 2048)], size, seed)
}

// videoBody is a real MP4 followed by padding up to size bytes.
func videoBody(t *testing.T, size int, seed uint64) []byte {
	t.Helper()
	return padded(readTestdata(t, "video/location_udta.mp4"), size, seed)
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		for y := range 12 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 20), 128, 255})
		}
	}
	return img
}

func gifFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tiffFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bmpFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// isoFile is an ISO-BMFF file head: an ftyp box with the given brands,
// then padding. The shared test data has no HEIC, and detection needs
// only the ftyp box.
func isoFile(major string, compat ...string) []byte {
	box := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compat)))
	box = append(box, "ftyp"+major+"\x00\x00\x00\x00"+strings.Join(compat, "")...)
	return padded(box, 4096, uint64(len(major)+len(compat)))
}

// chunkedView is a chunked upload as the API shows it.
type chunkedView struct {
	UploadID  string `json:"upload_id"`
	PartSize  int64  `json:"part_size"`
	PartCount int    `json:"part_count"`
	Size      int64  `json:"size"`
	Parts     []struct {
		N    int    `json:"n"`
		Size int64  `json:"size"`
		ETag string `json:"etag"`
	} `json:"parts"`
}

// startChunked posts POST /v1/uploads.
func (e *engine) startChunked(tok string, req map[string]any, want int) (chunkedView, []byte) {
	e.t.Helper()
	var out chunkedView
	b := e.do("POST", "/v1/uploads", tok, req, want, nil)
	if want == 201 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatal(err)
		}
	}
	return out, b
}

// putPart sends part n through client c with an exact Content-Length.
func (e *engine) putPart(c *http.Client, tok, id string, n int, data []byte, want int) []byte {
	e.t.Helper()
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/v1/uploads/%s/parts/%d", e.base, id, n), bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("PUT part %d: %v", n, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("PUT part %d: status %d, want %d; body %s", n, resp.StatusCode, want, b)
	}
	return b
}

// getChunked fetches GET /v1/uploads/:id.
func (e *engine) getChunked(tok, id string) chunkedView {
	e.t.Helper()
	var out chunkedView
	e.do("GET", "/v1/uploads/"+id, tok, nil, 200, &out)
	return out
}

// parts splits data into parts of size ps.
func parts(data []byte, ps int) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(len(data), ps)
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// uploadStatus posts f and returns the status and body.
func (e *engine) uploadStatus(tok string, f upfile) (int, []byte) {
	e.t.Helper()
	body, ct := multipartBody(e.t, f)
	req, _ := http.NewRequest("POST", e.base+f.path(), bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	return e.sendNoCheck(req, tok)
}
