package process

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ftyp(major string, compat ...string) []byte {
	b := []byte{0, 0, 0, byte(16 + 4*len(compat)), 'f', 't', 'y', 'p'}
	b = append(b, major...)
	b = append(b, 0, 0, 0, 0)
	for _, c := range compat {
		b = append(b, c...)
	}
	return b
}

func TestDetect(t *testing.T) {
	cases := map[string]struct {
		head []byte
		want Format
	}{
		"jpeg":       {[]byte{0xFF, 0xD8, 0xFF, 0xE0}, FormatJPEG},
		"png":        {[]byte("\x89PNG\r\n\x1a\n...."), FormatPNG},
		"gif":        {[]byte("GIF89a......"), FormatGIF},
		"webp":       {[]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), FormatWebP},
		"wav":        {[]byte("RIFF\x00\x00\x00\x00WAVEfmt "), FormatUnknown},
		"heic":       {ftyp("heic", "mif1", "heic"), FormatHEIC},
		"mif1+heic":  {ftyp("mif1", "heic"), FormatHEIC},
		"avif":       {ftyp("avif", "mif1"), FormatUnknown},
		"mif1+avif":  {ftyp("mif1", "avif"), FormatUnknown},
		"mp4":        {ftyp("isom", "iso2", "avc1"), FormatMP4},
		"mov":        {ftyp("qt  ", "qt  "), FormatMOV},
		"svg":        {[]byte("<svg xmlns="), FormatUnknown},
		"html":       {[]byte("<!DOCTYPE html>"), FormatUnknown},
		"tiff":       {[]byte("II*\x00\x08\x00\x00\x00"), FormatUnknown},
		"bmp":        {[]byte("BM6\x00\x00\x00"), FormatUnknown},
		"empty":      {nil, FormatUnknown},
		"short jpeg": {[]byte{0xFF, 0xD8}, FormatUnknown},
	}
	for name, c := range cases {
		if got := Detect(c.head); got != c.want {
			t.Errorf("%s: Detect = %q, want %q", name, got, c.want)
		}
	}
}

func TestFormatProperties(t *testing.T) {
	type props struct {
		Image, Video bool
		Type         string
	}
	got := map[Format]props{}
	for _, f := range []Format{FormatJPEG, FormatPNG, FormatWebP, FormatGIF, FormatHEIC, FormatMP4, FormatMOV, FormatUnknown} {
		got[f] = props{f.IsImage(), f.IsVideo(), f.ContentType()}
	}
	want := map[Format]props{
		FormatJPEG: {true, false, "image/jpeg"}, FormatPNG: {true, false, "image/png"},
		FormatWebP: {true, false, "image/webp"}, FormatGIF: {true, false, "image/gif"},
		FormatHEIC: {true, false, "image/heic"}, FormatMP4: {false, true, "video/mp4"},
		FormatMOV: {false, true, "video/quicktime"}, FormatUnknown: {false, false, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
