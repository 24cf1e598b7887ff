// Command _asm generates the assembly of package vec with avo
// (github.com/mmcloughlin/avo). It is a module of its own, so that avo never
// enters amvi's module graph. Each -file names a generator: the kernels of
// one assembly file, NAME_amd64.s, and the Go declarations (stubs) that go
// with them, NAME_stub_amd64.go:
//
//	go run -C _asm . -file scale -pkg vec -out ../scale_amd64.s -stubs ../scale_stub_amd64.go
//
// avo builds one file a process, so -all, which package vec's go:generate
// uses, runs this program once per generator, writing into -dir (default
// "..", package vec's directory); the program is compiled only once.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	"matmul": matmulFile,
	"vec32":  vec32File,
	"rowmul": rowmulFile,
}

func main() {
	file := flag.String("file", "", "the assembly file to generate: "+strings.Join(names(), ", "))
	all := flag.Bool("all", false, "generate every file into -dir")
	dir := flag.String("dir", "..", "with -all, the directory of package vec")
	flag.Parse()
	if *all {
		if err := generateAll(*dir); err != nil {
			fmt.Fprintf(os.Stderr, "_asm: %v\n", err)
			os.Exit(1)
		}
		return
	}
	gen, ok := generators[*file]
	if !ok {
		fmt.Fprintf(os.Stderr, "_asm: -file %q: want one of %s\n", *file, strings.Join(names(), ", "))
		os.Exit(2)
	}
	ConstraintExpr("!purego")
	gen()
	Generate()
}

// generateAll runs this program with -file for each generator in turn.
func generateAll(dir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, n := range names() {
		cmd := exec.Command(self, "-file", n, "-pkg", "vec",
			"-out", filepath.Join(dir, n+"_amd64.s"),
			"-stubs", filepath.Join(dir, n+"_stub_amd64.go"))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("-file %s: %w", n, err)
		}
	}
	return nil
}

func names() []string {
	var ns []string
	for n := range generators {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}
