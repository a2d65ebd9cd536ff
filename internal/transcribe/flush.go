package transcribe

// Flush hands the utterance in progress to the recognizer now, without closing the stream: for
// a participant whose audio stopped arriving (muted, left, network gone), so that their last
// words are not held back until more audio comes.
func (s *Stream) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.seg.Flush()
	}
}
