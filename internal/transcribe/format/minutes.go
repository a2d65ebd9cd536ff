package format

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"visio/internal/transcribe"
)

// paragraph is consecutive segments of one speaker, as minutes show them.
type paragraph struct {
	Speaker    string
	Start, End time.Duration
	Text       string
}

type speakerTime struct {
	Speaker string
	Time    time.Duration
	Share   float64
}

func paragraphs(t *transcribe.Transcript) ([]paragraph, []speakerTime) {
	var ps []paragraph
	talk := map[string]time.Duration{}
	var total time.Duration
	for _, s := range t.Segments {
		talk[s.Speaker] += s.End - s.Start
		total += s.End - s.Start
		text := strings.TrimSpace(s.Text)
		if n := len(ps); n > 0 && ps[n-1].Speaker == s.Speaker {
			ps[n-1].End = s.End
			if text != "" {
				ps[n-1].Text = strings.TrimSpace(ps[n-1].Text + " " + text)
			}
			continue
		}
		ps = append(ps, paragraph{Speaker: s.Speaker, Start: s.Start, End: s.End, Text: text})
	}
	var st []speakerTime
	for _, sp := range t.Speakers() {
		st = append(st, speakerTime{Speaker: sp, Time: talk[sp], Share: 100 * talk[sp].Seconds() / max(total.Seconds(), 1e-9)})
	}
	return ps, st
}

func short(d time.Duration) string {
	s := int(max(0, d).Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`)

// Markdown writes readable minutes: title, speakers with their speaking time, then each turn as
// "**[HH:MM:SS] Speaker:** text".
func Markdown(w io.Writer, t *transcribe.Transcript) error {
	ps, st := paragraphs(t)
	var b strings.Builder
	title := t.Title
	if title == "" {
		title = "Transcript"
	}
	fmt.Fprintf(&b, "# %s\n\n", mdEscaper.Replace(oneLine(title)))
	fmt.Fprintf(&b, "Duration: %s", short(t.Duration))
	if t.Language != "" {
		fmt.Fprintf(&b, " · language: %s", mdEscaper.Replace(t.Language))
	}
	if t.Recognizer != "" {
		fmt.Fprintf(&b, " · recognizer: %s", mdEscaper.Replace(t.Recognizer))
	}
	b.WriteString("\n\n")
	if t.Notice != "" {
		fmt.Fprintf(&b, "> %s\n\n", mdEscaper.Replace(oneLine(t.Notice)))
	}
	b.WriteString("## Speakers\n\n")
	for _, s := range st {
		fmt.Fprintf(&b, "- %s: %s (%.0f%%)\n", mdEscaper.Replace(oneLine(s.Speaker)), short(s.Time), s.Share)
	}
	b.WriteString("\n## Transcript\n\n")
	for _, p := range ps {
		text := p.Text
		if text == "" {
			text = fmt.Sprintf("(speaks until %s)", short(p.End))
		}
		fmt.Fprintf(&b, "**[%s] %s:** %s\n\n", short(p.Start), mdEscaper.Replace(oneLine(p.Speaker)), mdEscaper.Replace(oneLine(text)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var minutesHTML = template.Must(template.New("minutes").Funcs(template.FuncMap{"clock": short}).Parse(`<!doctype html>
<html lang="{{if .T.Language}}{{.T.Language}}{{else}}fr{{end}}">
<head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;line-height:1.5}time{color:#555;font-variant-numeric:tabular-nums}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Duration: {{clock .T.Duration}}{{if .T.Language}} · language: {{.T.Language}}{{end}}{{if .T.Recognizer}} · recognizer: {{.T.Recognizer}}{{end}}</p>
{{if .T.Notice}}<p role="note">{{.T.Notice}}</p>{{end}}
<h2>Speakers</h2>
<ul>{{range .Speakers}}
<li>{{.Speaker}}: {{clock .Time}} ({{printf "%.0f" .Share}}%)</li>{{end}}
</ul>
<h2>Transcript</h2>
{{range .Paragraphs}}<p><time>[{{clock .Start}}]</time> <strong>{{.Speaker}}:</strong> {{if .Text}}{{.Text}}{{else}}(speaks until {{clock .End}}){{end}}</p>
{{end}}</body>
</html>
`))

// HTML writes the minutes as a standalone HTML page (escaped by html/template).
func HTML(w io.Writer, t *transcribe.Transcript) error {
	ps, st := paragraphs(t)
	title := t.Title
	if title == "" {
		title = "Transcript"
	}
	return minutesHTML.Execute(w, struct {
		Title      string
		T          *transcribe.Transcript
		Speakers   []speakerTime
		Paragraphs []paragraph
	}{title, t, st, ps})
}
