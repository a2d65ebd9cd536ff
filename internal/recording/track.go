package recording

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

const (
	// maxSilence bounds the silence written into one gap of an audio track (one hour).
	maxSilence = 3600 * 50
	// layerSilent is how long the recorded simulcast layer may send nothing before a lower one
	// is taken instead.
	layerSilent = time.Second
	// keyframeEvery bounds how often the recorder asks for a keyframe per track.
	keyframeEvery = time.Second
	// oggPreSkip is the pre-skip pion's Ogg writer declares, in 48 kHz samples.
	oggPreSkip = 3840
	// videoLate is how many packets the video frame assembler waits for a late one.
	videoLate = 512
)

// trackWriter writes one track's packets into its file. It is used by the writer goroutine only.
type trackWriter struct {
	rec    *Recorder
	id     string
	meta   Track
	file   *countingFile
	closed bool
	index  int // in the manifest's tracks, -1 before the file exists

	// alignment (sync.go)
	firstTS     uint32 // RTP timestamp of the file's first sample
	firstLayer  int    // the layer it belongs to
	senderStart int64  // when the publisher took that sample, on its clock (Unix ns); 0 before a sender report

	// audio
	ogg     *oggwriter.OggWriter
	lastTS  uint32 // RTP timestamp of the last packet written
	lastN   uint32 // its samples
	samples int64  // 48 kHz samples written, silence included

	// video
	layer        int    // simulcast layer recorded, -1 before the first keyframe
	layerFirstTS uint32 // RTP timestamp of that layer's first frame
	layerBaseMS  int64  // file time of that layer's first frame
	layerLast    int64  // arrival of the layer's last packet
	firstArrival int64  // arrival of the track's first recorded packet
	lastMS       int64
	frameMS      int64 // time between the last two frames written
	webmFrames   int
	sb           *samplebuilder.SampleBuilder
	webm         webm.BlockWriteCloser
	waitKey      bool
	askedKey     int64
}

// push writes one packet; it returns the bytes added to the file.
func (t *trackWriter) push(it *packetItem) (int64, error) {
	if t.closed {
		return 0, nil
	}
	before := t.file.count()
	var err error
	if it.video {
		err = t.pushVideo(it)
	} else {
		err = t.pushAudio(it)
	}
	return t.file.count() - before, err
}

func (t *trackWriter) open() error {
	f, err := os.OpenFile(filepath.Join(t.rec.p.Dir, t.meta.File), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("create track file: %w", err)
	}
	t.file = &countingFile{f: f}
	return nil
}

func (t *trackWriter) offsetMS(arrival int64) int64 {
	return max(0, (arrival-t.rec.start.UnixNano())/int64(time.Millisecond))
}

// started records the track in the manifest once its file exists, placed by the arrival of its
// first packet until a sender report places it better (sync.go).
func (t *trackWriter) started(arrivalOffsetMS int64) {
	t.meta.OffsetMS, t.meta.ArrivalOffsetMS, t.meta.Sync = arrivalOffsetMS, arrivalOffsetMS, "arrival"
	t.index = t.rec.trackStarted(t.meta)
}

func (t *trackWriter) pushAudio(it *packetItem) error {
	payload := it.buf[:it.n]
	n := uint32(opusSamples(payload))
	if n == 0 {
		return nil // not Opus, or malformed: skipped
	}
	if t.ogg == nil {
		if err := t.open(); err != nil {
			return err
		}
		w, err := oggwriter.NewWith(t.file, 48000, 2)
		if err != nil {
			return fmt.Errorf("ogg writer: %w", err)
		}
		t.ogg = w
		// The Ogg header tells players to drop the first 3,840 samples (pion's pre-skip, RFC
		// 7845's recommended 80 ms): they are silence here, so that the first packet plays at the
		// file's time 0, in step with the video.
		for range oggPreSkip / 960 {
			if err := t.ogg.WriteRTP(&rtp.Packet{Payload: opusSilence}); err != nil {
				return err
			}
		}
		t.firstTS, t.firstLayer = it.ts, it.layer
		t.started(t.offsetMS(it.arrival))
	} else {
		d := int32(it.ts - t.lastTS)
		if d <= 0 {
			return nil // late or repeated: its place is taken
		}
		// Fill a gap of whole 20 ms frames with silence.
		if gap := int64(d) - int64(t.lastN); gap >= 960 {
			for i := int64(0); i < min(gap/960, maxSilence); i++ {
				if err := t.ogg.WriteRTP(&rtp.Packet{Payload: opusSilence}); err != nil {
					return err
				}
				t.samples += 960
			}
		}
	}
	t.lastTS, t.lastN = it.ts, n
	t.samples += int64(n)
	return t.ogg.WriteRTP(&rtp.Packet{Header: rtp.Header{Timestamp: it.ts, SequenceNumber: it.seq}, Payload: payload})
}

// vp8KeyframeStart reports whether payload is the first packet of a VP8 keyframe (RFC 7741).
func vp8KeyframeStart(payload []byte) bool {
	var p codecs.VP8Packet
	frame, err := p.Unmarshal(payload)
	return err == nil && p.S == 1 && p.PID == 0 && len(frame) > 0 && frame[0]&1 == 0
}

