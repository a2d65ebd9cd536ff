package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// S3Params configure an S3Storage.
type S3Params struct {
	Endpoint             string // host:port
	Bucket               string
	Region               string
	AccessKey, SecretKey string
	Insecure             bool   // plain HTTP
	Prefix               string // before every key
	PartSize             uint64 // multipart part size (at least 5 MiB)
	// Encryption is "", "sse-s3" or "sse-kms" (with KMSKeyID).
	Encryption string
	KMSKeyID   string
	// Attempts is how many times an upload is tried in whole (default 5); minio-go also retries
	// each part.
	Attempts int
	// RetryWait is the first wait between two attempts, doubled each time (default 1 s).
	RetryWait time.Duration
	Logger    *slog.Logger
}

// S3Storage keeps recordings in an S3-compatible bucket, uploaded in parts (multipart upload),
// with server-side encryption if asked.
type S3Storage struct {
	p   S3Params
	c   *minio.Client
	sse encrypt.ServerSide
}

var _ Storage = (*S3Storage)(nil)

// NewS3Storage returns a client of the bucket; it does not contact the server.
func NewS3Storage(p S3Params) (*S3Storage, error) {
	if p.PartSize < 5<<20 {
		p.PartSize = 16 << 20
	}
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.RetryWait <= 0 {
		p.RetryWait = time.Second
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := minio.New(p.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(p.AccessKey, p.SecretKey, ""),
		Secure: !p.Insecure, Region: p.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	s := &S3Storage{p: p, c: c}
	switch p.Encryption {
	case "":
	case "sse-s3":
		s.sse = encrypt.NewSSE()
	case "sse-kms":
		if s.sse, err = encrypt.NewSSEKMS(p.KMSKeyID, nil); err != nil {
			return nil, fmt.Errorf("s3 encryption: %w", err)
		}
	default:
		return nil, fmt.Errorf("s3 encryption %q: want \"\", sse-s3 or sse-kms", p.Encryption)
	}
	return s, nil
}

// Local implements Storage.
func (s *S3Storage) Local() bool { return false }

// Put implements Storage: a multipart upload of the file. A failed upload (the server
// restarting, the network) is tried again with backoff, up to Attempts times, until ctx ends.
func (s *S3Storage) Put(ctx context.Context, key, path, contentType string) error {
	if !validKey(key) {
		return fmt.Errorf("store %q: invalid key", key)
	}
	wait := s.p.RetryWait
	var err error
	for attempt := 1; attempt <= s.p.Attempts; attempt++ {
		_, err = s.c.FPutObject(ctx, s.p.Bucket, s.p.Prefix+key, path, minio.PutObjectOptions{
			ContentType: contentType, PartSize: s.p.PartSize, ServerSideEncryption: s.sse,
		})
		if err == nil || ctx.Err() != nil {
			break
		}
		s.p.Logger.Warn("recording upload failed; trying again", "key", key, "attempt", attempt, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

// Open implements Storage.
func (s *S3Storage) Open(ctx context.Context, key string) (Object, error) {
	if !validKey(key) {
		return nil, ErrNotStored
	}
	o, err := s.c.GetObject(ctx, s.p.Bucket, s.p.Prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	st, err := o.Stat()
	if err != nil {
		_ = o.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, ErrNotStored
		}
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	return &s3Object{Object: o, st: st}, nil
}

// Delete implements Storage.
func (s *S3Storage) Delete(ctx context.Context, prefix string) error {
	id := strings.TrimSuffix(prefix, "/")
	if !ValidID(id) {
		return fmt.Errorf("delete %q: invalid recording id", prefix)
	}
	objs := s.c.ListObjects(ctx, s.p.Bucket, minio.ListObjectsOptions{Prefix: s.p.Prefix + id + "/", Recursive: true})
	var errs []error
	for e := range s.c.RemoveObjects(ctx, s.p.Bucket, objs, minio.RemoveObjectsOptions{}) {
		errs = append(errs, e.Err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

type s3Object struct {
	*minio.Object
	st minio.ObjectInfo
}

func (o *s3Object) Size() int64        { return o.st.Size }
func (o *s3Object) ModTime() time.Time { return o.st.LastModified }
