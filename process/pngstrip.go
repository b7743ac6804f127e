package process

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// pngKeep is the chunk allow-list: what rendering needs, colour management,
// and APNG animation. Text, eXIf, tIME and anything unknown are dropped.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "tRNS": true, "IDAT": true, "IEND": true,
	"gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// pngChunk is one chunk; raw spans length, type, data and CRC.
type pngChunk struct {
	typ  string
	data []byte
	raw  []byte
}

// walkPNG calls fn for each chunk up to and including IEND; bytes after IEND
// are never looked at.
func walkPNG(src []byte, fn func(pngChunk)) error {
	if !bytes.HasPrefix(src, pngSig) {
		return errorf(ReasonCorrupt, nil, "png: bad signature")
	}
	for pos := len(pngSig); ; {
		if pos+12 > len(src) {
			return errorf(ReasonCorrupt, nil, "png: truncated before IEND")
		}
		n := uint64(binary.BigEndian.Uint32(src[pos:]))
		end := uint64(pos) + 12 + n
		if end > uint64(len(src)) {
			return errorf(ReasonCorrupt, nil, "png: chunk runs past end")
		}
		c := pngChunk{typ: string(src[pos+4 : pos+8]), data: src[pos+8 : pos+8+int(n)], raw: src[pos:end]}
		fn(c)
		if c.typ == "IEND" {
			return nil
		}
		pos = int(end)
	}
}

// StripPNG copies the allow-listed chunks of src to dst unchanged (so their
// CRCs stay valid) and drops everything else, including data after IEND.
// The one exception is iCCP, written anew around the sanitized profile.
func StripPNG(dst io.Writer, src []byte) error {
	w := &errWriter{w: dst}
	w.write(pngSig)
	first := true
	icc := pngICCP(sanitizeICC(pngICC(src)))
	err := walkPNG(src, func(c pngChunk) {
		if first && c.typ != "IHDR" {
			w.err = errorf(ReasonCorrupt, nil, "png: first chunk is %q", c.typ)
		}
		first = false
		switch {
		case c.typ == "iCCP":
			w.write(icc)
			icc = nil // once
		case pngKeep[c.typ]:
			w.write(c.raw)
		}
	})
	if err != nil {
		return err
	}
	if w.err != nil {
		return errorf(Reason(w.err), w.err, "png")
	}
	return nil
}

// maxICC bounds a decompressed ICC profile; real ones are a few KiB.
const maxICC = 4 << 20

// pngICC returns the decompressed iCCP profile, nil when absent or invalid.
func pngICC(src []byte) []byte {
	var icc []byte
	walkPNG(src, func(c pngChunk) {
		if c.typ != "iCCP" || icc != nil {
			return
		}
		// name (1-79 bytes), NUL, compression method 0, zlib stream.
		i := bytes.IndexByte(c.data, 0)
		if i < 1 || i+2 > len(c.data) || c.data[i+1] != 0 {
			return
		}
		zr, err := zlib.NewReader(bytes.NewReader(c.data[i+2:]))
		if err != nil {
			return
		}
		b, err := io.ReadAll(io.LimitReader(zr, maxICC+1))
		if err == nil && len(b) <= maxICC {
			icc = b
		}
	})
	return icc
}

// iccName is the profile name written into iCCP; the original name is text
// the uploader's software chose and goes with the rest.
const iccName = "ICC Profile"

// pngICCP builds an iCCP chunk for profile; nil (no chunk) for nil.
func pngICCP(profile []byte) []byte {
	if profile == nil {
		return nil
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(profile) // a bytes.Buffer does not fail
	zw.Close()
	data := append(append([]byte(iccName), 0, 0), z.Bytes()...)
	return pngChunkBytes("iCCP", data)
}

// pngChunkBytes frames data as a PNG chunk: length, type, data, CRC.
func pngChunkBytes(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}
