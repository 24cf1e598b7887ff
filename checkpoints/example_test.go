package checkpoints_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/amvi/amvi/checkpoints"
)

func Example() {
	dir, err := os.MkdirTemp("", "checkpoints-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var c checkpoints.Checkpoint
	c.Metadata = map[string]string{"config": `{"hidden":[3],"activation":"tanh"}`}
	c.Add("encoder.layers.0.weight", []int{2, 3}, []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6})
	c.Add("encoder.layers.0.bias", []int{3}, []float64{0, 0, 1})
	c.Add("step", nil, []float64{1000}) // a scalar

	path := filepath.Join(dir, "last.safetensors")
	if err := checkpoints.Save(path, &c); err != nil {
		log.Fatal(err)
	}

	loaded, err := checkpoints.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	w, _ := loaded.Tensor("encoder.layers.0.weight")
	fmt.Println(w.Name, w.Shape, w.Data)
	step, _ := loaded.Tensor("step")
	fmt.Println(step.Shape, step.Data[0])
	fmt.Println(loaded.Metadata["config"])
	fmt.Println(loaded.Metadata["format"])
	// Output:
	// encoder.layers.0.weight [2 3] [0.1 0.2 0.3 0.4 0.5 0.6]
	// [] 1000
	// {"hidden":[3],"activation":"tanh"}
	// amvi-checkpoint/1
}

func ExampleRead_corrupt() {
	var c checkpoints.Checkpoint
	c.Add("w", []int{2}, []float64{1, 2})
	var buf bytes.Buffer
	if err := checkpoints.Write(&buf, &c); err != nil {
		log.Fatal(err)
	}
	data := buf.Bytes()
	data[len(data)-1] ^= 1 // flip one bit of the last value

	_, err := checkpoints.Read(bytes.NewReader(data), "w.safetensors")
	fmt.Println(errors.Is(err, checkpoints.ErrCorrupt))
	// Output:
	// true
}
