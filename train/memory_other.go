//go:build !linux

package train

// PhysicalMemory returns the machine's memory in bytes, or 0 where it is
// not known (here).
func PhysicalMemory() float64 { return 0 }
