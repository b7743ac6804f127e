package process

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// Format is a container format detected from content, never from a file name
// or a client-supplied Content-Type.
type Format string

// Accepted formats. Anything else (SVG, HTML, TIFF, BMP, AVIF, ...) is
// FormatUnknown and is refused.
const (
	FormatUnknown Format = ""
	FormatJPEG    Format = "jpeg"
	FormatPNG     Format = "png"
	FormatWebP    Format = "webp"
	FormatGIF     Format = "gif"
	FormatHEIC    Format = "heic"
	FormatMP4     Format = "mp4"
	FormatMOV     Format = "mov"
)

// IsImage reports whether f is a still-image format handled by Processor.Image.
func (f Format) IsImage() bool {
	switch f {
	case FormatJPEG, FormatPNG, FormatWebP, FormatGIF, FormatHEIC:
		return true
	}
	return false
}

// IsVideo reports whether f is a video container handled by Processor.Video.
func (f Format) IsVideo() bool { return f == FormatMP4 || f == FormatMOV }

// ContentType returns the MIME type of f, or "" for FormatUnknown.
func (f Format) ContentType() string {
	switch f {
	case FormatJPEG:
		return "image/jpeg"
	case FormatPNG:
		return "image/png"
	case FormatWebP:
		return "image/webp"
	case FormatGIF:
		return "image/gif"
	case FormatHEIC:
		return "image/heic"
	case FormatMP4:
		return "video/mp4"
	case FormatMOV:
		return "video/quicktime"
	}
	return ""
}

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// Detect returns the format of a file from its first bytes (512 are plenty).
func Detect(head []byte) Format {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return FormatJPEG
	case bytes.HasPrefix(head, pngSig):
		return FormatPNG
	case bytes.HasPrefix(head, []byte("GIF87a")) || bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatGIF
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		// Too short for a WebP is still no ISO file: its size field could
		// spell "moov" and pass for a MOV (caught by FuzzDetect).
		if len(head) < 16 {
			return FormatUnknown
		}
		return FormatWebP
	}
	return detectISOBMFF(head)
}

// detectISOBMFF classifies files built from ISO boxes by their ftyp brands.
func detectISOBMFF(head []byte) Format {
	if len(head) < 12 {
		return FormatUnknown
	}
	switch string(head[4:8]) {
	case "ftyp":
	case "moov", "mdat", "wide":
		// QuickTime files written before ftyp existed.
		return FormatMOV
	default:
		return FormatUnknown
	}
	size := int(binary.BigEndian.Uint32(head))
	if size < 16 || size > len(head) {
		size = len(head)
	}
	major := string(head[8:12])
	var compat []string
	for i := 16; i+4 <= size; i += 4 {
		compat = append(compat, string(head[i:i+4]))
	}
	return brandFormat(major, compat)
}

// brandFormat maps ftyp brands to a format. AVIF (also "mif1"-based) stays
// unknown: it is not an accepted upload type.
func brandFormat(major string, compat []string) Format {
	isHEIC := func(b string) bool {
		switch b {
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			return true
		}
		return false
	}
	switch {
	case isHEIC(major):
		return FormatHEIC
	case major == "mif1" || major == "msf1":
		for _, b := range compat {
			if isHEIC(b) {
				return FormatHEIC
			}
		}
		return FormatUnknown
	case major == "qt  ":
		return FormatMOV
	case major == "avif" || major == "avis" || major == "crx ":
		return FormatUnknown
	}
	for _, p := range []string{"iso", "mp4", "avc", "3gp", "3g2", "M4V"} {
		if strings.HasPrefix(major, p) {
			return FormatMP4
		}
	}
	switch major {
	case "dash", "f4v ", "MSNV", "XAVC":
		return FormatMP4
	}
	return FormatUnknown
}
