package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
	"visio/internal/transcribe/score"
	"visio/internal/transcribe/vad"
)

func evalWER(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval wer", stderr)
	pairs := fs.String("pairs", "", "directory: score every X.hyp against the reference X.txt beside it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pairs != "" {
		if fs.NArg() != 0 {
			return errors.New("eval wer: --pairs DIR takes no other argument")
		}
		return evalWERPairs(*pairs, stdout, stderr)
	}
	if fs.NArg() != 2 {
		return errors.New("eval wer: want REF.txt HYP.txt, or --pairs DIR")
	}
	ref, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	hyp, err := os.ReadFile(fs.Arg(1))
	if err != nil {
		return err
	}
	w := score.ScoreWER(string(ref), string(hyp))
	fmt.Fprintf(stdout, "WER %.1f%% (%d words: %d substitutions, %d deletions, %d insertions)\n",
		100*w.Rate(), w.Words, w.Substitutions, w.Deletions, w.Insertions)
	return nil
}

// evalWERPairs scores every X.hyp of dir against X.txt, one row per file and the total. A
// reference without a hypothesis is reported on stderr and counted as all deleted, so that a
// missing file cannot make the total look better.
func evalWERPairs(dir string, stdout, stderr io.Writer) error {
	refs, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return fmt.Errorf("eval wer: no reference X.txt in %s", dir)
	}
	sort.Strings(refs)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\twords\tWER %\tsub\tdel\tins\t")
	var total score.WER
	missing := 0
	for _, refPath := range refs {
		id := strings.TrimSuffix(filepath.Base(refPath), ".txt")
		ref, err := os.ReadFile(refPath)
		if err != nil {
			return err
		}
		hyp, err := os.ReadFile(filepath.Join(dir, id+".hyp"))
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "visio: eval wer: %s has no hypothesis %s.hyp: counted as all words deleted\n", refPath, id)
			missing++
		} else if err != nil {
			return err
		}
		w := score.ScoreWER(string(ref), string(hyp))
		total.Add(w)
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%d\t\n", id, w.Words, 100*w.Rate(), w.Substitutions, w.Deletions, w.Insertions)
	}
	fmt.Fprintf(tw, "TOTAL\t%d\t%.1f\t%d\t%d\t%d\t\n", total.Words, 100*total.Rate(), total.Substitutions, total.Deletions, total.Insertions)
	if missing > 0 {
		fmt.Fprintf(stderr, "visio: eval wer: %d of %d references had no hypothesis\n", missing, len(refs))
	}
	return tw.Flush()
}

// evalASR recognizes each file whole and scores it against the .txt beside it.
func evalASR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval asr", stderr)
	var rf recognizerFlags
	rf.register(fs, "en")
	verbose := fs.Bool("v", false, "print each hypothesis")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rec, closeRec, err := rf.build(stderr)
	if err != nil {
		return err
	}
	defer closeRec()
	if rec == nil {
		return transcribe.ErrUnavailable
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\twords\tWER %\tsub\tdel\tins\taudio s\tRTF\t")
	var total score.WER
	var audioSec, cpuSec float64
	for _, path := range fs.Args() {
		ref, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".txt")
		if err != nil {
			return err
		}
		clip, err := readClip(path)
		if err != nil {
			return err
		}
		start := cpuTime()
		res, err := rec.Recognize(ctx, transcribe.Request{Samples: clip.Samples, Language: rf.language})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		el := (cpuTime() - start).Seconds()
		w := score.ScoreWER(string(ref), res.Text)
		total.Add(w)
		audioSec += clip.Seconds()
		cpuSec += el
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%d\t%.1f\t%.3f\t\n", filepath.Base(path), w.Words, 100*w.Rate(), w.Substitutions, w.Deletions, w.Insertions, clip.Seconds(), el/clip.Seconds())
		if *verbose {
			fmt.Fprintf(stderr, "%s\n  ref: %s\n  hyp: %s\n", path, strings.TrimSpace(string(ref)), res.Text)
		}
	}
	fmt.Fprintf(tw, "TOTAL\t%d\t%.1f\t%d\t%d\t%d\t%.1f\t%.3f\t\n", total.Words, 100*total.Rate(), total.Substitutions, total.Deletions, total.Insertions, audioSec, cpuSec/max(audioSec, 1e-9))
	return tw.Flush()
}

// evalRTF times the live path of one participant, stage by stage: Opus packets from an Ogg file
// are decoded, cut by the voice-detecting segmenter, and each utterance recognized.
func evalRTF(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval rtf", stderr)
	var rf recognizerFlags
	rf.register(fs, "en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rec, closeRec, err := rf.build(stderr)
	if err != nil {
		return err
	}
	defer closeRec()
	var audioSec, decSec, vadSec, recSec float64
	utterances := 0
	for _, path := range fs.Args() {
		pkts, err := audio.ReadOggPacketsFile(path)
		if err != nil {
			return err
		}
		dec, err := audio.NewOpusDecoder()
		if err != nil {
			return err
		}
		var utts []vad.Utterance
		seg := vad.NewSegmenter(vad.SegmenterParams{Emit: func(u vad.Utterance) { utts = append(utts, u) }})
		buf := make([]float32, audio.MaxOpusFrame)
		pcm := make([]float32, 0, len(pkts)*audio.Rate/50)
		t0 := cpuTime()
		for _, p := range pkts {
			n, err := dec.Decode(p, buf)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			pcm = append(pcm, buf[:n]...)
		}
		t1 := cpuTime()
		for off := 0; off < len(pcm); off += audio.Rate / 50 { // 20 ms packets, as live
			seg.Write(pcm[off:min(len(pcm), off+audio.Rate/50)])
		}
		seg.Flush()
		t2 := cpuTime()
		if rec != nil {
			for _, u := range utts {
				if _, err := rec.Recognize(ctx, transcribe.Request{Samples: u.Samples, Language: rf.language}); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
			}
		}
		t3 := cpuTime()
		audioSec += float64(len(pcm)) / audio.Rate
		decSec += (t1 - t0).Seconds()
		vadSec += (t2 - t1).Seconds()
		recSec += (t3 - t2).Seconds()
		utterances += len(utts)
	}
	if audioSec == 0 {
		return errors.New("eval rtf: no audio")
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "stage\tseconds\tRTF\t\n")
	fmt.Fprintf(tw, "audio (%d files, %d utterances)\t%.2f\t\t\n", fs.NArg(), utterances, audioSec)
	fmt.Fprintf(tw, "opus decode\t%.4f\t%.5f\t\n", decSec, decSec/audioSec)
	fmt.Fprintf(tw, "voice detection\t%.4f\t%.5f\t\n", vadSec, vadSec/audioSec)
	name := "recognizer (none)"
	if rec != nil {
		name = "recognizer " + rec.Name()
	}
	fmt.Fprintf(tw, "%s\t%.3f\t%.4f\t\n", name, recSec, recSec/audioSec)
	all := (decSec + vadSec + recSec) / audioSec
	fmt.Fprintf(tw, "whole pipeline\t%.3f\t%.4f\t\n", decSec+vadSec+recSec, all)
	fmt.Fprintf(tw, "participants per core, live\t%.0f\t\t\n", 1/all)
	return tw.Flush()
}
