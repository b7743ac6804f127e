package process

// orientYCC applies EXIF orientation o to every plane, as orient does to
// RGB. A quarter turn swaps the chroma subsampling factors with the axes.
func orientYCC(c ycc, o int) ycc {
	if o < 2 || o > 8 {
		return c
	}
	out := ycc{y: orientPlane(c.y, o), cb: orientPlane(c.cb, o), hs: c.hs, vs: c.vs, gray: c.gray}
	out.cr = out.cb
	if !c.gray {
		out.cr = orientPlane(c.cr, o)
	}
	if swapsAxes(o) {
		out.hs, out.vs = c.vs, c.hs
	}
	return out
}

// orientPlane returns p under orientation o (2..8). Output pixel (x, y)
// is source sample first + x*dx + y*dy: each orientation is one walk.
func orientPlane(p plane, o int) plane {
	w, h, s := p.w, p.h, p.stride
	last, bottom := w-1, (h-1)*s
	var first, dx, dy int
	switch o {
	case 2: // mirrored
		first, dx, dy = last, -1, s
	case 3: // upside down
		first, dx, dy = bottom+last, -1, -s
	case 4: // flipped
		first, dx, dy = bottom, 1, -s
	case 5: // transposed
		first, dx, dy = 0, s, 1
	case 6: // turned 90° clockwise to display
		first, dx, dy = bottom, -s, 1
	case 7: // transversed
		first, dx, dy = bottom+last, -s, -1
	case 8: // turned 90° counter-clockwise to display
		first, dx, dy = last, s, -1
	}
	dw, dh := upright(w, h, o)
	out := newPlane(dw, dh)
	for y := 0; y < dh; y++ {
		i := first + y*dy
		for x, row := 0, out.row(y); x < dw; x++ {
			row[x] = p.pix[i]
			i += dx
		}
	}
	return out
}
