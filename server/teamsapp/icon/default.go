package icon

import (
	"image"
	"image/color"
	"image/draw"
	"sync"

	"golang.org/x/image/vector"
)

// brandNavy is the default color icon's background.
var brandNavy = color.NRGBA{R: 0x1e, G: 0x32, B: 0x5c, A: 0xff}

// glyph is the default icon's mark, an "M" on a 64×64 grid (the same
// outline as assets/icon.svg).
var glyph = [][2]float32{
	{14, 46}, {14, 18}, {21, 18}, {32, 33}, {43, 18}, {50, 18},
	{50, 46}, {43, 46}, {43, 30}, {32, 44}, {21, 30}, {21, 46},
}

// Default returns the built-in icon of a kind, drawn once and cached.
func Default(kind Kind) []byte {
	if kind == Outline {
		return defaultOutline()
	}
	return defaultColor()
}

var defaultColor = sync.OnceValue(func() []byte {
	side := Color.Size()
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.NewUniform(brandNavy), image.Point{}, draw.Src)
	drawGlyph(img, float32(side)/64, 0)
	return mustEncode(img)
})

var defaultOutline = sync.OnceValue(func() []byte {
	side := Outline.Size()
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	// The outline icon has no background, so the mark fills more of it.
	drawGlyph(img, float32(side)/44, -10)
	return mustEncode(img)
})

// drawGlyph fills the mark in white, scaled from the 64-unit grid and
// shifted by offset grid units.
func drawGlyph(dst *image.NRGBA, scale, offset float32) {
	side := dst.Bounds().Dx()
	r := vector.NewRasterizer(side, side)
	for i, p := range glyph {
		x, y := (p[0]+offset)*scale, (p[1]+offset)*scale
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
	r.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{})
}

func mustEncode(img image.Image) []byte {
	b, err := encode(img)
	if err != nil {
		panic("encode built-in icon: " + err.Error())
	}
	return b
}
