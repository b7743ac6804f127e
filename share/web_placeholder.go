package share

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"
	"image/png"
)

// averageColor decodes the average colour of a base64 ThumbHash from its
// header (https://evanw.github.io/thumbhash/): 24 bits little-endian, the
// DC terms l (6 bits), p (6), q (6) of the LPQ colour space, then l_scale
// (5) and has_alpha (1), which are not needed here.
func averageColor(hash string) (color.NRGBA, bool) {
	b, err := base64.StdEncoding.DecodeString(hash)
	if err != nil || len(b) < 5 {
		return color.NRGBA{}, false
	}
	h := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	l := float64(h&63) / 63
	p := float64(h>>6&63)/31.5 - 1
	q := float64(h>>12&63)/31.5 - 1
	blue := l - 2.0/3.0*p
	red := (3*l - blue + q) / 2
	green := red - q
	return color.NRGBA{R: channel(red), G: channel(green), B: channel(blue), A: 255}, true
}

func channel(v float64) uint8 {
	return uint8(min(max(v, 0), 1)*255 + 0.5)
}

// placeholderURI renders a ThumbHash's average colour as a tiny PNG data
// URI with the aspect ratio w:h, shown under an image until it loads (""
// without a usable hash). An image is used because the page's CSP allows
// no inline styles.
func placeholderURI(hash *string, w, h int) template.URL {
	if hash == nil {
		return ""
	}
	c, ok := averageColor(*hash)
	if !ok {
		return ""
	}
	w, h = shrink(w, h, 16)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	// Safe: the URI is built here from a fixed prefix and base64 only.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

// shrink scales w x h down so the longer side is at most n, keeping at
// least one pixel on each side.
func shrink(w, h, n int) (int, int) {
	if w <= n && h <= n {
		return max(w, 1), max(h, 1)
	}
	if w >= h {
		return n, max(h*n/w, 1)
	}
	return max(w*n/h, 1), n
}
