package gg

import (
	"reflect"
	"unsafe"

	"gorgonia.org/gorgonia"
)

// rewind makes a tape machine ready to run again while keeping the values
// it allocated. Gorgonia's only way to rerun a machine, Reset, also drops
// every register, so each run reallocates and zeroes all of them: 17 MB per
// training step at S=8, and 15% of the step's time in memclr. The machine's
// program counter is unexported, so rewind sets it through reflection, and
// falls back to Reset where the field is not there (another Gorgonia
// version); TestRewindKeepsRegisters notices that.
func rewind(vm gorgonia.VM) {
	v := reflect.ValueOf(vm)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		if pc := v.Elem().FieldByName("pc"); pc.IsValid() && pc.Kind() == reflect.Int {
			reflect.NewAt(pc.Type(), unsafe.Pointer(pc.UnsafeAddr())).Elem().SetInt(0)
			return
		}
	}
	vm.Reset()
}
