package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"visio/internal/transcribe/audio"
	"visio/internal/transcribe/diarize"
	"visio/internal/transcribe/rttm"
	"visio/internal/transcribe/score"
)

const evalUsage = `Usage:
  visio eval der [--collar S] [--uem FILE] REF.rttm HYP.rttm
      score a diarization: DER with its missed, false-alarm and confusion parts
  visio eval diarize --ref REF.rttm [--uem FILE] [--speakers N|--oracle] AUDIO...
      diarize recordings and score them, with no collar and with a 0.25 s collar
  visio eval wer REF.txt HYP.txt   (or: --pairs DIR, every X.hyp against the X.txt beside it)
      score recognized text: WER with substitutions, deletions, insertions
  visio eval asr [--recognizer local|openai] [--url U --model M] [--language L] FILE.ogg...
      recognize each file, score it against FILE.txt, report WER and real-time factor
  visio eval rtf [--recognizer ...] FILE.ogg...
      time the live pipeline per participant (Opus decode, voice detection, recognizer)
`

// Eval runs `visio eval SUBCOMMAND ...`.
func Eval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, evalUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "der":
		return evalDER(args[1:], stdout, stderr)
	case "diarize":
		return evalDiarize(args[1:], stdout, stderr)
	case "wer":
		return evalWER(args[1:], stdout, stderr)
	case "asr":
		return evalASR(ctx, args[1:], stdout, stderr)
	case "rtf":
		return evalRTF(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, evalUsage)
		return nil
	}
	fmt.Fprint(stderr, evalUsage)
	return fmt.Errorf("eval: unknown subcommand %q", args[0])
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func readTurns(path string) ([]rttm.Turn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := rttm.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func readUEM(path string) ([]rttm.Region, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := rttm.ParseUEM(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func uemFor(uem []rttm.Region, file string) []rttm.Region {
	var out []rttm.Region
	for _, r := range uem {
		if r.File == file {
			out = append(out, r)
		}
	}
	return out
}

func evalDER(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval der", stderr)
	collar := fs.Float64("collar", 0, "seconds removed on each side of every reference boundary")
	uemPath := fs.String("uem", "", "UEM file restricting the scored regions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("eval der: want REF.rttm HYP.rttm")
	}
	ref, err := readTurns(fs.Arg(0))
	if err != nil {
		return err
	}
	hyp, err := readTurns(fs.Arg(1))
	if err != nil {
		return err
	}
	uem, err := readUEM(*uemPath)
	if err != nil {
		return err
	}
	refBy, hypBy := rttm.ByFile(ref), rttm.ByFile(hyp)
	var files []string
	for f := range refBy {
		files = append(files, f)
	}
	sort.Strings(files)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tDER %\tmissed %\tfalse alarm %\tconfusion %\tscored s\t")
	var total score.DER
	missing := 0
	for _, f := range files {
		h, ok := hypBy[f]
		if !ok && len(refBy) == 1 && len(hypBy) == 1 {
			for _, only := range hypBy { // one file each, named differently
				h, ok = only, true
			}
		}
		if !ok {
			fmt.Fprintf(stderr, "visio: eval der: file %q is in the reference but not in the hypothesis: all its speech counts as missed\n", f)
			missing++
		}
		d := score.ScoreDER(refBy[f], h, uemFor(uem, f), score.DERParams{Collar: *collar})
		total.Add(d)
		derRow(tw, f, d)
	}
	derRow(tw, "TOTAL", total)
	if missing > 0 {
		fmt.Fprintf(stderr, "visio: eval der: %d of %d reference files had no hypothesis\n", missing, len(files))
	}
	return tw.Flush()
}

func derRow(w io.Writer, name string, d score.DER) {
	pct := func(v float64) float64 { return 100 * v / max(d.Total, 1e-9) }
	fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, 100*d.Rate(), pct(d.Missed), pct(d.FalseAlarm), pct(d.Confusion), d.Total)
}

// evalDiarize diarizes each recording and scores it.
func evalDiarize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval diarize", stderr)
	refPath := fs.String("ref", "", "reference RTTM (required)")
	uemPath := fs.String("uem", "", "UEM file restricting the scored regions")
	speakers := fs.Int("speakers", 0, "number of speakers (0: estimate)")
	oracle := fs.Bool("oracle", false, "give each file its reference speaker count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *refPath == "" || fs.NArg() == 0 {
		return errors.New("eval diarize: want --ref REF.rttm and at least one recording")
	}
	ref, err := readTurns(*refPath)
	if err != nil {
		return err
	}
	uem, err := readUEM(*uemPath)
	if err != nil {
		return err
	}
	refBy := rttm.ByFile(ref)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tcollar\tspeakers ref/given/found\tDER %\tmissed %\tfalse alarm %\tconfusion %\tRTF\t")
	var tot [2]score.DER
	for _, path := range fs.Args() {
		id := fileID(path, refBy)
		r := refBy[id]
		n := *speakers
		if *oracle {
			n = countSpeakers(r)
		}
		clip, err := readClip(path)
		if err != nil {
			return err
		}
		start := cpuTime()
		res, err := diarize.Diarize(clip.Samples, diarize.Params{Speakers: n})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rtf := (cpuTime() - start).Seconds() / clip.Seconds()
		hyp := toTurns(res, id)
		for i, collar := range []float64{0, 0.25} {
			d := score.ScoreDER(r, hyp, uemFor(uem, id), score.DERParams{Collar: collar})
			tot[i].Add(d)
			pct := func(v float64) float64 { return 100 * v / max(d.Total, 1e-9) }
			given := "-"
			if n > 0 {
				given = fmt.Sprint(n)
			}
			fmt.Fprintf(tw, "%s\t%.2f\t%d/%s/%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t\n", id, collar, countSpeakers(r), given, res.Speakers,
				100*d.Rate(), pct(d.Missed), pct(d.FalseAlarm), pct(d.Confusion), rtf)
		}
	}
	for i, collar := range []float64{0, 0.25} {
		d := tot[i]
		pct := func(v float64) float64 { return 100 * v / max(d.Total, 1e-9) }
		fmt.Fprintf(tw, "TOTAL\t%.2f\t\t%.1f\t%.1f\t%.1f\t%.1f\t\t\n", collar, 100*d.Rate(), pct(d.Missed), pct(d.FalseAlarm), pct(d.Confusion))
	}
	return tw.Flush()
}

// fileID names a recording as the reference does: its base name without extension, or the
// reference's only file when it holds one.
func fileID(path string, refBy map[string][]rttm.Turn) string {
	id := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if _, ok := refBy[id]; !ok && len(refBy) == 1 {
		for only := range refBy {
			return only
		}
	}
	return id
}

func countSpeakers(turns []rttm.Turn) int {
	m := map[string]bool{}
	for _, t := range turns {
		m[t.Speaker] = true
	}
	return len(m)
}

func toTurns(res diarize.Result, file string) []rttm.Turn {
	out := make([]rttm.Turn, len(res.Turns))
	for i, t := range res.Turns {
		out[i] = rttm.Turn{File: file, Channel: "1", Start: t.Start, End: t.End, Speaker: speakerName(t.Speaker)}
	}
	return out
}

// speakerName labels diarized speakers SPEAKER_00, SPEAKER_01, ... as pyannote does.
func speakerName(i int) string { return fmt.Sprintf("SPEAKER_%02d", i) }

func readClip(path string) (*audio.Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := audio.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
