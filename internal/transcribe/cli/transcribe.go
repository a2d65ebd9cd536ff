package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"visio/internal/transcribe"
	"visio/internal/transcribe/format"
	"visio/internal/transcribe/rttm"
)

const transcribeUsage = `Usage: visio transcribe [flags] FILE

Transcribes a recording (WAV 8/16/24/32-bit or float, Ogg/Opus): finds who spoke when
(diarization, pure Go) and, with a recognizer, what they said. Without a recognizer it writes
the speaker turns only and says so.

Flags:
`

// Transcribe runs `visio transcribe`.
func Transcribe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("transcribe", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, transcribeUsage); fs.PrintDefaults() }
	speakers := fs.Int("speakers", 0, "number of speakers, when known (0: estimate)")
	rttmOut := fs.String("rttm", "", "also write who spoke when to this RTTM file")
	formatName := fs.String("format", "json", "transcript format: "+strings.Join(format.Names, ", "))
	out := fs.String("out", "", "write the transcript to this file instead of standard output")
	var rf recognizerFlags
	rf.register(fs, "fr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("transcribe: want exactly one FILE")
	}
	if !slices.Contains(format.Names, *formatName) {
		return fmt.Errorf("%w: %q", format.ErrUnknown, *formatName)
	}
	path := fs.Arg(0)
	clip, err := readClip(path)
	if err != nil {
		return err
	}
	rec, closeRec, err := rf.build(stderr)
	if err != nil {
		return err
	}
	defer closeRec()
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	tr, dia, err := transcribe.File(ctx, clip.Samples, transcribe.FileParams{
		Title: filepath.Base(path), Speakers: *speakers, Recognizer: rec, Language: rf.language,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stderr, "visio: %s: %.1f s, %.1f s of speech, %d speakers\n", path, clip.Seconds(), dia.SpeechSeconds, dia.Speakers)
	if *rttmOut != "" {
		if err := writeFile(*rttmOut, func(w io.Writer) error { return rttm.Write(w, toTurns(dia, name)) }); err != nil {
			return err
		}
	}
	if *out != "" {
		return writeFile(*out, func(w io.Writer) error { return format.Write(w, *formatName, &tr) })
	}
	return format.Write(stdout, *formatName, &tr)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
