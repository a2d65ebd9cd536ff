package room

import (
	"errors"

	"visio/internal/transcribe"
)

// Sentinel errors of the meeting's rules. Their text is safe to show a user.
var (
	// ErrShuttingDown: the server is stopping and takes no one in.
	ErrShuttingDown = errors.New("the server is shutting down")
	// ErrFull: the meeting holds its maximum of participants.
	ErrFull = errors.New("the meeting is full")
	// ErrRemoved: a moderator removed this person from the meeting.
	ErrRemoved = errors.New("you were removed from this meeting")
	// ErrLocked: the meeting is locked and the person is not a moderator.
	ErrLocked = errors.New("the meeting is locked")
	// ErrForbidden: the participant may not do this.
	ErrForbidden = errors.New("only moderators may do this")
	// ErrUnknownParticipant: the action names nobody in the meeting.
	ErrUnknownParticipant = errors.New("no such participant in this meeting")
	// ErrResumeExpired: the resume token names no participant in grace.
	ErrResumeExpired = errors.New("this session can no longer be resumed; join again")
	// ErrKnockLimited: the person or address asked to enter too often.
	ErrKnockLimited = errors.New("too many requests to enter; wait a minute")
	// ErrTryAgain: the meeting kept closing as the person arrived; they may join again.
	ErrTryAgain = errors.New("could not join the meeting; try again")
	// ErrTranscriptionUnavailable: no speech recognizer is configured.
	ErrTranscriptionUnavailable = transcribe.ErrUnavailable

	// errClosed: the meeting closed while someone arrived; they try a new one.
	errClosed = errors.New("room: meeting closed")
)

// refusal is a sentinel error with a more precise message, also safe to show.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

func refuse(kind error, msg string) error { return &refusal{kind: kind, msg: msg} }
