package recording

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"visio/internal/store"
)

// Webhook tells an operator-configured URL that a recording is ready: a POST of a JSON body,
// signed with an HMAC-SHA256 of the body under a shared secret, in the header
// "Visio-Signature: sha256=<hex>".
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client // default: a client with a 10 s timeout
}

// WebhookEvent is the body of the webhook.
type WebhookEvent struct {
	Type       string    `json:"type"` // "recording.ready"
	ID         string    `json:"id"`
	Room       string    `json:"room"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at"`
	DurationMS int64     `json:"duration_ms"`
	Size       int64     `json:"size"`
	AudioOnly  bool      `json:"audio_only"`
	// Path is the API path of the recording; fetch it with credentials.
	Path string `json:"path"`
}

// Sign returns the signature header value of body.
func (w *Webhook) Sign(body []byte) string {
	m := hmac.New(sha256.New, w.Secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Ready posts the event for rec.
func (w *Webhook) Ready(ctx context.Context, rec store.Recording) error {
	body, err := json.Marshal(WebhookEvent{Type: "recording.ready", ID: rec.ID, Room: rec.RoomCode, StartedAt: rec.StartedAt,
		EndedAt: rec.EndedAt, DurationMS: rec.Duration.Milliseconds(), Size: rec.Size, AudioOnly: rec.AudioOnly,
		Path: "/api/v1/recordings/" + rec.ID})
	if err != nil {
		return err
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Visio-Signature", w.Sign(body))
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: %s answered %s", w.URL, resp.Status)
	}
	return nil
}