// vp8Size returns the size a VP8 keyframe declares (RFC 6386 section 9.1), or zeros.
func vp8Size(frame []byte) (w, h int) {
	if len(frame) < 10 || frame[0]&1 != 0 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return 0, 0
	}
	return int(frame[6]) | int(frame[7]&0x3f)<<8, int(frame[8]) | int(frame[9]&0x3f)<<8
}

func (t *trackWriter) askKeyframe(now int64) {
	if t.rec.p.RequestKeyframe != nil && now-t.askedKey >= int64(keyframeEvery) {
		t.askedKey = now
		t.rec.p.RequestKeyframe(t.id)
	}
}

func (t *trackWriter) pushVideo(it *packetItem) error {
	payload := it.buf[:it.n]
	if it.layer != t.layer || t.sb == nil {
		better := t.sb == nil || it.layer > t.layer || it.arrival-t.layerLast > int64(layerSilent)
		if !better {
			return nil
		}
		if !vp8KeyframeStart(payload) {
			t.askKeyframe(it.arrival)
			return nil
		}
		// Switch to this layer at its keyframe.
		if t.sb == nil && t.webm == nil {
			t.firstArrival = it.arrival
		}
		t.flushVideo()
		t.layer = it.layer
		t.layerFirstTS = it.ts
		t.layerBaseMS = max((it.arrival-t.firstArrival)/int64(time.Millisecond), t.lastMS+1)
		if t.webm == nil {
			t.layerBaseMS = 0
		}
		t.sb = samplebuilder.New(videoLate, &codecs.VP8Packet{}, 90000)
		t.waitKey = true
	}
	t.layerLast = it.arrival
	t.sb.Push(&rtp.Packet{
		Header:  rtp.Header{Version: 2, SequenceNumber: it.seq, Timestamp: it.ts, Marker: it.marker},
		Payload: append([]byte(nil), payload...),
	})
	return t.popVideo(it.arrival)
}

// popVideo writes the frames the assembler has completed.
func (t *trackWriter) popVideo(now int64) error {
	for s := t.sb.Pop(); s != nil; s = t.sb.Pop() {
		if len(s.Data) == 0 {
			continue
		}
		if s.PrevDroppedPackets > 0 {
			t.waitKey = true // a frame was lost: the next ones depend on it
		}
		key := s.Data[0]&1 == 0
		if t.waitKey && !key {
			t.askKeyframe(now)
			continue
		}
		t.waitKey = false
		if t.webm == nil {
			w, h := vp8Size(s.Data)
			if w == 0 || h == 0 {
				continue
			}
			if err := t.open(); err != nil {
				return err
			}
			ws, err := webm.NewSimpleBlockWriter(t.file, []webm.TrackEntry{{
				Name: t.meta.Source, TrackNumber: 1, TrackUID: 1, CodecID: "V_VP8", TrackType: 1,
				Video: &webm.Video{PixelWidth: uint64(w), PixelHeight: uint64(h)},
			}})
			if err != nil {
				return fmt.Errorf("webm writer: %w", err)
			}
			t.webm = ws[0]
			t.firstTS, t.firstLayer = t.layerFirstTS, t.layer
			t.started(t.offsetMS(t.firstArrival))
		}
		ms := t.layerBaseMS + int64(int32(s.PacketTimestamp-t.layerFirstTS))/90
		if ms < t.lastMS {
			continue // older than what is written
		}
		if t.webmFrames > 0 {
			t.frameMS = min(max(ms-t.lastMS, 1), 1000)
		}
		t.webmFrames++
		t.lastMS = ms
		if _, err := t.webm.Write(key, ms, s.Data); err != nil {
			return fmt.Errorf("write frame: %w", err)
		}
	}
	return nil
}

// flushVideo writes the frames still in the assembler.
func (t *trackWriter) flushVideo() {
	if t.sb != nil {
		t.sb.Flush()
		_ = t.popVideo(0)
	}
}

// endMS is when the track's last sample ends, from the recording's start, or 0 if nothing was
// written.
func (t *trackWriter) endMS() int64 {
	switch {
	case t.ogg != nil:
		return t.meta.OffsetMS + t.samples*1000/48000
	case t.webm != nil:
		return t.meta.OffsetMS + t.lastMS + max(t.frameMS, 1) // the last frame shows for a frame's time
	}
	return 0
}

// close closes the track's file. Safe to call twice.
func (t *trackWriter) close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	switch {
	case t.ogg != nil:
		return t.ogg.Close()
	case t.webm != nil:
		t.flushVideo()
		return t.webm.Close()
	case t.file != nil:
		return t.file.Close()
	}
	return nil
}

// countingFile counts the bytes written to a file. The WebM writer writes from its own
// goroutine, hence the atomic count.
type countingFile struct {
	f *os.File
	n atomic.Int64
}

func (c *countingFile) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingFile) Close() error { return c.f.Close() }

func (c *countingFile) count() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}
