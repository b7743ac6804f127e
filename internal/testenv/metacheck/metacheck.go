// Package metacheck is the test oracle for the privacy invariant "no
// served byte carries location, device or author traces": it asks an
// independent reader, exiftool, what a file holds, and accepts only what an
// allow-list names. A vendor group or tag nobody listed fails the check
// rather than passing it. It also finds bytes after the end of an image.
//
// The unit tests of process and the end-to-end tests of cmd/mediad use the
// same check.
package metacheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Groups are the exiftool family-1 groups a served file may show: file
// system facts, container and image structure, the colour profile, the
// video container's own boxes and tracks, and an IFD0 that may hold
// nothing but Orientation.
var Groups = []string{
	"ExifTool", "System", "File", "JFIF", "IFD0", "Composite", "Adobe", "APP14",
	"ICC_Profile", "ICC-header", "ICC-meas", "ICC-view", "ICC-chrm",
	"PNG", "PNG-pHYs", "RIFF", "GIF", "Animation", "QuickTime",
}

// trackGroup matches the per-track groups of a video (Track1, Track2, ...).
var trackGroup = regexp.MustCompile(`^Track[0-9]+$`)

// Banned are words that must not appear in any tag name, whatever the group:
// where and when a picture was taken, on what device, by whom.
var Banned = []string{"GPS", "XMP", "IPTC", "MakerNote", "Comment", "Serial", "Trailer", "Make", "Model",
	"Photoshop", "Author", "Creator", "Copyright", "DateTimeOriginal", "Location", "Software", "Artist", "Owner"}

// zeroDate is how exiftool shows a QuickTime date that was cleared.
const zeroDate = "0000:00:00 00:00:00"

// Exiftool returns exiftool's path, failing the test (never skipping) when
// it is not installed: without it "clean" would go unchecked.
func Exiftool(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("exiftool")
	if err != nil {
		tb.Fatalf("exiftool is required to check served files (apt-get install libimage-exiftool-perl): %v", err)
	}
	return p
}

// Dirty returns every line exiftool prints about the files at paths that
// the allow-list does not accept, prefixed with the file's base name, plus
// any trailer exiftool finds.
func Dirty(tb testing.TB, paths ...string) []string {
	tb.Helper()
	var bad []string
	current := filepath.Base(paths[0])
	for _, line := range strings.Split(run(tb, append([]string{"-a", "-G1", "-s", "-ee"}, paths...)...), "\n") {
		line = strings.TrimSpace(line)
		if f, ok := strings.CutPrefix(line, "======== "); ok {
			current = filepath.Base(f)
			continue
		}
		if line == "" || strings.HasSuffix(line, "files read") {
			continue
		}
		if why := DirtyLine(line); why != "" {
			bad = append(bad, fmt.Sprintf("%s: %s: %s", current, why, line))
		}
	}
	current = filepath.Base(paths[0])
	for _, line := range strings.Split(run(tb, append([]string{"-a", "-G1", "-s", "-trailer:all"}, paths...)...), "\n") {
		line = strings.TrimSpace(line)
		if f, ok := strings.CutPrefix(line, "======== "); ok {
			current = filepath.Base(f)
			continue
		}
		if line != "" && !strings.HasSuffix(line, "files read") {
			bad = append(bad, fmt.Sprintf("%s: trailer: %s", current, line))
		}
	}
	return bad
}

// DirtyLine explains why one line of `exiftool -a -G1 -s` output is not
// acceptable in a served file, or returns "" when it is.
func DirtyLine(line string) string {
	group, rest, ok := strings.Cut(strings.TrimPrefix(line, "["), "]")
	if !ok {
		return "not a tag line"
	}
	tag, value, _ := strings.Cut(strings.TrimSpace(rest), ":")
	tag, value = strings.TrimSpace(tag), strings.TrimSpace(value)
	switch {
	case group == "System" || group == "ExifTool":
		return "" // where the test wrote the file, and exiftool's own notes
	case strings.HasPrefix(group, "ICC"):
		return dirtyICC(group, tag, value)
	}
	for _, w := range Banned {
		if strings.Contains(tag, w) {
			return "banned tag"
		}
	}
	if group == "IFD0" && tag != "Orientation" {
		return "IFD0 may hold only Orientation"
	}
	if strings.Contains(tag, "Date") && value != zeroDate {
		return "a date survives"
	}
	if !slices.Contains(Groups, group) && !trackGroup.MatchString(group) {
		return "group not allowed"
	}
	return ""
}

