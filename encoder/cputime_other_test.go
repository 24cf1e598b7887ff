//go:build !unix

package encoder_test

import "time"

// cpuTime returns 0: CPU time is read on Unix systems only.
func cpuTime() time.Duration { return 0 }
