package recording

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// While a recording runs with S3 storage, what its track files gained is uploaded every few
// seconds as numbered segments ("live/RE_x/camera-0.webm.000003", the bytes that follow the
// previous segment), with its manifest ("live/RE_x/manifest.json"). The track files only grow
// (Ogg pages and WebM clusters are appended, nothing is rewritten), so the segments of a file,
// put end to end, are the file as it was at the last upload. If the node is lost for good, the
// recording loses only what came after; another node finds the recording's live manifest no
// longer updated, fetches the segments and composes them.

// LiveRecording is a recording whose segments are in the bucket.
type LiveRecording struct {
	ID string
	// Updated is when its manifest was last uploaded.
	Updated time.Time
}

// liveKey returns the key of a live object of recording id.
func (s *S3Storage) liveKey(id, name string) string { return s.p.Prefix + "live/" + id + "/" + name }

// PutLive stores b as segment seq of recording id's file name.
func (s *S3Storage) PutLive(ctx context.Context, id, name string, seq int, b []byte) error {
	return s.putBytes(ctx, s.liveKey(id, fmt.Sprintf("%s.%06d", name, seq)), b, "application/octet-stream")
}

// PutLiveManifest stores recording id's manifest beside its segments; its time says the node
// recording it is alive.
func (s *S3Storage) PutLiveManifest(ctx context.Context, id string, b []byte) error {
	return s.putBytes(ctx, s.liveKey(id, ManifestFile), b, "application/json")
}

func (s *S3Storage) putBytes(ctx context.Context, key string, b []byte, ctype string) error {
	_, err := s.c.PutObject(ctx, s.p.Bucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{ContentType: ctype, ServerSideEncryption: s.sse})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

// ListLive returns the recordings that have a live manifest in the bucket.
func (s *S3Storage) ListLive(ctx context.Context) ([]LiveRecording, error) {
	var out []LiveRecording
	prefix := s.p.Prefix + "live/"
	for o := range s.c.ListObjects(ctx, s.p.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list live recordings: %w", o.Err)
		}
		id, name, ok := strings.Cut(strings.TrimPrefix(o.Key, prefix), "/")
		if ok && name == ManifestFile && ValidID(id) {
			out = append(out, LiveRecording{ID: id, Updated: o.LastModified})
		}
	}
	return out, nil
}

// FetchLive downloads recording id's live manifest and segments into dir, each file made of its
// segments end to end, and returns the manifest.
func (s *S3Storage) FetchLive(ctx context.Context, id, dir string) (*Manifest, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%w: id %q", ErrBadManifest, id)
	}
	prefix := s.liveKey(id, "")
	type segment struct {
		seq int
		key string
	}
	files := map[string][]segment{}
	manifest := false
	for o := range s.c.ListObjects(ctx, s.p.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		name := strings.TrimPrefix(o.Key, prefix)
		if name == ManifestFile {
			manifest = true
			continue
		}
		i := strings.LastIndexByte(name, '.')
		seq, err := strconv.Atoi(name[i+1:])
		if i < 0 || err != nil || !fileName.MatchString(name[:i]) {
			continue // not ours
		}
		files[name[:i]] = append(files[name[:i]], segment{seq, o.Key})
	}
	if !manifest {
		return nil, fmt.Errorf("fetch %s: %w", id, ErrNotStored)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	mb, err := s.getBytes(ctx, s.liveKey(id, ManifestFile), maxManifestBytes)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, err
	}
	if m.ID != id {
		return nil, fmt.Errorf("%w: live manifest of %s under %s", ErrBadManifest, m.ID, id)
	}
	for name, segs := range files {
		sort.Slice(segs, func(a, b int) bool { return segs[a].seq < segs[b].seq })
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
		if err != nil {
			return nil, err
		}
		for i, sg := range segs {
			if sg.seq != i {
				break // a segment is missing: the file stops before it
			}
			b, err := s.getBytes(ctx, sg.key, maxSegment)
			if err == nil {
				_, err = f.Write(b)
			}
			if err != nil {
				_ = f.Close()
				return nil, err
			}
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	if err := writeManifest(dir, m); err != nil {
		return nil, err
	}
	// A file's last write is when its track ended (Duration, recoverEnds), as in the manifest.
	for _, t := range m.Tracks {
		if t.EndMS > 0 {
			at := m.StartedAt.Add(time.Duration(t.EndMS) * time.Millisecond)
			_ = os.Chtimes(filepath.Join(dir, t.File), at, at)
		}
	}
	return m, nil
}

func (s *S3Storage) getBytes(ctx context.Context, key string, limit int64) ([]byte, error) {
	o, err := s.c.GetObject(ctx, s.p.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(io.LimitReader(o, limit+1))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("get %s: larger than %d bytes", key, limit)
	}
	return b, nil
}

// DeleteLive removes recording id's live manifest and segments.
func (s *S3Storage) DeleteLive(ctx context.Context, id string) error {
	if !ValidID(id) {
		return fmt.Errorf("delete live %q: invalid recording id", id)
	}
	objs := s.c.ListObjects(ctx, s.p.Bucket, minio.ListObjectsOptions{Prefix: s.liveKey(id, ""), Recursive: true})
	var errs []error
	for e := range s.c.RemoveObjects(ctx, s.p.Bucket, objs, minio.RemoveObjectsOptions{}) {
		errs = append(errs, e.Err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete live %s: %w", id, err)
	}
	return nil
}

// liveUploader uploads one running recording's new bytes (see above).
type liveUploader struct {
	s    *S3Storage
	id   string
	dir  string
	sent map[string]int64 // bytes of each file uploaded
	seq  map[string]int   // its next segment
}

// upload sends what each track file gained since the last call, then the manifest.
func (u *liveUploader) upload(ctx context.Context) error {
	mb, err := os.ReadFile(filepath.Join(u.dir, ManifestFile))
	if err != nil {
		return err
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return err
	}
	for _, t := range m.Tracks {
		if err := u.uploadFile(ctx, t.File); err != nil {
			return err
		}
	}
	return u.s.PutLiveManifest(ctx, u.id, mb)
}

func (u *liveUploader) uploadFile(ctx context.Context, name string) error {
	f, err := os.Open(filepath.Join(u.dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// After the bucket was out of reach for long, what the file gained goes in several segments.
	for from := u.sent[name]; from < fi.Size(); from = u.sent[name] {
		b := make([]byte, min(fi.Size()-from, maxSegment))
		if _, err := f.ReadAt(b, from); err != nil {
			return err
		}
		if err := u.s.PutLive(ctx, u.id, name, u.seq[name], b); err != nil {
			return err
		}
		u.sent[name] += int64(len(b))
		u.seq[name]++
	}
	return nil
}

// maxSegment bounds a segment, and the memory an upload takes.
const maxSegment = 16 << 20
