package offline

import (
	"bytes"
	"image"
	"image/png"
	"math"
)

// drawPNG renders a deterministic w×h picture for prompt: a diagonal
// gradient between two colours of a hash-chosen hue family, a few soft
// circles and bands, encoded as PNG.
func drawPNG(prompt string, w, h int) ([]byte, error) {
	r := newRNG("image|" + prompt)
	hue := float64(r.intn(360))
	c1 := hsv(hue, 0.55+float64(r.intn(30))/100, 0.90)
	c2 := hsv(math.Mod(hue+40+float64(r.intn(80)), 360), 0.65, 0.45+float64(r.intn(20))/100)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	pix := img.Pix
	den := float64(w + h - 2)
	if den <= 0 {
		den = 1
	}
	for y := 0; y < h; y++ {
		row := pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			t := float64(x+y) / den
			o := x * 4
			row[o] = lerp(c1[0], c2[0], t)
			row[o+1] = lerp(c1[1], c2[1], t)
			row[o+2] = lerp(c1[2], c2[2], t)
			row[o+3] = 255
		}
	}
	minSide := float64(min(w, h))
	// Soft circles.
	for i, n := 0, 3+r.intn(4); i < n; i++ {
		cx, cy := float64(r.intn(w)), float64(r.intn(h))
		rad := minSide * (0.08 + float64(r.intn(25))/100)
		col := hsv(math.Mod(hue+float64(r.intn(180)), 360), 0.35+float64(r.intn(40))/100, 0.95)
		alpha := 0.25 + float64(r.intn(35))/100
		blend(img, int(cx-rad), int(cy-rad), int(cx+rad)+1, int(cy+rad)+1, col, func(x, y int) float64 {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			if d > rad {
				return 0
			}
			return alpha * math.Min(1, (rad-d)/(rad*0.15+1))
		})
	}
	// A horizon band.
	y0 := h/2 + r.intn(max(1, h/4))
	band := hsv(math.Mod(hue+200, 360), 0.3, 0.25+float64(r.intn(20))/100)
	blend(img, 0, y0, w, h, band, func(x, y int) float64 { return 0.35 })
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// blend paints col over the rectangle [x0,x1)×[y0,y1) with per-pixel alpha.
func blend(img *image.NRGBA, x0, y0, x1, y1 int, col [3]uint8, alpha func(x, y int) float64) {
	b := img.Bounds()
	x0, y0 = max(x0, b.Min.X), max(y0, b.Min.Y)
	x1, y1 = min(x1, b.Max.X), min(y1, b.Max.Y)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			a := alpha(x, y)
			if a <= 0 {
				continue
			}
			o := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				img.Pix[o+c] = lerp(img.Pix[o+c], col[c], a)
			}
		}
	}
}

func lerp(a, b uint8, t float64) uint8 {
	return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t))
}

// hsv converts hue (degrees), saturation and value in [0,1] to RGB.
func hsv(h, s, v float64) [3]uint8 {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return [3]uint8{uint8(math.Round((r + m) * 255)), uint8(math.Round((g + m) * 255)), uint8(math.Round((b + m) * 255))}
}
