package audio

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/pion/opus/pkg/oggreader"
)

// oggPackets returns the Opus audio packets of an Ogg file.
func oggPackets(t testing.TB, r io.Reader) [][]byte {
	t.Helper()
	ogg, _, err := oggreader.NewWith(r)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		p, _, err := ogg.ParseNextPacket()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(p, []byte("OpusTags")) {
			out = append(out, p)
		}
	}
}
