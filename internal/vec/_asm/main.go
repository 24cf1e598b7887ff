// Command _asm generates the assembly of package vec with avo
// (github.com/mmcloughlin/avo). It is a module of its own, so that avo never
// enters amvi's module graph. Package vec runs it through go:generate, one
// file a run:
//
//	go run -C _asm . -file scale -pkg vec -out ../scale_amd64.s -stubs ../scale_stub_amd64.go
//
// Each -file names a generator: the kernels of one assembly file and the Go
// declarations (stubs) that go with them.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	. "github.com/mmcloughlin/avo/build"
)

var generators = map[string]func(){
	"scale":  scale,
	"vec":    vecAVX2,
	"vec512": vecAVX512,
	"tanh":   tanhFile,
	"adam32": adam32File,
}

func main() {
	file := flag.String("file", "", "the assembly file to generate: "+names())
	flag.Parse()
	gen, ok := generators[*file]
	if !ok {
		fmt.Fprintf(os.Stderr, "_asm: -file %q: want one of %s\n", *file, names())
		os.Exit(2)
	}
	ConstraintExpr("!purego")
	gen()
	Generate()
}

func names() string {
	var ns []string
	for n := range generators {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}
