package icon

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// ActivitySize is the side of an activity icon, as the manifest schema
// asks ("Image should be size 32x32").
const ActivitySize = 32

// activityMarks are each activity type's color and white mark, drawn on
// a 32-unit grid: a person told of a post sees at a glance why.
var activityMarks = map[string]struct {
	fill  color.NRGBA
	shape func(r *vector.Rasterizer)
}{
	// An "@": a ring around a dot.
	"mention": {color.NRGBA{R: 0x1c, G: 0x58, B: 0xd9, A: 0xff}, func(r *vector.Rasterizer) {
		circle(r, 16, 16, 9, false)
		circle(r, 16, 16, 6.5, true)
		circle(r, 16, 16, 3, false)
	}},
	// One speech bubble.
	"directMessage": {color.NRGBA{R: 0x06, G: 0x84, B: 0x5c, A: 0xff}, func(r *vector.Rasterizer) {
		polygon(r, [][2]float32{{8, 9}, {24, 9}, {24, 20}, {14, 20}, {10, 24}, {10, 20}, {8, 20}})
	}},
	// Three people's heads.
	"groupMessage": {color.NRGBA{R: 0x0e, G: 0x7c, B: 0x86, A: 0xff}, func(r *vector.Rasterizer) {
		circle(r, 9, 17, 3.5, false)
		circle(r, 16, 14, 4, false)
		circle(r, 23, 17, 3.5, false)
		polygon(r, [][2]float32{{6, 25}, {26, 25}, {24, 21}, {8, 21}})
	}},
	// A megaphone: everyone in the channel.
	"channelMention": {color.NRGBA{R: 0xc2, G: 0x4e, B: 0x00, A: 0xff}, func(r *vector.Rasterizer) {
		polygon(r, [][2]float32{{8, 13}, {13, 13}, {23, 8}, {23, 24}, {13, 19}, {8, 19}})
		polygon(r, [][2]float32{{11, 19}, {14, 19}, {15, 24}, {12, 24}})
	}},
	// A reply arrow.
	"threadReply": {color.NRGBA{R: 0x6b, G: 0x3f, B: 0xa0, A: 0xff}, func(r *vector.Rasterizer) {
		polygon(r, [][2]float32{{7, 15}, {14, 8}, {14, 12}, {25, 12}, {25, 24}, {21, 24}, {21, 16}, {14, 16}, {14, 20}})
	}},
}

// Activity returns the icon of an activity type, nil for an unknown one.
func Activity(activityType string) []byte {
	mark, ok := activityMarks[activityType]
	if !ok {
		return nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, ActivitySize, ActivitySize))
	bg := vector.NewRasterizer(ActivitySize, ActivitySize)
	circle(bg, 16, 16, 16, false)
	bg.Draw(img, img.Bounds(), image.NewUniform(mark.fill), image.Point{})
	fg := vector.NewRasterizer(ActivitySize, ActivitySize)
	mark.shape(fg)
	fg.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{})
	return mustEncode(img)
}

// circle adds a circle; hole winds it the other way, cutting it out of
// what it lies in.
func circle(r *vector.Rasterizer, cx, cy, radius float32, hole bool) {
	const steps = 48
	for i := 0; i <= steps; i++ {
		a := 2 * math.Pi * float64(i) / steps
		if hole {
			a = -a
		}
		x, y := cx+radius*float32(math.Cos(a)), cy+radius*float32(math.Sin(a))
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
}

func polygon(r *vector.Rasterizer, points [][2]float32) {
	for i, p := range points {
		if i == 0 {
			r.MoveTo(p[0], p[1])
		} else {
			r.LineTo(p[0], p[1])
		}
	}
	r.ClosePath()
}
