package signal

import (
	"errors"

	"visio/internal/room"
	"visio/internal/sfu"
)

// protocolError says how err is reported to the client: the meeting's refusals and the media
// side's errors get their stable code, anything else is a server error.
func protocolError(err error) *ProtocolError {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe
	}
	msg := err.Error()
	for _, c := range []struct {
		err   error
		code  string
		fatal bool
	}{
		{room.ErrFull, CodeRoomFull, true},
		{room.ErrRemoved, CodeRemoved, true},
		{room.ErrLocked, CodeRoomLocked, true},
		{room.ErrResumeExpired, CodeResumeExpired, true},
		{room.ErrKnockLimited, CodeRateLimited, true},
		{room.ErrShuttingDown, CodeServerError, true},
		{room.ErrTryAgain, CodeServerError, true},
		{room.ErrForbidden, CodeForbidden, false},
		{room.ErrUnknownParticipant, CodeUnknownParticipant, false},
		{room.ErrTranscriptionUnavailable, CodeTranscriptionUnavailable, false},
		{room.ErrRecordingUnavailable, CodeRecordingUnavailable, false},
		{room.ErrReactionLimited, CodeReactionLimited, false},
		{room.ErrBreakout, CodeBreakout, false},
		{sfu.ErrBadSDP, CodeBadSDP, false},
		{sfu.ErrBadCandidate, CodeBadCandidate, false},
		{sfu.ErrBadTrack, CodeBadTrack, false},
	} {
		if errors.Is(err, c.err) {
			return &ProtocolError{Code: c.code, Message: truncate(msg, 300), Fatal: c.fatal}
		}
	}
	return &ProtocolError{Code: CodeServerError, Message: "the server could not handle this message"}
}

// refusal is how a failed admission from the lobby is reported.
func refusal(err error) *ProtocolError {
	pe := protocolError(err)
	if pe.Code == CodeServerError {
		pe = &ProtocolError{Code: CodeServerError, Message: "could not let you in; join again", Fatal: true}
	}
	return pe
}
