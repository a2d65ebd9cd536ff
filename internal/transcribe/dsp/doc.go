// Package dsp holds the signal processing shared by voice detection and diarization: a radix-2
// FFT, a mel filterbank, MFCCs (DCT-II of log mel energies) and delta coefficients.
//
// Frames follow the usual speech front end: 25 ms Hamming windows every 10 ms at 16 kHz, a
// 512-point FFT, 40 triangular mel bands from 20 Hz to 7.6 kHz (Slaney/HTK mel scale:
// 2595·log10(1+f/700)). Computing one frame allocates nothing.
package dsp
