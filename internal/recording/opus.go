package recording

// opusSilence is one 20 ms Opus frame of silence (RFC 6716: TOC 0xF8 = CELT full band 20 ms,
// mono, one frame), written where a track has no packets (muted, or lost) so that the Ogg
// granule positions (counted in samples, RFC 7845) keep the track in time.
var opusSilence = []byte{0xf8, 0xff, 0xfe}

// opusSamples returns the number of 48 kHz samples an Opus packet holds, from its TOC byte and
// frame count (RFC 6716 section 3.1), or 0 if the packet is malformed.
func opusSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	toc := p[0]
	cfg := int(toc >> 3)
	var per int // samples per frame at 48 kHz
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		per = [4]int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16: // hybrid: 10, 20 ms
		per = [2]int{480, 960}[cfg%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		per = [4]int{120, 240, 480, 960}[cfg%4]
	}
	frames := 1
	switch toc & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 {
			return 0
		}
		frames = int(p[1] & 0x3f)
	}
	n := per * frames
	if n == 0 || n > 5760 { // at most 120 ms per packet
		return 0
	}
	return n
}
