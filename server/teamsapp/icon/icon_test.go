package icon

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// logo is a square with a red disc in the middle; transparent outside the
// disc when transparentBackground.
func logo(side int, transparentBackground bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	c, r2 := side/2, (side/3)*(side/3)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			dx, dy := x-c, y-c
			switch {
			case dx*dx+dy*dy < r2:
				img.SetNRGBA(x, y, color.NRGBA{R: 200, G: 30, B: 40, A: 255})
			case !transparentBackground:
				img.SetNRGBA(x, y, color.NRGBA{R: 10, G: 20, B: 90, A: 255})
			}
		}
	}
	return img
}

// withClaimedSize rewrites a PNG's IHDR to claim other dimensions, with a
// valid checksum, as a decompression bomb would.
func withClaimedSize(t testing.TB, data []byte, w, h uint32) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	// Signature (8) + length (4) + "IHDR" (4), then width and height.
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	crc := crc32.ChecksumIEEE(out[12:29])
	binary.BigEndian.PutUint32(out[29:], crc)
	return out
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	return img
}

func TestPrepareColorScalesTo192(t *testing.T) {
	out, err := Prepare(Color, pngOf(t, logo(1024, false)))
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, out)
	if b := img.Bounds(); b.Dx() != 192 || b.Dy() != 192 {
		t.Fatalf("color icon is %v", b)
	}
	r, _, _, _ := img.At(96, 96).RGBA()
	if r>>8 < 180 {
		t.Fatalf("centre lost its colour: r=%d", r>>8)
	}
}

func TestPrepareOutlineIsWhiteOnTransparent(t *testing.T) {
	out, err := Prepare(Outline, pngOf(t, logo(256, true)))
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, out)
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Fatalf("outline icon is %v", b)
	}
	assertWhiteOnTransparent(t, img)
}

func assertWhiteOnTransparent(t *testing.T, img image.Image) {
	t.Helper()
	var transparent, visible int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A == 0 {
				transparent++
				continue
			}
			visible++
			if c.R != 0xff || c.G != 0xff || c.B != 0xff {
				t.Fatalf("visible pixel (%d,%d) is %v, not white", x, y, c)
			}
		}
	}
	if transparent == 0 || visible == 0 {
		t.Fatalf("transparent=%d visible=%d", transparent, visible)
	}
}

func TestPrepareRefusesWithReason(t *testing.T) {
	good := pngOf(t, logo(192, true))
	cases := []struct {
		name string
		kind Kind
		data []byte
		want string
	}{
		{"not a png", Color, []byte("GIF89a........"), "not a PNG"},
		{"jpeg bytes", Color, []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, "not a PNG"},
		{"empty", Color, nil, "not a PNG"},
		{"not square", Color, pngOf(t, image.NewNRGBA(image.Rect(0, 0, 300, 200))), "300×200 pixels; it must be square"},
		{"too small", Color, pngOf(t, logo(128, false)), "at least 192×192"},
		{"too big", Color, withClaimedSize(t, good, 5000, 5000), "at most 4096×4096"},
		{"bomb claims max size", Color, withClaimedSize(t, good, 4096, 4096), "truncated or corrupt"},
		{"truncated", Color, good[:len(good)/2], "truncated or corrupt"},
		{"header only", Color, good[:20], "header cannot be read"},
		{"over 1 MiB", Color, append(append([]byte(nil), good...), make([]byte, MaxBytes)...), "larger than 1048576 bytes"},
		{"outline opaque", Outline, pngOf(t, logo(192, false)), "no transparent pixels"},
		{"outline invisible", Outline, pngOf(t, image.NewNRGBA(image.Rect(0, 0, 192, 192))), "fully transparent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.kind, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultIcons(t *testing.T) {
	col := decode(t, Default(Color))
	if col.Bounds().Dx() != 192 || col.Bounds().Dy() != 192 {
		t.Fatalf("default color icon is %v", col.Bounds())
	}
	if _, _, _, a := col.At(0, 0).RGBA(); a != 0xffff {
		t.Fatal("default color icon has a transparent corner")
	}
	out := decode(t, Default(Outline))
	if out.Bounds().Dx() != 32 {
		t.Fatalf("default outline icon is %v", out.Bounds())
	}
	assertWhiteOnTransparent(t, out)
	// The defaults pass the same rules as uploads.
	if _, err := Prepare(Outline, withScale(t, out, 8)); err != nil {
		t.Fatalf("default outline, enlarged, refused: %v", err)
	}
}

// withScale enlarges an image by an integer factor, nearest neighbour.
func withScale(t *testing.T, img image.Image, f int) []byte {
	b := img.Bounds()
	big := image.NewNRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := 0; y < b.Dy()*f; y++ {
		for x := 0; x < b.Dx()*f; x++ {
			big.Set(x, y, img.At(x/f, y/f))
		}
	}
	return pngOf(t, big)
}

func TestParseKind(t *testing.T) {
	if k, err := ParseKind("outline"); err != nil || k != Outline {
		t.Fatal(k, err)
	}
	if _, err := ParseKind("favicon"); err == nil {
		t.Fatal("accepted favicon")
	}
}

func FuzzPrepare(f *testing.F) {
	good := pngOf(f, logo(192, true))
	f.Add(good, true)
	f.Add(good, false)
	f.Add(withClaimedSize(f, good, 4096, 4096), false)
	f.Add(pngOf(f, image.NewGray16(image.Rect(0, 0, 192, 192))), false)
	f.Add(pngOf(f, image.NewPaletted(image.Rect(0, 0, 200, 200), color.Palette{color.Transparent, color.Black})), true)
	f.Fuzz(func(t *testing.T, data []byte, outline bool) {
		kind := Color
		if outline {
			kind = Outline
		}
		out, err := Prepare(kind, data)
		if err != nil {
			return
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("accepted input gave an undecodable icon: %v", err)
		}
		if b := img.Bounds(); b.Dx() != kind.Size() || b.Dy() != kind.Size() {
			t.Fatalf("accepted input gave a %v icon", b)
		}
	})
}

func TestEveryActivityTypeHasItsOwnIcon(t *testing.T) {
	seen := map[string]string{}
	for _, kind := range []string{"mention", "directMessage", "groupMessage", "channelMention", "threadReply"} {
		data := Activity(kind)
		img := decode(t, data)
		if img.Bounds().Dx() != ActivitySize || img.Bounds().Dy() != ActivitySize {
			t.Fatalf("%s: %v", kind, img.Bounds())
		}
		if other, dup := seen[string(data)]; dup {
			t.Fatalf("%s looks like %s", kind, other)
		}
		seen[string(data)] = kind
	}
	if Activity("unknown") != nil {
		t.Fatal("an unknown activity type has an icon")
	}
}
