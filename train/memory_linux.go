package train

import "golang.org/x/sys/unix"

// PhysicalMemory returns the machine's memory in bytes, or 0 where it is
// not known.
func PhysicalMemory() float64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return float64(si.Totalram) * float64(si.Unit)
}
