package process

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
)

// planted are strings the crafted profile (testdata/icc/planted.icc) hides
// in its text tags and header: a place, an owner, a serial, a device.
var planted = []string{"Alice", "31.2304", "998877", "SerialCam", "ZX81", "ALIC"}

// TestPlantedICCTextIsGone: a profile carrying a place, an owner and a
// device serial in its text tags, embedded in a JPEG, a PNG and a WebP,
// reaches no served byte; the variants still carry a profile, and exiftool
// reads only colour tags and the engine's fixed text in it.
func TestPlantedICCTextIsGone(t *testing.T) {
	p := mustProcessor(t)
	for _, ext := range []string{"jpg", "png", "webp"} {
		t.Run(ext, func(t *testing.T) {
			rel := "images/crafted/icc_planted_text." + ext
			raw := mustRead(t, rel)
			if !bytes.Contains(iccOf(raw), []byte("998877")) {
				t.Fatalf("%s does not carry the planted profile", rel)
			}
			res, err := p.Image(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{"original." + ext: res.Original, "thumb.jpg": res.Thumb,
				"preview.jpg": res.Preview, "card.jpg": res.Card}
			for name, b := range files {
				for _, s := range planted {
					// the PNG profile is compressed: look inside it too
					if bytes.Contains(b, []byte(s)) || bytes.Contains(iccOf(b), []byte(s)) {
						t.Errorf("%s carries %q", name, s)
					}
				}
				if iccOf(b) == nil {
					t.Errorf("%s lost its colour profile", name)
				}
			}
			assertCleanFiles(t, files)
		})
	}
}

// TestSanitizeICCKeepsColour: every colour tag survives byte for byte,
// every text tag is replaced or dropped, and malformed profiles are
// dropped rather than passed through.
func TestSanitizeICCKeepsColour(t *testing.T) {
	src := mustRead(t, "icc/planted.icc")
	out := sanitizeICC(src)
	if out == nil {
		t.Fatal("a well-formed profile was dropped")
	}
	in, got := iccTagMap(t, src), iccTagMap(t, out)
	for sig, data := range in {
		switch {
		case iccColourTags[sig] && !bytes.Equal(got[sig], data):
			t.Errorf("colour tag %s changed", sig)
		case !iccColourTags[sig] && got[sig] != nil && bytes.Equal(got[sig], data):
			t.Errorf("text tag %s kept its data", sig)
		}
	}
	for _, sig := range []string{"dmnd", "dmdd", "mmod"} {
		if got[sig] != nil {
			t.Errorf("tag %s survived", sig)
		}
	}
	if int(binary.BigEndian.Uint32(out)) != len(out) {
		t.Error("profile size field does not match")
	}
	for _, bad := range [][]byte{nil, src[:100], bytes.Replace(src, []byte("acsp"), []byte("xxxx"), 1)} {
		if sanitizeICC(bad) != nil {
			t.Errorf("malformed profile (%d bytes) was not dropped", len(bad))
		}
	}
}

// iccTagMap reads a profile's tag table.
func iccTagMap(t *testing.T, p []byte) map[string][]byte {
	t.Helper()
	n := int(binary.BigEndian.Uint32(p[128:]))
	m := map[string][]byte{}
	for i := 0; i < n; i++ {
		e := p[132+12*i:]
		off, size := binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		m[string(e[:4])] = p[off : off+size]
	}
	return m
}

// iccOf returns the profile embedded in a JPEG, PNG or WebP.
func iccOf(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, pngSig):
		return pngICC(b)
	case bytes.HasPrefix(b, []byte("RIFF")):
		return webpICC(b)
	}
	return jpegICC(b)
}
