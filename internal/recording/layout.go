package recording

// rect is a tile of the composed picture, in pixels.
type rect struct{ x, y, w, h int }

// layout places the video of each tile key (a participant's camera, or a screen share) on a
// width x height picture: a grid of cameras, or, when a screen is shared, the screens on the
// main stage (three quarters of the width) and the cameras in a column on the right.
func layout(width, height int, cameras, screens []string) map[string]rect {
	out := map[string]rect{}
	if len(screens) == 0 {
		for k, r := range grid(0, 0, width, height, len(cameras)) {
			out[cameras[k]] = r
		}
		return out
	}
	stageW := even(width * 3 / 4)
	if len(cameras) == 0 {
		stageW = width
	}
	for _, s := range screens {
		out[s] = rect{0, 0, stageW, height} // shares rarely overlap in time; the later one is on top
	}
	colW := width - stageW
	n := len(cameras)
	for k, r := range grid(stageW, 0, colW, height, n) {
		out[cameras[k]] = r
	}
	return out
}

// grid cuts a w x h area at (x0, y0) into n tiles of the same size, as square as it can.
func grid(x0, y0, w, h, n int) []rect {
	if n == 0 || w < 2 || h < 2 {
		return nil
	}
	cols := 1
	for cols*cols < n {
		cols++
	}
	if w < h { // a column: stack
		cols = 1
	}
	rows := (n + cols - 1) / cols
	tw, th := even(w/cols), even(h/rows)
	out := make([]rect, n)
	for i := range n {
		out[i] = rect{x0 + (i%cols)*tw, y0 + (i/cols)*th, max(tw, 2), max(th, 2)}
	}
	return out
}

func even(n int) int { return n &^ 1 }
