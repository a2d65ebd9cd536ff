package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"time"
)

// Recording configures meeting recording: where recordings are written while a meeting runs,
// where the finished files are kept, how long, and the limits. A moderator starts and stops a
// recording; everyone in the meeting is told first and sees an indicator while it runs.
type Recording struct {
	// Enabled lets moderators record meetings. Default true.
	Enabled bool `toml:"enabled"`
	// Dir is where recordings are written while they run (one directory per recording, with a
	// file per track), and where finished files are kept with storage = "local". Default
	// "recordings" in store.data_dir.
	Dir string `toml:"dir"`
	// Storage is "local" (finished files stay in Dir) or "s3" (they are uploaded to the
	// S3-compatible bucket below, then removed from Dir). Default "local".
	Storage string `toml:"storage"`
	// Notice is how long everyone in the meeting (and in its lobby) is told that recording is
	// about to begin before it does. Default 3s.
	Notice Duration `toml:"notice"`
	// Retention is how long recordings are kept; older ones are deleted with their files.
	// Default 720h (30 days).
	Retention Duration `toml:"retention"`
	// MaxDuration stops a recording that runs this long (the moderator is told). Default 4h.
	MaxDuration Duration `toml:"max_duration"`
	// MaxBytes stops a recording whose files reach this size. Default 4 GiB.
	MaxBytes int64 `toml:"max_bytes"`
	// MinFreeBytes refuses to start, or stops, a recording when Dir's file system has less free
	// space than this. Default 1 GiB.
	MinFreeBytes int64 `toml:"min_free_bytes"`
	// FFmpeg is the ffmpeg program that composes a meeting's tracks into one file after it ends
	// (Debian package ffmpeg). Without it, recordings are kept as per-track files only, and the
	// API and the recordings page say so. Default "ffmpeg", looked up on PATH.
	FFmpeg string `toml:"ffmpeg"`
	// ComposeTimeout bounds one composition. Default 2h.
	ComposeTimeout Duration `toml:"compose_timeout"`
	// WebhookURL, if set, receives a POST when a recording is ready: a JSON body signed with
	// WebhookSecret (header Visio-Signature: sha256=<hex HMAC of the body>).
	WebhookURL string `toml:"webhook_url"`
	// WebhookSecret signs webhook bodies. Prefer VISIO_RECORDING_WEBHOOK_SECRET.
	WebhookSecret string `toml:"webhook_secret"`
	// S3 configures the bucket used with storage = "s3".
	S3 RecordingS3 `toml:"s3"`
}

// RecordingS3 is an S3-compatible bucket (MinIO, Ceph RGW, Garage, versitygw, a cloud
// provider's object storage...).
type RecordingS3 struct {
	// Endpoint is host:port of the S3 API, without scheme.
	Endpoint string `toml:"endpoint"`
	// Bucket holds the recordings; it must exist.
	Bucket string `toml:"bucket"`
	// Region, if the server wants one. Default "us-east-1".
	Region string `toml:"region"`
	// AccessKey and SecretKey authenticate. Prefer VISIO_RECORDING_S3_ACCESS_KEY and
	// VISIO_RECORDING_S3_SECRET_KEY.
	AccessKey string `toml:"access_key"`
	SecretKey string `toml:"secret_key"`
	// Insecure uses plain HTTP instead of HTTPS. Default false.
	Insecure bool `toml:"insecure"`
	// Prefix is put before every object key, for example "visio/". Default "".
	Prefix string `toml:"prefix"`
	// PartSize is the size of each part of the multipart uploads, at least 5 MiB. Default 16 MiB.
	PartSize int64 `toml:"part_size"`
	// Encryption is the server-side encryption asked for each object: "" (the bucket's
	// default), "sse-s3" (keys managed by the server, AES-256) or "sse-kms" (keys from the
	// server's KMS, KMSKeyID).
	Encryption string `toml:"encryption"`
	// KMSKeyID is the KMS key with encryption = "sse-kms".
	KMSKeyID string `toml:"kms_key_id"`
	// LiveEvery is how often what a running recording's tracks gained is uploaded to the
	// bucket, so that a node lost for good loses at most that much of it. Default 10s.
	LiveEvery Duration `toml:"live_every"`
	// LiveStale is how long a running recording's uploads may stop before another node takes
	// it over and composes what reached the bucket. Default 1m; keep it well above live_every.
	LiveStale Duration `toml:"live_stale"`
}

