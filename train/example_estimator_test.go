package train_test

import (
	"fmt"

	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/train"
)

// A program that runs its own loop of steps (a benchmark, say) builds the
// estimator exactly as a training run of the same settings would.
func ExampleConfig_NewEstimator() {
	c := train.Config{Estimator: estimators.KindNVIL, KL: estimators.ClosedForm, V: 1995, Seed: 1, Normalise: true, Dtype: model.Float32}
	est := c.NewEstimator()
	nv := est.(*estimators.NVIL)
	fmt.Println(est.Name(), nv.Config.Float32, nv.Config.Normalise)
	// Output: nvil true true
}
