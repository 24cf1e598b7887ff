package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goodFeat returns n documents over the words 1..v in the feat format.
func goodFeat(n, v int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "%d %d:2 %d:1\n", i%3, 1+i%v, 1+(i+3)%v)
	}
	return sb.String()
}

// vocabFile returns v words, one per line, in the vocab.new style.
func vocabFile(v int) string {
	var sb strings.Builder
	for i := range v {
		fmt.Fprintf(&sb, "w%d 0\n", i)
	}
	return sb.String()
}

// TestBadFilesExitCleanly runs the built command on each kind of malformed
// file the readers refuse, and on the oddities they accept. A refused file
// must end the process with status 1 and a message naming the file and the
// line; nothing may panic or print a stack trace.
func TestBadFilesExitCleanly(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := goodFeat(40, 10)
	vocab := write("vocab.new", vocabFile(10))
	long := "1 " + strings.Repeat("1:1 ", 10<<20/4) + "2:x\n" // a 10 MB line, its last token bad
	quick := []string{"-K", "2", "-hidden", "4", "-epochs", "1", "-samples", "2", "-iw-samples", "0", "-eval-samples", "2"}
	for _, tc := range []struct {
		name, file, content string
		flags               []string // besides -train FILE -out DIR
		want                string   // in stderr; "" for a file that is accepted
	}{
		{"bad token", "token.feat", good + "1 3:2 x\n", nil, "token.feat:41: token \"x\": want id:count"},
		{"id 0", "id0.feat", "1 0:1\n" + good, nil, "id0.feat:1: token \"0:1\": id 0 out of range"},
		{"id past the vocabulary", "id11.feat", good + "1 11:1\n", []string{"-vocab", vocab}, "id11.feat:41: token \"11:1\": id 11 out of range 1..10"},
		{"negative count", "neg.feat", "1 2:-1\n", nil, "neg.feat:1: token \"2:-1\": count -1 is not positive"},
		{"negative id", "negid.feat", "1 -2:1\n", nil, "negid.feat:1: token \"-2:1\": id -2 out of range"},
		{"fractional count", "frac.feat", good + "1 2:1.5\n", nil, "frac.feat:41: token \"2:1.5\": count \"1.5\" is not an integer"},
		{"overflowing count", "big.feat", "1 2:99999999999999999999\n", nil, "big.feat:1: token \"2:99999999999999999999\": count overflows int"},
		{"overflowing token total", "total.feat", "1 1:9223372036854775807 2:1\n", nil, "total.feat:1: document token count overflows int"},
		{"duplicate id", "dup.feat", "1 2:1 3:1 2:4\n", nil, "dup.feat:1: duplicate id 2"},
		{"missing colon", "colon.feat", "1 2:1 35\n", nil, "colon.feat:1: token \"35\": want id:count"},
		{"NUL byte", "nul.feat", good + "1 2:1\x00\n", nil, "nul.feat:41: NUL byte at column 6"},
		{"invalid UTF-8", "utf8.feat", "\xff\xfe 2:1\n", nil, "utf8.feat:1: invalid UTF-8"},
		{"10 MB line", "long.feat", good + long, nil, "long.feat:41: token \"2:x\": count \"x\" is not an integer"},
		{"empty file", "empty.feat", "", nil, "empty.feat: no documents to train on (0 empty documents skipped)"},
		{"only empty documents", "blank.feat", "1\n2 \n\n", nil, "blank.feat: no documents to train on (3 empty documents skipped)"},
		{"bad validation file", "train.feat", good, []string{"-valid", write("valid.feat", "1 1:1\n1 1:1 1:1\n")}, "valid.feat:2: duplicate id 1"},
		{"bad test file", "train.feat", good, []string{"-test", write("test.feat", "1 1:1\n\n1 1:q\n")}, "test.feat:3: token \"1:q\""},
		{"empty test file", "train.feat", good, []string{"-test", write("blank-test.feat", "\n\n")}, "blank-test.feat: no documents to evaluate (2 empty documents skipped)"},
		{"bad vocabulary", "train.feat", good, []string{"-vocab", write("dupvocab.txt", "a\nb\na\n")}, "dupvocab.txt:3: duplicate word \"a\" (first on line 1)"},
		{"UCI: fractional count", "docword.txt", "2\n10\n2\n1 3 1\n2 4 0.5\n", []string{"-format", "uci"}, "docword.txt:5: count \"0.5\" is not an integer"},
		{"UCI: word past W", "docword2.txt", "2\n10\n2\n1 3 1\n2 11 1\n", []string{"-format", "uci"}, "docword2.txt:5: wordID 11 out of range 1..10"},
		{"UCI: fewer entries than NNZ", "docword3.txt", "2\n10\n3\n1 3 1\n2 4 1\n", []string{"-format", "uci"}, "docword3.txt: header says NNZ=3 but there are 2 entries"},
		{"text: NUL byte", "docs.txt", "the cat sat\non the mat\x00\n", []string{"-format", "text", "-min-count", "1"}, "docs.txt:2: NUL byte"},
		{"text: invalid UTF-8", "docs2.txt", "the cat sat\non the \xc3(mat\n", []string{"-format", "text", "-min-count", "1"}, "docs2.txt:2: invalid UTF-8"},
		{"valid fraction 1", "train.feat", good, []string{"-valid-fraction", "1"}, "-valid-fraction 1 must lie in [0, 1)"},
		{"negative -min-count", "docs3.txt", "the cat\n", []string{"-format", "text", "-min-count", "-1"}, "-min-count and -max-vocab must not be negative"},
		{"run folder under a file", "train.feat", good, []string{"-out", filepath.Join(vocab, "run")}, "train: run folder: stat " + filepath.Join(vocab, "run") + ": not a directory"},
		{"missing file", "train.feat", good, []string{"-valid", filepath.Join(dir, "nope.feat")}, "nope.feat: no such file"},

		{"CRLF line ends", "crlf.feat", strings.ReplaceAll(good, "\n", "\r\n"), nil, ""},
		{"no trailing newline", "nonl.feat", strings.TrimSuffix(good, "\n"), nil, ""},
		{"empty documents among others", "some.feat", "1\n" + good + "\n\n2 \n", nil, ""},
		{"UCI with CRLF", "docword4.txt", "3\r\n10\r\n2\r\n1 3 1\r\n3 4 2", []string{"-format", "uci", "-valid-fraction", "0"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(tc.file, tc.content)
			args := append([]string{"-train", path, "-out", filepath.Join(t.TempDir(), "run")}, quick...)
			r := runBinary(t, append(args, tc.flags...)...)
			noCrash(t, tc.name, r)
			if tc.want == "" {
				if r.code != 0 || !strings.Contains(r.stderr, "trained 1 epochs") {
					t.Errorf("exit %d, want 0 and a trained model:\n%s", r.code, r.stderr)
				}
				return
			}
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr\n%s\nwant exit 1 and %q", r.code, r.stderr, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("%d lines of error output, want one:\n%s", n+1, r.stderr)
			}
		})
	}
}
