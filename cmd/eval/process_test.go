package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bin is the command, built once for the tests that run it as a process.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "amvi-eval-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if goTool, err := exec.LookPath("go"); err == nil {
		out := filepath.Join(dir, "eval")
		if b, err := exec.Command(goTool, "build", "-o", out, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, b)
			return 1
		}
		bin = out
	}
	return m.Run()
}

// TestBadFilesExitCleanly runs the built command on malformed corpora,
// vocabularies and checkpoints: each must end it with status 1 and one line
// naming the file (and the line, for text files), never a panic or a stack
// trace.
func TestBadFilesExitCleanly(t *testing.T) {
	if bin == "" {
		t.Skip("no go command to build the binary with")
	}
	f, ck := trained(t) // V=60
	dir := t.TempDir()
	write := func(name string, content []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-20] ^= 0x04
	header := bytes.Clone(good)
	header[30] ^= 0x01
	long := []byte("1 " + strings.Repeat("1:1 ", 10<<20/4) + "2:\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad token", []string{"-data", write("tok.feat", []byte("1 1:1\n1 2:2 x:1\n"))}, "tok.feat:2: token \"x:1\": id \"x\" is not an integer"},
		{"id past the vocabulary", []string{"-data", write("id.feat", []byte("1 61:1\n")), "-vocab", f.Vocab}, "id.feat:1: token \"61:1\": id 61 out of range 1..60"},
		{"id past the model", []string{"-data", write("id2.feat", []byte("1 1:1\n1 61:1\n"))}, "id2.feat:2: token \"61:1\": id 61 out of range 1..60"},
		{"fractional count", []string{"-data", write("frac.feat", []byte("1 1:0.5\n"))}, "frac.feat:1: token \"1:0.5\": count \"0.5\" is not an integer"},
		{"duplicate id", []string{"-data", write("dup.feat", []byte("1 4:1 4:1\n"))}, "dup.feat:1: duplicate id 4"},
		{"NUL byte", []string{"-data", write("nul.feat", []byte("1 1:1\n\x00\n"))}, "nul.feat:2: NUL byte at column 1"},
		{"invalid UTF-8", []string{"-data", write("utf.feat", []byte("1 1:1 \xc0\n"))}, "utf.feat:1: invalid UTF-8"},
		{"10 MB line", []string{"-data", write("long.feat", long)}, "long.feat:1: token \"2:\": count \"\" is not an integer"},
		{"empty file", []string{"-data", write("empty.feat", nil)}, "empty.feat: no documents to evaluate (0 empty documents skipped"},
		{"only empty documents", []string{"-data", write("blank.feat", []byte("1\r\n\r\n3 \r\n"))}, "blank.feat: no documents to evaluate (3 empty documents skipped"},
		{"UCI header", []string{"-data", write("docword.txt", []byte("2\n60\nx\n")), "-format", "uci"}, "docword.txt:3: header: NNZ \"x\" is not a non-negative integer"},
		{"text with NUL", []string{"-data", write("docs.txt", []byte("w1 w2\nw3\x00\n")), "-format", "text"}, "docs.txt:2: NUL byte"},
		{"bad vocabulary", []string{"-data", f.Test, "-vocab", write("vocab.txt", []byte("a\n\nb\n"))}, "vocab.txt:2: blank line"},
		{"truncated checkpoint", []string{"-checkpoint", write("trunc.safetensors", good[:len(good)/2])}, "trunc.safetensors: "},
		{"checkpoint cut in its header", []string{"-checkpoint", write("trunc2.safetensors", good[:20])}, "trunc2.safetensors: "},
		{"flipped data byte", []string{"-checkpoint", write("flip.safetensors", flipped)}, "flip.safetensors: "},
		{"flipped header byte", []string{"-checkpoint", write("flip2.safetensors", header)}, "flip2.safetensors: "},
		{"not a checkpoint", []string{"-checkpoint", f.Test}, "test.feat: "},
		{"missing checkpoint", []string{"-checkpoint", filepath.Join(dir, "none.safetensors")}, "none.safetensors: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := map[string]string{"-checkpoint": ck, "-data": f.Test, "-iw-samples": "0", "-samples": "2"}
			for i := 0; i < len(tc.args); i += 2 {
				args[tc.args[i]] = tc.args[i+1]
			}
			var argv []string
			for k, v := range args {
				argv = append(argv, k, v)
			}
			cmd := exec.Command(bin, argv...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("%v, want exit status 1\n%s%s", err, stdout.String(), stderr.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
				t.Errorf("stderr\n%s\nwant one line with %q", msg, tc.want)
			}
			for _, s := range []string{"panic", "goroutine ", "runtime."} {
				if strings.Contains(msg, s) {
					t.Errorf("stderr shows %q:\n%s", s, msg)
				}
			}
		})
	}
}
