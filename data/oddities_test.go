package data

import (
	"strconv"
	"strings"
	"testing"
)

// The tests below complete, for the readers other than feat (whose tables in
// feat_test.go already hold them), the list of malformed and odd inputs that
// every reader must either accept as a user would expect or refuse with a
// *ParseError naming the file and the line.

// tenMB is the length of the "10 MB single line" the readers must take.
const tenMB = 10 << 20

// TestTenMegabyteLines reads a single line of more than 10 MB with every
// reader: a valid one is accepted whole, and an error at its end is reported
// on that line.
func TestTenMegabyteLines(t *testing.T) {
	// UCI: a valid entry padded with 10 MB of blanks, then a bad one.
	pad := strings.Repeat(" ", tenMB)
	c, err := ReadUCI(strings.NewReader("1\n3\n1\n1"+pad+"2 7\n"), "docword.txt", nil)
	if err != nil || c.Len() != 1 || c.Tokens() != 7 {
		t.Errorf("UCI: %v, %v; want one document of 7 tokens", c, err)
	}
	_, err = ReadUCI(strings.NewReader("1\n3\n1\n1 2 "+strings.Repeat("9", tenMB)+"\n"), "docword.txt", nil)
	checkParseError(t, err, "docword.txt", 4, "overflows int")

	// Text: one document of 10 MB, its words counted.
	vocab, _ := NewVocabulary([]string{"apple", "pear"})
	line := strings.Repeat("apple pear, ", tenMB/12) + "fig\r\n"
	c, err = ReadText(strings.NewReader("pear\n"+line), "docs.txt", vocab)
	if err != nil || c.Len() != 2 || c.Tokens() != 1+2*(tenMB/12) || c.OOVTokens != 1 {
		t.Errorf("text: %v; %d docs, %d tokens, %d OOV", err, c.Len(), c.Tokens(), c.OOVTokens)
	}
	v, err := BuildVocabulary(strings.NewReader(line), "train.txt", TextOptions{})
	if err != nil || v.Len() != 3 {
		t.Errorf("BuildVocabulary: %v, %v", v, err)
	}
	_, err = ReadText(strings.NewReader("pear\n"+line[:len(line)-2]+"\xff\n"), "docs.txt", vocab)
	checkParseError(t, err, "docs.txt", 2, "invalid UTF-8")

	// Vocabulary: a 10 MB word is odd but valid; a 10 MB line of blanks
	// is a blank line.
	word := strings.Repeat("w", tenMB)
	v, err = ReadVocab(strings.NewReader("a\n"+word+" 17\n"), "vocab.txt")
	if err != nil || v.Len() != 2 || len(v.Word(1)) != tenMB {
		t.Errorf("vocabulary with a 10 MB word: %v", err)
	}
	_, err = ReadVocab(strings.NewReader("a\n"+pad+"\n"), "vocab.txt")
	checkParseError(t, err, "vocab.txt", 2, "blank line")
}

// TestOnlyEmptyDocuments reads files that hold documents but no words: an
// empty corpus, every document counted as skipped. (Refusing to train or
// evaluate on nothing is the commands' job.)
func TestOnlyEmptyDocuments(t *testing.T) {
	c, err := ReadFeat(strings.NewReader("1\n\n2 \r\n3\t\n"), "x.feat", FeatOptions{})
	if err != nil || c.Len() != 0 || c.SkippedEmpty != 4 || c.V != 0 {
		t.Errorf("feat: %+v, %v", c, err)
	}
	c, err = ReadFeat(strings.NewReader("\n\n"), "x.feat", FeatOptions{NoLabel: true, V: 5})
	if err != nil || c.Len() != 0 || c.SkippedEmpty != 2 || c.V != 5 {
		t.Errorf("feat without labels: %+v, %v", c, err)
	}
	c, err = ReadUCI(strings.NewReader("4\r\n3\r\n0\r\n"), "docword.txt", nil)
	if err != nil || c.Len() != 0 || c.SkippedEmpty != 4 {
		t.Errorf("UCI: %+v, %v", c, err)
	}
	vocab, _ := NewVocabulary([]string{"apple"})
	c, err = ReadText(strings.NewReader("\n  \nthe pear, the fig!\n...\r\n"), "docs.txt", vocab)
	if err != nil || c.Len() != 0 || c.SkippedEmpty != 4 || c.OOVTokens != 4 {
		t.Errorf("text: %+v, %v", c, err)
	}
}

// TestReadUCIMoreMalformed adds to TestReadUCIErrors the cases of the list
// it lacks.
func TestReadUCIMoreMalformed(t *testing.T) {
	for _, test := range []errCase{
		{"negative docID", "1\n3\n1\n-1 2 1\n", 4, "docID -1 out of range 1..1"},
		{"negative wordID", "1\n3\n1\n1 -2 1\n", 4, "wordID -2 out of range 1..3"},
		{"overflowing docID", "1\n3\n1\n99999999999999999999 2 1\n", 4, `docID "99999999999999999999" overflows int`},
		{"overflowing D", "99999999999999999999\n", 1, `header: D "99999999999999999999" is not a non-negative integer`},
		{"id:count token", "1\n3\n1\n1 2:1 1\n", 4, `wordID "2:1" is not an integer`},
		{"NUL in the header", "1\n3\x00\n", 2, "NUL byte at column 2"},
		{"invalid UTF-8 in an entry", "1\n3\n1\n1 2 1\xe9\n", 4, "invalid UTF-8"},
		{"header missing at the end", "2\n3", 2, "header: missing NNZ"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadUCI(strings.NewReader(test.input), "docword.bad", nil)
			checkParseError(t, err, "docword.bad", test.line, test.msg)
		})
	}
}

// TestReadersAgreeOnLineEnds reads the same two documents with LF, CRLF
// and no final line end, in every format: the same corpus each time.
func TestReadersAgreeOnLineEnds(t *testing.T) {
	vocab, _ := NewVocabulary([]string{"a", "b", "c"})
	inputs := map[string]string{
		"feat": "1 1:2 3:1\n\n1 2:1\n",
		"uci":  "3\n3\n3\n1 1 2\n1 3 1\n3 2 1\n",
		"text": "a a c\n\nb\n",
	}
	want := []Document{doc(0, 2, 2, 1), doc(1, 1)}
	for format, lf := range inputs {
		for _, ends := range []string{"LF", "CRLF", "CRLF, no final", "LF, no final"} {
			in := lf
			if strings.HasPrefix(ends, "CRLF") {
				in = strings.ReplaceAll(in, "\n", "\r\n")
			}
			if strings.HasSuffix(ends, "no final") {
				in = strings.TrimSuffix(strings.TrimSuffix(in, "\n"), "\r")
			}
			var c *Corpus
			var err error
			switch format {
			case "feat":
				c, err = ReadFeat(strings.NewReader(in), "x", FeatOptions{V: 3})
			case "uci":
				c, err = ReadUCI(strings.NewReader(in), "x", vocab)
			case "text":
				c, err = ReadText(strings.NewReader(in), "x", vocab)
			}
			if err != nil || !docsEqual(c.Docs, want) || c.SkippedEmpty != 1 {
				t.Errorf("%s, %s (%s): %v, %v, %d skipped", format, ends, strconv.Quote(in), c, err, c.SkippedEmpty)
			}
		}
	}
}
