//go:build race

package udpsock

// raceEnabled: the race detector drops pooled items at random, so pooled code allocates.
const raceEnabled = true
