// Package icon turns an admin's uploaded PNG into the icons a Teams app
// package needs: a 192×192 color icon and a 32×32 white-on-transparent
// outline icon. Every rule it enforces is one Teams enforces on upload, or
// one that keeps a hostile file from costing memory or time.
package icon

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"
)

// Kind is which of the two Teams icons an image is for.
type Kind string

// The two icons of a Teams app package.
const (
	Color   Kind = "color"
	Outline Kind = "outline"
)

// Size is the side, in pixels, Teams wants for the icon.
func (k Kind) Size() int {
	if k == Outline {
		return 32
	}
	return 192
}

// FileName is the icon's name inside the app package.
func (k Kind) FileName() string { return string(k) + ".png" }

// ParseKind reads a kind from a URL or form value.
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case Color, Outline:
		return Kind(s), nil
	}
	return "", fmt.Errorf("icon kind %q is neither color nor outline", s)
}

// Limits on uploads.
const (
	MaxBytes   = 1 << 20 // 1 MiB
	MinSide    = 192
	MaxSide    = 4096
	pngMagic   = "\x89PNG\r\n\x1a\n"
	outlineMsg = "the outline icon must be white shapes on a transparent background"
)

// ErrTooLarge is returned for files over MaxBytes.
var ErrTooLarge = fmt.Errorf("the file is larger than %d bytes (1 MiB)", MaxBytes)

// Prepare checks an uploaded file and returns the PNG to put in the
// package. The header is decoded first, so an image that claims huge
// dimensions is refused before any pixel memory is allocated.
func Prepare(kind Kind, data []byte) ([]byte, error) {
	if len(data) > MaxBytes {
		return nil, ErrTooLarge
	}
	if !bytes.HasPrefix(data, []byte(pngMagic)) {
		return nil, errors.New("the file is not a PNG image")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the PNG header cannot be read: %w", err)
	}
	if err := checkDimensions(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the PNG image is truncated or corrupt: %w", err)
	}
	if kind == Outline {
		return prepareOutline(src)
	}
	return encode(scale(src, Color.Size()))
}

func checkDimensions(w, h int) error {
	switch {
	case w != h:
		return fmt.Errorf("the image is %d×%d pixels; it must be square", w, h)
	case w < MinSide:
		return fmt.Errorf("the image is %d×%d pixels; it must be at least %d×%d", w, h, MinSide, MinSide)
	case w > MaxSide:
		return fmt.Errorf("the image is %d×%d pixels; it must be at most %d×%d", w, h, MaxSide, MaxSide)
	}
	return nil
}

func prepareOutline(src image.Image) ([]byte, error) {
	transparent, visible := alphaCoverage(src)
	if !transparent {
		return nil, errors.New("the image has no transparent pixels; " + outlineMsg)
	}
	if !visible {
		return nil, errors.New("the image is fully transparent; " + outlineMsg)
	}
	small := scale(src, Outline.Size())
	whiten(small)
	return encode(small)
}

// alphaCoverage reports whether the image has fully transparent pixels and
// whether it has any visible ones.
func alphaCoverage(img image.Image) (transparent, visible bool) {
	if opaque, ok := img.(interface{ Opaque() bool }); ok && opaque.Opaque() {
		return false, true
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			_, _, _, a := img.At(x, y).RGBA()
			if a == 0 {
				transparent = true
			} else {
				visible = true
			}
			if transparent && visible {
				return true, true
			}
		}
	}
	return transparent, visible
}

// scale resamples to side×side with Catmull-Rom, which keeps edges crisp
// when shrinking large logos.
func scale(src image.Image, side int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// whiten keeps each pixel's coverage and makes its colour white, as Teams
// wants outline icons.
func whiten(img *image.NRGBA) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			a := img.NRGBAAt(x, y).A
			img.SetNRGBA(x, y, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: a})
		}
	}
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode icon: %w", err)
	}
	return buf.Bytes(), nil
}
