package auth

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Keys are the server's secrets, all from one Ed25519 key: it signs join tokens, and a key
// derived from it seals the sign-in state kept in the browser between login and callback.
type Keys struct {
	sign ed25519.PrivateKey
	kid  string
	seal []byte // 32 bytes, AES-256-GCM
}

// NewKeys returns the keys derived from priv.
func NewKeys(priv ed25519.PrivateKey) (*Keys, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("auth: not an Ed25519 private key")
	}
	seal, err := hkdf.Key(sha256.New, priv.Seed(), nil, "visio sign-in state v1", 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive key: %w", err)
	}
	sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	return &Keys{sign: priv, kid: hex.EncodeToString(sum[:8]), seal: seal}, nil
}

// Derive returns a 32-byte key for purpose, derived from the server key: the same on every node
// that shares auth.key_file, and useless for anything but that purpose.
func (k *Keys) Derive(purpose string) []byte {
	b, err := hkdf.Key(sha256.New, k.sign.Seed(), nil, "visio "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give; 32 always fits SHA-256
	}
	return b
}

// GenerateKeys returns fresh keys, for tests.
func GenerateKeys() *Keys {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	k, _ := NewKeys(priv)
	return k
}

// LoadKeys reads the PEM (PKCS#8) Ed25519 key at path, creating it (mode 0600, in a directory
// created 0700) if it does not exist. Two processes starting at once end up with the same key.
func LoadKeys(path string) (*Keys, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("auth: %s: want a PEM \"PRIVATE KEY\" (PKCS#8 Ed25519; openssl genpkey -algorithm ed25519)", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: %s: want an Ed25519 key (openssl genpkey -algorithm ed25519)", path)
	}
	return NewKeys(priv)
}

// createKey writes a new key to a temporary file and links it into place, so that a reader
// never sees half a file and, of two processes racing, the first link wins.
func createKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("auth: create key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("auth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("auth: generate key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".auth-key-*")
	if err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("auth: write key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: write key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("auth: write key: %w", err)
	}
	return nil
}