func defaultRecording() Recording {
	return Recording{
		Enabled: true, Storage: "local", Notice: Duration(3 * time.Second), Retention: Duration(30 * 24 * time.Hour),
		MaxDuration: Duration(4 * time.Hour), MaxBytes: 4 << 30, MinFreeBytes: 1 << 30,
		FFmpeg: "ffmpeg", ComposeTimeout: Duration(2 * time.Hour),
		S3: RecordingS3{Region: "us-east-1", PartSize: 16 << 20, LiveEvery: Duration(10 * time.Second), LiveStale: Duration(time.Minute)},
	}
}

// StorageDir returns the recordings directory: dir, or "recordings" in dataDir.
func (r Recording) StorageDir(dataDir string) string {
	if r.Dir != "" {
		return r.Dir
	}
	return filepath.Join(dataDir, "recordings")
}

func (r *Recording) validate(add func(string, ...any)) {
	switch r.Storage {
	case "local":
	case "s3":
		s := r.S3
		if s.Endpoint == "" || s.Bucket == "" {
			add("recording.s3.endpoint and recording.s3.bucket are required with recording.storage = \"s3\"")
		}
		if _, err := url.Parse("http://" + s.Endpoint); err != nil {
			add("recording.s3.endpoint %q: want host:port, without scheme", s.Endpoint)
		}
		if s.PartSize < 5<<20 {
			add("recording.s3.part_size %d: want at least 5242880 (5 MiB, the S3 minimum)", s.PartSize)
		}
		if s.LiveEvery.D() < time.Second || s.LiveEvery.D() > 10*time.Minute {
			add("recording.s3.live_every %s: want 1s to 10m", s.LiveEvery)
		}
		if s.LiveStale.D() < 3*s.LiveEvery.D() {
			add("recording.s3.live_stale %s: want at least three times recording.s3.live_every (%s)", s.LiveStale, s.LiveEvery)
		}
		switch s.Encryption {
		case "", "sse-s3":
		case "sse-kms":
			if s.KMSKeyID == "" {
				add("recording.s3.kms_key_id is required with recording.s3.encryption = \"sse-kms\"")
			}
		default:
			add("recording.s3.encryption %q: want \"\", sse-s3 or sse-kms", s.Encryption)
		}
	default:
		add("recording.storage %q: want local or s3", r.Storage)
	}
	if r.Notice.D() < 0 || r.Notice.D() > time.Minute {
		add("recording.notice %s: want 0s to 1m", r.Notice)
	}
	if r.Retention.D() < time.Minute {
		add("recording.retention %s: want at least 1m", r.Retention)
	}
	if r.MaxDuration.D() < time.Minute {
		add("recording.max_duration %s: want at least 1m", r.MaxDuration)
	}
	if r.MaxBytes < 1<<20 {
		add("recording.max_bytes %d: want at least 1048576 (1 MiB)", r.MaxBytes)
	}
	if r.MinFreeBytes < 0 {
		add("recording.min_free_bytes %d: want 0 or more", r.MinFreeBytes)
	}
	if r.ComposeTimeout.D() < time.Minute {
		add("recording.compose_timeout %s: want at least 1m", r.ComposeTimeout)
	}
	if r.WebhookURL != "" {
		if u, err := url.Parse(r.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("recording.webhook_url %q: want an http(s) URL", r.WebhookURL)
		}
		if r.WebhookSecret == "" {
			add("recording.webhook_secret is required with recording.webhook_url (set VISIO_RECORDING_WEBHOOK_SECRET)")
		}
	}
}

// applyRecordingEnv reads the VISIO_RECORDING_* variables.
func applyRecordingEnv(r *Recording, getenv func(string) string) error {
	for k, p := range map[string]*string{
		"VISIO_RECORDING_DIR": &r.Dir, "VISIO_RECORDING_STORAGE": &r.Storage, "VISIO_RECORDING_FFMPEG": &r.FFmpeg,
		"VISIO_RECORDING_WEBHOOK_URL": &r.WebhookURL, "VISIO_RECORDING_WEBHOOK_SECRET": &r.WebhookSecret,
		"VISIO_RECORDING_S3_ENDPOINT": &r.S3.Endpoint, "VISIO_RECORDING_S3_BUCKET": &r.S3.Bucket,
		"VISIO_RECORDING_S3_ACCESS_KEY": &r.S3.AccessKey, "VISIO_RECORDING_S3_SECRET_KEY": &r.S3.SecretKey,
	} {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	if v := getenv("VISIO_RECORDING_ENABLED"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("VISIO_RECORDING_ENABLED=%q: want true or false", v)
		}
		r.Enabled = b
	}
	if v := getenv("VISIO_RECORDING_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("VISIO_RECORDING_RETENTION=%q: want a duration such as 720h", v)
		}
		r.Retention = Duration(d)
	}
	return nil
}
