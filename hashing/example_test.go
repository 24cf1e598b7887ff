package hashing_test

import (
	"fmt"

	"github.com/amvi/amvi/hashing"
)

func Example() {
	// Four documents' features (an encoder's logits, say), two per
	// document, thresholded at 0 into 2-bit codes.
	db := hashing.NewCodes(4, 2)
	hashing.Threshold(db, []float64{
		1.5, -0.2, // 10
		-3, 0.7, // 01
		0.1, 0.4, // 11
		2, -1, // 10
	}, nil)
	q := hashing.NewCodes(1, 2)
	hashing.Pack(q.Code(0), []bool{true, false}) // 10

	res := hashing.Search(nil, db, q.Code(0), 3)
	fmt.Println(res) // ties in database order
	labels := [][]string{{"sci"}, {"rec"}, {"sci", "rec"}, {"talk"}}
	fmt.Printf("precision@3 %.3f\n", hashing.Precision([][]hashing.Neighbor{res}, [][]string{{"sci"}}, labels))
	// Output:
	// [{0 0} {3 0} {2 1}]
	// precision@3 0.667
}
