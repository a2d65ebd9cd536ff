// Package openai is a speech recognizer that calls an OpenAI-compatible
// POST /v1/audio/transcriptions endpoint: the way an administration plugs in its own whisper
// server (whisper.cpp server, faster-whisper-server, vLLM, LocalAI...). Nothing is sent anywhere
// but the configured base URL.
//
// Each request is multipart/form-data with the utterance as a 16-bit 16 kHz WAV file, the model,
// the language, response_format=verbose_json and timestamp_granularities[]=segment; the segment
// timestamps of the answer become the result's pieces. Requests are bounded in number
// (MaxConcurrent), in time (Timeout) and retried on network errors, 429 and 5xx with exponential
// backoff.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
)

// ErrConfig is returned by Validate for an unusable configuration.
var ErrConfig = errors.New("openai recognizer: bad configuration")

// ErrStatus is returned for an HTTP error answer.
var ErrStatus = errors.New("openai recognizer: server error")

// Config configures the client. Its field comments are the user documentation.
type Config struct {
	// BaseURL is the server's address, e.g. "http://whisper.internal:8000"; "/v1/audio/transcriptions"
	// is appended. Required.
	BaseURL string `toml:"base_url"`
	// Model is the model name the server expects (default "whisper-1").
	Model string `toml:"model"`
	// Language is the spoken language, ISO 639-1 (default "fr"). A request's own language wins.
	Language string `toml:"language"`
	// APIKey, when set, is sent as "Authorization: Bearer <key>".
	APIKey string `toml:"api_key"`
	// Timeout bounds one HTTP request (default 60s).
	Timeout time.Duration `toml:"timeout"`
	// Retries is how many times a failed request is retried (default 2; negative: none).
	Retries int `toml:"retries"`
	// MaxConcurrent bounds requests in flight from this process (default 4).
	MaxConcurrent int `toml:"max_concurrent"`
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: base_url %q must be an http(s) URL such as http://whisper.internal:8000", ErrConfig, c.BaseURL)
	}
	if c.Model == "" {
		c.Model = "whisper-1"
	}
	if c.Language == "" {
		c.Language = "fr"
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%w: timeout must be positive", ErrConfig)
	}
	if c.Retries == 0 {
		c.Retries = 2
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = 4
	}
	if c.MaxConcurrent < 0 {
		return fmt.Errorf("%w: max_concurrent must be positive", ErrConfig)
	}
	return nil
}

// Client is a transcribe.Recognizer backed by an OpenAI-compatible server. It is safe for
// concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	http     *http.Client
	sem      chan struct{}
	backoff  time.Duration
}

var _ transcribe.Recognizer = (*Client)(nil)

// New returns a client for cfg (validated here). httpClient may be nil.
func New(cfg Config, httpClient *http.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &Client{
		cfg:      cfg,
		endpoint: strings.TrimSuffix(cfg.BaseURL, "/") + "/v1/audio/transcriptions",
		http:     httpClient,
		sem:      make(chan struct{}, cfg.MaxConcurrent),
		backoff:  500 * time.Millisecond,
	}, nil
}

// Name returns "openai:<model>".
func (c *Client) Name() string { return "openai:" + c.cfg.Model }

// Recognize sends one utterance and returns its text and segment timestamps.
func (c *Client) Recognize(ctx context.Context, req transcribe.Request) (transcribe.Result, error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return transcribe.Result{}, ctx.Err()
	}
	lang := req.Language
	if lang == "" {
		lang = c.cfg.Language
	}
	body, ctype, err := c.form(req.Samples, lang)
	if err != nil {
		return transcribe.Result{}, err
	}
	var lastErr error
	for attempt := 0; attempt <= max(0, c.cfg.Retries); attempt++ {
		if attempt > 0 {
			t := time.NewTimer(c.backoff << (attempt - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return transcribe.Result{}, ctx.Err()
			case <-t.C:
			}
		}
		res, retry, err := c.do(ctx, body, ctype)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return transcribe.Result{}, lastErr
}

func (c *Client) form(samples []float32, lang string) ([]byte, string, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "utterance.wav")
	if err != nil {
		return nil, "", err
	}
	if err := audio.WriteWAV(fw, samples, audio.Rate); err != nil {
		return nil, "", err
	}
	for _, kv := range [][2]string{
		{"model", c.cfg.Model},
		{"language", lang},
		{"response_format", "verbose_json"},
		{"timestamp_granularities[]", "segment"},
		{"temperature", "0"},
	} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), mw.FormDataContentType(), nil
}

// verbose is the verbose_json answer; servers that ignore response_format send only text.
type verbose struct {
	Text     string `json:"text"`
	Segments []struct {
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Text  string  `json:"text"`
	} `json:"segments"`
}

// do sends one request; retry says whether a failure is worth another attempt.
func (c *Client) do(ctx context.Context, body []byte, ctype string) (transcribe.Result, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return transcribe.Result{}, false, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return transcribe.Result{}, true, fmt.Errorf("openai recognizer: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return transcribe.Result{}, true, fmt.Errorf("openai recognizer: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		msg := strings.TrimSpace(string(data[:min(len(data), 200)]))
		return transcribe.Result{}, retry, fmt.Errorf("%w: %s: %s", ErrStatus, resp.Status, msg)
	}
	var v verbose
	if err := json.Unmarshal(data, &v); err != nil {
		return transcribe.Result{}, false, fmt.Errorf("%w: answer is not JSON: %v", ErrStatus, err)
	}
	res := transcribe.Result{Text: strings.TrimSpace(v.Text)}
	for _, s := range v.Segments {
		res.Pieces = append(res.Pieces, transcribe.Piece{Start: secs(s.Start), End: secs(s.End), Text: strings.TrimSpace(s.Text)})
	}
	return res, false, nil
}

func secs(s float64) time.Duration {
	if s != s || s < 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// String describes the client for logs, without the key.
func (c *Client) String() string {
	return "openai(" + c.endpoint + ", model " + c.cfg.Model + ", max " + strconv.Itoa(c.cfg.MaxConcurrent) + ")"
}
