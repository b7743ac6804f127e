package metacheck

import "testing"

func TestDirtyLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		bad  bool
	}{
		{"[File]          FileType                        : JPEG", false},
		{"[IFD0]          Orientation                     : Horizontal (normal)", false},
		{"[IFD0]          Make                            : NIKON", true},
		{"[IFD0]          XResolution                     : 72", true},
		{"[GPS]           GPSLatitude                     : 22 deg 32' 35.16\"", true},
		{"[XMP-exif]      GPSLatitude                     : 31 deg", true},
		{"[IPTC]          City                            : Hangzhou", true},
		{"[Nikon]         ShutterCount                    : 12", true}, // a vendor group nobody listed
		{"[ExifIFD]       SerialNumber                    : SN123456", true},
		{"[Keys]          Model                           : iPhone 15", true},
		{"[UserData]      LocationInformation             : Lat=39.9", true},
		{"[QuickTime]     CreateDate                      : 0000:00:00 00:00:00", false},
		{"[QuickTime]     CreateDate                      : 2024:05:01 10:00:00", true},
		{"[Track1]        CompressorID                    : avc1", false},
		{"[ICC_Profile]   ProfileCopyright                : Copyright Apple Inc., 2017", true},
		{"[ICC_Profile]   ProfileCopyright                : No copyright", false},
		{"[ICC_Profile]   ProfileDescription              : Alice's phone at home", true},
		{"[ICC_Profile]   DeviceModelDesc                 : Model X, serial 998877", true},
		{"[ICC_Profile]   RedTRC                          : (Binary data 16 bytes)", false},
		{"[ICC-header]    DeviceModel                     : ZX81", true},
		{"[ICC-header]    DeviceModel                     : ", false},
		{"[ICC-header]    ProfileDateTime                 : 2024:05:01 10:30:00", true},
		{"[PNG]           Comment                         : taken at home", true},
		{"[System]        FileModifyDate                  : 2026:12:04 14:13:21+00:00", false},
	} {
		if got := DirtyLine(tc.line) != ""; got != tc.bad {
			t.Errorf("DirtyLine(%q) dirty = %v, want %v", tc.line, got, tc.bad)
		}
	}
}

func TestTrailingBytes(t *testing.T) {
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9}
	if n, err := TrailingBytes(jpeg); err != nil || n != 0 {
		t.Errorf("clean JPEG: %d, %v", n, err)
	}
	if n, err := TrailingBytes(append(jpeg, "ftypmp42"...)); err != nil || n != 8 {
		t.Errorf("JPEG with a trailer: %d, %v", n, err)
	}
}