// iccHeader lists the profile header fields a served profile may show,
// with the value each must have ("*" for any): nothing that names a
// device, a maker, a platform, a creator or a date.
var iccHeader = map[string]string{
	"ProfileCMMType": "", "ProfileVersion": "*", "ProfileClass": "*", "ColorSpaceData": "*",
	"ProfileConnectionSpace": "*", "ProfileDateTime": zeroDate, "ProfileFileSignature": "acsp",
	"PrimaryPlatform": "Unknown ()", "CMMFlags": "*", "DeviceManufacturer": "", "DeviceModel": "",
	"DeviceAttributes": "*", "RenderingIntent": "*", "ConnectionSpaceIlluminant": "*",
	"ProfileCreator": "", "ProfileID": "0",
}

// iccTags lists the profile tags a served profile may carry: how to render
// colour, and a description and copyright fixed by the engine. Any text a
// profile can hold (device names, private tags) is not on the list.
var iccTags = map[string]string{
	"ProfileDescription": "ICC profile", "ProfileCopyright": "No copyright",
	"MediaWhitePoint": "*", "MediaBlackPoint": "*", "ChromaticAdaptation": "*", "Luminance": "*",
	"RedMatrixColumn": "*", "GreenMatrixColumn": "*", "BlueMatrixColumn": "*",
	"RedTRC": "*", "GreenTRC": "*", "BlueTRC": "*", "GrayTRC": "*",
	"AToB0": "*", "AToB1": "*", "AToB2": "*", "BToA0": "*", "BToA1": "*", "BToA2": "*", "Gamut": "*",
	"ColorRepresentation": "*", "ChromaticityChannels": "*", "ChromaticityColorant": "*",
	"ChromaticityChannel1": "*", "ChromaticityChannel2": "*", "ChromaticityChannel3": "*",
}

// dirtyICC checks one line of the carried colour profile against iccHeader
// and iccTags.
func dirtyICC(group, tag, value string) string {
	allowed := iccTags
	if group == "ICC-header" {
		allowed = iccHeader
	} else if group == "ICC-chrm" {
		allowed = map[string]string{tag: "*"} // chromaticity numbers
	}
	want, ok := allowed[tag]
	switch {
	case !ok:
		return "profile tag not allowed"
	case want != "*" && value != want:
		return fmt.Sprintf("profile field must read %q", want)
	}
	return ""
}

// AssertClean writes each body to a temporary file under its name and
// fails the test for anything the allow-list does not accept and for bytes
// after the end of an image. Two exiftool runs check all files at once
// (exiftool's start-up dominates the time).
func AssertClean(tb testing.TB, files map[string][]byte) {
	tb.Helper()
	dir := tb.TempDir()
	var paths []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o600); err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, p)
		if n, err := TrailingBytes(files[name]); err != nil {
			tb.Errorf("%s: %v", name, err)
		} else if n > 0 {
			tb.Errorf("%s: %d bytes after the end of the image", name, n)
		}
	}
	if len(paths) == 0 {
		return
	}
	for _, b := range Dirty(tb, paths...) {
		tb.Errorf("leaks metadata: %s", b)
	}
}

func run(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, Exiftool(tb), args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		tb.Fatalf("exiftool %v: %v", args, err)
	}
	return string(out)
}

// TrailingBytes returns how many bytes follow the end of a JPEG (its EOI),
// PNG (IEND) or WebP (RIFF size); other formats are left to exiftool.
func TrailingBytes(b []byte) (int, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8}):
		end, err := jpegEnd(b)
		return len(b) - end, err
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		i := bytes.Index(b, []byte("IEND"))
		if i < 0 {
			return 0, errors.New("PNG without IEND")
		}
		return len(b) - (i + 8), nil // type + CRC
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return len(b) - 8 - int(binary.LittleEndian.Uint32(b[4:8])), nil
	}
	return 0, nil
}

// jpegEnd walks a JPEG's segments and entropy-coded data to the offset
// just past its EOI marker.
func jpegEnd(b []byte) (int, error) {
	i := 2
	for i+2 <= len(b) {
		if b[i] != 0xFF {
			return 0, fmt.Errorf("JPEG: no marker at %d", i)
		}
		m := b[i+1]
		switch {
		case m == 0xD9:
			return i + 2, nil
		case m == 0xFF:
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2
			continue
		}
		if i+4 > len(b) {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
		if m != 0xDA {
			continue
		}
		// Entropy-coded data runs to the next marker that is neither a
		// stuffed 0xFF00 nor a restart marker.
		for i+1 < len(b) && (b[i] != 0xFF || b[i+1] == 0 || (b[i+1] >= 0xD0 && b[i+1] <= 0xD7)) {
			i++
		}
	}
	return 0, errors.New("JPEG: no EOI")
}
