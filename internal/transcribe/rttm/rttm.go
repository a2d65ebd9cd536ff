// Package rttm reads and writes NIST RTTM speaker turns and UEM scoring regions, the formats
// diarization references and outputs are exchanged in (NIST Rich Transcription 2009 evaluation
// plan, appendix A; md-eval and dscore conventions).
//
// An RTTM SPEAKER line has ten space-separated fields:
//
//	SPEAKER <file> <channel> <onset> <duration> <NA> <NA> <speaker> <NA> <NA>
//
// and a UEM line four: <file> <channel> <onset> <offset>. Other RTTM line types and lines
// starting with ';' or '#' are skipped.
package rttm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ErrSyntax is returned for input that is not valid RTTM or UEM.
var ErrSyntax = errors.New("rttm: syntax error")

// MaxSeconds bounds any time in a file (a week), so hostile input cannot ask the scorer to
// allocate frames without end.
const MaxSeconds = 7 * 24 * 3600

// maxLine bounds one line.
const maxLine = 64 * 1024

// Turn is one speaker turn.
type Turn struct {
	// File is the recording's identifier.
	File string
	// Channel is the recording channel, usually "1".
	Channel string
	// Start and End are seconds from the start of the recording.
	Start, End float64
	// Speaker is the speaker's label.
	Speaker string
}

// Duration returns End-Start.
func (t Turn) Duration() float64 { return t.End - t.Start }

// Region is one UEM scoring region.
type Region struct {
	// File is the recording's identifier.
	File string
	// Start and End are seconds from the start of the recording.
	Start, End float64
}

// Parse reads the SPEAKER lines of an RTTM file.
func Parse(r io.Reader) ([]Turn, error) {
	var turns []Turn
	err := lines(r, func(n int, f []string) error {
		if f[0] != "SPEAKER" {
			return nil
		}
		if len(f) < 8 {
			return fmt.Errorf("%w: line %d: SPEAKER line with %d fields, want 10", ErrSyntax, n, len(f))
		}
		start, err1 := seconds(f[3])
		dur, err2 := seconds(f[4])
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%w: line %d: %v", ErrSyntax, n, err)
		}
		if start+dur > MaxSeconds {
			return fmt.Errorf("%w: line %d: turn ends after %d s", ErrSyntax, n, MaxSeconds)
		}
		turns = append(turns, Turn{File: f[1], Channel: f[2], Start: start, End: start + dur, Speaker: f[7]})
		return nil
	})
	return turns, err
}

// ParseUEM reads a UEM file.
func ParseUEM(r io.Reader) ([]Region, error) {
	var regions []Region
	err := lines(r, func(n int, f []string) error {
		if len(f) < 4 {
			return fmt.Errorf("%w: line %d: UEM line with %d fields, want 4", ErrSyntax, n, len(f))
		}
		start, err1 := seconds(f[2])
		end, err2 := seconds(f[3])
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%w: line %d: %v", ErrSyntax, n, err)
		}
		if end < start {
			return fmt.Errorf("%w: line %d: region ends before it starts", ErrSyntax, n)
		}
		regions = append(regions, Region{File: f[0], Start: start, End: end})
		return nil
	})
	return regions, err
}

func lines(r io.Reader, each func(n int, fields []string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if err := each(n, strings.Fields(line)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	return nil
}

func seconds(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > MaxSeconds {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return v, nil
}

// Write writes turns as RTTM SPEAKER lines, sorted by start time, times to the millisecond.
func Write(w io.Writer, turns []Turn) error {
	sorted := append([]Turn(nil), turns...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	bw := bufio.NewWriter(w)
	for _, t := range sorted {
		ch := t.Channel
		if ch == "" {
			ch = "1"
		}
		fmt.Fprintf(bw, "SPEAKER %s %s %.3f %.3f <NA> <NA> %s <NA> <NA>\n",
			field(t.File), ch, t.Start, t.Duration(), field(t.Speaker))
	}
	return bw.Flush()
}

// field makes a value safe for a space-separated format.
func field(s string) string {
	if s == "" {
		return "<NA>"
	}
	return strings.Join(strings.Fields(s), "_")
}

// ByFile groups turns by recording.
func ByFile(turns []Turn) map[string][]Turn {
	m := make(map[string][]Turn)
	for _, t := range turns {
		m[t.File] = append(m[t.File], t)
	}
	return m
}
