package sfu

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/srtp/v3"
)

// The SRTP keys of what the server sends on a connection, for its own send path (sendpath.go).
// They are those pion derives from the DTLS handshake (RFC 5764 section 4.2). Pion does not hand
// them out, but two of its hooks together tell what they come from: the DTLS server's hello (the
// server random, the cipher suite, the SRTP profile) and the key log (the client random and the
// master secret), here an in-process hand-over that is kept nowhere. The server offers the
// subscriber connection, so it is its DTLS server when the client answers as browsers and pion
// do (a=setup:active).

// srtpKeys are the SRTP master key and salt of one direction of a DTLS association.
type srtpKeys struct {
	profile   srtp.ProtectionProfile
	key, salt []byte
}

// keyCapture takes a connection's DTLS hooks and calls onKeys with the keys of what the server
// sends once the handshake has them, and with nil when a new handshake starts.
type keyCapture struct {
	onKeys func(*srtpKeys)

	mu    sync.Mutex // guards hello
	hello *handshakeSecrets
}

// handshakeSecrets is what the server's DTLS hello chose.
type handshakeSecrets struct {
	serverRandom []byte
	hash         prf.HashFunc
	profile      srtp.ProtectionProfile
	srtp         bool // profile is set
}

// serverHello notes what the server's DTLS hello chose (pion calls it when the server is the DTLS
// server): the server random, the cipher suite (its hash is the exporter's) and the SRTP profile.
// It returns the hello unchanged.
func (k *keyCapture) serverHello(m handshake.MessageServerHello) handshake.Message {
	hs := &handshakeSecrets{}
	r := m.Random.MarshalFixed()
	hs.serverRandom = r[:]
	hs.hash = sha256.New
	if m.CipherSuiteID != nil && strings.HasSuffix(dtls.CipherSuiteName(dtls.CipherSuiteID(*m.CipherSuiteID)), "_SHA384") {
		hs.hash = sha512.New384
	}
	for _, e := range m.Extensions {
		if u, ok := e.(*extension.UseSRTP); ok && len(u.ProtectionProfiles) == 1 && len(u.MasterKeyIdentifier) == 0 {
			if p, ok := srtpProfileOf(u.ProtectionProfiles[0]); ok {
				hs.profile, hs.srtp = p, true
			}
		}
	}
	k.mu.Lock()
	fresh := k.hello == nil || !bytes.Equal(k.hello.serverRandom, hs.serverRandom)
	if fresh {
		k.hello = hs // a new handshake
	}
	k.mu.Unlock()
	if fresh {
		k.onKeys(nil)
	}
	return &m
}

// Write takes a line of the DTLS key log pion writes when the handshake has its master secret
// (NSS key log format: CLIENT_RANDOM <client random> <master secret>, in hex). The log is this
// in-process hand-over only: it is kept nowhere.
func (k *keyCapture) Write(line []byte) (int, error) {
	f := bytes.Fields(line)
	if len(f) != 3 || string(f[0]) != "CLIENT_RANDOM" {
		return len(line), nil
	}
	clientRandom, err1 := hex.DecodeString(string(f[1]))
	master, err2 := hex.DecodeString(string(f[2]))
	if err1 != nil || err2 != nil {
		return len(line), nil
	}
	k.mu.Lock()
	hs := k.hello
	k.mu.Unlock()
	if hs == nil || !hs.srtp {
		return len(line), nil
	}
	sec := &dtlsSecrets{masterSecret: master, clientRandom: clientRandom, serverRandom: hs.serverRandom, hash: hs.hash}
	if keys, err := sec.srtpKeys(hs.profile); err == nil {
		k.onKeys(keys)
	}
	return len(line), nil
}

// dtlsSecrets are what a DTLS association's keys are derived from.
type dtlsSecrets struct {
	masterSecret, clientRandom, serverRandom []byte
	hash                                     prf.HashFunc
}

// srtpKeys returns the SRTP master key and salt the server sends with, as the DTLS server: RFC
// 5764 section 4.2, the keying material exported with the label EXTRACTOR-dtls_srtp (RFC 5705),
// laid out as pion does.
func (s *dtlsSecrets) srtpKeys(profile srtp.ProtectionProfile) (*srtpKeys, error) {
	cfg := srtp.Config{Profile: profile}
	if err := cfg.ExtractSessionKeysFromDTLS(s, false); err != nil {
		return nil, fmt.Errorf("SRTP keys: %w", err)
	}
	return &srtpKeys{profile: profile, key: cfg.Keys.LocalMasterKey, salt: cfg.Keys.LocalMasterSalt}, nil
}

// ExportKeyingMaterial is the TLS 1.2 keying material exporter (RFC 5705) without context.
func (s *dtlsSecrets) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("exporter context not supported")
	}
	seed := make([]byte, 0, len(label)+len(s.clientRandom)+len(s.serverRandom))
	seed = append(append(append(seed, label...), s.clientRandom...), s.serverRandom...)
	return prf.PHash(s.masterSecret, seed, length, s.hash)
}

// srtpProfileOf returns the SRTP profile of a DTLS use_srtp profile (RFC 5764 section 4.1.2).
func srtpProfileOf(p dtls.SRTPProtectionProfile) (srtp.ProtectionProfile, bool) {
	switch p {
	case dtls.SRTP_AEAD_AES_128_GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, true
	case dtls.SRTP_AEAD_AES_256_GCM:
		return srtp.ProtectionProfileAeadAes256Gcm, true
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	}
	return 0, false
}
