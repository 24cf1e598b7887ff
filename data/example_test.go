package data_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"strings"

	"github.com/amvi/amvi/data"
	"gonum.org/v1/gonum/mat"
)

func ExampleReadFeat() {
	const feat = "1 3:2 1:1\n" + // label 1, word 3 twice, word 1 once
		"1 2:4\r\n" + // CRLF is fine
		"1 \n" // label only: an empty document
	c, err := data.ReadFeat(strings.NewReader(feat), "example.feat", data.FeatOptions{V: 4})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("docs:", c.Len(), "skipped:", c.SkippedEmpty, "tokens:", c.Tokens(), "V:", c.V)
	for _, d := range c.Docs {
		fmt.Println(d.Words, d.Counts) // 0-based, sorted
	}
	// Output:
	// docs: 2 skipped: 1 tokens: 7 V: 4
	// [0 2] [1 2]
	// [1] [4]
}

func ExampleReadFeat_error() {
	_, err := data.ReadFeat(strings.NewReader("1 1:2\n1 4:1.5\n"), "bad.feat", data.FeatOptions{})
	fmt.Println(err)
	// Output:
	// bad.feat:2: token "4:1.5": count "1.5" is not an integer
}

func ExampleReadUCI() {
	vocab, err := data.ReadVocab(strings.NewReader("apple\nbanana\ncherry\n"), "vocab.txt")
	if err != nil {
		log.Fatal(err)
	}
	const docword = "3\n3\n3\n" + // D, W, NNZ
		"1 1 2\n1 3 1\n" + // document 1
		"3 2 5\n" // document 3; document 2 is empty
	c, err := data.ReadUCI(strings.NewReader(docword), "docword.txt", vocab)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("docs:", c.Len(), "skipped:", c.SkippedEmpty)
	for _, d := range c.Docs {
		var parts []string
		for i, w := range d.Words {
			parts = append(parts, fmt.Sprintf("%s:%d", c.Vocab.Word(w), d.Counts[i]))
		}
		fmt.Println(strings.Join(parts, " "))
	}
	// Output:
	// docs: 2 skipped: 1
	// apple:2 cherry:1
	// banana:5
}

func ExampleTokenize() {
	fmt.Printf("%q\n", data.Tokenize("Don't stop: e-mail Zoë, 3.5 times!"))
	// Output:
	// ["don" "t" "stop" "e" "mail" "zoë" "3" "5" "times"]
}

func ExampleBuildVocabulary() {
	train := "The cat sat on the mat.\nThe dog sat on the log.\nA cat and a dog.\n"
	vocab, err := data.BuildVocabulary(strings.NewReader(train), "train.txt",
		data.TextOptions{MinCount: 2, StopWords: data.EnglishStopWords})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vocab.Words())

	c, err := data.ReadText(strings.NewReader("A dog and a cat.\nA bird.\n"), "test.txt", vocab)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("docs:", c.Len(), "skipped:", c.SkippedEmpty, "out of vocabulary:", c.OOVTokens)
	// Output:
	// [cat dog sat]
	// docs: 1 skipped: 1 out of vocabulary: 5
}

func ExampleCorpus_FillDense() {
	c, err := data.ReadFeat(strings.NewReader("1 1:2 3:1\n1 2:4\n"), "x.feat", data.FeatOptions{})
	if err != nil {
		log.Fatal(err)
	}
	x := mat.NewDense(2, c.V, nil)
	c.FillDense(x, []int{1, 0})
	fmt.Println(mat.Formatted(x))
	// Output:
	// ⎡0  4  0⎤
	// ⎣2  0  1⎦
}

func ExampleMinibatches() {
	rng := rand.New(rand.NewPCG(1, 2)) // seeded: the same batches every run
	for _, batch := range data.Minibatches(10, 4, rng) {
		fmt.Println(len(batch))
	}
	// Output:
	// 4
	// 4
	// 2
}

func ExampleSplit() {
	var sb strings.Builder
	for i := range 100 {
		fmt.Fprintf(&sb, "1 %d:1\n", i+1)
	}
	c, err := data.ReadFeat(strings.NewReader(sb.String()), "docs.feat", data.FeatOptions{})
	if err != nil {
		log.Fatal(err)
	}
	train, valid := data.Split(c, 0.1, rand.New(rand.NewPCG(1, 2)))
	fmt.Println("train:", train.Len(), "valid:", valid.Len())
	// Output:
	// train: 90 valid: 10
}
