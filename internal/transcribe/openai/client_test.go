package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// checkRequest verifies everything a compliant client sends.
func checkRequest(t *testing.T, r *http.Request, wantLang string) {
	t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sekret" {
		t.Errorf("Authorization %q", got)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Errorf("not multipart: %v", err)
		return
	}
	for k, want := range map[string]string{"model": "large-v3", "language": wantLang, "response_format": "verbose_json", "timestamp_granularities[]": "segment"} {
		if got := r.FormValue(k); got != want {
			t.Errorf("field %s = %q, want %q", k, got, want)
		}
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		t.Errorf("no file: %v", err)
		return
	}
	defer f.Close()
	clip, err := audio.ReadWAV(f)
	if err != nil || len(clip.Samples) != 1600 {
		t.Errorf("file is not the 0.1 s WAV sent: %v", err)
	}
}

func newClient(t *testing.T, url string, cfg Config) *Client {
	t.Helper()
	cfg.BaseURL, cfg.Model, cfg.APIKey = url, "large-v3", "sekret"
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.backoff = time.Millisecond
	return c
}

func TestRecognize(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "fr")
		io.WriteString(w, `{"text":" Bonjour à tous. Merci.","segments":[{"start":0.0,"end":1.2,"text":" Bonjour à tous."},{"start":1.2,"end":2.0,"text":" Merci."}]}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	res, err := c.Recognize(context.Background(), transcribe.Request{Samples: make([]float32, 1600)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Bonjour à tous. Merci." || len(res.Pieces) != 2 || res.Pieces[1].Start != 1200*time.Millisecond || res.Pieces[1].Text != "Merci." {
		t.Fatalf("got %+v", res)
	}
}

func TestRetriesThenFails(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		wantCalls int32
	}{
		{"503 retried", http.StatusServiceUnavailable, 3},
		{"429 retried", http.StatusTooManyRequests, 3},
		{"400 not retried", http.StatusBadRequest, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				checkRequest(t, r, "en")
				http.Error(w, "busy", tt.status)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, Config{Retries: 2})
			_, err := c.Recognize(context.Background(), transcribe.Request{Samples: make([]float32, 1600), Language: "en"})
			if !errors.Is(err, ErrStatus) {
				t.Fatalf("err = %v, want ErrStatus", err)
			}
			if calls.Load() != tt.wantCalls {
				t.Fatalf("%d calls, want %d", calls.Load(), tt.wantCalls)
			}
		})
	}
}

func TestRetrySucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "oops", http.StatusBadGateway)
			return
		}
		io.WriteString(w, `{"text":"ok"}`)
	}))
	defer srv.Close()
	res, err := newClient(t, srv.URL, Config{}).Recognize(context.Background(), transcribe.Request{Samples: make([]float32, 1600)})
	if err != nil || res.Text != "ok" {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// countingTransport counts requests in flight on the client side.
type countingTransport struct {
	inFlight, peak atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestTimeoutAndConcurrencyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("language") == "slow" {
			<-r.Context().Done()
			return
		}
		time.Sleep(20 * time.Millisecond) // long enough for requests to overlap
		io.WriteString(w, `{"text":"ok"}`)
	}))
	defer srv.Close()

	c := newClient(t, srv.URL, Config{Timeout: 50 * time.Millisecond, Retries: -1})
	start := time.Now()
	if _, err := c.Recognize(context.Background(), transcribe.Request{Samples: make([]float32, 1600), Language: "slow"}); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("timeout not honoured: %v after %v", err, time.Since(start))
	}

	tr := &countingTransport{}
	c, err := New(Config{BaseURL: srv.URL, MaxConcurrent: 2}, &http.Client{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Recognize(context.Background(), transcribe.Request{Samples: make([]float32, 1600)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := tr.peak.Load(); p != 2 {
		t.Fatalf("peak of %d requests in flight, want the limit, 2", p)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []Config{{}, {BaseURL: "whisper:8000"}, {BaseURL: "ftp://x"}, {BaseURL: "http://x", Timeout: -1}} {
		if err := bad.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
	c := Config{BaseURL: "http://whisper.internal:8000"}
	if err := c.Validate(); err != nil || c.Language != "fr" || c.Model != "whisper-1" || c.MaxConcurrent != 4 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
}
